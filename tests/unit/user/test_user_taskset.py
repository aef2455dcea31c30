"""TaskSet semantics: lifecycle hooks, nesting, interrupt, scheduling and control flow.

Users run in the test's own greenlet (``user.run()``) and end through StopUser after a few
tasks; waits are recorded instead of slept (``TaskSet._sleep`` is patched), so every test is
bounded and deterministic.
"""

# ruff: noqa: RUF012 - `tasks = [...]` class attributes, as a locustfile writes them, are the subject

from __future__ import annotations

import logging
from collections.abc import Iterator
from types import TracebackType
from typing import Any

import gevent
import pytest

import horde.event
from horde.env import Environment
from horde.exceptions import (
    LocustfileError,
    MissingWaitTimeError,
    RescheduleTask,
    RescheduleTaskImmediately,
    StopTest,
    StopUser,
)
from horde.user import TaskSet, User, constant, task
from horde.user.task import DefaultTaskSet


@pytest.fixture(autouse=True)
def fresh_notices() -> Iterator[None]:
    saved = set(horde.event._notices_given)
    horde.event._notices_given.clear()
    yield
    horde.event._notices_given.clear()
    horde.event._notices_given.update(saved)


@pytest.fixture
def log() -> list[Any]:
    return []


MAX_WAITS = 1000


@pytest.fixture(autouse=True)
def sleeps(monkeypatch: pytest.MonkeyPatch, log: list[Any]) -> list[float]:
    """Record every wait as ``("wait", seconds)`` in ``log`` instead of sleeping.

    A user that never stops fails the test after MAX_WAITS waits instead of hanging it.
    """
    slept: list[float] = []

    def fake_sleep(self: TaskSet, seconds: float) -> None:
        if len(slept) >= MAX_WAITS:
            raise AssertionError(f"more than {MAX_WAITS} waits: the user never stopped")
        slept.append(seconds)
        log.append(("wait", seconds))

    monkeypatch.setattr(TaskSet, "_sleep", fake_sleep)
    return slept


def user_errors(env: Environment) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    env.events.user_error.add_listener(lambda **kw: errors.append(kw))
    return errors


# -- lifecycle ------------------------------------------------------------------------------------


def test_on_start_and_on_stop_order(log: list[Any], sleeps: list[float]) -> None:
    class Inner(TaskSet):
        def on_start(self) -> None:
            log.append("inner start")

        def on_stop(self) -> None:
            log.append("inner stop")

        @task
        def work(self) -> None:
            log.append("inner task")
            self.interrupt()

    def last(user: Any) -> None:
        log.append("last")
        raise StopUser

    class Person(User):
        def on_start(self) -> None:
            log.append("user start")
            assert self._taskset_instance is not None
            self._taskset_instance.schedule_task(Inner)
            self._taskset_instance.schedule_task(last)

        def on_stop(self) -> None:
            log.append("user stop")

        @task
        def unused(self) -> None: ...

    Person(Environment()).run()
    assert [x for x in log if isinstance(x, str)] == [
        "user start",
        "inner start",
        "inner task",
        "inner stop",
        "last",
        "user stop",
    ]


def test_user_run_calls_on_start_tasks_then_on_stop(log: list[Any], sleeps: list[float]) -> None:
    class Person(User):
        wait_time = constant(2)

        def on_start(self) -> None:
            log.append("start")

        def on_stop(self) -> None:
            log.append("stop")

        @task
        def work(self) -> None:
            log.append("task")
            if log.count("task") == 3:
                raise StopUser

    Person(Environment()).run()
    assert log == ["start", "task", ("wait", 2), "task", ("wait", 2), "task", "stop"]


def test_stop_user_in_nested_taskset_runs_every_on_stop(
    log: list[Any], sleeps: list[float]
) -> None:
    class Inner(TaskSet):
        def on_stop(self) -> None:
            log.append("inner stop")

        @task
        def work(self) -> None:
            raise StopUser

    class Outer(TaskSet):
        tasks = [Inner]

        def on_stop(self) -> None:
            log.append("outer stop")

    class Person(User):
        tasks = [Outer]

        def on_stop(self) -> None:
            log.append("user stop")

    Person(Environment()).run()
    assert log == ["inner stop", "outer stop", "user stop"]


# -- nesting and interrupt --------------------------------------------------------------------


def _interrupting_user(log: list[Any], reschedule: bool) -> type[User]:
    class Inner(TaskSet):
        def on_start(self) -> None:
            log.append("inner start")

        def on_stop(self) -> None:
            log.append("inner stop")

        @task
        def work(self) -> None:
            log.append("inner task")
            self.interrupt(reschedule=reschedule)

    def after(user: Any) -> None:
        log.append("parent task")
        raise StopUser

    class Person(User):
        wait_time = constant(1)

        def on_start(self) -> None:
            self._taskset_instance.schedule_task(Inner)  # type: ignore[union-attr]
            self._taskset_instance.schedule_task(after)  # type: ignore[union-attr]

        @task
        def unused(self) -> None: ...

    return Person


