"""Iteration gates: how iteration and arrival-rate executors control when a user runs a task.

A user with a gate (``user._gate``) asks it before each task of its root TaskSet (one task is one
*iteration*) and tells it when the task is over. The closed-model gates only count; the arrival
gate hands out tickets at the scheduled rate and blocks users until their ticket is due, so
iterations start at the exact rate however slow the target is, each carrying its intended start.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import gevent
import gevent.event
from gevent.lock import Semaphore

from horde._types import SleepingClock
from horde.exceptions import StopUser
from horde.shape.arrival import RateSchedule

if TYPE_CHECKING:
    from horde.runners.pool import UserPool
    from horde.user.users import User

logger = logging.getLogger(__name__)

_EPSILON = 1e-9
"""Seconds within which a due time counts as reached (sums of floats differ in the last bit)."""


class SharedIterations:
    """``-i N``: the users run N iterations between them, then stop (waits apply)."""

    waits = True

    def __init__(self, total: int) -> None:
        self.total = total
        self.started = 0
        self.completed = 0
        self.done = gevent.event.Event()
        if total <= 0:  # a worker's share of fewer iterations than workers: nothing to wait for
            self.done.set()

    def acquire(self, user: User) -> None:
        if self.started >= self.total:
            raise StopUser
        self.started += 1

    def release(self, user: User) -> None:
        self.completed += 1
        if self.completed >= self.total:
            self.done.set()


class PerUserIterations:
    """``--iterations-per-user N``: each user runs N iterations, then stops (waits apply)."""

    waits = True

    def __init__(self, per_user: int, users: int) -> None:
        self.per_user = per_user
        self.users = users
        self.finished_users = 0
        self.completed = 0
        self.done = gevent.event.Event()
        if per_user <= 0 or users <= 0:
            self.done.set()

    def acquire(self, user: User) -> None:
        if user._iterations >= self.per_user:
            raise StopUser

    def release(self, user: User) -> None:
        user._iterations += 1
        self.completed += 1
        if user._iterations == self.per_user:
            self.finished_users += 1
            if self.finished_users >= self.users:
                self.done.set()


class ArrivalGate:
    """Open model: tickets at the schedule's rate; users take them and start an iteration.

    The dispatcher (:meth:`run`) releases ticket ``i`` when it is due; a free user takes the
    oldest ticket. When no user is free the pool grows, up to its maximum; past that, tickets
    wait, and one that could not start within ``max_lateness`` seconds of its due time is
    dropped and counted. Every started iteration carries its intended start (``due``) so
    statistics can measure latency from when the request should have been sent.
    """

    waits = False

    def __init__(
        self,
        schedule: RateSchedule,
        clock: SleepingClock,
        *,
        max_users: int,
        max_lateness: float,
        end: float | None = None,
        share: tuple[int, int] = (0, 1),
        lateness: Any = None,
        count: Any = None,
    ) -> None:
        self.schedule = schedule
        self.offset, self.stride = share
        """A worker's share of the schedule: its ticket ``i`` is the schedule's iteration
        ``offset + i * stride`` (all workers together release exactly the schedule's tickets)."""
        self.end = end
        """Seconds after the start from which no iteration is due (the run-time limit)."""
        self.lateness = lateness
        """A stats Histogram: each started iteration's lateness in ms (None: not kept)."""
        self.count = count
        """How many users this gate's pool holds now (None: the whole pool's count); a class
        with an executor of its own shares the pool with others."""
        self.clock = clock
        self.max_users = max_users
        self.max_lateness = max_lateness
        self.start = clock.monotonic()
        self.released = 0
        self.taken = 0
        self.dropped = 0
        self.completed = 0
        self.free = 0
        """Users waiting for a ticket right now."""
        self._tickets = Semaphore(0)
        self._warned = False
        self.done = gevent.event.Event()

    # -- the user side ---------------------------------------------------------------------------

    def acquire(self, user: User) -> None:
        while True:
            self.free += 1
            try:
                self._tickets.acquire()
            finally:
                self.free -= 1
            index = self.taken
            self.taken += 1
            due = self.start + (self.schedule.due(self.offset + index * self.stride) or 0.0)
            late = self.clock.monotonic() - due
            if late > self.max_lateness:
                self._drop(1)
                continue
            late_ms = max(late, 0.0) * 1000.0
            if self.lateness is not None:
                self.lateness.record(late_ms)
            user._intended_start = due
            user._lateness = late_ms
            return

    def release(self, user: User) -> None:
        user._intended_start = None
        user._lateness = None
        self.completed += 1

    # -- the dispatcher --------------------------------------------------------------------------

    def run(self, pool: UserPool, spawn: Any) -> None:
        """Release tickets as they fall due and grow the pool when nobody is free (blocks)."""
        clock = self.clock
        while True:
            offset = self._due(self.released)
            if offset is None:
                self.done.set()
                return
            wait = self.start + offset - clock.monotonic()
            if wait > _EPSILON:
                clock.sleep(wait)
            now = clock.monotonic() - self.start + _EPSILON
            while (offset := self._due(self.released)) is not None and offset <= now:
                self.released += 1
                self._tickets.release()
            self._grow(pool, spawn)

    def _due(self, index: int) -> float | None:
        offset = self.schedule.due(self.offset + index * self.stride)
        if offset is None or (self.end is not None and offset >= self.end - _EPSILON):
            return None
        return offset

    def _grow(self, pool: UserPool, spawn: Any) -> None:
        backlog = self._tickets.counter - self.free
        if backlog <= 0:
            return
        room = self.max_users - (pool.count if self.count is None else self.count())
        if room <= 0:
            if not self._warned:
                self._warned = True
                logger.warning(
                    "arrival rate: all %d users%s are busy; iterations start late (their "
                    "latency is measured from when they were due) and are dropped after %g s: "
                    "raise -u",
                    self.max_users,
                    " of this worker" if self.stride > 1 else "",
                    self.max_lateness,
                )
            return
        for _ in range(min(backlog, room)):
            spawn()

    def _drop(self, count: int) -> None:
        self.dropped += count
        if not self._warned:
            self._warned = True
            logger.warning(
                "arrival rate: iterations are being dropped (more than %g s late): raise -u",
                self.max_lateness,
            )

    def unstarted(self) -> int:
        """Tickets released but never taken (counted as dropped at the end)."""
        return self.released - self.taken

    def finish(self) -> int:
        """At the end of the test: count the tickets nobody took as dropped; the total."""
        left = self.unstarted()
        if left > 0:
            self.dropped += left
            self.taken = self.released
        return self.dropped


def attach(user: User, gate: Any) -> None:
    """Give ``user`` its gate (before it starts)."""
    user._gate = gate
    user._iterations = 0
    user._intended_start = None


def spawn_free(pool: UserPool, classes: list[Any], counter: list[int]) -> Any:
    """A function that starts the next user of ``classes`` in the pool (round robin)."""

    def spawn() -> None:
        cls = classes[counter[0] % len(classes)]
        counter[0] += 1
        pool.spawn(cls)
        gevent.sleep(0)

    return spawn
