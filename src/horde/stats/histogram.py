"""Response-time histogram: HdrHistogram's buckets, stored in memory that grows with the data.

Buckets: exactly those of an HDR histogram (the ``hdrhistogram`` package) in microseconds, 1 µs to
1 hour, two significant digits: 3,328 buckets, each at most 1/128 of its value wide, so any
percentile is within 0.8 % of the true sample (Locust rounds to about two significant *decimal*
digits, up to 5 % off). Longer samples are clamped to one hour; the exact min/max/mean are kept
next to the histogram by :mod:`horde.stats.entry`.

Storage is compact, because a run may have tens of thousands of names and hdrh's full counts
array costs 26 KB each:

* **sparse** while a name has few samples: one sorted array of ``index << 32 | count`` (8 bytes
  per occupied bucket; a name hit a few times costs about a hundred bytes);
* **dense** past :data:`SPARSE_SAMPLES` samples or :data:`SPARSE_LIMIT` occupied buckets: an
  array of counters covering only the span from the lowest to the highest occupied bucket, grown
  at either end when a new extreme arrives. Counters are 16-bit and widen (32, then 64 bits) on
  the first overflow. A busy name with latencies between 1 ms and 1 s holds about 1,300 counters
  (5 KB at 32 bits); every bucket at 32 bits, 13 KB.

Only the storage differs from HDR's: the bucket of every value, and so every count, percentile,
merge and encoding, is identical to the full HDR histogram's (tests/property compares the two).
Recording computes the bucket index directly (HDR's index arithmetic for this layout: a
``bit_length``, a shift and an add): about 0.3 µs into a dense span, 0.5 µs into a sparse one
(a binary search), whether or not values repeat.

The sorted ``(bucket index, count)`` pairs of :meth:`Histogram.items` are the compact form for
shipping a histogram between processes: merging them is one addition per pair.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from itertools import accumulate
from math import ceil
from operator import add, sub

from hdrh.histogram import HdrHistogram

LOWEST_US = 1
HIGHEST_US = 3_600_000_000
SIGNIFICANT_FIGURES = 2

SPARSE_LIMIT = 64
"""Occupied buckets beyond which a sparse histogram turns dense (512 bytes of pairs, about what
a dense span of a few hundred 16-bit counters takes)."""
SPARSE_SAMPLES = 256
"""Samples beyond which a sparse histogram turns dense: a busy name gets the faster dense path
(an index into an array instead of a binary search) after its first few hundred requests."""
_COUNT_MASK = 0xFFFFFFFF
_WIDTHS = (("H", 0xFFFF), ("I", 0xFFFFFFFF), ("q", 2**63 - 1))
_WIDER = {"H": "I", "I": "q"}

_LEFT_SLACK = 16
"""Extra counters added below a new minimum, so a slowly falling minimum does not copy the
array on every new low."""


def bucket_index(us: int) -> int:
    """The HDR counts index of ``us`` (0 <= us <= HIGHEST_US) in this module's layout.

    HDR: ``bucket = bit_length(us | 255) - 8``, ``index = (bucket + 1) * 128 + (us >> bucket) -
    128`` (sub-bucket count 256, unit magnitude 0). A test checks it against hdrh at every bucket
    boundary of the range.
    """
    if us < 256:
        return us
    shift = us.bit_length() - 8
    return (shift << 7) + (us >> shift)


class Histogram:
    """Counts of response times; record in milliseconds, read percentiles in milliseconds."""

    __slots__ = ("_base", "_dense", "_sparse", "_sparse_count")

    def __init__(self, hdr: HdrHistogram | None = None) -> None:
        self._sparse = array("Q")
        """Sorted ``index << 32 | count`` while sparse (empty once dense)."""
        self._sparse_count = 0
        """Samples held by ``_sparse`` (the sum of its counts)."""
        self._dense: array[int] | None = None
        self._base = 0
        """Bucket index of ``_dense[0]``."""
        if hdr is not None:
            if _layout(hdr) != _LAYOUT:
                raise ValueError("a Histogram wraps only 64-bit 1 µs..1 h, 2-figure HDR histograms")
            self._add_hdr(hdr)

    # -- recording (hot path) -------------------------------------------------------------------

    def record(self, ms: float, count: int = 1) -> None:
        """Record ``count`` (at least 1) samples of ``ms`` milliseconds.

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
        if us < 256:  # bucket_index(us), inlined: this runs twice per request
            index = us
        else:
            shift = us.bit_length() - 8
            index = (shift << 7) + (us >> shift)
        dense = self._dense
        if dense is not None:
            pos = index - self._base
            if pos >= 0:
                try:
                    dense[pos] += count
                    return
                except (IndexError, OverflowError):
                    pass  # beyond the span, or the counter is full: the slow path
        self._add(index, count)

    def _add(self, index: int, count: int) -> None:
        """Add ``count`` (>= 0) to bucket ``index``: the sparse form, and every case the dense
        fast path of :meth:`record` does not cover."""
        if self._dense is None:
            total = self._sparse_count + count
            if total <= SPARSE_SAMPLES:
                self._sparse_count = total
                sparse = self._sparse
                key = index << 32
                pos = bisect_left(sparse, key)
                if pos < len(sparse) and sparse[pos] >> 32 == index:
                    sparse[pos] += count
                else:
                    sparse.insert(pos, key | count)
                    if len(sparse) > SPARSE_LIMIT:
                        self._cover(index, index)
                return
        dense = self._cover(index, index)
        pos = index - self._base
        while True:
            try:
                dense[pos] += count
                return
            except OverflowError:
                dense = self._widen(dense)

    def _cover(self, low: int, high: int) -> array[int]:
        """Make the dense span include buckets ``low..high`` (turning dense first if sparse)."""
        dense = self._dense
        if dense is None:
            return self._densify(low, high)
        base = self._base
        size = dense.itemsize
        if low < base:
            new_base = max(0, min(low, base - _LEFT_SLACK))
            grown = array(dense.typecode, bytes(size * (base - new_base)))
            grown.extend(dense)
            self._dense = dense = grown
            self._base = base = new_base
        top = base + len(dense) - 1
        if high > top:
            dense.frombytes(bytes(size * (high - top)))
        return dense

    def _densify(self, low: int, high: int) -> array[int]:
        """Move the sparse counts into a dense span covering them and ``low..high``."""
        pairs = self.items()
        if pairs:
            low, high = min(low, pairs[0][0]), max(high, pairs[-1][0])
        most = max((c for _, c in pairs), default=0)
        typecode = next(t for t, limit in _WIDTHS if most <= limit)
        dense = array(typecode, bytes(array(typecode).itemsize * (high - low + 1)))
        for index, count in pairs:
            dense[index - low] = count
        self._sparse = array("Q")
        self._sparse_count = 0
        self._dense = dense
        self._base = low
        return dense

    def _widen(self, dense: array[int]) -> array[int]:
        """A counter is full: the next wider counters (16 -> 32 -> 64 bits) for the span."""
        typecode = _WIDER.get(dense.typecode)
        if typecode is None:
            raise OverflowError("a histogram bucket cannot count 2**63 samples")
        dense = self._dense = array(typecode, dense)
        return dense

    # -- merging and copying --------------------------------------------------------------------

    def merge(self, other: Histogram) -> None:
        """Add ``other``'s counts to this histogram (exact: same bucket layout)."""
        theirs = other._dense
        if theirs is None:
            for index, count in other.items():
                self._add(index, count)
            return
        mine = self._cover(other._base, other._base + len(theirs) - 1)
        start = other._base - self._base
        end = start + len(theirs)
        while True:
            try:
                mine[start:end] = array(mine.typecode, map(add, mine[start:end], theirs))
                return
            except OverflowError:
                mine = self._widen(mine)

    def add_items(self, items: Iterable[tuple[int, int]]) -> None:
        """Add ``(bucket index, count)`` pairs (the compact form of :meth:`items`)."""
        for index, count in items:
            valid = _is_int(index) and _is_int(count)
            if not (valid and 0 <= index < COUNTS_LEN and 0 <= count < 2**62):
                raise ValueError(f"bad histogram bucket ({index!r}, {count!r})")
            if count:
                self._add(index, count)

    def add_buckets(self, indices: Sequence[int], counts: Sequence[int]) -> None:
        """Add ``counts[i]`` samples to bucket ``indices[i]`` (a worker's report, merged).

        The caller guarantees what :mod:`horde.stats.wire` checks on a report: indices strictly
        increasing within the layout, counts above zero. The span is covered once and each
        count added in place: about 60 ns a bucket, so a master merges a thousand reports of a
        thousand buckets a second on one core.
        """
        if not indices:
            return
        if self._dense is None and self._sparse_count + sum(counts) <= SPARSE_SAMPLES:
            for index, count in zip(indices, counts, strict=True):
                self._add(index, count)
            return
        dense = self._cover(indices[0], indices[-1])
        base = self._base
        for index, count in zip(indices, counts, strict=True):
            try:
                dense[index - base] += count
            except OverflowError:
                self._add(index, count)  # widens the counters
                dense = self._dense  # type: ignore[assignment]

    def copy(self) -> Histogram:
        clone = Histogram()
        clone._sparse = array("Q", self._sparse)
        clone._sparse_count = self._sparse_count
        if self._dense is not None:
            clone._dense = array(self._dense.typecode, self._dense)
            clone._base = self._base
        return clone

    def reset(self) -> None:
        """Empty the histogram and give back the dense span's memory."""
        self._sparse = array("Q")
        self._sparse_count = 0
        self._dense = None
        self._base = 0

    # -- reading --------------------------------------------------------------------------------

    @property
    def count(self) -> int:
        return self._sparse_count if self._dense is None else sum(self._dense)

    def items(self) -> list[tuple[int, int]]:
        """The occupied buckets as sorted ``(bucket index, count)`` pairs: the compact form."""
        dense = self._dense
        if dense is None:
            return [(key >> 32, key & _COUNT_MASK) for key in self._sparse]
        base = self._base
        return [(base + pos, c) for pos, c in enumerate(dense) if c]

    def bucket_counts(self) -> list[int]:
        """The full counts array (one entry per bucket of the HDR layout)."""
        return self._spread(0, COUNTS_LEN)

    def _span(self) -> tuple[int, int] | None:
        """Lowest and highest bucket the storage covers (None when nothing is stored)."""
        if self._dense is not None:
            return self._base, self._base + len(self._dense) - 1
        if self._sparse:
            return self._sparse[0] >> 32, self._sparse[-1] >> 32
        return None

    def _spread(self, low: int, length: int) -> list[int]:
        """The counts of buckets ``low .. low + length - 1`` as a list (covering the storage)."""
        out = [0] * length
        dense = self._dense
        if dense is None:
            for key in self._sparse:
                out[(key >> 32) - low] += key & _COUNT_MASK
        else:
            start = self._base - low
            out[start : start + len(dense)] = dense
        return out

    def percentiles(
        self, fractions: Sequence[float], since: Histogram | None = None
    ) -> list[float]:
        """Values (ms) at each fraction in ``fractions`` (0..1); 0.0 when empty.

        A value is the upper edge of the bucket holding the sample of that rank (see
        :func:`percentile_rank`), so it never under-reports; callers clamp to the exact max.
        With ``since`` (an earlier :meth:`copy` of this histogram), only the samples recorded
        after it count: the "current" percentiles of a time window.
        """
        if since is None:
            dense = self._dense
            if dense is not None:
                return _at_ranks(range(self._base, self._base + len(dense)), dense, fractions)
            sparse = self._sparse
            indices = [key >> 32 for key in sparse]
            return _at_ranks(indices, [key & _COUNT_MASK for key in sparse], fractions)
        spans = [s for s in (self._span(), since._span()) if s is not None]
        if not spans:
            return [0.0 for _ in fractions]
        low = min(s[0] for s in spans)
        length = max(s[1] for s in spans) - low + 1
        counts = list(map(sub, self._spread(low, length), since._spread(low, length)))
        return _at_ranks(range(low, low + length), counts, fractions)

    def value_at_index_ms(self, index: int) -> float:
        """Upper edge (ms) of the bucket at ``index``."""
        return _UPPER_EDGES_MS[index]

    def nonzero_buckets_ms(self) -> dict[float, int]:
        """``{bucket value in ms: count}`` for buckets holding samples (for JSON/wire export)."""
        return {_UPPER_EDGES_MS[i]: c for i, c in self.items()}

    # -- the standard HDR encoding --------------------------------------------------------------

    def encode(self) -> bytes:
        """Compressed standard HdrHistogram V2 encoding (base64), readable by any HDR tool."""
        hdr = HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_FIGURES)
        for index, count in self.items():
            hdr.record_value(_LAYOUT_HDR.get_value_from_index(index), count)
        data = hdr.encode()
        return data if isinstance(data, bytes) else bytes(data, "ascii")

    @classmethod
    def decode(cls, blob: bytes) -> Histogram:
        """Read a V2 blob; a histogram of another layout is re-bucketed by its buckets' values."""
        hist = cls()
        hist._add_hdr(HdrHistogram.decode(blob))
        return hist

    def _add_hdr(self, hdr: HdrHistogram) -> None:
        same = _layout(hdr) == _LAYOUT
        for i, count in enumerate(hdr.counts):
            if count:
                if same:
                    index = i
                else:
                    value = hdr.get_highest_equivalent_value(hdr.get_value_from_index(i))
                    index = bucket_index(min(int(value), HIGHEST_US))
                self._add(index, int(count))


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _layout(hdr: HdrHistogram) -> tuple[int, int, int, int]:
    """What makes counts arrays comparable index by index."""
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
COUNTS_LEN = _LAYOUT_HDR.counts_len
"""Buckets in the layout (3,328)."""