def test_interrupt_with_reschedule_picks_the_next_task_at_once(
    log: list[Any], sleeps: list[float]
) -> None:
    _interrupting_user(log, reschedule=True)(Environment()).run()
    assert log == ["inner start", "inner task", "inner stop", "parent task"]


def test_interrupt_without_reschedule_waits_first(log: list[Any], sleeps: list[float]) -> None:
    _interrupting_user(log, reschedule=False)(Environment()).run()
    assert log == ["inner start", "inner task", "inner stop", ("wait", 1), "parent task"]


def test_interrupt_in_on_start_skips_the_nested_tasks(log: list[Any], sleeps: list[float]) -> None:
    class Inner(TaskSet):
        def on_start(self) -> None:
            log.append("inner start")
            self.interrupt(reschedule=False)

        @task
        def work(self) -> None:
            log.append("inner task")

    def stop(user: Any) -> None:
        raise StopUser

    class Person(User):
        wait_time = constant(1)
        tasks = [Inner]

        def on_start(self) -> None:
            assert self._taskset_instance is not None
            self._taskset_instance.schedule_task(Inner)
            self._taskset_instance.schedule_task(stop)

    Person(Environment()).run()
    assert log == ["inner start", ("wait", 1)]


def test_user_parent_and_client_of_nested_tasksets(log: list[Any], sleeps: list[float]) -> None:
    class Inner(TaskSet):
        @task
        def look(self) -> None:
            log.append(("inner", self.user, self.parent, self.client, self.environment))
            raise StopUser

    class Outer(TaskSet):
        tasks = [Inner]

        def on_start(self) -> None:
            log.append(("outer", self.user, self.parent, self.client))

    class Person(User):
        tasks = [Outer]

        def __init__(self, environment: Any) -> None:
            super().__init__(environment)
            self.client = object()

    env = Environment()
    person = Person(env)
    person.run()
    (_, user1, parent1, client1), (_, user2, parent2, client2, env2) = log
    assert user1 is person
    assert parent1 is person
    assert client1 is person.client
    assert user2 is person
    assert isinstance(parent2, Outer)
    assert client2 is person.client
    assert env2 is env


def test_client_without_a_client_raises_attribute_error() -> None:
    class Person(User):
        @task
        def t(self) -> None: ...

    class Sub(TaskSet):
        @task
        def t(self) -> None: ...

    with pytest.raises(AttributeError):
        _ = Sub(Person(Environment())).client


def test_taskset_locust_is_the_user_with_one_notice(caplog: pytest.LogCaptureFixture) -> None:
    class Person(User):
        @task
        def t(self) -> None: ...

    class Sub(TaskSet):
        @task
        def t(self) -> None: ...

    person = Person(Environment())
    sub = Sub(person)
    with caplog.at_level(logging.WARNING):
        assert sub.locust is person
        assert Sub(person).locust is person
    notices = [r.getMessage() for r in caplog.records if "deprecated" in r.getMessage()]
    assert notices == ["deprecated: TaskSet.locust is now TaskSet.user"]
    assert "\n" not in notices[0]


# -- schedule_task --------------------------------------------------------------------------------


def test_schedule_task_first_and_arguments(log: list[Any], sleeps: list[float]) -> None:
    def plain(taskset: Any, *args: Any, **kwargs: Any) -> None:
        log.append(("plain", type(taskset).__name__, args, kwargs))

    class Sub(TaskSet):
        def on_start(self) -> None:
            self.schedule_task(self.method, args=[1, 2], kwargs={"k": 3})
            self.schedule_task(plain, args=("p",))
            self.schedule_task(self.urgent, first=True)
            self.schedule_task(self.finish)

        def method(self, *args: Any, **kwargs: Any) -> None:
            log.append(("method", args, kwargs))

        def urgent(self) -> None:
            log.append("urgent")

        def finish(self) -> None:
            raise StopUser

        @task
        def never(self) -> None:
            log.append("random pick")

    class Person(User):
        tasks = [Sub]

    Person(Environment()).run()
    assert [x for x in log if x[0] != "wait"] == [
        "urgent",
        ("method", (1, 2), {"k": 3}),
        ("plain", "Sub", ("p",), {}),
    ]


