"""Distributed statistics are exact: what the master merges from worker reports equals what one
process recording every sample itself has (counts, min/max, histograms, percentiles, failures,
exceptions, per-second rates), whatever the split between workers and whenever they report."""

from __future__ import annotations

import contextlib
import math

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from horde.exceptions import ProtocolError
from horde.stats import Histogram, RequestStats
from horde.stats.histogram import COUNTS_LEN
from horde.stats.wire import ReportTracker, merge_report, take_report
from horde.stats.wire_check import parse_report
from horde.testing.clock import FakeClock

T0 = 1_700_000_000.0
FRACTIONS = (0.0, 0.01, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0)

response_times = st.one_of(
    st.none(),
    st.floats(0.0, 10.0, allow_nan=False),
    st.floats(0.0, 100_000.0, allow_nan=False),
    st.integers(0, 5_000).map(float),
)
events = st.lists(
    st.tuples(
        st.integers(0, 3),  # worker
        st.floats(0.0, 3.0),  # seconds since the previous event
        st.sampled_from([("GET", "/a"), ("GET", "/b"), ("POST", "/a"), ("PUT", "/c")]),
        response_times,
        st.integers(0, 10_000),  # content length
        st.one_of(st.none(), st.sampled_from(["boom", "HTTPError(500)", "timeout"])),
        st.booleans(),  # the worker reports after this event
        st.booleans(),  # user code raised after this event
    ),
    min_size=1,
    max_size=150,
)


def ship(worker: RequestStats, tracker: ReportTracker, master: RequestStats, node: str) -> None:
    """One report over a msgpack round trip, validated as the master does."""
    wire = msgpack.packb(take_report(worker, tracker))
    merge_report(master, parse_report(msgpack.unpackb(wire)), node)


def record(stats: RequestStats, event: tuple, index: int) -> None:  # type: ignore[type-arg]
    _, _, (method, name), rt, length, error, _, raised = event
    stats.on_request(method, name, rt, length, exception=error, url=f"http://t/{name}?{index}")
    if raised:
        stats.log_exception(f"ValueError: {index % 3}", f"Traceback\nValueError: {index % 3}")


@settings(max_examples=200, deadline=None)
@given(events)
def test_merged_reports_equal_one_process(script: list[tuple]) -> None:  # type: ignore[type-arg]
    clock = FakeClock(T0)
    single = RequestStats(clock)
    master = RequestStats(clock)
    workers = [RequestStats(clock, node_id=f"w{i}") for i in range(4)]
    trackers = [ReportTracker() for _ in workers]
    for index, event in enumerate(script):
        clock.advance(event[1])
        record(single, event, index)
        record(workers[event[0]], event, index)
        if event[6]:
            ship(workers[event[0]], trackers[event[0]], master, f"w{event[0]}")
    for k, worker in enumerate(workers):
        ship(worker, trackers[k], master, f"w{k}")

    assert set(master.entries) == set(single.entries)
    for key, expected in [*single.entries.items(), (None, single.total)]:
        got = master.total if key is None else master.entries[key]
        assert got.num_requests == expected.num_requests
        assert got.num_none_requests == expected.num_none_requests
        assert got.num_failures == expected.num_failures
        assert got.min_response_time == expected.min_response_time
        assert got.max_response_time == expected.max_response_time
        assert got.total_content_length == expected.total_content_length
        assert got.last_request_timestamp == expected.last_request_timestamp
        assert math.isclose(got.total_response_time, expected.total_response_time, abs_tol=1e-6)
        assert got.histogram.items() == expected.histogram.items()
        assert got.percentiles(FRACTIONS) == expected.percentiles(FRACTIONS)
        now = clock.time()
        assert got.current_rps_at(now) == expected.current_rps_at(now)
        assert got.current_fail_per_sec_at(now) == expected.current_fail_per_sec_at(now)
    assert {k: g.occurrences for k, g in master.errors.items()} == {
        k: g.occurrences for k, g in single.errors.items()
    }
    for key, group in master.errors.items():
        assert len(group.samples) == min(5, single.errors[key].occurrences)
        assert group.first_seen == single.errors[key].first_seen
        assert group.last_seen == single.errors[key].last_seen
    assert {k: r.count for k, r in master.exceptions.items()} == {
        k: r.count for k, r in single.exceptions.items()
    }


def test_a_report_zeroes_what_it_shipped_and_the_next_one_is_empty() -> None:
    clock = FakeClock(T0)
    worker = RequestStats(clock)
    tracker = ReportTracker()
    worker.on_request("GET", "/a", 12.0, 100, exception="boom")
    first = take_report(worker, tracker)
    assert len(first["entries"]) == 1
    assert worker.entries[("/a", "GET")].num_requests == 0
    assert take_report(worker, tracker) == {"entries": []}


