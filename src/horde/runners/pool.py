"""UserPool: the simulated users of one process — start them, ramp them, stop them safely.

Used by the local runner (and by the worker runner of distributed mode): whoever decides *how
many* users of *which* classes should run calls :meth:`UserPool.ramp`; the pool starts or stops
users along the dispatch sequence (:mod:`horde.dispatch`) at the given rate.

Nothing is built ahead: the sequence is walked lazily and remembered only as far as it was used,
so asking for a million users costs what the users started so far cost.

Stopping (:meth:`UserPool.stop`) never loses a request that reached the wire:

1. with ``stop_timeout`` > 0, users first get that long to finish their current task (Locust's
   ``--stop-timeout``);
2. then every user is told to halt: one that is not inside a request is stopped at once; one
   inside a request finishes it (it is recorded as usual) and stops at its next boundary (next
   request, wait or task), within ``grace`` seconds;
3. a user still inside a request after the grace is killed, and its client records the request
   as failed ("cancelled at stop"): counted, never silently dropped.

``on_stop`` runs for every stopped user and may still make requests.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from itertools import islice
from typing import TYPE_CHECKING, Any

import gevent
from gevent import Greenlet
from gevent.pool import Group

from horde._types import SleepingClock
from horde.dispatch import strided_sequence

if TYPE_CHECKING:
    from horde.user.users import User

logger = logging.getLogger(__name__)

KILL_TIMEOUT = 10.0
"""Seconds to wait for killed users to finish their on_stop before giving up on them."""
YIELD_EVERY = 100
"""A fast ramp yields to the other greenlets at least every this many users."""
MAX_SEQUENCES = 64
"""Dispatch sequences remembered (one per list of classes ramped, and share)."""


class _Sequence:
    """The dispatch sequence of one list of classes (or a worker's share of it: positions
    ``offset, offset + stride, ...``), remembered as far as it has been read."""

    def __init__(self, classes: Sequence[Any], offset: int = 0, stride: int = 1) -> None:
        self.key = (tuple(classes), offset, stride)
        self._source: Iterator[Any] = strided_sequence(classes, offset, stride)
        self._seen: list[Any] = []

    def prefix(self, count: int) -> list[Any]:
        missing = count - len(self._seen)
        if missing > 0:
            self._seen.extend(islice(self._source, missing))
        return self._seen[:count]


class UserPool:
    """The running users of one process."""

    def __init__(
        self,
        environment: Any,
        clock: SleepingClock,
        *,
        on_user_ended: Callable[[User, Greenlet], None],
        on_spawn_error: Callable[[type, BaseException], None],
    ) -> None:
        self.environment = environment
        self.clock = clock
        self.greenlets = Group()
        self.users: list[User] = []
        """Running users, oldest first."""
        self.counts: dict[str, int] = {}
        self.prepare: Callable[[User], None] | None = None
        """Called with each new user before it starts (iteration executors set its gate)."""
        self.prepare_for: dict[str, Callable[[User], None]] = {}
        """The same for the users of one class with an executor of its own (by class name)."""
        self.reserved: frozenset[str] = frozenset()
        """Classes with an executor of their own: a ramp of the run's classes leaves them be."""
        self._on_user_ended = on_user_ended
        self._on_spawn_error = on_spawn_error
        self._sequences: dict[tuple[Any, ...], _Sequence] = {}

    @property
    def count(self) -> int:
        return len(self.users)

    def count_of(self, names: frozenset[str]) -> int:
        """Running users of the classes named ``names``."""
        return sum(n for name, n in self.counts.items() if name in names)

    # -- starting -------------------------------------------------------------------------------

    def spawn(self, cls: type) -> User | None:
        """Start one user of ``cls``; None if its constructor failed (reported)."""
        try:
            user: User = cls(self.environment)
        except Exception as exc:  # noqa: BLE001 - user code in __init__: reported, run stopped
            self._on_spawn_error(cls, exc)
            return None
        name = cls.__name__
        prepare = self.prepare_for.get(name, self.prepare)
        if prepare is not None:
            prepare(user)
        self.users.append(user)
        self.counts[name] = self.counts.get(name, 0) + 1
        user.start(self.greenlets).link(lambda g, u=user: self._ended(u, g))
        return user

    def _ended(self, user: User, greenlet: Greenlet) -> None:
        """Link callback (in the hub): forget the user, tell the runner how it ended."""
        self._forget(user)
        self._on_user_ended(user, greenlet)

    def _forget(self, user: User) -> bool:
        try:
            self.users.remove(user)
        except ValueError:
            return False
        name = type(user).__name__
        self.counts[name] -= 1
        return True

    # -- ramping --------------------------------------------------------------------------------

    def ramp(
        self,
        target: int,
        rate: float,
        classes: Sequence[Any],
        stop: StopPolicy,
        share: tuple[int, int] = (0, 1),
        *,
        only: bool = False,
    ) -> bool:
        """Move to ``target`` users of ``classes`` at ``rate`` users/s (blocks until done).

        Users of classes not in ``classes`` are stopped, except those of :attr:`reserved`
        classes (all of them but ``classes`` with ``only``); the classes' mix follows the
        dispatch sequence (a worker's ``share``, ``(offset, stride)``, of it). Returns False if
        a user could not be started (the ramp stops there).
        """
        key = (tuple(classes), *share)
        sequence = self._sequences.get(key)
        if sequence is None:
            if len(self._sequences) >= MAX_SEQUENCES:  # a shape cycling through class lists
                self._sequences.clear()
            sequence = self._sequences[key] = _Sequence(classes, *share)
        wanted: dict[str, int] = {}
        for cls in sequence.prefix(target):
            wanted[cls.__name__] = wanted.get(cls.__name__, 0) + 1
        names = frozenset(c.__name__ for c in classes)
        untouched = (frozenset(self.counts) - names) if only else (self.reserved - names)
        surplus = self._surplus(wanted, untouched)
        if surplus:
            self._paced(len(surplus), rate, lambda i: stop.stop([surplus[i]]))
        starting = self._missing(sequence.prefix(target), wanted)
        return self._paced(len(starting), rate, lambda i: self.spawn(starting[i]) is not None)

    def _surplus(self, wanted: dict[str, int], untouched: frozenset[str]) -> list[User]:
        """Users beyond the wanted count of their class (but for the ``untouched`` classes),
        most recently started first."""
        extra = {
            name: count - wanted.get(name, 0)
            for name, count in self.counts.items()
            if name not in untouched
        }
        chosen: list[User] = []
        for user in reversed(self.users):
            name = type(user).__name__
            if extra.get(name, 0) > 0:
                extra[name] -= 1
                chosen.append(user)
        return chosen

    def _missing(self, prefix: list[Any], wanted: dict[str, int]) -> list[Any]:
        """The classes to start, in sequence order, to reach ``wanted`` from the counts now."""
        have = dict(self.counts)
        out = []
        for cls in prefix:
            name = cls.__name__
            if have.get(name, 0) > 0:
                have[name] -= 1
            else:
                out.append(cls)
        return out

    def _paced(self, count: int, rate: float, action: Callable[[int], bool | None]) -> bool:
        """Run ``action(0..count-1)`` at ``rate`` per second, the first one at once."""
        clock = self.clock
        start = clock.monotonic()
        for index in range(count):
            delay = start + index / rate - clock.monotonic()
            if delay > 0:
                clock.sleep(delay)
            elif index and index % YIELD_EVERY == 0:
                gevent.sleep(0)
            if action(index) is False:
                return False
        return True

    # -- stopping -------------------------------------------------------------------------------

    def stop_all(self, stop: StopPolicy) -> None:
        users = list(reversed(self.users))
        stop.stop(users)

    def kill_all(self) -> None:
        """Last resort (quit): end every greenlet of the pool now."""
        if len(self.greenlets):
            self.greenlets.kill(block=True, timeout=KILL_TIMEOUT)
        self.users = []
        self.counts = {}


