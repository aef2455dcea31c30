"""Immutable views of the statistics at one instant; every report renders from these."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from horde.stats.errors import FailureSample
from horde.stats.history import HistoryPoint

PERCENTILES_TO_REPORT = (0.5, 0.66, 0.75, 0.8, 0.9, 0.95, 0.98, 0.99, 0.999, 0.9999, 1.0)
"""Percentiles in the console percentile table and the CSV files (Locust's columns)."""


def percentile_label(fraction: float) -> str:
    """0.5 -> "50%", 0.999 -> "99.9%", 1.0 -> "100%" (Locust's CSV headers)."""
    text = f"{fraction * 100:.4f}".rstrip("0").rstrip(".")
    return f"{text}%"


@dataclass(frozen=True, slots=True)
class EntrySnapshot:
    method: str
    name: str
    num_requests: int
    num_failures: int
    num_none_requests: int
    min_response_time: float
    max_response_time: float
    avg_response_time: float
    median_response_time: float
    percentiles: dict[float, float]
    total_content_length: int
    avg_content_length: float
    total_rps: float
    total_fail_per_sec: float
    current_rps: float
    current_fail_per_sec: float
    start_time: float
    last_request_timestamp: float | None

    @property
    def fail_ratio(self) -> float:
        """Failures per request; 1.0 for failures logged without any request (as Locust)."""
        if self.num_requests:
            return self.num_failures / self.num_requests
        return 1.0 if self.num_failures else 0.0

    def percentile(self, fraction: float) -> float:
        return self.percentiles[fraction]

    @property
    def total_response_time(self) -> float:
        """Sum of the timed requests' response times (ms)."""
        return self.avg_response_time * (self.num_requests - self.num_none_requests)

    def to_dict(self) -> dict[str, Any]:
        """Locust's ``/stats/requests`` entry keys plus ``percentiles`` keyed "0.95" etc."""
        return {
            "method": self.method,
            "name": self.name,
            "num_requests": self.num_requests,
            "num_failures": self.num_failures,
            "num_none_requests": self.num_none_requests,
            "min_response_time": self.min_response_time,
            "max_response_time": self.max_response_time,
            "avg_response_time": self.avg_response_time,
            "median_response_time": self.median_response_time,
            "avg_content_length": self.avg_content_length,
            "total_content_length": self.total_content_length,
            "current_rps": self.current_rps,
            "current_fail_per_sec": self.current_fail_per_sec,
            "total_rps": self.total_rps,
            "total_fail_per_sec": self.total_fail_per_sec,
            "fail_ratio": self.fail_ratio,
            "start_time": self.start_time,
            "last_request_timestamp": self.last_request_timestamp,
            "percentiles": {repr(k): v for k, v in self.percentiles.items()},
            **{f"response_time_percentile_{k}": v for k, v in self.percentiles.items()},
        }


@dataclass(frozen=True, slots=True)
class ErrorSnapshot:
    method: str
    name: str
    error: str
    occurrences: int
    first_seen: float
    last_seen: float
    samples: tuple[FailureSample, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "name": self.name,
            "error": self.error,
            "occurrences": self.occurrences,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "samples": [s.to_dict() for s in self.samples],
        }


@dataclass(frozen=True, slots=True)
class ExceptionSnapshot:
    count: int
    msg: str
    traceback: str
    nodes: tuple[str, ...]
    first_seen: float
    last_seen: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "msg": self.msg,
            "traceback": self.traceback,
            "nodes": list(self.nodes),
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
        }


@dataclass(frozen=True, slots=True)
class StatsSnapshot:
    """Everything a report needs, frozen at ``time``."""

    time: float
    start_time: float
    end_time: float | None
    user_count: int
    entries: tuple[EntrySnapshot, ...]
    total: EntrySnapshot
    errors: tuple[ErrorSnapshot, ...]
    exceptions: tuple[ExceptionSnapshot, ...]
    current_percentiles: dict[float, float]
    history: tuple[HistoryPoint, ...] = ()
    entry_history: dict[tuple[str, str], tuple[HistoryPoint, ...]] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    buckets: dict[tuple[str, str], dict[float, int]] = field(default_factory=dict)
    """Histogram buckets per (name, method), ``{upper edge in ms: count}``, for reports that
    draw distributions (filled by ``horde.reports.data.report_snapshot``; empty otherwise)."""
    total_buckets: dict[float, int] = field(default_factory=dict)
    """The same for the Aggregated total."""
    corrected: tuple[EntrySnapshot, ...] = ()
    """Arrival rate: per-name response times measured from each request's intended start
    (coordinated omission corrected); empty in a closed-model run."""
    corrected_total: EntrySnapshot | None = None
    lateness: dict[float, float] = field(default_factory=dict)
    """Arrival rate: percentiles of how late (ms) iterations started after they were due."""
    dropped_iterations: int = 0

    @property
    def duration(self) -> float:
        return (self.end_time or self.time) - self.start_time

    @property
    def num_failures_total(self) -> int:
        return self.total.num_failures

    @property
    def has_failures(self) -> bool:
        return self.total.num_failures > 0 or bool(self.exceptions)
