"""The real clock. Stats take a :class:`~horde._types.Clock` (they only read time); runners and
users take a :class:`~horde._types.SleepingClock`, which can also wait, so that tests can inject
:class:`horde.testing.FakeClock` and run ramps, shapes, run-time limits and thresholds in
virtual time instead of polling the wall clock.
"""

from __future__ import annotations

import time

import gevent


class SystemClock:
    """Monotonic time from ``time.perf_counter``, wall time from ``time.time``, and gevent's
    cooperative ``sleep`` (only the current greenlet waits)."""

    __slots__ = ()

    monotonic = staticmethod(time.perf_counter)
    time = staticmethod(time.time)

    @staticmethod
    def sleep(seconds: float) -> None:
        gevent.sleep(seconds)


SYSTEM_CLOCK = SystemClock()
