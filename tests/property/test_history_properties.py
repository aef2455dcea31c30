"""History properties: the ten-tick window against a model, and series thinning."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from horde.stats import history
from horde.stats.histogram import Histogram
from horde.stats.history import HistoryPoint, Series
from horde.stats.registry import RequestStats
from horde.stats.window import WINDOW_SECONDS
from horde.testing.clock import FakeClock

# A run is a list of operations: record a sample (µs, exact in the histogram) or tick.
operations = st.lists(
    st.one_of(st.none(), st.integers(0, 255).map(lambda us: us / 1000.0)),
    max_size=120,
)
fractions = st.lists(st.floats(0.0, 1.0), min_size=1, max_size=4)


@settings(max_examples=200, deadline=None)
@given(operations, fractions)
def test_current_percentiles_cover_exactly_the_last_ten_ticks(
    ops: list[float | None], wanted: list[float]
) -> None:
    clock = FakeClock()
    stats = RequestStats(clock)
    recorded: list[tuple[int, float]] = []  # (ticks done before the sample, sample)
    ticks = 0
    for op in ops:
        if op is None:
            clock.advance(1)
            stats.tick(1)
            ticks += 1
        else:
            stats.log_request("GET", "/a", op, 0)
            recorded.append((ticks, op))
    oldest_kept = ticks - WINDOW_SECONDS  # samples recorded before that tick have left
    window = [ms for before, ms in recorded if before >= oldest_kept]
    expected = Histogram()
    for ms in window:
        expected.record(ms)
    high = max((ms for _, ms in recorded), default=0.0)
    assert stats.current_percentiles(wanted) == [min(v, high) for v in expected.percentiles(wanted)]


def point(t: int) -> HistoryPoint:
    return HistoryPoint(t, 0, 0.0, 0.0, (0.0, 0.0, 0.0), 0.0, 0, 0)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 3_000), st.integers(4, 64))
def test_series_thinning_is_bounded_ordered_and_even(ticks: int, capacity: int) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(history, "CAPACITY", capacity)
        series = Series()
        for t in range(ticks):
            series.offer(point(t))
            assert len(series.points) < capacity
    times = [p.time for p in series.points]
    assert times == sorted(times)
    assert all(t % series.stride == 0 for t in times)  # on the current stride, from tick 0
    assert len(times) == len(range(0, ticks, series.stride))  # none missing at that stride
    if ticks:
        assert times[0] == 0
        assert times[-1] > ticks - 1 - series.stride
    assert series.stride == 1 or len(times) >= capacity // 4  # thinned only when it had to