def test_scheduled_nested_taskset_runs_with_the_taskset_as_parent(log: list[Any]) -> None:
    class Leaf(TaskSet):
        @task
        def leaf(self) -> None:
            log.append(type(self.parent).__name__)
            raise StopUser

    class Branch(TaskSet):
        def on_start(self) -> None:
            self.schedule_task(Leaf)

        @task
        def never(self) -> None: ...

    class Person(User):
        tasks = [Branch]

    Person(Environment()).run()
    assert log == ["Branch"]


# -- wait_time on a TaskSet -------------------------------------------------------------------


@pytest.mark.parametrize(("reschedule", "expected"), [(True, [5]), (False, [5, 1])])
def test_taskset_wait_time_overrides_the_users(
    log: list[Any], sleeps: list[float], reschedule: bool, expected: list[float]
) -> None:
    class Slow(TaskSet):
        wait_time = constant(5)

        @task
        def work(self) -> None:
            log.append("sub task")
            if log.count("sub task") == 2:
                self.interrupt(reschedule=reschedule)

    def last(user: Any) -> None:
        raise StopUser

    class Person(User):
        wait_time = constant(1)

        def on_start(self) -> None:
            assert self._taskset_instance is not None
            self._taskset_instance.schedule_task(Slow)
            self._taskset_instance.schedule_task(last)

        @task
        def unused(self) -> None: ...

    Person(Environment()).run()
    # the sub set waits its own 5 s after its first task; leaving it, the user waits its 1 s
    # unless the interrupt asked for an immediate reschedule
    assert sleeps == expected


def test_scheduled_bound_method_of_the_user(log: list[Any], sleeps: list[float]) -> None:
    class Person(User):
        def on_start(self) -> None:
            assert self._taskset_instance is not None
            self._taskset_instance.schedule_task(self.greet, args=("hi",))

        def greet(self, word: str) -> None:
            log.append((self, word))
            raise StopUser

        @task
        def unused(self) -> None: ...

    person = Person(Environment())
    person.run()
    assert log == [(person, "hi")]


def test_taskset_wait_time_method_and_users_method(log: list[Any], sleeps: list[float]) -> None:
    class Sub(TaskSet):
        def wait_time(self) -> float:
            return 0.25

        @task
        def work(self) -> None:
            log.append("sub")
            if log.count("sub") == 2:
                raise StopUser

    class Person(User):
        tasks = [Sub]

        def wait_time(self) -> float:
            return 9.0

    Person(Environment()).run()
    assert sleeps == [0.25]


def test_missing_wait_time_is_a_clear_error() -> None:
    class NoWait(User):
        wait_time = None  # type: ignore[assignment]

        @task
        def t(self) -> None: ...

    with pytest.raises(MissingWaitTimeError, match="NoWait has no wait_time"):
        DefaultTaskSet(NoWait(Environment())).wait_time()


def test_user_wait_inside_a_task(log: list[Any], sleeps: list[float]) -> None:
    class Person(User):
        wait_time = constant(3)

        @task
        def work(self) -> None:
            log.append("before")
            self.wait()
            log.append("after")
            raise StopUser

    Person(Environment()).run()
    assert log == ["before", ("wait", 3), "after"]


def test_user_wait_outside_run_is_an_error() -> None:
    class Person(User):
        @task
        def t(self) -> None: ...

    with pytest.raises(RuntimeError, match="only available while the user runs"):
        Person(Environment()).wait()


# -- control flow -----------------------------------------------------------------------------


def test_reschedule_task_waits_and_reschedule_immediately_does_not(
    log: list[Any], sleeps: list[float]
) -> None:
    steps = iter(["waits", "skips", "normal", "stop"])

    class Person(User):
        wait_time = constant(1)

        @task
        def work(self) -> None:
            step = next(steps)
            log.append(step)
            if step == "waits":
                raise RescheduleTask
            if step == "skips":
                raise RescheduleTaskImmediately
            if step == "stop":
                raise StopUser

    Person(Environment()).run()
    assert log == ["waits", ("wait", 1), "skips", "normal", ("wait", 1), "stop"]


def test_stop_test_propagates_after_on_stop(log: list[Any], sleeps: list[float]) -> None:
    class Inner(TaskSet):
        def on_stop(self) -> None:
            log.append("inner stop")

        @task
        def work(self) -> None:
            raise StopTest("enough")

    class Person(User):
        tasks = [Inner]

        def on_stop(self) -> None:
            log.append("user stop")

    with pytest.raises(StopTest, match="enough"):
        Person(Environment()).run()
    assert log == ["inner stop", "user stop"]


