"""Shared protocols and aliases, so lower layers never import higher ones."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol


class Clock(Protocol):
    """Time source. ``monotonic`` measures durations, ``time`` is the wall clock (epoch seconds)."""

    def monotonic(self) -> float: ...

    def time(self) -> float: ...


class SleepingClock(Clock, Protocol):
    """A clock that can also wait. ``sleep`` blocks only the calling greenlet, for ``seconds``
    of this clock's time (real seconds for the system clock, virtual ones for a fake clock)."""

    def sleep(self, seconds: float) -> None: ...


class RunnerView(Protocol):
    """What reports and the stats history may read from a runner."""

    @property
    def user_count(self) -> int: ...

    @property
    def state(self) -> str: ...


Listener = Callable[..., Any]
"""An event listener: called with keyword arguments only; should accept ``**kwargs``."""
