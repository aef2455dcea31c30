"""Histogram properties: percentile accuracy over 1 µs..1 h, exact merge, encode round-trip, and
the compact storage giving exactly the counts and percentiles of hdrh's full histogram."""

from __future__ import annotations

from fractions import Fraction
from math import ceil

from hdrh.histogram import HdrHistogram
from hypothesis import given, settings
from hypothesis import strategies as st

from horde.stats.histogram import (
    HIGHEST_US,
    LOWEST_US,
    SIGNIFICANT_FIGURES,
    SPARSE_LIMIT,
    Histogram,
    bucket_index,
    percentiles_from_counts,
)

# Integer microseconds spread over every decade of the range (plain integers(1, HIGHEST_US)
# would almost never produce small values).
micros = st.one_of(
    st.integers(1, 999),
    st.integers(1_000, 999_999),
    st.integers(1_000_000, HIGHEST_US),
    st.sampled_from([1, 255, 256, 257, 1023, 1024, HIGHEST_US - 1, HIGHEST_US]),
)
samples_us = st.lists(micros, min_size=1, max_size=300)
# Fractions with up to four decimals (p99.99 included): the oracle below is then exact decimal
# arithmetic, independent of the float rounding the code guards against.
fractions = st.one_of(
    st.integers(0, 10_000).map(lambda k: k / 10_000),
    st.sampled_from([0.0, 0.07, 0.5, 0.9, 0.95, 0.99, 0.999, 0.9999, 1.0]),
)
fraction_lists = st.lists(fractions, min_size=1, max_size=8)
# Milliseconds as a real client measures them, including negative, zero and over an hour.
any_ms = st.one_of(
    st.floats(-10.0, 10.0, allow_nan=False),
    st.floats(0.0, 5_000_000.0, allow_nan=False),
    st.floats(0.0, 1.0, allow_nan=False),
)


def exact(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of the sorted samples: the ceil(f * n)-th, at least the first."""
    ordered = sorted(values)
    rank = max(1, ceil(Fraction(repr(fraction)) * len(ordered)))
    return ordered[rank - 1]


def filled(values_ms: list[float]) -> Histogram:
    hist = Histogram()
    for ms in values_ms:
        hist.record(ms)
    return hist


@settings(max_examples=300, deadline=None)
@given(samples_us, fraction_lists)
def test_percentiles_within_one_percent_from_one_microsecond_to_one_hour(
    values_us: list[int], wanted: list[float]
) -> None:
    values_ms = [us / 1000.0 for us in values_us]
    hist = filled(values_ms)
    assert hist.count == len(values_ms)
    for fraction, got in zip(wanted, hist.percentiles(wanted), strict=True):
        truth = exact(values_ms, fraction)
        assert truth <= got <= truth * 1.01, (fraction, truth, got)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(1.0, HIGHEST_US / 1000.0), min_size=1, max_size=200), fraction_lists)
def test_percentiles_of_fractional_milliseconds_within_one_percent(
    values_ms: list[float], wanted: list[float]
) -> None:
    hist = filled(values_ms)
    for fraction, got in zip(wanted, hist.percentiles(wanted), strict=True):
        truth = exact(values_ms, fraction)
        # recording rounds to the nearest microsecond, then reports the bucket's upper edge
        assert truth - 0.0005 <= got <= truth * 1.01, (fraction, truth, got)


@settings(max_examples=200, deadline=None)
@given(st.lists(any_ms, min_size=1, max_size=100))
def test_out_of_range_values_are_clamped(values_ms: list[float]) -> None:
    hist = filled(values_ms)
    clamped = [min(max(v, 0.0), HIGHEST_US / 1000.0) for v in values_ms]
    for fraction in (0.0, 0.5, 1.0):
        got = hist.percentiles([fraction])[0]
        truth = exact(clamped, fraction)
        assert truth - 0.0005 <= got <= truth * 1.01 + 0.0005


@settings(max_examples=200, deadline=None)
@given(st.lists(any_ms, max_size=100), st.lists(any_ms, max_size=100), fraction_lists)
def test_merge_equals_recording_the_union(
    a: list[float], b: list[float], wanted: list[float]
) -> None:
    merged = filled(a)
    merged.merge(filled(b))
    union = filled(a + b)
    assert merged.count == union.count == len(a) + len(b)
    assert merged.bucket_counts() == union.bucket_counts()
    assert merged.nonzero_buckets_ms() == union.nonzero_buckets_ms()
    assert merged.percentiles(wanted) == union.percentiles(wanted)
    other_way = filled(b)
    other_way.merge(filled(a))
    assert other_way.bucket_counts() == union.bucket_counts()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(any_ms, max_size=30), min_size=1, max_size=6))
def test_merging_many_parts_like_workers(parts: list[list[float]]) -> None:
    master = Histogram()
    for part in parts:
        master.merge(filled(part))
    assert master.bucket_counts() == filled([v for p in parts for v in p]).bucket_counts()


@settings(max_examples=150, deadline=None)
@given(st.lists(any_ms, max_size=200), fraction_lists)
def test_encode_decode_round_trip_preserves_counts(
    values: list[float], wanted: list[float]
) -> None:
    hist = filled(values)
    decoded = Histogram.decode(hist.encode())
    assert decoded.count == hist.count
    assert decoded.bucket_counts() == hist.bucket_counts()
    assert decoded.percentiles(wanted) == hist.percentiles(wanted)
    assert decoded.nonzero_buckets_ms() == hist.nonzero_buckets_ms()


@settings(max_examples=100, deadline=None)
@given(st.lists(any_ms, max_size=200))
def test_nonzero_buckets_account_for_every_sample(values: list[float]) -> None:
    hist = filled(values)
    buckets = hist.nonzero_buckets_ms()
    assert sum(buckets.values()) == len(values)
    assert all(count > 0 for count in buckets.values())
    for ms in values:
        edge = min(max(ms, 0.0), HIGHEST_US / 1000.0)
        assert any(edge - 0.0005 <= key <= edge * 1.01 + 0.0005 for key in buckets)


# -- the compact storage against hdrh's full counts array -------------------------------------

# Values clustered (few buckets: the sparse form) or spread (many: the dense span), so that
# examples cross SPARSE_LIMIT and grow the span at both ends.
clustered_us = st.integers(900, 1_100)
spread_us = st.one_of(
    st.lists(st.one_of(micros, clustered_us), max_size=40),
    st.lists(micros, min_size=SPARSE_LIMIT + 1, max_size=400),
    st.lists(st.one_of(micros, clustered_us), min_size=2 * SPARSE_LIMIT, max_size=400),
)


def reference(values_us: list[int]) -> HdrHistogram:
    """hdrh's own histogram of the same values: the full 3,328-counter array."""
    hdr = HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_FIGURES)
    for us in values_us:
        hdr.record_value(us)
    return hdr


