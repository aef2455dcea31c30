"""Users under a LocalRunner: ramping up and down, stopping, and the events fired on the way.

Tasks do no I/O (they yield with short waits); ramps are awaited with ``wait=True`` or an
event with a generous timeout, and every runner is quit at teardown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import gevent
import gevent.event
import pytest

from horde.env import Environment
from horde.exceptions import StopTest
from horde.runners import STATE_STOPPED
from horde.runners.local import LocalRunner
from horde.user import User, constant, task

Make = Callable[..., tuple[Environment, LocalRunner]]


@pytest.fixture
def make_runner() -> Iterator[Make]:
    runners: list[LocalRunner] = []

    def make(user_classes: list[Any], **options: Any) -> tuple[Environment, LocalRunner]:
        env = Environment(user_classes=user_classes, **options)
        runner = env.create_local_runner()
        runners.append(runner)
        return env, runner

    yield make
    for runner in runners:
        runner.quit()
        assert all(g.dead for g in runner.user_greenlets)


def idle_user(name: str, weight: float = 1, fixed_count: int = 0, **attrs: Any) -> type[User]:
    """A concrete user class whose task does nothing and whose wait yields briefly."""

    def idle(self: User) -> None: ...

    namespace = {
        "weight": weight,
        "fixed_count": fixed_count,
        "wait_time": constant(0.01),
        "tasks": [idle],
        **attrs,
    }
    return type(name, (User,), namespace)


def test_ramp_up_follows_weights(make_runner: Make) -> None:
    heavy, light = idle_user("Heavy", weight=3), idle_user("Light", weight=1)
    _, runner = make_runner([heavy, light])
    runner.start(8, spawn_rate=200, wait=True)
    assert runner.user_count == 8
    assert runner.user_classes_count == {"Heavy": 6, "Light": 2}
    assert all(not u.greenlet.dead for u in runner.users if u.greenlet is not None)


def test_fixed_count_users_start_first(make_runner: Make) -> None:
    admin, visitor = idle_user("Admin", fixed_count=2), idle_user("Visitor", weight=1)
    _, runner = make_runner([visitor, admin])
    runner.start(2, spawn_rate=200, wait=True)
    assert runner.user_classes_count == {"Visitor": 0, "Admin": 2}
    runner.start(5, spawn_rate=200, wait=True)
    assert runner.user_classes_count == {"Visitor": 3, "Admin": 2}


def test_spawning_complete_is_fired_with_the_user_count(make_runner: Make) -> None:
    env, runner = make_runner([idle_user("A")])
    counts: list[int] = []
    done = gevent.event.Event()

    @env.events.spawning_complete.add_listener
    def on_complete(user_count: int, **_: Any) -> None:
        counts.append(user_count)
        done.set()

    runner.start(10, spawn_rate=100)
    assert done.wait(timeout=30)
    assert counts == [10]
    assert runner.user_count == 10


def test_ramp_down_stops_the_most_recent_users(make_runner: Make) -> None:
    stopped: list[int] = []

    class Numbered(User):
        wait_time = constant(0.01)
        started = 0

        def __init__(self, environment: Any) -> None:
            super().__init__(environment)
            Numbered.started += 1
            self.number = Numbered.started

        def on_stop(self) -> None:
            stopped.append(self.number)

        @task
        def idle(self) -> None: ...

    _, runner = make_runner([Numbered])
    runner.start(10, spawn_rate=200, wait=True)
    runner.start(6, spawn_rate=200, wait=True)
    assert runner.user_count == 6
    assert sorted(stopped) == [7, 8, 9, 10]
    assert stopped == [10, 9, 8, 7]
    assert sorted(u.number for u in runner.users) == [1, 2, 3, 4, 5, 6]  # type: ignore[attr-defined]


def test_ramp_down_keeps_the_weight_mix(make_runner: Make) -> None:
    a, b = idle_user("A", weight=2), idle_user("B", weight=1)
    _, runner = make_runner([a, b])
    runner.start(9, spawn_rate=500, wait=True)
    runner.start(3, spawn_rate=500, wait=True)
    assert runner.user_classes_count == {"A": 2, "B": 1}


@pytest.mark.parametrize("reset_stats", [False, True])
def test_reset_stats_after_the_ramp(make_runner: Make, reset_stats: bool) -> None:
    env, runner = make_runner([idle_user("A")], reset_stats=reset_stats)
    env.events.request.report("GET", "/during-ramp", 5.0, 0)
    seen_at_completion: list[int] = []
    env.events.spawning_complete.add_listener(
        lambda **_: seen_at_completion.append(env.stats.total.num_requests)
    )
    runner.start(3, spawn_rate=300, wait=True)
    assert seen_at_completion == [1]  # the listener runs before the reset
    assert env.stats.total.num_requests == (0 if reset_stats else 1)


def test_stop_timeout_lets_a_running_task_finish(make_runner: Make) -> None:
    release = gevent.event.Event()
    started = gevent.event.Event()
    log: list[str] = []

    class Busy(User):
        wait_time = constant(0.01)

        def on_stop(self) -> None:
            log.append("on_stop")

        @task
        def work(self) -> None:
            if log:
                gevent.sleep(60)  # only the first task matters
            log.append("task start")
            started.set()
            release.wait(timeout=30)
            log.append("task end")

    _, runner = make_runner([Busy], stop_timeout=30)
    runner.start(1, spawn_rate=100, wait=True)
    assert started.wait(timeout=30)
    stopper = gevent.spawn(runner.stop)
    gevent.sleep(0)
    assert runner.user_count == 0  # taken off the books, still finishing its task
    assert log == ["task start"]
    release.set()
    stopper.join(timeout=30)
    assert stopper.dead
    assert log == ["task start", "task end", "on_stop"]
    assert runner.state == STATE_STOPPED


def test_without_stop_timeout_a_running_task_is_interrupted(make_runner: Make) -> None:
    started = gevent.event.Event()
    log: list[str] = []

    class Busy(User):
        def on_stop(self) -> None:
            log.append("on_stop")

        @task
        def work(self) -> None:
            log.append("task start")
            started.set()
            gevent.sleep(60)
            log.append("task end")

    _, runner = make_runner([Busy])
    runner.start(1, spawn_rate=100, wait=True)
    assert started.wait(timeout=30)
    runner.stop()
    assert log == ["task start", "on_stop"]


def test_quit_leaves_no_greenlets(make_runner: Make) -> None:
    a, b = idle_user("A", weight=1), idle_user("B", weight=1)
    env, runner = make_runner([a, b])
    stops: list[str] = []
    env.events.test_stop.add_listener(lambda **_: stops.append("test_stop"))
    runner.start(6, spawn_rate=500, wait=True)
    greenlets = [u.greenlet for u in runner.users]
    runner.quit()
    assert all(g is not None and g.dead for g in greenlets)
    assert all(g.dead for g in runner.user_greenlets)
    assert all(g.dead for g in runner.greenlet)
    assert runner.user_count == 0
    assert runner.state == STATE_STOPPED
    assert stops == ["test_stop"]


def test_stop_test_in_a_task_stops_the_whole_test(make_runner: Make) -> None:
    on_stops: list[str] = []
    go = gevent.event.Event()

    class Quitter(User):
        wait_time = constant(0.01)

        def on_stop(self) -> None:
            on_stops.append(type(self).__name__)

        @task
        def work(self) -> None:
            go.wait(timeout=30)
            raise StopTest("target is down")

    class Bystander(User):
        wait_time = constant(0.01)
        weight = 2

        def on_stop(self) -> None:
            on_stops.append(type(self).__name__)

        @task
        def work(self) -> None: ...

    _, runner = make_runner([Quitter, Bystander])
    runner.start(3, spawn_rate=300, wait=True)
    assert runner.user_classes_count == {"Quitter": 1, "Bystander": 2}
    go.set()
    assert runner.stopped.wait(timeout=30)
    assert runner.state == STATE_STOPPED
    assert runner.stop_reason is not None
    assert "StopTest" in runner.stop_reason
    assert runner.user_count == 0
    assert sorted(on_stops) == ["Bystander", "Bystander", "Quitter"]


def test_task_exceptions_are_counted_and_users_keep_running(make_runner: Make) -> None:
    enough = gevent.event.Event()
    failures: list[int] = []

    class Faulty(User):
        wait_time = constant(0.001)

        @task
        def work(self) -> None:
            failures.append(1)
            if len(failures) >= 5:
                enough.set()
            raise ValueError("broken parser")

    _, runner = make_runner([Faulty])
    runner.start(1, spawn_rate=100, wait=True)
    assert enough.wait(timeout=30)
    assert runner.user_count == 1  # the failing user is still running
    runner.quit()
    [record] = runner.exceptions.values()
    assert record["msg"] == "ValueError: broken parser"
    assert record["count"] == len(failures)
    assert "broken parser" in record["traceback"]


def test_user_that_fails_on_start_stops_and_is_reported_once(make_runner: Make) -> None:
    class Unlucky(User):
        wait_time = constant(0.01)

        def on_start(self) -> None:
            raise PermissionError("login refused")

        @task
        def work(self) -> None:
            raise AssertionError("never reached")

    env, runner = make_runner([Unlucky])
    errors: list[Any] = []
    env.events.user_error.add_listener(lambda **kw: errors.append(kw["exception"]))
    runner.start(2, spawn_rate=200, wait=True)
    for _ in range(100):
        if runner.user_count == 0:
            break
        gevent.sleep(0.01)
    assert runner.user_count == 0
    assert len(errors) == 2
    [record] = env.stats.exceptions.values()
    assert record.count == 2
    assert "login refused" in record.msg
