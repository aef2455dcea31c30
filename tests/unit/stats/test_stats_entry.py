"""StatsEntry: exact extremes and sums, clamped percentiles, rates on a fake clock, extend."""

from __future__ import annotations

import pytest

from horde.stats.entry import StatsEntry
from horde.testing.clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def new_entry(clock: FakeClock, name: str = "/a", method: str = "GET") -> StatsEntry:
    return StatsEntry(name, method, clock.time())


def test_a_new_entry_is_empty(clock: FakeClock) -> None:
    entry = new_entry(clock)
    assert (entry.name, entry.method) == ("/a", "GET")
    assert entry.num_requests == entry.num_failures == entry.num_none_requests == 0
    assert entry.min_response_time is None
    assert entry.max_response_time == 0.0
    assert entry.avg_response_time == 0.0
    assert entry.avg_content_length == 0.0
    assert entry.fail_ratio == 0.0
    assert entry.last_request_timestamp is None
    assert entry.percentiles([0.5, 1.0]) == [0.0, 0.0]
    assert entry.median_response_time == 0.0


def test_exact_min_max_sum_and_average(clock: FakeClock) -> None:
    entry = new_entry(clock)
    for rt in (12.345, 0.5, 1003.7, 7.0):
        entry.log(rt, 10, clock.time())
    assert entry.num_requests == 4
    assert entry.min_response_time == 0.5
    assert entry.max_response_time == 1003.7
    assert entry.total_response_time == pytest.approx(12.345 + 0.5 + 1003.7 + 7.0)
    assert entry.avg_response_time == pytest.approx((12.345 + 0.5 + 1003.7 + 7.0) / 4)
    assert entry.last_request_timestamp == clock.time()


def test_content_length_total_and_average(clock: FakeClock) -> None:
    entry = new_entry(clock)
    entry.log(1.0, 100, clock.time())
    entry.log(1.0, 0, clock.time())
    entry.log(None, 50, clock.time())
    assert entry.total_content_length == 150
    assert entry.avg_content_length == 50.0  # over every request, timed or not


def test_none_response_times_count_as_requests_but_not_in_timings(clock: FakeClock) -> None:
    entry = new_entry(clock)
    entry.log(None, 0, clock.time())
    assert entry.num_requests == 1
    assert entry.num_none_requests == 1
    assert entry.timed_requests == 0
    assert entry.avg_response_time == 0.0
    assert entry.min_response_time is None
    assert entry.percentiles([0.5]) == [0.0]
    entry.log(40.0, 0, clock.time())
    entry.log(None, 0, clock.time())
    assert entry.num_requests == 3
    assert entry.num_none_requests == 2
    assert entry.avg_response_time == 40.0  # Locust >= 2.46.2: divided by timed requests only
    assert entry.histogram.count == 1
    assert entry.percentiles([0.5, 1.0]) == [40.0, 40.0]


def test_failures_and_fail_ratio(clock: FakeClock) -> None:
    entry = new_entry(clock)
    entry.log_error(clock.time())
    assert entry.fail_ratio == 1.0  # failures without requests: 100 %, as in Locust
    entry.reset(clock.time())
    for _ in range(4):
        entry.log(5.0, 0, clock.time())
    entry.log_error(clock.time())
    assert entry.num_failures == 1
    assert entry.fail_ratio == 0.25


def test_percentiles_are_clamped_to_the_exact_extremes(clock: FakeClock) -> None:
    entry = new_entry(clock)
    for rt in (1001.0, 1002.0, 1003.0):  # all in one HDR bucket whose upper edge is 1003.519
        entry.log(rt, 0, clock.time())
    assert entry.histogram.percentiles([0.99])[0] > 1003.0
    assert entry.percentiles([0.0, 0.5, 0.99, 1.0]) == [1003.0, 1003.0, 1003.0, 1003.0]
    assert entry.get_response_time_percentile(0.99) == entry.max_response_time
    assert entry.median_response_time == 1003.0


def test_p100_is_the_exact_max_and_p0_at_least_the_min(clock: FakeClock) -> None:
    entry = new_entry(clock)
    for rt in (0.0004, 3.14159, 77.7, 12_345.678):
        entry.log(rt, 0, clock.time())
    p0, p100 = entry.percentiles([0.0, 1.0])
    assert p100 == 12_345.678
    assert p0 == 0.0004  # the histogram rounds this to 0 µs; the exact min wins


def test_samples_above_an_hour_keep_exact_max(clock: FakeClock) -> None:
    entry = new_entry(clock)
    entry.log(10.0, 0, clock.time())
    entry.log(7_200_000.0, 0, clock.time())
    p50, p99, p100 = entry.percentiles([0.5, 0.99, 1.0])
    assert p100 == 7_200_000.0
    assert 3_600_000.0 <= p99 <= 7_200_000.0
    assert p50 == pytest.approx(10.0, rel=0.01)


