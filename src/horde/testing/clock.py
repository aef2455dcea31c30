"""A clock that only moves when told to, for deterministic tests of windows and rates."""

from __future__ import annotations


class FakeClock:
    """Starts at ``start`` (wall time) and advances only through :meth:`advance`."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._wall = start
        self._mono = 1000.0

    def monotonic(self) -> float:
        return self._mono

    def time(self) -> float:
        return self._wall

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        self._wall += seconds
        self._mono += seconds
