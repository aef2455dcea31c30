"""Wait-time functions: assign one to ``wait_time`` on a User or TaskSet.

Each returns a function of the running instance (the User or TaskSet) that gives the seconds to
sleep after a task. The pacing functions keep their state on that instance, so every simulated
user paces itself independently.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from typing import Any

WaitTime = Callable[[Any], float]


def _seconds(value: object, what: str) -> float:
    """A finite, non-negative number of seconds, or ValueError naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{what}: expected a number of seconds, got {value!r}")
    if not 0 <= value < math.inf:
        raise ValueError(f"{what}: the wait must be a finite number, 0 or more, got {value!r}")
    return float(value)


def between(min_wait: float, max_wait: float) -> WaitTime:
    """A uniformly random wait between ``min_wait`` and ``max_wait`` seconds."""
    _seconds(min_wait, f"between({min_wait!r}, {max_wait!r})")
    _seconds(max_wait, f"between({min_wait!r}, {max_wait!r})")
    if max_wait < min_wait:
        raise ValueError(f"between({min_wait}, {max_wait}): need 0 <= min_wait <= max_wait")
    span = max_wait - min_wait

    def wait_time_between(_instance: Any) -> float:
        return min_wait + random.random() * span

    return wait_time_between


def constant(wait_time: float) -> WaitTime:
    """Always wait ``wait_time`` seconds."""
    _seconds(wait_time, f"constant({wait_time!r})")

    def wait_time_constant(_instance: Any) -> float:
        return wait_time

    return wait_time_constant


def constant_pacing(wait_time: float) -> WaitTime:
    """Start a task every ``wait_time`` seconds: wait ``wait_time`` minus the task's run time.

    A task that takes longer than ``wait_time`` is followed by no wait at all.
    """
    _seconds(wait_time, f"constant_pacing({wait_time!r})")

    def wait_time_constant_pacing(instance: Any) -> float:
        return _paced(instance, wait_time)

    wait_time_constant_pacing.horde_pacing = True  # type: ignore[attr-defined]
    return wait_time_constant_pacing


def _paced(instance: Any, interval: float) -> float:
    """The wait that makes ``instance`` start a task every ``interval`` seconds."""
    now = _now(instance)
    last_run = getattr(instance, "_cp_last_run", None)
    last_wait = getattr(instance, "_cp_last_wait_time", 0.0)
    if last_run is None:
        wait = interval
    else:
        run_time = now - last_run - last_wait
        wait = max(0.0, interval - run_time)
    instance._cp_last_run = now
    instance._cp_last_wait_time = wait
    return wait


def constant_total_ips(ips: float) -> WaitTime:
    """locust-plugins' pacing for the whole test: all users together start ``ips`` tasks per
    second. Each user paces itself at ``users / ips`` seconds, re-read at every wait, so the
    total holds while users ramp up or down (a closed model: a slow target still slows it; for
    an exact rate whatever the target does, use ``--arrival-rate``)."""
    if isinstance(ips, bool) or not (isinstance(ips, int | float) and 0 < ips < math.inf):
        raise ValueError(f"constant_total_ips({ips!r}): the rate must be a number above 0")

    def wait_time_constant_total_ips(instance: Any) -> float:
        runner = getattr(getattr(instance, "environment", None), "runner", None)
        users = max(1, int(getattr(runner, "user_count", 1) or 1))
        return _paced(instance, users / ips)

    wait_time_constant_total_ips.horde_pacing = True  # type: ignore[attr-defined]
    return wait_time_constant_total_ips


def _now(instance: Any) -> float:
    """The time on ``instance``'s Environment clock (virtual time in tests), else monotonic."""
    clock = getattr(getattr(instance, "environment", None), "clock", None)
    return float(clock.monotonic()) if clock is not None else time.monotonic()


def start_pacing(instance: Any) -> None:
    """Start the pacing clock of ``instance`` (a User or TaskSet) unless it already runs.

    Called as a task loop starts, so the first task's own run time counts against the first
    pacing interval, as for every later task.
    """
    if getattr(instance, "_cp_last_run", None) is None:
        instance._cp_last_run = _now(instance)
        instance._cp_last_wait_time = 0.0


def paces(instance: Any) -> bool:
    """Whether ``instance``'s class waits with ``constant_pacing``/``constant_throughput``
    (only those instances need a pacing clock; the others stay free of its state)."""
    return bool(getattr(getattr(type(instance), "wait_time", None), "horde_pacing", False))


def constant_throughput(task_runs_per_second: float) -> WaitTime:
    """Run at most ``task_runs_per_second`` tasks per second per user (inverse of pacing)."""
    if isinstance(task_runs_per_second, bool) or not (
        isinstance(task_runs_per_second, int | float) and 0 < task_runs_per_second < math.inf
    ):
        raise ValueError(
            f"constant_throughput({task_runs_per_second!r}): the rate must be a number above 0"
        )
    return constant_pacing(1.0 / task_runs_per_second)


def legacy_wait(min_wait_ms: float, max_wait_ms: float) -> WaitTime:
    """Locust 0.x ``min_wait``/``max_wait`` (milliseconds) as a wait-time function."""
    return between(min_wait_ms / 1000.0, max_wait_ms / 1000.0)