def test_current_rps_is_the_mean_of_the_last_ten_complete_seconds(clock: FakeClock) -> None:
    entry = new_entry(clock)
    for second in range(20):
        for _ in range(second):  # `second` requests during each second
            entry.log(1.0, 0, clock.time())
        clock.advance(1)
    now = clock.time()
    assert entry.current_rps_at(now) == sum(range(10, 20)) / 10
    assert entry.requests_in_second(int(now) - 1) == 19
    assert entry.total_rps_at(now) == sum(range(20)) / 20


def test_current_rps_early_in_a_run(clock: FakeClock) -> None:
    entry = new_entry(clock)
    assert entry.current_rps_at(clock.time()) == 0.0
    for _ in range(3):
        for _ in range(4):
            entry.log(1.0, 0, clock.time())
        clock.advance(1)
    entry.log(1.0, 0, clock.time())  # during the current, incomplete second: not counted yet
    clock.advance(0.5)
    assert entry.current_rps_at(clock.time()) == 4.0
    assert entry.total_rps_at(clock.time()) == pytest.approx(13 / 3.5)


def test_current_rates_decay_to_zero_when_idle(clock: FakeClock) -> None:
    entry = new_entry(clock)
    for _ in range(15):
        entry.log(1.0, 0, clock.time())
        entry.log(1.0, 0, clock.time())
        entry.log_error(clock.time())
        clock.advance(1)
    assert entry.current_rps_at(clock.time()) == 2.0
    assert entry.current_fail_per_sec_at(clock.time()) == 1.0
    clock.advance(4)
    assert entry.current_rps_at(clock.time()) == pytest.approx(1.2)
    clock.advance(6)
    assert entry.current_rps_at(clock.time()) == 0.0
    assert entry.current_fail_per_sec_at(clock.time()) == 0.0
    assert entry.failures_in_second(int(clock.time()) - 12) == 1


def test_total_rates_over_the_whole_run(clock: FakeClock) -> None:
    entry = new_entry(clock)
    for _ in range(10):
        entry.log(1.0, 0, clock.time())
    entry.log_error(clock.time())
    clock.advance(4)
    assert entry.total_rps_at(clock.time()) == 2.5
    assert entry.total_fail_per_sec_at(clock.time()) == 0.25


def test_extend_equals_recording_into_one_entry(clock: FakeClock) -> None:
    a, b, both = new_entry(clock), new_entry(clock), new_entry(clock)
    samples = [(3.0, 10, False), (None, 5, True), (250.0, 0, False), (0.2, 1, True)]
    for index, (rt, size, failed) in enumerate(samples):
        target = a if index % 2 else b
        for entry in (target, both):
            entry.log(rt, size, clock.time())
            if failed:
                entry.log_error(clock.time())
        clock.advance(0.7)
    a.extend(b)
    now = clock.time()
    assert a.to_dict(now) == both.to_dict(now)
    assert a.histogram.bucket_counts() == both.histogram.bucket_counts()


def test_extend_with_an_empty_entry_changes_nothing(clock: FakeClock) -> None:
    entry = new_entry(clock)
    entry.log(9.0, 3, clock.time())
    before = entry.to_dict(clock.time())
    clock.advance(1)
    entry.extend(StatsEntry("/a", "GET", clock.time()))
    assert entry.to_dict(clock.time() - 1) == before
    empty = new_entry(clock)
    empty.extend(entry)
    assert empty.min_response_time == 9.0
    assert empty.last_request_timestamp == entry.last_request_timestamp


def test_extend_takes_the_earliest_start(clock: FakeClock) -> None:
    early = new_entry(clock)
    clock.advance(30)
    late = new_entry(clock)
    late.extend(early)
    assert late.start_time == early.start_time


def test_reset_zeroes_and_restarts(clock: FakeClock) -> None:
    entry = new_entry(clock)
    entry.log(9.0, 3, clock.time())
    entry.log_error(clock.time())
    clock.advance(5)
    entry.reset(clock.time())
    assert entry.start_time == clock.time()
    assert entry.to_dict(clock.time()) == new_entry(clock).to_dict(clock.time())
    assert entry.histogram.count == 0


def test_to_dict_keys_and_values(clock: FakeClock) -> None:
    entry = new_entry(clock, "/items", "POST")
    entry.log(0.01, 7, clock.time())
    data = entry.to_dict(clock.time(), fractions=(0.5, 0.95, 1.0))
    assert set(data) == {
        "method",
        "name",
        "num_requests",
        "num_none_requests",
        "num_failures",
        "min_response_time",
        "max_response_time",
        "avg_response_time",
        "median_response_time",
        "total_response_time",
        "total_content_length",
        "avg_content_length",
        "current_rps",
        "current_fail_per_sec",
        "total_rps",
        "total_fail_per_sec",
        "fail_ratio",
        "start_time",
        "last_request_timestamp",
        "percentiles",
    }
    assert data["method"] == "POST"
    assert data["name"] == "/items"
    assert data["percentiles"] == {"0.5": 0.01, "0.95": 0.01, "1.0": 0.01}
    assert new_entry(clock).to_dict(clock.time())["min_response_time"] == 0.0
