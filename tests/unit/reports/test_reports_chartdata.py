"""Chart data: thinning keeps spikes, log bins keep every count, encodings round-trip."""

from __future__ import annotations

from horde.reports.chartdata import (
    MAX_NAME_POINTS,
    compact,
    deltas,
    distribution,
    series,
)
from horde.stats.history import HistoryPoint


def point(t: float, p99: float, rps: float = 10.0) -> HistoryPoint:
    return HistoryPoint(t, 5, rps, 0.0, (1.0, 2.0, p99), 1.0, int(t), 0)


def test_thinning_bounds_the_points_and_keeps_the_spike() -> None:
    points = [point(float(t), 900.0 if t == 1234 else 3.0) for t in range(3600)]
    thin = series("GET", "/x", points, MAX_NAME_POINTS)
    assert len(thin.time) <= MAX_NAME_POINTS
    assert max(thin.p99) == 900.0  # the largest percentile of each group is kept
    assert thin.rps[0] == 10.0  # rates are averaged
    assert series("GET", "/x", points, None).time == tuple(float(t) for t in range(3600))


def test_log_bins_keep_every_count_in_order() -> None:
    buckets = {0.5: 3, 1.0: 4, 1.004: 1, 12.3: 2, 5000.0: 1, float("nan"): 9, 7.0: 0}
    d = distribution("GET", "/x", buckets)
    assert sum(d.counts) == 11
    assert list(d.edges) == sorted(d.edges)
    assert d.edges[0] >= 0.5
    assert d.edges[-1] >= 5000.0
    assert d.cumulative()[-1] == 1.0
    assert distribution("GET", "/x", {}).counts == ()


def test_deltas_and_compact_numbers() -> None:
    assert deltas([100.0, 101.0, 102.2, 104.0], 100.0) == [0, 1, 1, 2]
    assert compact([1234.5678, 2.0, 0.0, float("inf")]) == [1230, 2, 0, 0]
