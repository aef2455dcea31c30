"""RequestStats: the request listener, totals, lifecycle, warnings, ticks and snapshots."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import pytest

from horde.stats import PERCENTILES_TO_REPORT, RequestStats, StatsEntry
from horde.stats.history import CHART_PERCENTILES
from horde.stats.registry import NAME_WARNING_THRESHOLD
from horde.stats.window import WINDOW_SECONDS
from horde.testing.clock import FakeClock


@dataclass
class FakeRequest:
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeResponse:
    status_code: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes = b""
    url: str = "http://target/"
    request: FakeRequest = field(default_factory=FakeRequest)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def stats(clock: FakeClock) -> RequestStats:
    return RequestStats(clock)


def fire(
    stats: RequestStats,
    name: str = "/a",
    response_time: float | None = 10.0,
    *,
    method: str = "GET",
    length: int | None = 100,
    exception: BaseException | str | None = None,
    response: FakeResponse | None = None,
) -> None:
    """Call the listener exactly as Locust's ``request`` event does (keywords only)."""
    stats.on_request(
        request_type=method,
        name=name,
        response_time=response_time,
        response_length=length,
        response=response if response is not None else FakeResponse(),
        context={"user": "u1"},
        exception=exception,
        start_time=stats.clock.time(),
        url=f"http://target{name}",
    )


# -- recording ----------------------------------------------------------------------------------


def test_on_request_records_successes_and_failures(stats: RequestStats) -> None:
    fire(stats, "/a", 10.0)
    fire(stats, "/a", 30.0, exception=ValueError("bad"), response=FakeResponse(status_code=500))
    fire(stats, "/b", None, method="POST", length=None)
    a = stats.entries[("/a", "GET")]
    assert (a.num_requests, a.num_failures, a.total_content_length) == (2, 1, 200)
    b = stats.get("/b", "POST")
    assert (b.num_requests, b.num_none_requests, b.total_content_length) == (1, 1, 0)
    group = stats.errors[("GET", "/a", "ValueError('bad')")]
    assert group.samples[0].status_code == 500
    assert group.samples[0].url == "http://target/a"


def test_a_failed_request_counts_in_requests_and_failures(stats: RequestStats) -> None:
    fire(stats, exception="HTTP 500")
    assert stats.total.num_requests == 1
    assert stats.total.num_failures == 1


def test_log_error_alone_counts_only_a_failure(stats: RequestStats) -> None:
    stats.log_error("GET", "/a", "boom")
    assert stats.entries[("/a", "GET")].num_requests == 0
    assert stats.total.num_failures == 1
    assert stats.total.fail_ratio == 1.0  # Locust's rule: failures without requests are 100 %
    assert stats.snapshot().total.fail_ratio == 1.0


def test_get_creates_on_first_use_with_locust_argument_order(stats: RequestStats) -> None:
    entry = stats.get("/x", "PUT")
    assert isinstance(entry, StatsEntry)
    assert (entry.name, entry.method) == ("/x", "PUT")
    assert stats.get("/x", "PUT") is entry
    assert list(stats.entries) == [("/x", "PUT")]


def test_total_is_the_sum_of_the_entries(stats: RequestStats, clock: FakeClock) -> None:
    for k in range(60):
        fire(stats, f"/p{k % 7}", float(k) + 0.25, method="GET" if k % 2 else "POST")
        if k % 5 == 0:
            fire(stats, f"/p{k % 3}", None, exception="timeout")
        clock.advance(0.3)
    merged = StatsEntry("Aggregated", "", stats.start_time)
    for entry in stats.entries.values():
        merged.extend(entry)
    now = clock.time()
    expected = merged.to_dict(now)
    actual = stats.total.to_dict(now)
    assert actual.pop("total_response_time") == pytest.approx(expected.pop("total_response_time"))
    assert actual.pop("avg_response_time") == pytest.approx(expected.pop("avg_response_time"))
    assert actual == expected
    assert stats.total.histogram.bucket_counts() == merged.histogram.bucket_counts()


# -- lifecycle ----------------------------------------------------------------------------------


def test_reset_all_zeroes_counts_but_keeps_names(stats: RequestStats, clock: FakeClock) -> None:
    fire(stats, "/a", exception="boom")
    stats.log_exception("E", "tb")
    stats.tick(3)
    clock.advance(5)
    stats.reset_all()
    assert list(stats.entries) == [("/a", "GET")]
    assert stats.entries[("/a", "GET")].num_requests == 0
    assert stats.entries[("/a", "GET")].start_time == clock.time()
    assert stats.total.num_requests == stats.total.num_failures == 0
    assert stats.start_time == clock.time()
    assert stats.errors == {}
    assert stats.exceptions == {}
    assert stats.current_percentiles() == [0.0, 0.0, 0.0]
    assert stats.history.points == []  # as in Locust, charts restart after a reset
    assert stats.entry_history[("/a", "GET")].points == []
    clock.advance(1)
    stats.tick(3)
    assert stats.entry_history[("/a", "GET")].points[0].num_requests == 0