def test_other_exceptions_fire_user_error_and_the_user_continues(
    log: list[Any], sleeps: list[float]
) -> None:
    env = Environment()
    errors = user_errors(env)

    class Person(User):
        wait_time = constant(1)

        @task
        def work(self) -> None:
            log.append("task")
            if log.count("task") == 4:
                raise StopUser
            raise ValueError("bad data")

    Person(env).run()
    assert log.count("task") == 4
    assert sleeps == [1, 1, 1]  # each failure is followed by the normal wait
    assert len(errors) == 3
    first = errors[0]
    assert set(first) == {"user_instance", "exception", "tb"}
    assert isinstance(first["user_instance"], DefaultTaskSet)
    assert isinstance(first["exception"], ValueError)
    assert isinstance(first["tb"], TracebackType)
    [record] = env.stats.exceptions.values()
    assert record.count == 3
    assert record.msg == "ValueError: bad data"
    assert "in work" in record.traceback
    assert 'raise ValueError("bad data")' in record.traceback


def test_user_error_user_instance_is_the_nested_taskset(sleeps: list[float]) -> None:
    env = Environment()
    errors = user_errors(env)

    class Inner(TaskSet):
        @task
        def work(self) -> None:
            if errors:
                raise StopUser
            raise KeyError("k")

    class Person(User):
        tasks = [Inner]

    Person(env).run()
    assert [type(e["user_instance"]) for e in errors] == [Inner]


def test_catch_exceptions_false_propagates_once(sleeps: list[float]) -> None:
    env = Environment(catch_exceptions=False)
    errors = user_errors(env)

    class Inner(TaskSet):
        @task
        def work(self) -> None:
            raise ZeroDivisionError("inner")

    class Outer(TaskSet):
        tasks = [Inner]

    class Person(User):
        tasks = [Outer]

    with pytest.raises(ZeroDivisionError, match="inner"):
        Person(env).run()
    assert len(errors) == 1
    assert isinstance(errors[0]["user_instance"], Inner)
    assert sum(r.count for r in env.stats.exceptions.values()) == 1


def test_on_start_error_fires_user_error_and_stops_the_user(
    log: list[Any], sleeps: list[float]
) -> None:
    env = Environment()
    errors = user_errors(env)

    class Person(User):
        def on_start(self) -> None:
            raise RuntimeError("login failed")

        @task
        def work(self) -> None:
            log.append("task")

    person = Person(env)
    person.run()  # returns: the user stopped
    assert log == []
    assert [type(e["exception"]) for e in errors] == [RuntimeError]
    assert errors[0]["user_instance"] is person
    [record] = env.stats.exceptions.values()
    assert "login failed" in record.msg


def test_on_start_error_propagates_when_exceptions_are_not_caught() -> None:
    env = Environment(catch_exceptions=False)
    errors = user_errors(env)

    class Person(User):
        def on_start(self) -> None:
            raise RuntimeError("login failed")

        @task
        def work(self) -> None: ...

    person = Person(env)
    with pytest.raises(RuntimeError, match="login failed"):
        person.run()
    assert len(errors) == 1


def test_on_stop_errors_are_reported(sleeps: list[float]) -> None:
    env = Environment()
    errors = user_errors(env)

    class Inner(TaskSet):
        def on_stop(self) -> None:
            raise ValueError("inner on_stop")

        @task
        def work(self) -> None:
            self.interrupt()

    def done(user: Any) -> None:
        raise StopUser

    class Person(User):
        def on_start(self) -> None:
            assert self._taskset_instance is not None
            self._taskset_instance.schedule_task(Inner)
            self._taskset_instance.schedule_task(done)

        def on_stop(self) -> None:
            raise ValueError("user on_stop")

        @task
        def unused(self) -> None: ...

    Person(env).run()
    assert [str(e["exception"]) for e in errors] == ["inner on_stop", "user on_stop"]
    assert len(env.stats.exceptions) == 2


def test_a_user_without_tasks_stops_with_one_clear_error(sleeps: list[float]) -> None:
    env = Environment()
    errors = user_errors(env)

    class Empty(User):
        pass

    Empty(env).run()  # bounded: a user with nothing to do stops instead of spinning
    assert len(errors) == 1
    assert isinstance(errors[0]["exception"], LocustfileError)
    assert "Empty has no tasks" in str(errors[0]["exception"])


def test_task_may_yield_to_other_greenlets(log: list[Any]) -> None:
    class Person(User):
        @task
        def work(self) -> None:
            log.append(self)
            gevent.sleep(0)
            if log.count(self) == 3:
                raise StopUser

    users = [Person(Environment()) for _ in range(2)]
    greenlets = [gevent.spawn(u.run) for u in users]
    gevent.joinall(greenlets, raise_error=True)
    ran = [x for x in log if isinstance(x, Person)]
    assert ran == [users[0], users[1]] * 3  # each task yields, so the users take turns
