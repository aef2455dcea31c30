"""The real clock. Stats and schedulers take a :class:`~horde._types.Clock` so tests can inject a
fake one (:class:`horde.testing.FakeClock`)."""

from __future__ import annotations

import time


class SystemClock:
    """Monotonic time from ``time.perf_counter`` and wall time from ``time.time``."""

    __slots__ = ()

    monotonic = staticmethod(time.perf_counter)
    time = staticmethod(time.time)


SYSTEM_CLOCK = SystemClock()