class StopPolicy:
    """How users stop: ``stop_timeout`` for whole tasks, then ``grace`` for requests in flight."""

    def __init__(self, pool: UserPool, stop_timeout: float, grace: float) -> None:
        self.pool = pool
        self.stop_timeout = stop_timeout
        self.grace = grace

    def stop(self, users: Sequence[User]) -> None:
        """Stop ``users`` (blocks until they ended or the bounds passed; see the module doc)."""
        pool = self.pool
        for user in users:
            pool._forget(user)
        alive = _alive(users)
        if self.stop_timeout > 0 and alive:
            for user in alive:
                user.stop(force=False)
            join_within(_greenlets(alive), self.stop_timeout, pool.clock)
            alive = _alive(alive)
        if not alive:
            return
        for user in alive:
            user._halt = True
        idle = [u.greenlet for u in alive if not u._inflight and u.greenlet is not None]
        for greenlet in idle:
            greenlet.kill(block=False)
        join_within(_greenlets(alive), self.grace, pool.clock)
        late = _greenlets(_alive(alive))
        if late:
            logger.info("%d user(s) still in a request after the stop grace: cancelling", len(late))
            gevent.killall(late, block=True, timeout=KILL_TIMEOUT)


def _alive(users: Sequence[User]) -> list[User]:
    return [u for u in users if u.greenlet is not None and not u.greenlet.dead]


def _greenlets(users: Sequence[User]) -> list[Greenlet]:
    return [u.greenlet for u in users if u.greenlet is not None]


def join_within(greenlets: Sequence[Greenlet], seconds: float, clock: SleepingClock) -> None:
    """Wait until every greenlet has ended or ``seconds`` of ``clock`` time have passed."""
    pending = [g for g in greenlets if not g.dead]
    if not pending:
        return
    if seconds <= 0:
        gevent.sleep(0)
        return
    timer = gevent.spawn(clock.sleep, seconds)
    try:
        left = len(pending)
        for finished in gevent.iwait([*pending, timer]):
            if finished is timer:
                return
            left -= 1
            if not left:
                return
    finally:
        timer.kill(block=False)