def full_counts(hdr: HdrHistogram) -> list[int]:
    return [int(c) for c in hdr.counts]


def compact(values_us: list[int]) -> Histogram:
    return filled([us / 1000.0 for us in values_us])


@settings(max_examples=300, deadline=None)
@given(micros)
def test_bucket_index_is_hdrs_counts_index(us: int) -> None:
    assert bucket_index(us) == reference([]).get_counts_array_index(us)


@settings(max_examples=300, deadline=None)
@given(spread_us, fraction_lists)
def test_compact_histogram_has_the_full_histograms_counts_and_percentiles(
    values_us: list[int], wanted: list[float]
) -> None:
    hist = compact(values_us)
    hdr = reference(values_us)
    assert hist.bucket_counts() == full_counts(hdr)
    assert hist.count == hdr.total_count
    full = percentiles_from_counts(hist, full_counts(hdr), wanted)
    assert hist.percentiles(wanted) == full
    assert hist.items() == [(i, c) for i, c in enumerate(full_counts(hdr)) if c]


@settings(max_examples=200, deadline=None)
@given(spread_us, spread_us, fraction_lists)
def test_merging_compact_and_dense_histograms_is_exact(
    a: list[int], b: list[int], wanted: list[float]
) -> None:
    """Whatever the forms (sparse + dense, dense + sparse, ...), a merge equals hdrh's add."""
    hdr = reference(a)
    hdr.add(reference(b))
    for left, right in ((a, b), (b, a)):
        merged = compact(left)
        merged.merge(compact(right))
        assert merged.bucket_counts() == full_counts(hdr)
        assert merged.percentiles(wanted) == percentiles_from_counts(
            merged, full_counts(hdr), wanted
        )
    via_items = compact(a)
    via_items.add_items(compact(b).items())
    assert via_items.bucket_counts() == full_counts(hdr)


@settings(max_examples=200, deadline=None)
@given(spread_us, spread_us, fraction_lists)
def test_percentiles_since_a_copy_cover_only_what_came_after(
    before: list[int], after: list[int], wanted: list[float]
) -> None:
    hist = compact(before)
    earlier = hist.copy()
    for us in after:
        hist.record(us / 1000.0)
    assert hist.percentiles(wanted, since=earlier) == compact(after).percentiles(wanted)
    assert earlier.bucket_counts() == full_counts(reference(before))  # the copy is independent
