"""Iteration and arrival-rate executors on a pool of users in this process.

The load driver decides *that* a plan runs iterations or an arrival rate; a runner decides
*where*: the local runner runs them here (:class:`PoolExecutor`), a worker runs its share here
(the same class, given the share), and the master hands shares to its workers
(:mod:`horde.runners.master`). Both entry points block until the executor's work is done.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any

import gevent
import gevent.event

from horde.dispatch import user_sequence
from horde.runners.gates import ArrivalGate, PerUserIterations, SharedIterations, attach
from horde.shape.arrival import RateSchedule
from horde.shape.base import Target
from horde.shape.plan import RunPlan
from horde.shape.stages import StagesShape

if TYPE_CHECKING:
    from horde.runners.local import PoolRunner

logger = logging.getLogger(__name__)

DRAIN_POLL = 0.05
"""Seconds between two looks at the arrival gate while in-flight iterations finish."""
STAGE_TICK = 1.0
"""Seconds between two looks at a class's stages (as the load driver looks at the run's)."""
MAX_STOP_RATE = 1_000_000.0
"""Users a second a class's executor stops at its end (all at once)."""


@dataclass(frozen=True)
class ArrivalShare:
    """What one process runs of an arrival-rate plan (all of it in one process)."""

    schedule: RateSchedule
    max_users: int
    pre_allocated: int
    max_lateness: float
    end: float | None
    drain: float
    """Seconds iterations started before the end may take to finish (the stop grace)."""
    share: tuple[int, int] = (0, 1)


