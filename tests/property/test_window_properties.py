"""SecondCounter against a naive dict-of-seconds model: wraparound, gaps, late events, merge."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from horde.stats.window import RING_SECONDS, WINDOW_SECONDS, SecondCounter

T0 = 1_700_000_000

# Each step moves time (forwards a little, a lot, or backwards for a late event) and adds events.
steps = st.lists(
    st.tuples(
        st.one_of(
            st.integers(0, 3),
            st.integers(0, 3 * RING_SECONDS),
            st.integers(-2 * RING_SECONDS, -1),
        ),
        st.floats(0.0, 0.999),
        st.integers(1, 5),
    ),
    max_size=80,
)


class Model:
    """Every event kept per second; what the ring should still hold is derived on demand."""

    def __init__(self) -> None:
        self.counts: Counter[int] = Counter()
        self.newest = -1

    def add(self, second: int, count: int) -> None:
        self.counts[second] += count
        self.newest = max(self.newest, second)

    def count_at(self, second: int) -> int:
        if self.newest < 0 or not self.newest - RING_SECONDS < second <= self.newest:
            return 0
        return self.counts[second]

    def rate(self, now: float, since: float, window: int) -> float:
        seconds = min(window, int(now) - int(since))
        if seconds <= 0:
            return 0.0
        return sum(self.count_at(s) for s in range(int(now) - seconds, int(now))) / seconds


def play(steps_: list[tuple[int, float, int]], start: int = T0) -> tuple[SecondCounter, Model]:
    counter, model = SecondCounter(), Model()
    second = start
    for move, fraction, count in steps_:
        second = max(start, second + move)
        counter.add(second + fraction, count)
        model.add(second, count)
    return counter, model


def seconds_around(*models: Model) -> range:
    newest = max([m.newest for m in models] + [T0])
    return range(T0 - 2, newest + 3)


@settings(max_examples=300, deadline=None)
@given(steps)
def test_counter_matches_the_model(steps_: list[tuple[int, float, int]]) -> None:
    counter, model = play(steps_)
    for second in seconds_around(model):
        assert counter.count_at(second) == model.count_at(second), second


@settings(max_examples=200, deadline=None)
@given(
    steps,
    st.integers(-2 * RING_SECONDS, 2 * RING_SECONDS),
    st.integers(1, WINDOW_SECONDS),
    st.integers(0, 40),
)
def test_rate_matches_the_model(
    steps_: list[tuple[int, float, int]], after: int, window: int, since_offset: int
) -> None:
    """Also when ``now`` is before the newest event (the run's end, read after late events)."""
    counter, model = play(steps_)
    now = max(model.newest, T0) + after + 0.5
    since = T0 - since_offset
    assert counter.rate(now, since, window) == model.rate(now, since, window)


@settings(max_examples=300, deadline=None)
@given(steps, steps, st.integers(0, 3 * RING_SECONDS))
def test_merge_matches_the_model_of_both(
    a_steps: list[tuple[int, float, int]], b_steps: list[tuple[int, float, int]], b_start: int
) -> None:
    a, a_model = play(a_steps)
    b, b_model = play(b_steps, start=T0 + b_start)
    a.merge(b)
    union = Model()
    for model in (a_model, b_model):
        for second, count in model.counts.items():
            if model.count_at(second):  # what each side still holds
                union.add(second, count)
        union.newest = max(union.newest, model.newest)
    for second in seconds_around(a_model, b_model):
        assert a.count_at(second) == union.count_at(second), second
    for second in seconds_around(b_model):
        assert b.count_at(second) == b_model.count_at(second)  # the source is untouched


@settings(max_examples=100, deadline=None)
@given(steps, steps)
def test_merged_counter_keeps_counting_like_one(
    a_steps: list[tuple[int, float, int]], b_steps: list[tuple[int, float, int]]
) -> None:
    a, a_model = play(a_steps)
    b, b_model = play(b_steps)
    a.merge(b)
    later = max(a_model.newest, b_model.newest) + 5
    a.add(later)
    assert a.count_at(later) == 1
    assert a.count_at(later - 1) == 0
