"""A fake clock for deterministic tests: time moves only when told to, or, with ``autojump``,
straight to the next deadline whenever every greenlet is waiting (as trio's MockClock does).

A runner, its users and a load shape driven by ``FakeClock(autojump=True)`` run a ten-minute
plan in milliseconds, and every wait ends exactly at its deadline, so tests of ramps, shapes,
run-time limits and thresholds assert exact times instead of polling the wall clock.
"""

from __future__ import annotations

import heapq
import itertools
import math
from typing import Any

import gevent
from gevent.hub import Waiter, get_hub


class _Sleeper:
    __slots__ = ("alive", "deadline", "seq", "waiter")

    def __init__(self, deadline: float, seq: int, waiter: Waiter) -> None:
        self.deadline = deadline
        self.seq = seq
        self.waiter = waiter
        self.alive = True

    def __lt__(self, other: _Sleeper) -> bool:
        return (self.deadline, self.seq) < (other.deadline, other.seq)


class FakeClock:
    """Starts at ``start`` (wall time); moves through :meth:`advance`, or by itself with
    ``autojump=True``: when the event loop has nothing else to do, time jumps to the earliest
    :meth:`sleep` deadline and that sleeper wakes.

    Anything that waits on real time (``gevent.sleep``, sockets) while virtual time is in use
    lets virtual time run ahead: code under test must wait through this clock's ``sleep``.
    """

    def __init__(self, start: float = 1_700_000_000.0, *, autojump: bool = False) -> None:
        self._wall = start
        self._mono = 1000.0
        self.autojump = autojump
        self._sleepers: list[_Sleeper] = []
        self._seq = itertools.count()
        self._idle: Any = None
        self._waking = 0
        """Wake-ups scheduled but not yet delivered: no jump until they have run."""

    def monotonic(self) -> float:
        return self._mono

    def time(self) -> float:
        return self._wall

    def advance(self, seconds: float) -> None:
        """Move time forward and wake every sleeper whose deadline has come."""
        if not seconds >= 0:
            raise ValueError(f"a clock cannot go backwards or by {seconds!r}")
        self._wall += seconds
        self._mono += seconds
        self._wake_due()

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of this clock's time (0 or less: just yield)."""
        if math.isnan(seconds):
            raise ValueError("cannot sleep NaN seconds")
        if seconds <= 0:
            gevent.sleep(0)
            return
        sleeper = _Sleeper(self._mono + seconds, next(self._seq), Waiter())
        heapq.heappush(self._sleepers, sleeper)
        self._arm()
        try:
            sleeper.waiter.get()
        finally:
            sleeper.alive = False

    # -- waking --------------------------------------------------------------------------------

    def _wake_due(self) -> None:
        loop = get_hub().loop
        while self._sleepers and self._sleepers[0].deadline <= self._mono:
            sleeper = heapq.heappop(self._sleepers)
            if sleeper.alive:
                self._waking += 1
                loop.run_callback(self._deliver, sleeper)

    def _deliver(self, sleeper: _Sleeper) -> None:
        self._waking -= 1
        if sleeper.alive:
            sleeper.waiter.switch(None)

    def _arm(self) -> None:
        if not self.autojump:
            return
        if self._idle is None:
            loop = get_hub().loop
            self._idle = loop.idle(ref=True, priority=loop.MINPRI)
        if not self._idle.active:
            self._idle.start(self._jump)

    def _jump(self) -> None:
        """Idle callback (in the hub): nothing else can run, so the next deadline has come."""
        while self._sleepers and not self._sleepers[0].alive:
            heapq.heappop(self._sleepers)
        if not self._sleepers:
            self._idle.stop()
            return
        if self._waking:
            return
        deadline = self._sleepers[0].deadline
        if deadline > self._mono:
            self._wall += deadline - self._mono
            self._mono = deadline  # exactly: a sleep of s seconds ends at start + s
        self._wake_due()