class PoolExecutor:
    """Runs iterations or an arrival schedule on the pool of ``runner``."""

    def __init__(self, runner: PoolRunner, classes: list[Any] | None = None) -> None:
        self.runner = runner
        self.gate: Any = None
        self.classes = classes
        """The classes this executor starts: one class with an executor of its own, or None
        for the run's classes (every class but those)."""
        self._ramping: gevent.Greenlet | None = None

    def _classes(self) -> list[Any]:
        if self.classes is not None:
            return self.classes
        reserved = self.runner.pool.reserved
        return [c for c in self.runner.environment.user_classes if c.__name__ not in reserved]

    def _prepare(self, gate: Any) -> None:
        """Give each new user of this executor's classes ``gate``."""
        pool = self.runner.pool
        if self.classes is None:
            pool.prepare = lambda user: attach(user, gate)
            return
        for cls in self.classes:
            pool.prepare_for[cls.__name__] = lambda user: attach(user, gate)

    def _ramp(self, users: int, rate: float) -> None:
        """Move this executor's classes to ``users`` at ``rate``/s (in the background)."""
        runner = self.runner
        if self.classes is None:
            runner.ramp_to(users, rate)
            return
        if self._ramping is not None:
            self._ramping.kill(block=True)
        classes = self.classes
        policy = runner.stop_policy()
        self._ramping = runner.spawn_background(
            lambda: runner.pool.ramp(users, rate, classes, policy, only=True)
        )

    def iterations(self, kind: str, iterations: int, users: int, rate: float) -> None:
        """``shared`` (``iterations`` in total) or ``per-user`` iterations on ``users`` users,
        started at ``rate``/s; returns once they are all done."""
        if kind == "shared":
            gate: Any = SharedIterations(iterations)
        else:
            gate = PerUserIterations(iterations, users)
        self.gate = gate
        self._prepare(gate)
        self._ramp(users, rate)
        gate.done.wait()

    def arrival(
        self, plan: ArrivalShare, description: str, ready: Callable[[], None] | None = None
    ) -> bool:
        """Run the schedule; True once a finite schedule is over (False if it could not
        start), never returns for an open-ended one (the test is stopped instead). The schedule
        starts once the pre-allocated users are ready; ``ready`` is called then."""
        runner = self.runner
        pool = runner.pool
        clock = runner.clock
        classes = self._classes()
        names = frozenset(c.__name__ for c in classes)
        gate = ArrivalGate(
            plan.schedule,
            clock,
            max_users=plan.max_users,
            max_lateness=plan.max_lateness,
            end=plan.end,
            share=plan.share,
            lateness=runner.stats.lateness,
            count=lambda: pool.count_of(names),
        )
        self.gate = gate
        self._prepare(gate)
        sequence = _cycle(classes)
        for cls in islice(sequence, plan.pre_allocated):
            if pool.spawn(cls) is None:
                return False
            gevent.sleep(0)
        if self.classes is None:
            runner.target_user_count = runner.user_count
            runner.state = "running"
        gate.start = clock.monotonic()
        if ready is not None:
            ready()
        logger.info(
            "arrival rate %s: %d users ready, at most %d",
            description,
            runner.user_count,
            plan.max_users,
        )
        gate.run(pool, lambda: pool.spawn(next(sequence)))
        if not math.isfinite(plan.schedule.duration):
            return False
        self._drain(plan.drain)
        return True

    def finish(self) -> None:
        """At the end of the test (before its users stop): end this executor's own ramp, so
        nothing starts while they stop, and count the arrival tickets nobody took as dropped."""
        ramping = self._ramping
        if ramping is not None and ramping is not gevent.getcurrent():
            ramping.kill(block=True)
        self._ramping = None
        if isinstance(self.gate, ArrivalGate):
            dropped = self.gate.finish()
            self.runner.stats.dropped_iterations += dropped
            if dropped:
                logger.warning("arrival rate: %d iteration(s) were dropped", dropped)
        self.gate = None

    # -- a class with an executor of its own ----------------------------------------------------

    def run_class(self, plan: RunPlan, share: tuple[int, int] = (0, 1)) -> None:
        """Run ``plan`` for this executor's class; returns once it is done (never, for an
        open-ended one: the test's end stops it)."""
        executor = plan.executor
        if executor in ("shared-iterations", "per-vu-iterations"):
            kind = "shared" if executor == "shared-iterations" else "per-user"
            self.iterations(kind, plan.iterations or 0, plan.users, plan.spawn_rate)
        elif plan.schedule is not None:
            arrival = ArrivalShare(
                plan.schedule,
                max_users=plan.users,
                pre_allocated=plan.pre_allocated_users,
                max_lateness=plan.max_lateness,
                end=plan.run_time,
                drain=max(plan.stop_grace, 1.0),
                share=share,
            )
            if not self.arrival(arrival, plan.describe()):  # (a finite one drained already)
                if plan.run_time is None:
                    _forever()  # open-ended: the test's end stops the users
                self._drain(arrival.drain)
            self._ramp(0, MAX_STOP_RATE)  # its users wait for tickets that will never come
        else:
            self._users(plan)
        if self._ramping is not None:
            self._ramping.join()

    def _users(self, plan: RunPlan) -> None:
        clock = self.runner.clock
        start = clock.monotonic()
        if plan.stages:
            stages = StagesShape(plan.stages)
            last: Target | None = None
            ticks = 0
            while (target := stages.target_at(clock.monotonic() - start)) is not None:
                if target != last:
                    self._ramp(target.users, target.spawn_rate)
                    last = target
                ticks += 1
                clock.sleep(max(0.0, start + ticks * STAGE_TICK - clock.monotonic()))
            self._ramp(0, MAX_STOP_RATE)
            return
        self._ramp(plan.users, plan.spawn_rate)
        if plan.run_time is None:
            _forever()
            return
        clock.sleep(max(0.0, start + plan.run_time - clock.monotonic()))
        self._ramp(0, MAX_STOP_RATE)

    def _drain(self, seconds: float) -> None:
        """Let the iterations already started finish (at most ``seconds``)."""
        gate = self.gate
        clock = self.runner.clock
        deadline = clock.monotonic() + seconds
        while gate is not None and gate.completed < gate.taken and clock.monotonic() < deadline:
            clock.sleep(DRAIN_POLL)

    @property
    def done(self) -> bool:
        gate = self.gate
        return gate is not None and gate.done.is_set()


def _forever() -> None:
    gevent.event.Event().wait()


def _cycle(classes: list[Any]) -> Iterator[Any]:
    """User classes in dispatch order, forever (fixed counts first, then by weight)."""
    while True:
        yield from user_sequence(classes)
        if all(c.fixed_count for c in classes):
            continue
