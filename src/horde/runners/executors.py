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

from horde.dispatch import user_sequence
from horde.runners.gates import ArrivalGate, PerUserIterations, SharedIterations, attach
from horde.shape.arrival import RateSchedule

if TYPE_CHECKING:
    from horde.runners.local import PoolRunner

logger = logging.getLogger(__name__)

DRAIN_POLL = 0.05
"""Seconds between two looks at the arrival gate while in-flight iterations finish."""


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

    def __init__(self, runner: PoolRunner) -> None:
        self.runner = runner
        self.gate: Any = None

    def iterations(self, kind: str, iterations: int, users: int, rate: float) -> None:
        """``shared`` (``iterations`` in total) or ``per-user`` iterations on ``users`` users,
        started at ``rate``/s; returns once they are all done."""
        runner = self.runner
        if kind == "shared":
            gate: Any = SharedIterations(iterations)
        else:
            gate = PerUserIterations(iterations, users)
        self.gate = gate
        runner.pool.prepare = lambda user: attach(user, gate)
        runner.ramp_to(users, rate)
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
        gate = ArrivalGate(
            plan.schedule,
            clock,
            max_users=plan.max_users,
            max_lateness=plan.max_lateness,
            end=plan.end,
            share=plan.share,
            lateness=runner.stats.lateness,
        )
        self.gate = gate
        pool.prepare = lambda user: attach(user, gate)
        sequence = _cycle(list(runner.environment.user_classes))
        for cls in islice(sequence, plan.pre_allocated):
            if pool.spawn(cls) is None:
                return False
            gevent.sleep(0)
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
        deadline = clock.monotonic() + plan.drain
        while gate.completed < gate.taken and clock.monotonic() < deadline:
            clock.sleep(DRAIN_POLL)
        return True

    def finish(self) -> None:
        """At the end of the test: count the arrival tickets nobody took as dropped."""
        if isinstance(self.gate, ArrivalGate):
            dropped = self.gate.finish()
            self.runner.stats.dropped_iterations = dropped
            if dropped:
                logger.warning("arrival rate: %d iteration(s) were dropped", dropped)
        self.gate = None

    @property
    def done(self) -> bool:
        gate = self.gate
        return gate is not None and gate.done.is_set()


def _cycle(classes: list[Any]) -> Iterator[Any]:
    """User classes in dispatch order, forever (fixed counts first, then by weight)."""
    while True:
        yield from user_sequence(classes)
        if all(c.fixed_count for c in classes):
            continue
