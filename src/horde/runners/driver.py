"""LoadDriver: executes a RunPlan on a runner — one loop for every way of applying load.

Fixed users, stages, a LoadTestShape, iterations and arrival rates are all plans; the driver
starts what the plan's executor needs (users through :meth:`Runner.ramp_to`, iterations and
arrival rates through :meth:`Runner.run_iterations` and :meth:`Runner.run_arrival`, which a
local runner runs here and a master splits among its workers), ends the test when the run
time is over, the shape or the stages end, or the iterations are done, and checks ``abort``
thresholds once a second. The headless mode and the web UI both start tests through it, so a
run-time limit means the same wherever the test was started.

Everything waits on the runner's clock, so a plan runs in virtual time under a fake clock.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import gevent

from horde.exceptions import ConfigError
from horde.shape.base import Target, target_of
from horde.shape.plan import RunPlan
from horde.shape.stages import StagesShape
from horde.stats.thresholds import ThresholdResult, ThresholdSource, evaluate

if TYPE_CHECKING:
    from horde.runners.base import Runner

logger = logging.getLogger(__name__)

TICK = 1.0
"""Seconds between two looks at a shape, the stages or the thresholds (Locust's shape tick)."""


class LoadDriver:
    """Runs one plan on one runner (start with :meth:`start`; ended by the runner's stop)."""

    def __init__(self, runner: Runner, plan: RunPlan) -> None:
        self.runner = runner
        self.plan = plan
        self.clock = runner.clock
        self.started_at = self.clock.monotonic()
        self.aborted_by: ThresholdResult | None = None
        self.greenlets: list[gevent.Greenlet] = []
        self.class_greenlets: list[gevent.Greenlet] = []
        """One per User class with an executor of its own (runner.run_class)."""

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        runner = self.runner
        self.started_at = self.clock.monotonic()
        runner.target_user_count = self.plan.users
        runner.spawn_rate = self.plan.spawn_rate
        self._spawn(self._drive)
        if self.plan.run_time and not self.plan.open_model:
            self._spawn(self._time_limit, self.plan.run_time)
        if any(t.abort_on_fail for t in self.plan.thresholds):
            self._spawn(self._watch_thresholds)

    def _spawn(self, function: Any, *args: Any) -> None:
        self.greenlets.append(self.runner.spawn_background(function, *args))

    def stop(self) -> None:
        """End the driver's own greenlets (called by the runner as the test stops)."""
        current = gevent.getcurrent()
        for greenlet in self.greenlets:
            if greenlet is not current:
                greenlet.kill(block=True)
        self.runner.finish_executor()

    def elapsed(self) -> float:
        return self.clock.monotonic() - self.started_at

    def _time_limit(self, seconds: float) -> None:
        self.clock.sleep(seconds)
        self.runner.request_stop("run time limit reached")

    # -- executors -------------------------------------------------------------------------------

    def _drive(self) -> None:
        runner = self.runner
        self.class_greenlets = [
            runner.spawn_background(runner.run_class, name, plan)
            for name, plan in runner.class_plans.items()
        ]
        self.greenlets += self.class_greenlets
        if self.class_greenlets and not self._run_has_classes():
            runner.target_user_count = sum(p.users for p in runner.class_plans.values())
            runner.state = "running"
            if self.plan.run_time and self.plan.open_model:  # (else start() set it)
                self._spawn(self._time_limit, self.plan.run_time)
            self._finished("every class's executor is done")
            return
        executor = self.plan.executor
        if executor in ("ramping-vus", "constant-vus") and self.plan.stages:
            self._follow(StagesShape(self.plan.stages).target_at, "all stages done")
        elif executor in ("ramping-vus", "constant-vus"):
            self.runner.ramp_to(self.plan.users, self.plan.spawn_rate)
        elif executor == "shape":
            self._follow_shape()
        elif executor in ("shared-iterations", "per-vu-iterations"):
            self._iterations()
        else:
            self._arrival()

    def _run_has_classes(self) -> bool:
        """Whether some class runs under the run's own executor (not one of its own)."""
        own = self.runner.class_plans
        return any(c.__name__ not in own for c in self.runner.environment.user_classes)

    def _finished(self, reason: str) -> None:
        """The run's executor is done: stop the test once every class's own is done too."""
        gevent.joinall(self.class_greenlets)
        self.runner.request_stop(reason)

    def _follow(self, target_at: Any, reason: str) -> None:
        """Apply ``target_at(elapsed)`` whenever it changes; stop when it gives None."""
        last: Target | None = None
        ticks = 0
        while True:
            target = target_at(self.elapsed())
            if target is None:
                self._finished(reason)
                return
            if target != last:
                self._apply(target)
                last = target
            ticks += 1
            self.clock.sleep(max(0.0, ticks * TICK - self.elapsed()))

    def _follow_shape(self) -> None:
        environment = self.runner.environment
        shape = environment.shape_class
        if shape is None:
            raise ConfigError(f"no load shape named {self.plan.shape!r}")
        shape.runner = self.runner
        shape.reset_time()
        name = type(shape).__name__
        self._follow(lambda _elapsed: target_of(shape.tick(), name), "the load shape ended")

    def _apply(self, target: Target) -> None:
        classes = list(target.user_classes) if target.user_classes is not None else None
        logger.info("load changing to %d users at %g/s", target.users, target.spawn_rate)
        self.runner.ramp_to(target.users, target.spawn_rate, classes)

    def _iterations(self) -> None:
        self.runner.run_iterations(self.plan)
        self._finished("all iterations done")

    def _arrival(self) -> None:
        def ready() -> None:  # the run-time limit counts from the schedule's start
            if self.plan.run_time:
                self._spawn(self._time_limit, self.plan.run_time)

        if self.runner.run_arrival(self.plan, ready):
            self._finished("the arrival schedule is over")

    # -- thresholds ------------------------------------------------------------------------------

    def _watch_thresholds(self) -> None:
        watched = [t for t in self.plan.thresholds if t.abort_on_fail]
        stats = self.runner.stats
        while True:
            self.clock.sleep(TICK)
            elapsed = self.elapsed()
            due = [t for t in watched if elapsed >= t.delay]
            if not due:
                continue
            source = ThresholdSource(
                stats.total, stats.entries, stats.clock.time(), stats.corrected_entry
            )
            for result in evaluate(due, source):
                if result.observed is not None and not result.passed:
                    self.aborted_by = result
                    self.runner.request_stop(
                        f"threshold {result.expression} failed ({result.describe()})"
                    )
                    return
