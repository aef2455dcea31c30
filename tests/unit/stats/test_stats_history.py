"""History: bounded series with thinning, per-entry series limit, the window tracker."""

from __future__ import annotations

import itertools

from horde.stats.histogram import Histogram
from horde.stats.history import (
    CAPACITY,
    CHART_PERCENTILES,
    ENTRY_SERIES_LIMIT,
    HistoryPoint,
    Series,
    WindowTracker,
)
from horde.stats.registry import RequestStats
from horde.testing.clock import FakeClock


def point(t: float) -> HistoryPoint:
    return HistoryPoint(
        time=t,
        user_count=1,
        current_rps=0.0,
        current_fail_per_sec=0.0,
        percentiles=(0.0, 0.0, 0.0),
        avg_response_time=0.0,
        num_requests=0,
        num_failures=0,
    )


def test_series_keeps_every_point_below_capacity() -> None:
    series = Series()
    for t in range(CAPACITY - 1):
        series.offer(point(t))
    assert [p.time for p in series.points] == list(range(CAPACITY - 1))
    assert series.stride == 1


def test_series_halves_when_full_and_doubles_its_stride() -> None:
    series = Series()
    for t in range(CAPACITY):
        series.offer(point(t))
    assert series.stride == 2
    assert len(series.points) == CAPACITY // 2
    assert [p.time for p in series.points] == list(range(0, CAPACITY, 2))
    series.offer(point(CAPACITY))  # on the stride: kept
    series.offer(point(CAPACITY + 1))  # off the stride: dropped
    assert [p.time for p in series.points[-2:]] == [CAPACITY - 2, CAPACITY]


def test_series_memory_stays_bounded_and_ordered_over_a_long_run() -> None:
    series = Series()
    ticks = 20 * CAPACITY + 123
    peak = 0
    strides = [series.stride]
    for t in range(ticks):
        series.offer(point(t))
        peak = max(peak, len(series.points))
        if series.stride != strides[-1]:
            strides.append(series.stride)
    assert peak < CAPACITY
    assert strides == [1, 2, 4, 8, 16, 32]
    times = [p.time for p in series.points]
    assert times == sorted(times)
    assert times[0] == 0
    gaps = {b - a for a, b in itertools.pairwise(times)}
    assert gaps == {series.stride}  # evenly spaced at the current resolution
    assert ticks - 1 - times[-1] < series.stride  # and up to date


def test_series_clear_restarts() -> None:
    series = Series()
    for t in range(CAPACITY + 5):
        series.offer(point(t))
    series.clear()
    assert (series.points, series.stride) == ([], 1)
    series.offer(point(1))
    series.offer(point(2))
    assert [p.time for p in series.points] == [1, 2]


def test_history_point_to_dict() -> None:
    data = HistoryPoint(
        time=5.0,
        user_count=3,
        current_rps=2.5,
        current_fail_per_sec=0.5,
        percentiles=(1.0, 2.0, 3.0),
        avg_response_time=1.5,
        num_requests=10,
        num_failures=1,
    ).to_dict()
    assert data == {
        "time": 5.0,
        "user_count": 3,
        "current_rps": 2.5,
        "current_fail_per_sec": 0.5,
        "total_avg_response_time": 1.5,
        "num_requests": 10,
        "num_failures": 1,
        "response_time_percentile_0.5": 1.0,
        "response_time_percentile_0.95": 2.0,
        "response_time_percentile_0.99": 3.0,
    }
    assert len(CHART_PERCENTILES) == 3


def test_per_entry_series_are_limited_to_the_first_names() -> None:
    clock = FakeClock()
    stats = RequestStats(clock)
    names = [f"/n{k:03}" for k in range(ENTRY_SERIES_LIMIT + 10)]
    for name in names:
        stats.log_request("GET", name, 1.0, 0)
    clock.advance(1)
    stats.tick(1)
    assert list(stats.entry_history) == [(n, "GET") for n in names[:ENTRY_SERIES_LIMIT]]
    assert all(len(s.points) == 1 for s in stats.entry_history.values())
    assert len(stats.snapshot().entry_history) == ENTRY_SERIES_LIMIT


def test_window_tracker_keeps_window_plus_one_snapshots() -> None:
    hist = Histogram()
    tracker = WindowTracker(window=3)
    hist.record(0.001)
    assert tracker.percentiles(hist, [1.0]) == [0.001]  # no tick yet: everything so far
    for _ in range(3):
        tracker.tick(hist)
        hist.record(0.002)
    assert tracker.percentiles(hist, [0.0]) == [0.001]
    tracker.tick(hist)  # four snapshots: the oldest now includes the first sample
    assert tracker.percentiles(hist, [0.0, 1.0]) == [0.002, 0.002]
    for _ in range(10):
        tracker.tick(hist)
    assert tracker.percentiles(hist, [0.5]) == [0.0]  # nothing recorded in the last three ticks
    tracker.clear()
    assert tracker.percentiles(hist, [0.0]) == [0.001]
