"""Arrival-rate schedules: exact due times, ramps, and the parser."""

from __future__ import annotations

import math
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from horde.exceptions import ConfigError
from horde.shape.arrival import (
    constant_schedule,
    format_schedule,
    parse_arrival_rate,
    ramping_schedule,
)


def test_a_constant_rate_is_due_every_interval_forever() -> None:
    schedule = parse_arrival_rate("200")
    assert schedule.open_ended
    assert [schedule.due(i) for i in range(4)] == [0.0, 0.005, 0.01, 0.015]
    assert schedule.due(200_000) == pytest.approx(1000.0)
    assert schedule.rate_at(1e6) == 200
    assert format_schedule(schedule) == "200/s"


def test_a_ramp_from_zero_follows_the_integral() -> None:
    schedule = parse_arrival_rate("10s:100")  # N(t) = 5 t^2 over 10 s: 500 iterations
    assert schedule.due(0) == 0.0
    assert schedule.due(5) == pytest.approx(1.0)
    assert schedule.due(125) == pytest.approx(5.0)
    assert schedule.due(499) == pytest.approx(math.sqrt(499 / 5))
    assert schedule.due(500) is None
    assert schedule.duration == 10


def test_stages_chain_from_the_previous_rate() -> None:
    schedule = parse_arrival_rate("10s:100,10s:100,10s:0")
    assert schedule.due(500) == pytest.approx(10.0)
    assert schedule.due(1500) == pytest.approx(20.0)
    assert schedule.due(1999) is not None
    assert schedule.due(2000) is None
    assert schedule.rate_at(5) == pytest.approx(50)
    assert schedule.rate_at(25) == pytest.approx(50)
    assert schedule.rate_at(31) == 0


@given(
    st.lists(
        st.tuples(st.floats(min_value=0.5, max_value=100), st.floats(min_value=0, max_value=5000)),
        min_size=1,
        max_size=5,
    ),
    st.floats(min_value=0, max_value=5000),
)
def test_due_times_never_go_back_and_match_the_rate(
    stages: list[tuple[float, float]], start: float
) -> None:
    schedule = ramping_schedule(stages, start)
    total = sum(s.iterations for s in schedule.segments)
    count = min(int(total), 3000)
    times = [schedule.due(i) for i in range(count)]
    assert all(t is not None for t in times)
    assert all(a <= b + 1e-9 for a, b in pairwise(times))  # type: ignore[operator]
    for index in range(0, count, max(1, count // 20)):
        due = times[index]
        assert due is not None
        # N(due) == index: the iterations due by then are exactly those before it
        integral = 0.0
        elapsed = 0.0
        for segment in schedule.segments:
            part = min(max(due - elapsed, 0.0), segment.duration)
            slope = (segment.end_rate - segment.start_rate) / segment.duration
            integral += segment.start_rate * part + slope * part * part / 2
            elapsed += segment.duration
        assert integral == pytest.approx(index, abs=1e-6 * max(1, index))


def test_a_finite_constant_schedule_ends() -> None:
    schedule = constant_schedule(10, 2)
    assert schedule.due(19) == pytest.approx(1.9)
    assert schedule.due(20) is None


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "needs a rate"),
        ("0", "above 0"),
        ("-5", "above 0"),
        ("nan", "above 0"),
        ("1e9", "at most 1,000,000"),
        ("fast", "above 0"),
        ("30s", "above 0"),
        ("30s:ten", "0 or more"),
        ("0s:10", "duration must be > 0"),
        ("30s:10:20", "use DURATION:RATE"),
    ],
)
def test_bad_rates_say_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        parse_arrival_rate(text)


def test_a_ramp_from_a_tiny_rate_has_due_times() -> None:
    # the integral over both stages is 1 (plus 5e-66): one iteration, and no division by zero
    schedule = parse_arrival_rate("1s:1e-65,1s:2")
    assert schedule.due(0) == 0.0
    assert schedule.due(1) is None
    longer = parse_arrival_rate("1s:1e-65,1s:4")  # two iterations in the second second
    times = [longer.due(i) for i in range(2)]
    assert all(t is not None and 0 <= t <= 2.0 for t in times)
