"""The statistics the web UI serves, computed at most once per interval whoever asks.

Many browser tabs (and scripts) polling every second cost the load generator one snapshot per
interval, not one per request: the expensive part (percentiles of every name) is shared, and so
is the encoded JSON. The interval stretches when snapshots get expensive (thousands of names),
so that computing them never takes more than :data:`MAX_SHARE` of the process's time, however
often clients poll. A snapshot computed anyway (the CSV history's, once a second) is
:meth:`SnapshotCache.offer`-ed, and polls then cost no snapshot of their own.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable

from horde.reports.documents import (
    ERROR_LIMIT,
    entry_json,
    exceptions_json,
    failures_json,
    history_json,
    locust_stats_json,
    stats_json,
)
from horde.stats.snapshot import PERCENTILES_TO_REPORT, StatsSnapshot

__all__ = [
    "ERROR_LIMIT",
    "MAX_SHARE",
    "WEB_PERCENTILES",
    "SnapshotCache",
    "entry_json",
    "exceptions_json",
    "failures_json",
    "history_json",
    "locust_stats_json",
    "stats_json",
]

WEB_PERCENTILES = PERCENTILES_TO_REPORT
"""Every percentile of the CSV files (one pass over the counts gives them all); the table shows
p50/p90/p95/p99, downloads use the rest."""

MAX_SHARE = 0.05
"""The most of the process's time that snapshots for the web UI may take (5 %): a snapshot that
took 100 ms is kept for at least 2 s."""


class SnapshotCache:
    """Memoises ``take()`` for ``interval`` seconds, or longer after an expensive snapshot.

    ``clock`` tells the time (the Environment's, so a fake clock drives the interval in tests);
    ``timer`` measures what a snapshot cost (wall time: the event loop is blocked meanwhile).
    """

    def __init__(
        self,
        take: Callable[[], StatsSnapshot],
        *,
        interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        timer: Callable[[], float] = time.perf_counter,
        max_share: float = MAX_SHARE,
    ) -> None:
        self._take = take
        self.interval = interval
        self._clock = clock
        self._timer = timer
        self.max_share = max_share
        self._snapshot: StatsSnapshot | None = None
        self._taken_at = float("-inf")
        self.keep_for = interval
        """How long the current snapshot is served: ``interval``, or its cost / ``max_share``."""
        self.computed = 0
        """How many snapshots were actually computed (for tests and the cost note)."""
        self.last_cost = 0.0
        """Seconds the last computed snapshot took."""
        self._rendered: dict[Hashable, bytes] = {}
        self._rendered_for: StatsSnapshot | None = None

    def get(self) -> StatsSnapshot:
        now = self._clock()
        snapshot = self._snapshot
        if snapshot is None or now - self._taken_at >= self.keep_for:
            started = self._timer()
            snapshot = self._take()
            self.last_cost = self._timer() - started
            self.computed += 1
            self._keep(snapshot, now, max(self.interval, self.last_cost / self.max_share))
        return snapshot

    def offer(self, snapshot: StatsSnapshot) -> None:
        """Serve ``snapshot``, fresh from someone else, for the next ``interval``."""
        self._keep(snapshot, self._clock(), self.interval)

    def _keep(self, snapshot: StatsSnapshot, now: float, keep_for: float) -> None:
        self._snapshot = snapshot
        self._taken_at = now
        self.keep_for = keep_for

    def rendered(self, key: Hashable, render: Callable[[StatsSnapshot], bytes]) -> bytes:
        """``render(snapshot)`` of the current snapshot, computed once per snapshot and ``key``:
        polls within one interval share the encoded document, not only the numbers."""
        snapshot = self.get()
        if snapshot is not self._rendered_for:
            self._rendered = {}
            self._rendered_for = snapshot
        body = self._rendered.get(key)
        if body is None:
            body = self._rendered[key] = render(snapshot)
        return body

    def invalidate(self) -> None:
        self._snapshot = None
