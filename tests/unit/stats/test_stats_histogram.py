"""Histogram: HDR in microseconds, 1 µs to 1 hour, two significant figures."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from horde.stats.histogram import (
    HIGHEST_US,
    Histogram,
    bucket_index,
    percentile_rank,
    percentiles_from_counts,
)

HOUR_MS = HIGHEST_US / 1000.0


def exact(values_ms: list[float], fraction: float) -> float:
    """Nearest-rank percentile: the ceil(fraction * n)-th smallest sample, at least the first."""
    ordered = sorted(values_ms)
    return ordered[max(1, math.ceil(Fraction(repr(fraction)) * len(ordered))) - 1]


def test_empty_histogram_reports_zero_percentiles() -> None:
    hist = Histogram()
    assert hist.count == 0
    assert hist.percentiles([0.0, 0.5, 1.0]) == [0.0, 0.0, 0.0]
    assert hist.nonzero_buckets_ms() == {}


def test_small_values_are_exact_to_the_microsecond() -> None:
    hist = Histogram()
    for us in (1, 2, 3, 100, 255):
        hist.record(us / 1000.0)
    assert hist.percentiles([0.0, 0.2, 0.4, 0.6, 0.8, 1.0]) == [
        0.001,
        0.001,
        0.002,
        0.003,
        0.1,
        0.255,
    ]


@pytest.mark.parametrize("ms", [0.001, 0.5, 1.0, 9.99, 123.4, 5_000.0, 60_000.0, HOUR_MS])
def test_single_value_is_within_one_percent_and_never_under(ms: float) -> None:
    hist = Histogram()
    hist.record(ms)
    (p50,) = hist.percentiles([0.5])
    assert ms <= p50 <= ms * 1.01


def test_values_above_one_hour_are_clamped_to_one_hour() -> None:
    hist = Histogram()
    hist.record(HOUR_MS * 5)
    hist.record(1e300)
    assert hist.count == 2
    (p100,) = hist.percentiles([1.0])
    assert HOUR_MS <= p100 <= HOUR_MS * 1.01
    assert list(hist.nonzero_buckets_ms().values()) == [2]


def test_infinite_and_nan_samples_do_not_raise() -> None:
    hist = Histogram()
    hist.record(math.inf)
    hist.record(math.nan)
    hist.record(-math.inf)
    assert hist.count == 3
    assert hist.percentiles([0.0])[0] == 0.0
    assert HOUR_MS <= hist.percentiles([1.0])[0] <= HOUR_MS * 1.01


def test_negative_values_count_as_zero() -> None:
    hist = Histogram()
    hist.record(-5.0)
    hist.record(-0.0001)
    assert hist.count == 2
    assert hist.nonzero_buckets_ms() == {0.0: 2}
    assert hist.percentiles([1.0]) == [0.0]


def test_record_with_count() -> None:
    hist = Histogram()
    hist.record(0.01, count=7)
    assert hist.count == 7
    assert hist.nonzero_buckets_ms() == {0.01: 7}


def test_rank_is_the_nearest_rank_never_below_the_first() -> None:
    hist = Histogram()
    for us in (1, 2, 3, 4):
        hist.record(us / 1000.0)
    # rank = ceil(f * 4), at least 1
    assert hist.percentiles([0.0, 0.1, 0.25, 0.26, 0.5, 0.51, 0.75, 0.76, 1.0]) == [
        0.001,
        0.001,
        0.001,
        0.002,
        0.002,
        0.003,
        0.003,
        0.004,
        0.004,
    ]


def test_p99_of_sixty_samples_is_the_sixtieth() -> None:
    """99 % of 60 requests is 59.4 requests: only the 60th sample covers that many."""
    hist = Histogram()
    for us in range(1, 61):
        hist.record(us / 1000.0)
    assert hist.percentiles([0.99, 0.5, 0.95]) == [0.06, 0.03, 0.057]


@pytest.mark.parametrize(
    ("fraction", "total", "rank"),
    [
        (0.07, 100, 7),  # 0.07 * 100 == 7.000000000000001 in floats
        (0.29, 100, 29),  # 0.29 * 100 == 28.999999999999996
        (0.9999, 10_000, 9_999),
        (0.9999, 10_002, 10_001),  # 10000.9998
        (0.5, 10, 5),  # the lower median, like Locust's median
        (0.0, 10, 1),
        (1.0, 10, 10),
        (1.5, 10, 10),
        (0.999, 1_000_000_000, 999_000_000),
    ],
)
def test_percentile_rank(fraction: float, total: int, rank: int) -> None:
    assert percentile_rank(fraction, total) == rank


def test_merge_adds_counts_and_ignores_empty() -> None:
    a, b = Histogram(), Histogram()
    a.record(0.001)
    b.record(0.002, count=3)
    a.merge(Histogram())
    a.merge(b)
    assert a.count == 4
    assert a.nonzero_buckets_ms() == {0.001: 1, 0.002: 3}
    assert b.count == 3  # the source is untouched


def test_copy_is_independent_and_reset_empties() -> None:
    hist = Histogram()
    hist.record(0.007)
    clone = hist.copy()
    hist.reset()
    assert hist.count == 0
    assert hist.bucket_counts() == Histogram().bucket_counts()
    assert clone.count == 1
    assert clone.percentiles([0.5]) == [0.007]


def test_nonzero_buckets_ms_maps_upper_edges_to_counts() -> None:
    hist = Histogram()
    hist.record(0.0)
    hist.record(1.5)
    hist.record(1.501)  # same bucket as 1.5 ms (1500-1503 µs)
    hist.record(250.0)
    buckets = hist.nonzero_buckets_ms()
    assert buckets == {0.0: 1, 1.503: 2, 250.879: 1}
    assert sum(buckets.values()) == hist.count


def test_bucket_counts_has_a_fixed_layout() -> None:
    empty = Histogram().bucket_counts()
    hist = Histogram()
    hist.record(HOUR_MS)
    counts = hist.bucket_counts()
    assert len(counts) == len(empty)
    assert sum(counts) == 1
    assert all(isinstance(c, int) for c in counts)
    assert counts[-1] == 0 or hist.value_at_index_ms(len(counts) - 1) >= HOUR_MS


def test_encode_is_a_standard_hdr_blob_and_decodes() -> None:
    hist = Histogram()
    for ms in (0.0, 0.001, 1.5, 20.0, 3_000.0, HOUR_MS):
        hist.record(ms)
    blob = hist.encode()
    assert isinstance(blob, bytes)
    assert blob.startswith(b"HISTF")  # base64 of the V2 compressed cookie
    decoded = Histogram.decode(blob)
    assert decoded.count == hist.count
    assert decoded.bucket_counts() == hist.bucket_counts()


def test_percentiles_from_counts_handles_a_window_difference() -> None:
    layout = Histogram()
    older, newer = Histogram(), Histogram()
    older.record(0.1, count=5)
    newer.record(0.1, count=5)
    newer.record(0.002, count=3)
    diff = [n - o for n, o in zip(newer.bucket_counts(), older.bucket_counts(), strict=True)]
    assert percentiles_from_counts(layout, diff, [0.5, 1.0]) == [0.002, 0.002]
    assert percentiles_from_counts(layout, [], [0.5]) == [0.0]
    assert percentiles_from_counts(layout, [0] * len(diff), [0.5]) == [0.0]


def test_exact_helper_matches_histogram_on_exact_values() -> None:
    values = [0.001 * k for k in range(1, 200)]
    hist = Histogram()
    for v in values:
        hist.record(v)
    for fraction in (0.0, 0.01, 0.5, 0.9, 0.99, 1.0):
        assert hist.percentiles([fraction])[0] == pytest.approx(exact(values, fraction))


def test_wrapping_an_hdr_histogram_with_another_layout_is_refused() -> None:
    from hdrh.histogram import HdrHistogram

    own = HdrHistogram(1, HIGHEST_US, 2)
    own.record_value(1500)
    assert Histogram(own).nonzero_buckets_ms() == {1.503: 1}
    with pytest.raises(ValueError, match="wraps only"):
        Histogram(HdrHistogram(1, HIGHEST_US, 3))
    with pytest.raises(ValueError, match="wraps only"):
        Histogram(HdrHistogram(1, HIGHEST_US, 2, word_size=4))


@pytest.mark.parametrize(
    "values",
    [[0.001], [HOUR_MS], [0.001, HOUR_MS], [0.256, 0.257, 300.0], [2.0] * 7 + [70_000.0]],
    ids=["first bucket", "last bucket", "both ends", "counts with zero bytes", "far apart"],
)
def test_percentiles_read_only_the_occupied_span_and_agree_with_the_full_array(
    values: list[float],
) -> None:
    hist = Histogram()
    for value in values:
        hist.record(value, count=256)  # 256 = 0x100: a counter whose low byte is zero
    fractions = [0.0, 0.01, 0.5, 0.9, 0.99, 1.0]
    full = percentiles_from_counts(hist, hist.bucket_counts(), fractions)
    assert hist.percentiles(fractions) == full
    for fraction, value in zip(fractions, full, strict=True):
        assert exact(values, fraction) <= value <= exact(values, fraction) * 1.008 + 0.001


def test_bucket_index_agrees_with_hdr_at_every_power_of_two() -> None:
    from hdrh.histogram import HdrHistogram

    hdr = HdrHistogram(1, HIGHEST_US, 2)
    edges = {0, 1, HIGHEST_US - 1, HIGHEST_US}
    for power in range(33):
        edges |= {2**power - 1, 2**power, 2**power + 1}
    for us in sorted(e for e in edges if 0 <= e <= HIGHEST_US):
        assert bucket_index(us) == hdr.get_counts_array_index(us), us


def test_a_blob_of_another_layout_is_rebucketed_by_value() -> None:
    from hdrh.histogram import HdrHistogram

    finer = HdrHistogram(1, HIGHEST_US, 3)
    for us in (1, 700, 1_500, 2_000_000):
        finer.record_value(us, 2)
    decoded = Histogram.decode(finer.encode())
    direct = Histogram()
    for us in (1, 700, 1_500, 2_000_000):
        direct.record(us / 1000.0, count=2)
    assert decoded.count == 8
    assert decoded.items() == direct.items()  # finer HDR buckets nest inside ours


def test_compact_items_round_trip_and_bad_items_are_refused() -> None:
    hist = Histogram()
    for ms in (0.0, 0.5, 2.0, 2.0, 90.0):
        hist.record(ms)
    copy = Histogram()
    copy.add_items(hist.items())
    expected = [(bucket_index(us), n) for us, n in ((0, 1), (500, 1), (2_000, 2), (90_000, 1))]
    assert copy.items() == hist.items() == expected
    for bad in [(-1, 1), (3328, 1), (5, -2), (1.5, 1), (5, 0.5), (True, 1), (5, 2**70), ("7", 1)]:
        with pytest.raises(ValueError, match="bad histogram bucket"):
            Histogram().add_items([bad])
