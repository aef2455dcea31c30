"""A one-second time series for charts and reports, in bounded memory.

Each tick (driven by the runner once a second, with the time passed in) appends one point per
series: the Aggregated total and the first :data:`ENTRY_SERIES_LIMIT` request names. A series
holds at most :data:`CAPACITY` points; when full, every other point is dropped and the series
keeps one point per two ticks from then on (and so on), so a week-long soak test costs the same
memory as a two-hour one, at a coarser resolution.

"Current" response-time percentiles cover the last :data:`~horde.stats.window.WINDOW_SECONDS`
seconds: a :class:`WindowTracker` keeps one copy of the histogram per tick (compact, like the
histogram itself) and subtracts the oldest from the live counts.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from horde.stats.histogram import Histogram
from horde.stats.window import WINDOW_SECONDS

CAPACITY = 7200
ENTRY_SERIES_LIMIT = 50
CHART_PERCENTILES = (0.5, 0.95, 0.99)


class WindowTracker:
    """Percentiles over the last ``window`` seconds of a cumulative histogram."""

    __slots__ = ("_snapshots",)

    def __init__(self, window: int = WINDOW_SECONDS) -> None:
        self._snapshots: deque[Histogram] = deque(maxlen=window + 1)

    def tick(self, histogram: Histogram) -> None:
        self._snapshots.append(histogram.copy())

    def clear(self) -> None:
        self._snapshots.clear()

    def percentiles(self, histogram: Histogram, fractions: Sequence[float]) -> list[float]:
        """Percentiles of the samples recorded since the tick ``window`` ticks ago.

        Until that many ticks have happened the window is everything since the start (or the last
        clear): the baseline is then the empty histogram, not the first tick's snapshot, which
        would drop every sample recorded before the first tick.
        """
        snapshots = self._snapshots
        if len(snapshots) == snapshots.maxlen:
            return histogram.percentiles(fractions, since=snapshots[0])
        return histogram.percentiles(fractions)


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    """One sample of a series. Rates are the current (windowed) values at ``time``."""

    time: float
    user_count: int
    current_rps: float
    current_fail_per_sec: float
    percentiles: tuple[float, ...]
    avg_response_time: float
    num_requests: int
    num_failures: int

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "time": self.time,
            "user_count": self.user_count,
            "current_rps": self.current_rps,
            "current_fail_per_sec": self.current_fail_per_sec,
            "total_avg_response_time": self.avg_response_time,
            "num_requests": self.num_requests,
            "num_failures": self.num_failures,
        }
        for fraction, value in zip(CHART_PERCENTILES, self.percentiles, strict=True):
            out[f"response_time_percentile_{fraction}"] = value
        return out


class Series:
    """Points of one series with the thinning rule described in the module docstring."""

    __slots__ = ("_ticks", "points", "stride")

    def __init__(self) -> None:
        self.points: list[HistoryPoint] = []
        self.stride = 1
        self._ticks = 0

    def offer(self, point: HistoryPoint) -> None:
        self._ticks += 1
        if (self._ticks - 1) % self.stride:
            return
        self.points.append(point)
        if len(self.points) >= CAPACITY:
            self.points = self.points[::2]
            self.stride *= 2

    def clear(self) -> None:
        self.points.clear()
        self.stride = 1
        self._ticks = 0