BAD_REPORTS = [
    [],
    {"entries": "x"},
    {"entries": [["GET", "/a", 1, 0, 0, 1.0, 1.0, 1.0, 0, None, [5, 2], [], []]]},  # 2 != 1
    {"entries": [["GET", "/a", 1, 2, 0, 1.0, 1.0, 1.0, 0, None, [], [], []]]},  # none > requests
    {"entries": [["GET", "/a", -1, 0, 0, 1.0, 1.0, 1.0, 0, None, [], [], []]]},
    {"entries": [["GET", "/a", 1, 0, 0, float("nan"), 1.0, 1.0, 0, None, [5, 1], [], []]]},
    {"entries": [["GET", "/a", 1, 0, 0, 1.0, 1.0, 1.0, 0, None, [10**9, 1], [], []]]},
    {"entries": [["GET", "/a", 2, 0, 0, 1.0, 1.0, 1.0, 0, None, [5, 1, 0, 1], [], []]]},
    {"entries": [["GET", 7, 1, 0, 0, 1.0, 1.0, 1.0, 0, None, [5, 1], [], []]]},
    {"entries": [["GET", "/a", True, 0, 0, 1.0, 1.0, 1.0, 0, None, [5, 1], [], []]]},
    {"errors": [["GET", "/a", "boom", 1, 1.0, 1.0, [[1.0, "m", None, 200, {}, "", "no", {}]]]]},
    {
        "errors": [
            ["GET", "/a", "boom", 1, 1.0, 1.0, [[1.0, "m", None, 200, {}, "", False, {}]] * 6]
        ]
    },
    {"exceptions": [["m", "tb", 1.5, 1.0, 1.0]]},
    {"dropped": -3},
]


@pytest.mark.parametrize("report", BAD_REPORTS)
def test_malformed_reports_are_refused_before_anything_is_merged(report: object) -> None:
    with pytest.raises(ProtocolError):
        parse_report(report)


buckets = st.dictionaries(
    st.integers(0, COUNTS_LEN - 1),
    st.one_of(st.integers(1, 300), st.integers(60_000, 2**40)),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(0.0, 5_000.0), max_size=400), buckets)
def test_add_buckets_equals_adding_pair_by_pair(recorded: list[float], added: dict) -> None:  # type: ignore[type-arg]
    """The master's bulk merge (dense span, counters widened on overflow) is exact."""
    fast, slow = Histogram(), Histogram()
    for value in recorded:
        fast.record(value)
        slow.record(value)
    indices = sorted(added)
    fast.add_buckets(indices, [added[i] for i in indices])
    slow.add_items((i, added[i]) for i in indices)
    assert fast.items() == slow.items()


anything = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats()
    | st.text(max_size=6)
    | st.binary(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=14) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=40,
)
entry_like = st.lists(anything, min_size=13, max_size=13)


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(
        anything,
        st.fixed_dictionaries({"entries": st.lists(entry_like, max_size=3)}),
        st.fixed_dictionaries({"errors": st.lists(st.lists(anything, min_size=7, max_size=7))}),
        st.fixed_dictionaries({"exceptions": st.lists(st.lists(anything, min_size=5, max_size=5))}),
    )
)
def test_parse_report_only_raises_protocol_error(data: object) -> None:
    """Whatever a peer sends as a report, the master gets a valid report or a ProtocolError."""
    with contextlib.suppress(ProtocolError):
        report = parse_report(data)
        merge_report(RequestStats(FakeClock(T0)), report, "fuzz")


arrivals = st.lists(
    st.tuples(
        st.integers(0, 2),  # worker
        st.floats(0.0, 2.0),  # seconds since the previous event
        st.sampled_from([("GET", "/a"), ("POST", "/b")]),
        st.floats(0.0, 5_000.0, allow_nan=False),  # service time (ms)
        st.floats(0.0, 3_000.0, allow_nan=False),  # how late the iteration started (ms)
        st.booleans(),  # the worker reports after this event
    ),
    min_size=1,
    max_size=100,
)


@settings(max_examples=100, deadline=None)
@given(arrivals)
def test_corrected_times_and_lateness_merge_exactly(script: list[tuple]) -> None:  # type: ignore[type-arg]
    """Under an arrival rate, the coordinated-omission corrected entries and the start-lateness
    histogram of a distributed run equal one process's."""
    clock = FakeClock(T0)
    single = RequestStats(clock)
    master = RequestStats(clock)
    workers = [RequestStats(clock, node_id=f"w{i}") for i in range(3)]
    trackers = [ReportTracker() for _ in workers]
    for worker_index, gap, (method, name), rt, late, report in script:
        clock.advance(gap)
        for stats in (single, workers[worker_index]):
            stats.lateness.record(late)
            stats.on_request(method, name, rt, 10, context={"lateness_ms": late})
        if report:
            ship(workers[worker_index], trackers[worker_index], master, f"w{worker_index}")
    for k, worker in enumerate(workers):
        ship(worker, trackers[k], master, f"w{k}")

    assert set(master.corrected) == set(single.corrected)
    pairs = [(master.corrected[k], e) for k, e in single.corrected.items()]
    assert master.corrected_total is not None
    assert single.corrected_total is not None
    for got, expected in [*pairs, (master.corrected_total, single.corrected_total)]:
        assert got.num_requests == expected.num_requests
        assert got.max_response_time == expected.max_response_time
        assert got.min_response_time == expected.min_response_time
        assert math.isclose(got.total_response_time, expected.total_response_time)
        assert got.histogram.items() == expected.histogram.items()
    assert master.lateness.items() == single.lateness.items()
    assert master.lateness.percentiles(FRACTIONS) == single.lateness.percentiles(FRACTIONS)
