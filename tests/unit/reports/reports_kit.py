"""Hand-built statistics snapshots for the report tests (no runner, no clock)."""

from __future__ import annotations

from horde.stats.errors import FailureSample
from horde.stats.snapshot import (
    PERCENTILES_TO_REPORT,
    EntrySnapshot,
    ErrorSnapshot,
    ExceptionSnapshot,
    StatsSnapshot,
)

T0 = 1_700_000_000.0


def entry(name: str, requests: int = 10, method: str = "GET", failures: int = 0) -> EntrySnapshot:
    return EntrySnapshot(
        method=method,
        name=name,
        num_requests=requests,
        num_failures=failures,
        num_none_requests=0,
        min_response_time=1.0,
        max_response_time=90.0,
        avg_response_time=12.5,
        median_response_time=10.0,
        percentiles={f: 10.0 + 80.0 * f for f in PERCENTILES_TO_REPORT},
        total_content_length=100 * requests,
        avg_content_length=100.0,
        total_rps=requests / 60.0,
        total_fail_per_sec=failures / 60.0,
        current_rps=1.0,
        current_fail_per_sec=0.0,
        start_time=T0,
        last_request_timestamp=T0 + 60.0,
    )


def snapshot(
    entries: list[EntrySnapshot],
    errors: tuple[ErrorSnapshot, ...] = (),
    exceptions: tuple[ExceptionSnapshot, ...] = (),
) -> StatsSnapshot:
    requests = sum(e.num_requests for e in entries)
    failures = sum(e.num_failures for e in entries)
    return StatsSnapshot(
        time=T0 + 60.0,
        start_time=T0,
        end_time=T0 + 60.0,
        user_count=3,
        entries=tuple(sorted(entries, key=lambda e: (e.name, e.method))),
        total=entry("Aggregated", requests, method="", failures=failures),
        errors=errors,
        exceptions=exceptions,
        current_percentiles={0.5: 10.0, 0.95: 80.0, 0.99: 90.0},
    )


def error(name: str, message: str, samples: tuple[FailureSample, ...] = ()) -> ErrorSnapshot:
    return ErrorSnapshot("GET", name, message, 3, T0, T0 + 5, samples)


def exception(msg: str, traceback: str, count: int = 1) -> ExceptionSnapshot:
    return ExceptionSnapshot(count, msg, traceback, ("local",), T0, T0 + 5)
