"""A task failing in a loop: every failure is counted, its traceback logged once (311 lines in
3 s for one failing task before: the full traceback at every occurrence)."""

from __future__ import annotations

import logging

import pytest

from horde.env import Environment
from horde.exceptions import StopUser
from horde.user import User, constant, task

RUNS = 25


class Failing(User):
    """Fails RUNS times with a message that differs only by an object address, then stops."""

    host = "http://127.0.0.1"
    wait_time = constant(0)

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        self.calls = 0

    @task
    def broken(self) -> None:
        self.calls += 1
        if self.calls > RUNS:
            raise StopUser
        raise ValueError(f"no price for {object()!r}")


class FailingOnStart(User):
    host = "http://127.0.0.1"
    wait_time = constant(0)

    def on_start(self) -> None:
        raise RuntimeError("login refused")

    @task
    def nothing(self) -> None:
        """Never reached: on_start fails."""


def horde_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith("horde")]


def test_a_failing_task_is_counted_every_time_and_its_traceback_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR)
    env = Environment(user_classes=[Failing])
    Failing(env).run()
    assert caplog.text.count(", in broken\n") == 1  # the failing frame, printed once
    (record,) = env.stats.exceptions.values()
    assert record.count == RUNS
    messages = horde_errors(caplog)
    assert len(messages) == 2  # the traceback at the first, one line at the 10th
    assert messages[0].startswith("ValueError: no price for <object object at 0x....> (first")
    assert messages[1] == (
        "ValueError: no price for <object object at 0x....>: 10 times so far "
        "(traceback logged at the first)"
    )


def test_users_failing_on_start_log_one_line_each_and_one_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR)
    env = Environment(user_classes=[FailingOnStart])
    for _ in range(5):
        FailingOnStart(env).run()  # on_start fails: the user stops (StopUser is handled)
    assert caplog.text.count(", in on_start\n") == 1  # the failing frame, printed once
    (record,) = env.stats.exceptions.values()
    assert record.count == 5
    messages = horde_errors(caplog)
    one_liners = [m for m in messages if m.startswith("error in on_start of FailingOnStart")]
    assert len(one_liners) == 5
    assert all(m.endswith("this user stops: RuntimeError: login refused") for m in one_liners)
