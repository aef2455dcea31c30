"""Response-time histogram: an HDR histogram (the ``hdrhistogram`` package) in microseconds.

Range 1 µs to 1 hour with two significant digits: every recorded value lands in a bucket no wider
than 1/128 of its value, so any percentile is within 0.8 % of the true sample (Locust's buckets
round to about two significant *decimal* digits, up to 5 % off). Longer samples are clamped to one
hour in the histogram; the exact min/max/mean are kept next to it by :mod:`horde.stats.entry`.
Histograms with the same layout merge exactly (bucket counts add), which is what workers ship.

Recording is deferred: ``record`` only counts the microsecond value in a small dict, and the
pending values go into the HDR counts (one ``record_value`` per *distinct* value) before anything
reads the histogram. Latencies cluster, so at thousands of requests per second this does a
fraction of the HDR index arithmetic, which is pure Python in ``hdrhistogram``.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Sequence
from itertools import accumulate
from math import ceil

from hdrh.histogram import HdrHistogram

LOWEST_US = 1
HIGHEST_US = 3_600_000_000
SIGNIFICANT_FIGURES = 2


class Histogram:
    """Counts of response times; record in milliseconds, read percentiles in milliseconds."""

    __slots__ = ("_hdr", "_pending", "_record")

    MAX_PENDING = 512
    """Distinct pending values after which ``record`` flushes on its own (bounds the dict to a
    few tens of KB per histogram)."""

    def __init__(self, hdr: HdrHistogram | None = None) -> None:
        if hdr is None:
            hdr = HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_FIGURES)
        elif _layout(hdr) != _LAYOUT:
            raise ValueError("a Histogram wraps only 64-bit 1 µs..1 h, 2-figure HDR histograms")
        self._hdr = hdr
        self._record = self._hdr.record_value
        self._pending: dict[int, int] = {}

    def _flush(self) -> None:
        """Move the pending values into the HDR counts (every reader calls this first)."""
        pending = self._pending
        if pending:
            self._pending = {}
            record = self._record
            for us, count in pending.items():
                record(us, count)

    def record(self, ms: float, count: int = 1) -> None:
        """Record a sample of ``ms`` milliseconds.

        Negative values (and NaN) count as zero; values above an hour (infinity included) as an
        hour. Clamping happens before the conversion to int, which would raise on inf and NaN.
        """
        scaled = ms * 1000.0 + 0.5
        if scaled >= HIGHEST_US:
            us = HIGHEST_US
        elif scaled >= 1.0:
            us = int(scaled)
        else:  # below half a microsecond, negative, or NaN (every comparison with NaN is False)
            us = 0
        pending = self._pending
        pending[us] = pending.get(us, 0) + count
        if len(pending) > self.MAX_PENDING:
            self._flush()

    @property
    def count(self) -> int:
        self._flush()
        return int(self._hdr.total_count)

    def merge(self, other: Histogram) -> None:
        """Add ``other``'s counts to this histogram (exact: same bucket layout)."""
        self._flush()
        if other.count:
            self._hdr.add(other._hdr)

    def copy(self) -> Histogram:
        clone = Histogram()
        clone.merge(self)
        return clone

    def reset(self) -> None:
        self._pending = {}
        self._hdr.reset()

    def bucket_counts(self) -> list[int]:
        """The raw counts array (one entry per bucket); used for window arithmetic.

        The counters are a native ctypes array of 64-bit integers: copying its bytes into an
        ``array`` is about 20 times faster than iterating it (this runs on every tick).
        """
        self._flush()
        return array("q", bytes(self._hdr.counts)).tolist()

    def percentiles(self, fractions: Sequence[float]) -> list[float]:
        """Values (ms) at each fraction in ``fractions`` (0..1); 0.0 when empty.

        A value is the upper edge of the bucket holding the sample of that rank (see
        :func:`percentile_rank`), so it never under-reports; callers clamp to the exact max.
        """
        self._flush()
        hdr = self._hdr
        total = hdr.total_count
        if total <= 0:
            return [0.0 for _ in fractions]
        # Only the buckets from the lowest to the highest recorded value can hold samples,
        # usually a small part of the 3,328: read just that span (one slice of the counters).
        start = hdr.get_counts_array_index(hdr.min_value)
        end = hdr.get_counts_array_index(hdr.max_value) + 1
        counts = array("q", bytes(memoryview(hdr.counts).cast("B")[start * 8 : end * 8])).tolist()
        if sum(counts) != total:  # min/max not tracked exactly (never seen; be safe anyway)
            start, counts = 0, self.bucket_counts()
        return percentiles_from_counts(self, counts, fractions, offset=start)

    def value_at_index_ms(self, index: int) -> float:
        """Upper edge (ms) of the bucket at ``index``."""
        return _UPPER_EDGES_MS[index]

    def nonzero_buckets_ms(self) -> dict[float, int]:
        """``{bucket value in ms: count}`` for buckets holding samples (for JSON/wire export)."""
        self._flush()
        counts = self._hdr.counts
        return {self.value_at_index_ms(i): int(c) for i, c in enumerate(counts) if c}

    def encode(self) -> bytes:
        """Compressed standard HdrHistogram V2 encoding (base64), readable by any HDR tool."""
        self._flush()
        data = self._hdr.encode()
        return data if isinstance(data, bytes) else bytes(data, "ascii")

    @classmethod
    def decode(cls, blob: bytes) -> Histogram:
        decoded = HdrHistogram.decode(blob)
        hist = cls()
        hist._hdr.add(decoded)
        return hist


