"""The final statistics as JSON (``--json`` on stdout, ``--json-file NAME`` to NAME.json).

The top level is a list with one object per request name, carrying Locust's keys (``name``,
``method``, ``num_requests``, ``num_failures``, ``total_response_time``, ``min_response_time``,
``max_response_time``, ``response_times``, ``num_reqs_per_sec``...) so scripts written for
Locust's ``--json`` keep working; horde adds ``percentiles`` (exact to 0.8 %),
``avg_response_time``, ``total_rps`` and ``errors`` (the failure groups of that name, with their
samples).

``num_reqs_per_sec`` and ``num_fail_per_sec`` (``{epoch second: count}``) come from the
once-a-second history, so their values always add up to ``num_requests`` and ``num_failures``;
a name beyond the history's limit gets all its counts under its last request's second.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from horde.exceptions import OutputError
from horde.stats.history import HistoryPoint
from horde.stats.snapshot import EntrySnapshot, StatsSnapshot


def stats_document(
    snapshot: StatsSnapshot, buckets: dict[tuple[str, str], dict[float, int]]
) -> list[dict[str, Any]]:
    """The list written by ``--json``; ``buckets`` maps (name, method) to histogram buckets."""
    errors: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for group in snapshot.errors:
        errors.setdefault((group.name, group.method), []).append(group.to_dict())
    history = snapshot.entry_history
    out = []
    for entry in snapshot.entries:
        key = (entry.name, entry.method)
        out.append(
            {
                "name": entry.name,
                "method": entry.method,
                "last_request_timestamp": entry.last_request_timestamp,
                "start_time": entry.start_time,
                "num_requests": entry.num_requests,
                "num_none_requests": entry.num_none_requests,
                "num_failures": entry.num_failures,
                "total_response_time": entry.avg_response_time
                * (entry.num_requests - entry.num_none_requests),
                "max_response_time": entry.max_response_time,
                "min_response_time": entry.min_response_time if entry.num_requests else None,
                "total_content_length": entry.total_content_length,
                "response_times": {_key(ms): n for ms, n in sorted(buckets.get(key, {}).items())},
                "num_reqs_per_sec": _per_second(entry, history.get(key, ()), failures=False),
                "num_fail_per_sec": _per_second(entry, history.get(key, ()), failures=True),
                "avg_response_time": entry.avg_response_time,
                "total_rps": entry.total_rps,
                "percentiles": {repr(p): v for p, v in entry.percentiles.items()},
                "errors": errors.get(key, []),
            }
        )
    return out


def _per_second(
    entry: EntrySnapshot, points: Sequence[HistoryPoint], *, failures: bool
) -> dict[str, int]:
    """Counts per epoch second, from the cumulative counts of the once-a-second history."""
    out: dict[str, int] = {}
    seen = 0
    for point in points:
        if point.time < entry.start_time:
            continue  # before --reset-stats zeroed the counts
        count = (point.num_failures if failures else point.num_requests) - seen
        if count > 0:
            second = str(round(point.time) - 1)  # a tick at second S closes second S-1
            out[second] = out.get(second, 0) + count
            seen += count
    rest = (entry.num_failures if failures else entry.num_requests) - seen
    if rest > 0:
        second = str(int(entry.last_request_timestamp or entry.start_time))
        out[second] = out.get(second, 0) + rest
    return out


def _key(value: float) -> str:
    return f"{value:g}"


def dumps(document: Any) -> str:
    return json.dumps(document, indent=2, sort_keys=False)


def write_json_file(name: str, document: Any) -> Path:
    """Write ``NAME.json`` (".json" appended, as Locust does)."""
    path = Path(name if name.endswith(".json") else f"{name}.json")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dumps(document) + "\n", encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return path
