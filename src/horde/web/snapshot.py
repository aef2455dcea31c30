"""The statistics the web UI serves, computed at most once per interval whoever asks.

Many browser tabs (and scripts) polling every second cost the load generator one snapshot per
interval, not one per request: the expensive part (percentiles of every name) is shared.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from horde.stats.snapshot import PERCENTILES_TO_REPORT, EntrySnapshot, StatsSnapshot

WEB_PERCENTILES = PERCENTILES_TO_REPORT
"""Every percentile of the CSV files (one pass over the counts gives them all); the table shows
p50/p90/p95/p99, downloads use the rest."""

ERROR_LIMIT = 500


class SnapshotCache:
    """Memoises ``take()`` for ``interval`` seconds (the clock is injectable for tests)."""

    def __init__(
        self,
        take: Callable[[], StatsSnapshot],
        *,
        interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._take = take
        self.interval = interval
        self._clock = clock
        self._snapshot: StatsSnapshot | None = None
        self._taken_at = float("-inf")
        self.computed = 0
        """How many snapshots were actually computed (for tests and the cost note)."""

    def get(self) -> StatsSnapshot:
        now = self._clock()
        if self._snapshot is None or now - self._taken_at >= self.interval:
            self._snapshot = self._take()
            self._taken_at = now
            self.computed += 1
        return self._snapshot

    def invalidate(self) -> None:
        self._snapshot = None


def entry_json(entry: EntrySnapshot) -> dict[str, Any]:
    """One row of the statistics table (Locust's keys plus percentiles keyed "0.95")."""
    return entry.to_dict()


def stats_json(snapshot: StatsSnapshot, state: str) -> dict[str, Any]:
    """horde's ``/api/v1/stats`` document."""
    total = snapshot.total
    return {
        "time": snapshot.time,
        "state": state,
        "user_count": snapshot.user_count,
        "start_time": snapshot.start_time,
        "end_time": snapshot.end_time,
        "total": entry_json(total),
        "entries": [entry_json(e) for e in snapshot.entries],
        "entry_count": len(snapshot.entries),
        "error_count": sum(e.occurrences for e in snapshot.errors),
        "error_groups": len(snapshot.errors),
        "exception_count": sum(e.count for e in snapshot.exceptions),
        "current_response_time_percentiles": {
            repr(k): v for k, v in snapshot.current_percentiles.items()
        },
        "warnings": list(snapshot.warnings),
    }


def locust_stats_json(snapshot: StatsSnapshot, state: str) -> dict[str, Any]:
    """Locust's ``/stats/requests`` document: same top-level and per-entry keys."""
    total = snapshot.total
    stats = [entry_json(e) for e in snapshot.entries[:ERROR_LIMIT]]
    stats.append(entry_json(total))
    return {
        "stats": stats,
        "errors": [
            {"method": e.method, "name": e.name, "error": e.error, "occurrences": e.occurrences}
            for e in snapshot.errors[:ERROR_LIMIT]
        ],
        "total_rps": total.total_rps,
        "total_fail_per_sec": total.total_fail_per_sec,
        "current_rps": total.current_rps,
        "current_fail_per_sec": total.current_fail_per_sec,
        "fail_ratio": total.fail_ratio,
        "current_response_time_percentiles": {
            f"response_time_percentile_{k}": v for k, v in snapshot.current_percentiles.items()
        },
        "state": state,
        "user_count": snapshot.user_count,
    }


def history_json(snapshot: StatsSnapshot, name: str | None, method: str | None) -> dict[str, Any]:
    """The one-second series of the total, or of one (name, method)."""
    if name is None:
        points = snapshot.history
    else:
        points = snapshot.entry_history.get((name, method or ""), ())
        if not points and method is None:
            points = next((v for (n, _), v in snapshot.entry_history.items() if n == name), ())
    return {
        "name": name or "Aggregated",
        "method": method or "",
        "points": [p.to_dict() for p in points],
        "series": [{"name": n, "method": m} for n, m in snapshot.entry_history],
    }