def _layout(hdr: HdrHistogram) -> tuple[int, int, int, int]:
    """What makes counts arrays comparable index by index (and ``bytes()`` of them readable)."""
    return (hdr.bucket_count, hdr.sub_bucket_count, hdr.unit_magnitude, hdr.word_size)


def _upper_edges_ms(hdr: HdrHistogram) -> list[float]:
    """The upper edge (ms) of every bucket, computed once: reading percentiles looks them up."""
    return [
        float(hdr.get_highest_equivalent_value(hdr.get_value_from_index(index))) / 1000.0
        for index in range(hdr.counts_len)
    ]


_LAYOUT_HDR = HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_FIGURES)
_LAYOUT = _layout(_LAYOUT_HDR)
_UPPER_EDGES_MS = _upper_edges_ms(_LAYOUT_HDR)
del _LAYOUT_HDR


def percentiles_from_counts(
    layout: Histogram, counts: Sequence[int], fractions: Sequence[float], offset: int = 0
) -> list[float]:
    """Percentiles (ms) from a counts array laid out like ``layout`` (e.g. a window difference);
    ``counts[0]`` is the bucket at index ``offset`` of the full array."""
    cumulative = list(accumulate(counts))
    total = cumulative[-1] if cumulative else 0
    if total <= 0:
        return [0.0 for _ in fractions]
    return [
        layout.value_at_index_ms(offset + bisect_left(cumulative, percentile_rank(fraction, total)))
        for fraction in fractions
    ]


def percentile_rank(fraction: float, total: int) -> int:
    """1-based rank of the sample at ``fraction`` of ``total``: the nearest-rank definition.

    ``ceil(fraction * total)``, at least 1: the smallest sample that ``fraction`` of all samples
    do not exceed, so p99 of 60 samples is the 60th, not the 59th (rounding to the nearest rank,
    as the Python ``hdrh`` package does, would report a p99 that only 98.3 % of requests met).
    The product is nudged down by a relative 1e-12 so that float noise (0.07 * 100 is
    7.000000000000001) does not push an exact rank to the next one.
    """
    if fraction >= 1.0:
        return total
    return max(1, min(total, ceil(fraction * total * (1.0 - 1e-12))))