def test_clear_all_forgets_everything(stats: RequestStats) -> None:
    for k in range(NAME_WARNING_THRESHOLD + 1):
        fire(stats, f"/n{k}")
    stats.tick(1)
    stats.mark_end()
    stats.clear_all()
    assert stats.entries == {}
    assert stats.entry_history == {}
    assert stats.history.points == []
    assert stats.warnings == []
    assert stats.end_time is None
    assert stats.total.num_requests == 0
    for k in range(NAME_WARNING_THRESHOLD + 1):  # a new test warns again
        fire(stats, f"/m{k}")
    assert len(stats.warnings) == 1


def test_mark_end_freezes_rates(stats: RequestStats, clock: FakeClock) -> None:
    for _ in range(10):
        fire(stats)
    clock.advance(5)
    stats.mark_end()
    clock.advance(100)
    snapshot = stats.snapshot()
    assert snapshot.end_time == stats.start_time + 5
    assert snapshot.duration == 5
    assert snapshot.total.total_rps == 2.0


# -- the cardinality warning --------------------------------------------------------------------


def test_high_cardinality_warning_is_given_once_with_the_fix(
    stats: RequestStats, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="horde.stats.registry")
    for k in range(NAME_WARNING_THRESHOLD):
        fire(stats, f"/item/{k}")
    assert stats.warnings == []
    fire(stats, f"/item/{NAME_WARNING_THRESHOLD}")
    assert len(stats.warnings) == 1
    message = stats.warnings[0]
    assert str(NAME_WARNING_THRESHOLD) in message
    assert f"'/item/{NAME_WARNING_THRESHOLD}'" in message
    assert "name=" in message
    assert "rename_request" in message
    for k in range(NAME_WARNING_THRESHOLD + 1, 3 * NAME_WARNING_THRESHOLD):
        fire(stats, f"/item/{k}")
    assert len(stats.warnings) == 1
    assert [r.getMessage() for r in caplog.records] == [message]


# -- ticks, history and the current window -----------------------------------------------------


def test_tick_appends_history_points(stats: RequestStats, clock: FakeClock) -> None:
    for _ in range(3):
        for _ in range(4):
            fire(stats, "/a", 20.0)
        fire(stats, "/b", 40.0, exception="boom")
        clock.advance(1)
        stats.tick(user_count=7)
    points = stats.history.points
    assert len(points) == 3
    assert [p.time for p in points] == [stats.start_time + s for s in (1, 2, 3)]
    last = points[-1]
    assert last.user_count == 7
    assert (last.num_requests, last.num_failures) == (15, 3)
    assert last.current_rps == 5.0
    assert last.current_fail_per_sec == 1.0
    assert last.avg_response_time == pytest.approx((12 * 20.0 + 3 * 40.0) / 15)
    assert set(stats.entry_history) == {("/a", "GET"), ("/b", "GET")}
    assert stats.entry_history[("/b", "GET")].points[-1].num_requests == 3
    data = last.to_dict()
    assert {f"response_time_percentile_{f}" for f in CHART_PERCENTILES} <= set(data)
    assert data["user_count"] == 7


def test_the_first_history_point_sees_the_samples_before_it(
    stats: RequestStats, clock: FakeClock
) -> None:
    for _ in range(5):
        fire(stats, "/a", 0.1)
    clock.advance(1)
    stats.tick(1)
    assert stats.history.points[0].percentiles == (0.1, 0.1, 0.1)
    assert stats.entry_history[("/a", "GET")].points[0].percentiles == (0.1, 0.1, 0.1)
    assert stats.current_percentiles() == [0.1, 0.1, 0.1]


def test_current_percentiles_exclude_samples_older_than_ten_ticks(
    stats: RequestStats, clock: FakeClock
) -> None:
    fire(stats, "/a", 0.2)  # one slow sample before the first tick
    for tick in range(1, 3 * WINDOW_SECONDS):
        for _ in range(50):
            fire(stats, "/a", 0.01)
        clock.advance(1)
        stats.tick(1)
        expected = 0.2 if tick <= WINDOW_SECONDS else 0.01
        assert stats.current_percentiles([1.0]) == [expected], tick
        if tick > WINDOW_SECONDS:
            assert stats.history.points[-1].percentiles == (0.01, 0.01, 0.01), tick
    # the cumulative percentiles still see everything
    assert stats.total.percentiles([1.0]) == [0.2]