def _at_ranks(
    indices: Sequence[int], counts: Iterable[int], fractions: Sequence[float]
) -> list[float]:
    """Upper edges (ms) of the buckets holding the samples at ``fractions``; ``counts[k]`` is
    the count of bucket ``indices[k]``."""
    cumulative = list(accumulate(counts))
    total = cumulative[-1] if cumulative else 0
    if total <= 0:
        return [0.0 for _ in fractions]
    ranks = [  # percentile_rank(fraction, total), inlined: this runs for every name per snapshot
        total if fraction >= 1.0 else max(1, min(total, ceil(fraction * total * _NUDGE)))
        for fraction in fractions
    ]
    return [_UPPER_EDGES_MS[indices[bisect_left(cumulative, rank)]] for rank in ranks]


def percentiles_from_counts(
    layout: Histogram, counts: Sequence[int], fractions: Sequence[float], offset: int = 0
) -> list[float]:
    """Percentiles (ms) from a counts array laid out like ``layout`` (e.g. a window difference);
    ``counts[0]`` is the bucket at index ``offset`` of the full array."""
    return _at_ranks(range(offset, offset + len(counts)), counts, fractions)


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
    return max(1, min(total, ceil(fraction * total * _NUDGE)))


_NUDGE = 1.0 - 1e-12
