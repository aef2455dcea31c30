"""Response-time histogram: an HDR histogram (the ``hdrhistogram`` package) in microseconds.

Range 1 µs to 1 hour with two significant digits: every recorded value lands in a bucket no wider
than 1/128 of its value, so any percentile is within 0.8 % of the true sample (Locust's buckets
round to about two significant *decimal* digits, up to 5 % off). Longer samples are clamped to one
hour in the histogram; the exact min/max/mean are kept next to it by :mod:`horde.stats.entry`.
Histograms with the same layout merge exactly (bucket counts add), which is what workers ship.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from itertools import accumulate

from hdrh.histogram import HdrHistogram

LOWEST_US = 1
HIGHEST_US = 3_600_000_000
SIGNIFICANT_FIGURES = 2


class Histogram:
    """Counts of response times; record in milliseconds, read percentiles in milliseconds."""

    __slots__ = ("_hdr", "_record")

    def __init__(self, hdr: HdrHistogram | None = None) -> None:
        self._hdr = hdr or HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_FIGURES)
        self._record = self._hdr.record_value

    def record(self, ms: float, count: int = 1) -> None:
        """Record a sample of ``ms`` milliseconds (negative values count as zero)."""
        us = int(ms * 1000.0 + 0.5)
        if us > HIGHEST_US:
            us = HIGHEST_US
        elif us < 0:
            us = 0
        self._record(us, count)

    @property
    def count(self) -> int:
        return int(self._hdr.total_count)

    def merge(self, other: Histogram) -> None:
        """Add ``other``'s counts to this histogram (exact: same bucket layout)."""
        if other.count:
            self._hdr.add(other._hdr)

    def copy(self) -> Histogram:
        clone = Histogram()
        clone.merge(self)
        return clone

    def reset(self) -> None:
        self._hdr.reset()

    def bucket_counts(self) -> list[int]:
        """The raw counts array (one entry per bucket); used for window arithmetic."""
        return list(self._hdr.counts)

    def percentiles(self, fractions: Sequence[float]) -> list[float]:
        """Values (ms) at each fraction in ``fractions`` (0..1); 0.0 when empty.

        A value is the upper edge of the bucket holding the sample of that rank, so it never
        under-reports; callers clamp to the exact max.
        """
        return percentiles_from_counts(self, self.bucket_counts(), fractions)

    def value_at_index_ms(self, index: int) -> float:
        """Upper edge (ms) of the bucket at ``index``."""
        hdr = self._hdr
        return float(hdr.get_highest_equivalent_value(hdr.get_value_from_index(index))) / 1000.0

    def nonzero_buckets_ms(self) -> dict[float, int]:
        """``{bucket value in ms: count}`` for buckets holding samples (for JSON/wire export)."""
        counts = self._hdr.counts
        return {self.value_at_index_ms(i): int(c) for i, c in enumerate(counts) if c}

    def encode(self) -> bytes:
        """Compressed standard HdrHistogram V2 encoding (base64), readable by any HDR tool."""
        data = self._hdr.encode()
        return data if isinstance(data, bytes) else bytes(data, "ascii")

    @classmethod
    def decode(cls, blob: bytes) -> Histogram:
        decoded = HdrHistogram.decode(blob)
        hist = cls()
        hist._hdr.add(decoded)
        return hist


def percentiles_from_counts(
    layout: Histogram, counts: Sequence[int], fractions: Sequence[float]
) -> list[float]:
    """Percentiles (ms) from a counts array laid out like ``layout`` (e.g. a window difference)."""
    cumulative = list(accumulate(counts))
    total = cumulative[-1] if cumulative else 0
    if total <= 0:
        return [0.0 for _ in fractions]
    out = []
    for fraction in fractions:
        rank = max(1, min(total, int(fraction * total + 0.5))) if fraction < 1 else total
        out.append(layout.value_at_index_ms(bisect_left(cumulative, rank)))
    return out
