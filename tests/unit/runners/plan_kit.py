"""Run a RunPlan in virtual time: an Environment on an autojumping FakeClock, idle users.

A ten-minute plan runs in well under a second and every wait ends exactly at its deadline, so
tests assert user counts at exact seconds. Users do no I/O; their waits go through the clock.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import gevent

from horde.env import Environment
from horde.runners.local import LocalRunner
from horde.shape.plan import RunPlan, build_plan
from horde.testing.clock import FakeClock
from horde.user import User, constant, task


def idle_user(name: str = "Idle", wait: float = 0.5, **attrs: Any) -> type[User]:
    """A concrete user class whose one task does nothing and which waits ``wait`` seconds."""

    def idle(self: User) -> None:
        self.environment.events.request.fire(
            request_type="TASK",
            name=name,
            response_time=1.0,
            response_length=0,
            exception=None,
            context={},
        )

    namespace = {"wait_time": constant(wait), "tasks": [task(idle)], **attrs}
    return type(name, (User,), namespace)


@contextmanager
def virtual_run(
    classes: Sequence[type],
    plan: RunPlan | dict[str, Any],
    *,
    shape: Any = None,
    stop_grace: float = 1.0,
) -> Iterator[tuple[Environment, LocalRunner, FakeClock]]:
    """Start ``plan`` on a fresh Environment in virtual time; quit the runner afterwards."""
    clock = FakeClock(autojump=True)
    env = Environment(user_classes=list(classes), clock=clock, shape_class=shape)
    runner = env.create_local_runner()
    if isinstance(plan, dict):
        shapes = [type(shape).__name__] if shape is not None else []
        plan = build_plan({"stop_grace": stop_grace, **plan}, shapes=shapes)
    env.apply_plan(plan)
    runner.start_plan(plan)
    try:
        yield env, runner, clock
    finally:
        runner.quit()


def run_to_end(runner: LocalRunner, limit: float = 30.0) -> None:
    """Wait (in real time, bounded) until the runner stopped on its own."""
    assert runner.stopped.wait(timeout=limit), f"still {runner.state} after {limit} s"


def users_by_second(env: Environment, start: float) -> dict[int, int]:
    """{whole seconds since ``start``: user count} from the stats history."""
    return {round(p.time - start): p.user_count for p in env.stats.history.points}


def sleep_virtual(clock: FakeClock, seconds: float) -> None:
    """Let ``seconds`` of virtual time pass for the test's own greenlet."""
    clock.sleep(seconds)
    gevent.sleep(0)
