"""Where reports get their data: the one place that turns live statistics into the immutable
snapshot (with histogram buckets) that every output renders."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence

from horde.stats.registry import RequestStats
from horde.stats.snapshot import PERCENTILES_TO_REPORT, StatsSnapshot


def report_snapshot(
    stats: RequestStats, user_count: int, fractions: Sequence[float] = PERCENTILES_TO_REPORT
) -> StatsSnapshot:
    """A snapshot carrying every name's histogram buckets (through the public Histogram API)."""
    snapshot = stats.snapshot(user_count, fractions)
    return dataclasses.replace(
        snapshot,
        buckets=stats.buckets(),
        total_buckets=stats.total.histogram.nonzero_buckets_ms(),
    )


class Latest:
    """``take()`` memoised for ``interval`` seconds, stretched when a snapshot is expensive so
    that the outputs' pulls never take more than ``max_share`` of the process's time (a scrape
    every second of a run with thousands of names must not slow the users down)."""

    def __init__(
        self,
        take: Callable[[], StatsSnapshot],
        *,
        interval: float = 1.0,
        max_share: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
        timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._take = take
        self.interval = interval
        self.max_share = max_share
        self._clock = clock
        self._timer = timer
        self._snapshot: StatsSnapshot | None = None
        self._until = float("-inf")
        self.computed = 0

    def __call__(self) -> StatsSnapshot:
        now = self._clock()
        if self._snapshot is None or now >= self._until:
            started = self._timer()
            self._snapshot = self._take()
            cost = self._timer() - started
            self.computed += 1
            self._until = now + max(self.interval, cost / self.max_share)
        return self._snapshot