def test_a_burst_leaves_the_window_after_ten_ticks(stats: RequestStats, clock: FakeClock) -> None:
    for _ in range(WINDOW_SECONDS + 2):
        clock.advance(1)
        stats.tick(1)
    for _ in range(100):
        fire(stats, "/a", 0.05)
    for tick in range(1, WINDOW_SECONDS + 2):
        clock.advance(1)
        stats.tick(1)
        inside = tick <= WINDOW_SECONDS
        assert stats.current_percentiles([0.5]) == [0.05 if inside else 0.0], tick


def test_window_percentiles_never_exceed_the_max(stats: RequestStats, clock: FakeClock) -> None:
    fire(stats, "/a", 1001.0)
    clock.advance(1)
    stats.tick(1)
    assert stats.current_percentiles([0.99]) == [1001.0]
    assert stats.history.points[-1].percentiles == (1001.0, 1001.0, 1001.0)


def test_current_percentiles_default_to_the_chart_percentiles(stats: RequestStats) -> None:
    fire(stats, "/a", 0.003)
    assert stats.current_percentiles() == [0.003] * len(CHART_PERCENTILES)


# -- reading ------------------------------------------------------------------------------------


def test_snapshot_contents(stats: RequestStats, clock: FakeClock) -> None:
    fire(stats, "/b", 0.02, method="POST")
    fire(stats, "/a", 0.01)
    fire(stats, "/a", 0.03, exception="boom")
    fire(stats, "/a", 0.03, exception="boom")
    fire(stats, "/b", 0.03, method="POST", exception="rare")
    stats.log_exception("KeyError: 1", "tb1")
    clock.advance(2)
    stats.tick(4)
    snap = stats.snapshot(user_count=4)
    assert snap.time == clock.time()
    assert snap.start_time == stats.start_time
    assert snap.end_time is None
    assert snap.user_count == 4
    assert [(e.name, e.method) for e in snap.entries] == [("/a", "GET"), ("/b", "POST")]
    a = snap.entries[0]
    assert (a.num_requests, a.num_failures, a.min_response_time, a.max_response_time) == (
        3,
        2,
        0.01,
        0.03,
    )
    assert a.median_response_time == 0.03
    assert tuple(a.percentiles) == PERCENTILES_TO_REPORT
    assert a.percentile(1.0) == 0.03
    assert a.fail_ratio == pytest.approx(2 / 3)
    assert snap.total.num_requests == 5
    assert snap.total.name == "Aggregated"
    assert [(e.error, e.occurrences) for e in snap.errors] == [("boom", 2), ("rare", 1)]
    assert [x.msg for x in snap.exceptions] == ["KeyError: 1"]
    assert snap.exceptions[0].nodes == ("local",)
    assert list(snap.current_percentiles) == list(CHART_PERCENTILES)
    assert snap.current_percentiles[0.99] == 0.03
    assert len(snap.history) == 1
    assert set(snap.entry_history) == {("/a", "GET"), ("/b", "POST")}
    assert snap.warnings == ()
    assert snap.has_failures
    assert snap.num_failures_total == 3
    assert snap.duration == 2


def test_snapshot_is_immutable_and_detached(stats: RequestStats) -> None:
    fire(stats, "/a")
    snap = stats.snapshot()
    fire(stats, "/a")
    stats.tick(1)
    assert snap.total.num_requests == 1
    assert snap.history == ()
    with pytest.raises(AttributeError):
        snap.total.num_requests = 5  # type: ignore[misc]


def test_snapshot_with_custom_fractions_always_has_a_median(stats: RequestStats) -> None:
    for ms in (0.001, 0.002, 0.003):
        fire(stats, "/a", ms)
    snap = stats.snapshot(fractions=(0.9,))
    assert snap.total.percentiles == {0.9: 0.003}
    assert snap.total.median_response_time == 0.002


def test_empty_snapshot(stats: RequestStats) -> None:
    snap = stats.snapshot()
    assert snap.entries == ()
    assert snap.total.num_requests == 0
    assert snap.total.percentiles == dict.fromkeys(PERCENTILES_TO_REPORT, 0.0)
    assert not snap.has_failures


def test_buckets_per_entry(stats: RequestStats) -> None:
    fire(stats, "/a", 0.001)
    fire(stats, "/a", 0.001)
    fire(stats, "/a", None)
    fire(stats, "/b", 1.5, method="POST")
    assert stats.buckets() == {("/a", "GET"): {0.001: 2}, ("/b", "POST"): {1.503: 1}}
