"""The final statistics as JSON (``--json`` on stdout, ``--json-file NAME`` to NAME.json).

A versioned object (``"schema": "horde-report"``, ``"schema_version": 1``), described field by
field in docs/json-schema.md and by the JSON Schema file ``schema/report-v1.schema.json`` shipped
with this package. ``stats`` is Locust's ``--json`` list, entry for entry with Locust's keys
(``name``, ``method``, ``num_requests``, ``num_failures``, ``total_response_time``,
``response_times``, ``num_reqs_per_sec``...) plus horde's (``percentiles`` exact to 0.8 %,
``avg_response_time``, ``total_rps``, ``errors`` with samples); ``aggregated`` is the same for
the total; ``metadata``, ``thresholds``, ``exceptions`` and ``comparison`` describe the run.
Response times and rates are rounded to three decimals, as in the CSV files.

``num_reqs_per_sec`` and ``num_fail_per_sec`` (``{epoch second: count}``) come from the
once-a-second history, so their values always add up to ``num_requests`` and ``num_failures``;
a name beyond the history's limit gets all its counts under its last request's second.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from horde.exceptions import OutputError
from horde.reports.metadata import ThresholdOutcome
from horde.reports.numbers import rounded
from horde.reports.output import Report
from horde.stats.history import HistoryPoint
from horde.stats.snapshot import EntrySnapshot, ErrorSnapshot, StatsSnapshot

SCHEMA = "horde-report"
SCHEMA_VERSION = 1


def schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of :func:`report_document`'s output."""
    text = resources.files("horde.reports").joinpath("schema/report-v1.schema.json").read_text()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def report_document(report: Report) -> dict[str, Any]:
    """The document written by ``--json`` and ``--json-file``."""
    snapshot = report.snapshot
    errors: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for group in snapshot.errors:
        errors.setdefault((group.name, group.method), []).append(error_document(group))
    listed = {(e.name, e.method) for e in snapshot.entries}
    unlisted = [g for key, groups in errors.items() if key not in listed for g in groups]
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "metadata": report.metadata.to_dict(),
        "start_time": snapshot.start_time,
        "end_time": snapshot.end_time,
        "duration": rounded(snapshot.duration),
        "user_count": snapshot.user_count,
        "aggregated": entry_document(
            snapshot.total, snapshot.total_buckets, snapshot.history, unlisted
        ),
        "stats": [
            entry_document(
                entry,
                snapshot.buckets.get((entry.name, entry.method), {}),
                snapshot.entry_history.get((entry.name, entry.method), ()),
                errors.get((entry.name, entry.method), []),
            )
            for entry in snapshot.entries
        ],
        "exceptions": [record.to_dict() for record in snapshot.exceptions],
        "thresholds": [threshold_document(t) for t in report.thresholds],
        "comparison": None if report.comparison is None else report.comparison.to_dict(),
        "warnings": list(snapshot.warnings),
        **_corrected(snapshot),
    }


def _corrected(snapshot: StatsSnapshot) -> dict[str, Any]:
    """Arrival-rate runs: the times from each request's intended start, beside ``stats``."""
    total = snapshot.corrected_total
    if total is None:
        return {}
    return {
        "corrected": {
            "aggregated": _corrected_entry(total),
            "stats": [_corrected_entry(e) for e in snapshot.corrected],
            "lateness_ms": {repr(float(f)): rounded(v) for f, v in snapshot.lateness.items()},
            "dropped_iterations": snapshot.dropped_iterations,
        }
    }


def _corrected_entry(entry: EntrySnapshot) -> dict[str, Any]:
    return {
        "name": entry.name,
        "method": entry.method,
        "num_requests": entry.num_requests,
        "avg_response_time": rounded(entry.avg_response_time),
        "max_response_time": rounded(entry.max_response_time),
        "percentiles": {repr(float(f)): rounded(v) for f, v in entry.percentiles.items()},
    }


def entry_document(
    entry: EntrySnapshot,
    buckets: Mapping[float, int],
    history: Sequence[HistoryPoint],
    errors: list[dict[str, Any]],
) -> dict[str, Any]:
    """One entry: Locust's keys first, then horde's; times in ms and rates rounded."""
    return {
        "name": entry.name,
        "method": entry.method,
        "last_request_timestamp": entry.last_request_timestamp,
        "start_time": entry.start_time,
        "num_requests": entry.num_requests,
        "num_none_requests": entry.num_none_requests,
        "num_failures": entry.num_failures,
        "total_response_time": rounded(entry.total_response_time),
        "max_response_time": rounded(entry.max_response_time),
        "min_response_time": rounded(entry.min_response_time) if entry.num_requests else None,
        "total_content_length": entry.total_content_length,
        "response_times": {_key(ms): n for ms, n in sorted(buckets.items())},
        "num_reqs_per_sec": _per_second(entry, history, failures=False),
        "num_fail_per_sec": _per_second(entry, history, failures=True),
        "avg_response_time": rounded(entry.avg_response_time),
        "median_response_time": rounded(entry.median_response_time),
        "avg_content_length": rounded(entry.avg_content_length),
        "total_rps": rounded(entry.total_rps),
        "total_fail_per_sec": rounded(entry.total_fail_per_sec),
        "fail_ratio": rounded(entry.fail_ratio),
        "percentiles": {repr(p): rounded(v) for p, v in entry.percentiles.items()},
        "errors": errors,
    }


def threshold_document(outcome: ThresholdOutcome) -> dict[str, Any]:
    """Reads only ``expression``, ``observed`` and ``passed``: the runner's own result type
    (``horde.stats.thresholds.ThresholdResult``) has the same three and fits as well."""
    return ThresholdOutcome(outcome.expression, outcome.observed, outcome.passed).to_dict()


def error_document(group: ErrorSnapshot) -> dict[str, Any]:
    return group.to_dict()


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
    return json.dumps(document, indent=2, sort_keys=False, allow_nan=False)


def json_path(name: str) -> Path:
    """``NAME.json`` (".json" appended unless already there, as Locust does)."""
    return Path(name if name.endswith(".json") else f"{name}.json")


def write_json_file(name: str, document: Any) -> Path:
    path = json_path(name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dumps(document) + "\n", encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return path
