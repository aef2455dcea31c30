"""Wait-time functions: between, constant, constant_pacing, constant_throughput, methods."""

# ruff: noqa: RUF012 - `tasks = [...]` class attributes, as a locustfile writes them, are the subject

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

import horde.user.wait_time as wait_time_module
from horde.env import Environment
from horde.exceptions import StopUser
from horde.user import (
    TaskSet,
    User,
    between,
    constant,
    constant_pacing,
    constant_throughput,
    task,
)


class FakeTime:
    """Stands in for the ``time`` module inside horde.user.wait_time."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    fake = FakeTime()
    monkeypatch.setattr(wait_time_module, "time", fake)
    return fake


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch, clock: FakeTime) -> list[float]:
    """Waits advance the fake clock instead of sleeping."""
    slept: list[float] = []

    def fake_sleep(self: TaskSet, seconds: float) -> None:
        if len(slept) > 100:
            raise AssertionError("the user never stopped")
        slept.append(seconds)
        clock.now += seconds

    monkeypatch.setattr(TaskSet, "_sleep", fake_sleep)
    return slept


@pytest.fixture(autouse=True)
def seeded() -> Iterator[None]:
    state = random.getstate()
    random.seed(7)
    yield
    random.setstate(state)


def test_between_stays_in_range_and_spreads() -> None:
    wait = between(1.5, 4)
    values = [wait(None) for _ in range(5000)]
    assert min(values) >= 1.5
    assert max(values) <= 4
    assert min(values) < 1.6
    assert max(values) > 3.9
    assert 2.65 < sum(values) / len(values) < 2.85


def test_between_with_equal_bounds_is_constant() -> None:
    assert {between(2, 2)(None) for _ in range(10)} == {2}


def test_constant() -> None:
    assert constant(3)(None) == 3
    assert constant(0)(None) == 0


@pytest.mark.parametrize(
    ("factory", "args"),
    [
        (between, (-1, 1)),
        (between, (2, 1)),
        (constant, (-0.5,)),
        (constant_pacing, (-1,)),
        (constant_throughput, (0,)),
        (constant_throughput, (-2,)),
    ],
)
def test_invalid_arguments_raise(factory: Any, args: tuple[float, ...]) -> None:
    with pytest.raises(ValueError, match=factory.__name__):
        factory(*args)


def test_constant_pacing_subtracts_the_task_time(clock: FakeTime) -> None:
    wait = constant_pacing(1.0)
    user = SimpleNamespace()
    wait_time_module.start_pacing(user)
    results = []
    for task_duration in (0.3, 0.5, 0.0, 1.7, 0.2):
        clock.now += task_duration  # the task runs
        results.append(wait(user))
        clock.now += results[-1]  # the user sleeps
    assert results == pytest.approx([0.7, 0.5, 1.0, 0.0, 0.8])


def test_constant_pacing_without_a_started_clock_waits_the_full_interval(clock: FakeTime) -> None:
    assert constant_pacing(2.0)(SimpleNamespace()) == 2.0


def test_constant_pacing_state_is_per_instance(clock: FakeTime) -> None:
    wait = constant_pacing(1.0)
    a, b = SimpleNamespace(), SimpleNamespace()
    wait_time_module.start_pacing(a)
    clock.now += 0.25
    wait_time_module.start_pacing(b)
    clock.now += 0.5
    assert wait(a) == pytest.approx(0.25)
    assert wait(b) == pytest.approx(0.5)


def test_constant_throughput_is_inverse_pacing(clock: FakeTime) -> None:
    wait = constant_throughput(4)  # a task every 0.25 s
    user = SimpleNamespace()
    wait_time_module.start_pacing(user)
    clock.now += 0.1
    assert wait(user) == pytest.approx(0.15)


def test_pacing_in_a_running_user_starts_a_task_every_interval(
    clock: FakeTime, sleeps: list[float]
) -> None:
    durations = iter([0.4, 0.1, 1.5, 0.6])
    starts: list[float] = []

    class Paced(User):
        wait_time = constant_pacing(1)

        @task
        def work(self) -> None:
            starts.append(clock.now)
            try:
                clock.now += next(durations)
            except StopIteration:
                raise StopUser from None

    Paced(Environment(clock=clock)).run()
    assert sleeps == pytest.approx([0.6, 0.9, 0.0, 0.4])
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert gaps == pytest.approx([1.0, 1.0, 1.5, 1.0])


def test_pacing_on_a_taskset_is_kept_on_the_taskset(clock: FakeTime, sleeps: list[float]) -> None:
    class Paced(TaskSet):
        wait_time = constant_pacing(2)

        @task
        def work(self) -> None:
            clock.now += 0.5
            if len(sleeps) == 2:
                raise StopUser

    class Person(User):
        wait_time = constant(9)
        tasks = [Paced]

    person = Person(Environment(clock=clock))
    person.run()
    assert sleeps == pytest.approx([1.5, 1.5])


def test_wait_time_method_on_the_user(sleeps: list[float]) -> None:
    class Methodical(User):
        def wait_time(self) -> float:
            return 0.5 * (len(sleeps) + 1)

        @task
        def work(self) -> None:
            if len(sleeps) == 3:
                raise StopUser

    Methodical(Environment()).run()
    assert sleeps == [0.5, 1.0, 1.5]


def test_default_wait_time_is_zero(sleeps: list[float]) -> None:
    class Default(User):
        @task
        def work(self) -> None:
            if len(sleeps) == 2:
                raise StopUser

    Default(Environment()).run()
    assert sleeps == [0, 0]


def test_between_wait_in_a_running_user(sleeps: list[float]) -> None:
    class Random(User):
        wait_time = between(1, 2)

        @task
        def work(self) -> None:
            if len(sleeps) == 50:
                raise StopUser

    Random(Environment()).run()
    assert all(1 <= s <= 2 for s in sleeps)
    assert len(set(sleeps)) == 50
