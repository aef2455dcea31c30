"""The JSON documents the web UI serves, built from a :class:`~horde.stats.StatsSnapshot`.

They live in ``reports`` (not ``web``) so that the HTML report and the page render the same data
from the same functions; ``horde.web.snapshot`` re-exports them.
"""

from __future__ import annotations

from typing import Any

from horde.stats.snapshot import EntrySnapshot, StatsSnapshot

ERROR_LIMIT = 500
"""At most this many failure groups in the polled documents (as Locust)."""


def entry_json(entry: EntrySnapshot) -> dict[str, Any]:
    """One row of the statistics table (Locust's keys plus percentiles keyed "0.95")."""
    return entry.to_dict()


def stats_json(snapshot: StatsSnapshot, state: str) -> dict[str, Any]:
    """horde's ``/api/v1/stats`` document (with ``corrected_percentiles`` per row in
    arrival-rate runs: response times from each request's intended start)."""
    total = snapshot.total
    corrected = {(e.name, e.method): e for e in snapshot.corrected}

    def row(entry: EntrySnapshot, twin: EntrySnapshot | None) -> dict[str, Any]:
        document = entry_json(entry)
        if twin is not None:
            document["corrected_percentiles"] = {repr(k): v for k, v in twin.percentiles.items()}
        return document

    return {
        "time": snapshot.time,
        "state": state,
        "user_count": snapshot.user_count,
        "start_time": snapshot.start_time,
        "end_time": snapshot.end_time,
        "total": row(total, snapshot.corrected_total),
        "entries": [row(e, corrected.get((e.name, e.method))) for e in snapshot.entries],
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


def failures_json(snapshot: StatsSnapshot) -> dict[str, Any]:
    """The failure groups with the most occurrences (at most :data:`ERROR_LIMIT`, as Locust),
    each with its samples; ``group_count`` tells how many there are in all."""
    return {
        "failures": [group.to_dict() for group in snapshot.errors[:ERROR_LIMIT]],
        "group_count": len(snapshot.errors),
    }


def exceptions_json(snapshot: StatsSnapshot) -> dict[str, Any]:
    return {"exceptions": [record.to_dict() for record in snapshot.exceptions]}


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
