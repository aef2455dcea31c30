"""Per-second counters in a fixed ring, for "current" rates over a rolling window.

Memory is constant whatever the run length (Locust keeps one dict key per second per entry),
and small: the ring (32 counters) is allocated on the first event, so a name that never fails
has no failure ring. All times are epoch seconds passed in by the caller; nothing
here reads a clock.
"""

from __future__ import annotations

RING_SECONDS = 32
"""Seconds of per-second history kept; must exceed WINDOW_SECONDS + 1."""

WINDOW_SECONDS = 10
"""The "current" rate is the mean over this many complete seconds before the current one."""


_NO_RING: list[int] = []
"""The ring of a counter that has counted nothing yet (shared; never written: ``_advance``
replaces it before the first write)."""


_NOTHING = -(2**62)
"""``_second`` before the first event: below any second, so the first event always advances
(and allocates the ring). Like every negative second, it means "nothing counted"."""


def _new_ring() -> list[int]:
    return [0] * RING_SECONDS


class SecondCounter:
    """Counts events per whole second for the last :data:`RING_SECONDS` seconds."""

    __slots__ = ("_ring", "_second")

    def __init__(self) -> None:
        self._ring = _NO_RING
        self._second = _NOTHING

    def add(self, now: float, count: int = 1) -> None:
        second = int(now)
        last = self._second
        if second != last:  # the common case, another event in the same second, skips this
            if second > last:
                self._advance(second)
            elif last - second >= RING_SECONDS:
                return  # a late event for a second the ring no longer holds: its slot is reused
        self._ring[second % RING_SECONDS] += count

    def _advance(self, second: int) -> None:
        """Move on to ``second``, zeroing the slots of the seconds skipped (all, after a gap)."""
        last = self._second
        if last < 0 or second - last >= RING_SECONDS:
            self._ring = _new_ring()
        else:
            for s in range(last + 1, second + 1):
                self._ring[s % RING_SECONDS] = 0
        self._second = second

    def count_at(self, second: int) -> int:
        """Events counted during ``second`` (0 if outside the ring)."""
        if self._second < 0 or second > self._second or self._second - second >= RING_SECONDS:
            return 0
        return self._ring[second % RING_SECONDS]

    def rate(self, now: float, since: float, window: int = WINDOW_SECONDS) -> float:
        """Mean events per second over the ``window`` complete seconds before ``now``.

        ``since`` is when counting started; early in a run the mean covers only the complete
        seconds elapsed, so the first reading is not diluted by seconds that never happened.
        """
        current = int(now)
        seconds = min(window, current - int(since))
        low = current - seconds
        last = self._second
        if seconds <= 0 or last < low:
            return 0.0  # nothing counted in the window (most names, when there are thousands)
        if last - low >= RING_SECONDS:  # counted far ahead of ``now``: the ring moved past it
            return sum(self.count_at(s) for s in range(low, current)) / seconds
        ring = self._ring
        return sum(ring[s % RING_SECONDS] for s in range(low, min(current, last + 1))) / seconds

    def merge(self, other: SecondCounter) -> None:
        """Add ``other``'s per-second counts (for aggregating entries)."""
        if other._second < 0:
            return
        if self._second < other._second:
            self._advance(other._second)
        low = max(other._second, self._second) - RING_SECONDS + 1
        for s in range(low, other._second + 1):
            self._ring[s % RING_SECONDS] += other.count_at(s)

    def items(self) -> list[tuple[int, int]]:
        """The seconds the ring holds with a count above zero: ``(second, count)``, oldest
        first (the compact form shipped from a worker; :meth:`add` takes them back)."""
        last = self._second
        if last < 0:
            return []
        ring = self._ring
        low = max(0, last - RING_SECONDS + 1)
        return [(s, ring[s % RING_SECONDS]) for s in range(low, last + 1) if ring[s % RING_SECONDS]]

    def reset(self) -> None:
        self._ring = _NO_RING
        self._second = _NOTHING
