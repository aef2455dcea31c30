"""StatsEntry properties: percentiles inside [min, max] with p100 == max; extend is exact."""

from __future__ import annotations

import math
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from horde.stats.entry import StatsEntry
from horde.stats.histogram import HIGHEST_US

T0 = 1_700_000_000.0

response_times = st.one_of(
    st.floats(0.0, 10.0, allow_nan=False),
    st.floats(0.0, 10_000_000.0, allow_nan=False),  # up to ~2.8 hours: beyond the histogram
    st.integers(0, 5_000).map(float),
)
fractions = st.lists(
    st.one_of(
        st.integers(0, 10_000).map(lambda k: k / 10_000),
        st.sampled_from([0.5, 0.95, 0.99, 0.999, 0.9999, 1.0]),
    ),
    min_size=1,
    max_size=10,
)


def exact(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of the sorted samples: the ceil(f * n)-th, at least the first."""
    ordered = sorted(values)
    rank = max(1, math.ceil(Fraction(repr(fraction)) * len(ordered)))
    return ordered[rank - 1]


def entry_of(values: list[float]) -> StatsEntry:
    entry = StatsEntry("/a", "GET", T0)
    for rt in values:
        entry.log(rt, 0, T0)
    return entry


@settings(max_examples=300, deadline=None)
@given(st.lists(response_times, min_size=1, max_size=200), fractions)
def test_percentiles_stay_within_the_exact_min_and_max(
    values: list[float], wanted: list[float]
) -> None:
    entry = entry_of(values)
    got = entry.percentiles(wanted)
    for fraction, value in zip(wanted, got, strict=True):
        assert min(values) <= value <= max(values), (fraction, value)
    assert entry.percentiles([1.0]) == [max(values)]  # p100 is the max, exactly
    assert entry.get_response_time_percentile(0.99) <= entry.max_response_time
    assert entry.min_response_time == min(values)
    assert entry.max_response_time == max(values)
    ordered = sorted(wanted)
    as_ordered = entry.percentiles(ordered)
    assert as_ordered == sorted(as_ordered)  # monotone in the fraction


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(1.0, HIGHEST_US / 1000.0), min_size=1, max_size=200), fractions)
def test_percentiles_within_one_percent_and_never_below_the_sample(
    values: list[float], wanted: list[float]
) -> None:
    entry = entry_of(values)
    for fraction, value in zip(wanted, entry.percentiles(wanted), strict=True):
        truth = exact(values, fraction)
        assert truth - 0.0005 <= value <= truth * 1.01


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), response_times), max_size=100))
def test_average_and_counts_are_exact(values: list[float | None]) -> None:
    entry = StatsEntry("/a", "GET", T0)
    for rt in values:
        entry.log(rt, 3, T0)
    timed = [v for v in values if v is not None]
    assert entry.num_requests == len(values)
    assert entry.num_none_requests == len(values) - len(timed)
    assert entry.histogram.count == len(timed)
    assert entry.total_content_length == 3 * len(values)
    expected = sum(timed) / len(timed) if timed else 0.0
    assert math.isclose(entry.avg_response_time, expected, rel_tol=1e-9, abs_tol=1e-9)


# One request: (seconds since start, response time or None, content length, failed?)
requests = st.tuples(
    st.floats(0.0, 100.0, allow_nan=False),
    st.one_of(st.none(), response_times),
    st.integers(0, 10_000),
    st.booleans(),
)


def replay(entry: StatsEntry, events: list[tuple[float, float | None, int, bool]]) -> None:
    for offset, rt, size, failed in events:
        entry.log(rt, size, T0 + offset)
        if failed:
            entry.log_error(T0 + offset)


@settings(max_examples=200, deadline=None)
@given(st.lists(requests, max_size=60), st.lists(requests, max_size=60), st.floats(0.0, 130.0))
def test_extend_equals_recording_into_one_entry(
    a_events: list[tuple[float, float | None, int, bool]],
    b_events: list[tuple[float, float | None, int, bool]],
    now_offset: float,
) -> None:
    a_events.sort(key=lambda e: e[0])  # each source records in time order
    b_events.sort(key=lambda e: e[0])
    a, b, both = (StatsEntry("/a", "GET", T0) for _ in range(3))
    replay(a, a_events)
    replay(b, b_events)
    replay(both, sorted(a_events + b_events, key=lambda e: e[0]))
    a.extend(b)
    now = T0 + max([now_offset] + [e[0] for e in a_events + b_events])
    merged, single = a.to_dict(now), both.to_dict(now)
    merged_total = merged.pop("total_response_time")
    single_total = single.pop("total_response_time")
    merged_avg, single_avg = merged.pop("avg_response_time"), single.pop("avg_response_time")
    assert math.isclose(merged_total, single_total, rel_tol=1e-9, abs_tol=1e-9)
    assert math.isclose(merged_avg, single_avg, rel_tol=1e-9, abs_tol=1e-9)
    assert merged == single
    assert a.histogram.bucket_counts() == both.histogram.bucket_counts()
    for second in range(int(T0) - 1, int(T0) + 102):
        assert a.requests_in_second(second) == both.requests_in_second(second)
        assert a.failures_in_second(second) == both.failures_in_second(second)
