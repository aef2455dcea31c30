"""Statistics on the wire: what a worker ships to its master, and how the master merges it.

A worker takes a *report* (:func:`take_report`) once a second: for each request name used since
the previous report, the counters and the histogram of just those requests (then zeroes its own
entry), plus what changed in its failure groups and exception groups. The master adds a report
to its own statistics with :func:`merge_report`. Nothing is approximated:

* histograms travel as their occupied buckets (the HDR layout's, :meth:`Histogram.items`) and
  are added bucket by bucket, so the master's histogram is the one a single process recording
  every sample would have, and so are its percentiles (tests/property checks it);
* counts, sums, exact min and max, and the per-second counts behind "current RPS" are added;
* the Aggregated row is not shipped: the master adds each name's delta to its total as well,
  exactly what one process does when it records a request;
* under an arrival rate, the coordinated-omission corrected entries travel the same way, and
  the start-lateness histogram as its new buckets;
* failure groups ship their new occurrences and new samples (at most five kept, as locally);
  exception groups their new count, and the master records which worker raised them.

A report is plain data (lists, numbers, strings) so the protocol layer can encode it with
msgpack; :func:`~horde.stats.wire_check.parse_report` validates one received from the network
field by field and raises :class:`~horde.exceptions.ProtocolError` for anything malformed,
before anything is merged.

Encoding, compact because a thousand workers report every second: an entry is a list (no keys);
histogram buckets and per-second counts are flat ``[gap, count, gap, count...]`` lists where
``gap`` is the distance from the previous bucket (or second), so most numbers fit in one byte.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from horde.stats.entry import StatsEntry
from horde.stats.errors import (
    MAX_SAMPLES,
    FailureSample,
    StatsError,
)
from horde.stats.registry import MAX_ERROR_GROUPS, OVERFLOW_ERROR, RequestStats

MAX_TEXT = 20_000
"""Longest string accepted in a report (names, messages, tracebacks are cut well below)."""
MAX_COUNT = 2**62
MAX_HEADERS = 100


@dataclass(frozen=True, slots=True)
class EntryDelta:
    """The requests of one (method, name) since the previous report."""

    method: str
    name: str
    num_requests: int
    num_none_requests: int
    num_failures: int
    total_response_time: float
    min_response_time: float | None
    max_response_time: float
    total_content_length: int
    last_request_timestamp: float | None
    bucket_indices: list[int]
    bucket_counts: list[int]
    requests_per_second: tuple[tuple[int, int], ...]
    failures_per_second: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class ErrorDelta:
    method: str
    name: str
    error: str
    occurrences: int
    first_seen: float
    last_seen: float
    samples: tuple[FailureSample, ...]


@dataclass(frozen=True, slots=True)
class ExceptionDelta:
    msg: str
    traceback: str
    count: int
    first_seen: float
    last_seen: float


@dataclass(frozen=True, slots=True)
class StatsReport:
    """One worker report, validated."""

    entries: tuple[EntryDelta, ...] = ()
    errors: tuple[ErrorDelta, ...] = ()
    exceptions: tuple[ExceptionDelta, ...] = ()
    dropped_iterations: int = 0
    corrected: tuple[EntryDelta, ...] = ()
    """Arrival rate: response times from each request's intended start (coordinated
    omission corrected), per name, since the previous report."""
    lateness: tuple[list[int], list[int]] = ([], [])
    """Arrival rate: the start-lateness histogram's new buckets (indices, counts)."""

    @property
    def num_requests(self) -> int:
        return sum(e.num_requests for e in self.entries)


@dataclass
class ReportTracker:
    """What a worker has already shipped of its failure and exception groups."""

    errors: dict[tuple[str, str, str], tuple[StatsError, int, int]] = field(default_factory=dict)
    exceptions: dict[str, tuple[Any, int]] = field(default_factory=dict)
    dropped_iterations: int = 0

    def clear(self) -> None:
        self.errors.clear()
        self.exceptions.clear()
        self.dropped_iterations = 0


# -- the worker side ---------------------------------------------------------------------------


def take_report(stats: RequestStats, tracker: ReportTracker) -> dict[str, Any]:
    """Everything recorded since the previous report, as plain data; zeroes the shipped entries
    (their names stay). Call it from one greenlet without yielding in between (it never does)."""
    now = stats.clock.time()
    entries = _take_entries(stats.entries.values(), now)
    if stats.total.num_requests or stats.total.num_failures:
        stats.total.reset(now)
    report: dict[str, Any] = {"entries": entries}
    errors = _error_data(stats, tracker)
    if errors:
        report["errors"] = errors
    exceptions = _exception_data(stats, tracker)
    if exceptions:
        report["exceptions"] = exceptions
    dropped = stats.dropped_iterations - tracker.dropped_iterations
    if dropped > 0:
        report["dropped"] = dropped
        tracker.dropped_iterations = stats.dropped_iterations
    corrected = _take_entries(stats.corrected.values(), now)
    if corrected:
        report["corrected"] = corrected
        if stats.corrected_total is not None:
            stats.corrected_total.reset(now)
    if stats.lateness.count:
        report["lateness"] = _gaps(stats.lateness.items())
        stats.lateness.reset()
    return report


def _take_entries(entries: Iterable[StatsEntry], now: float) -> list[list[Any]]:
    """The entries with requests since the previous report, as data; each is then zeroed."""
    taken = []
    for entry in entries:
        if entry.num_requests or entry.num_failures:
            taken.append(_entry_data(entry))
            entry.reset(now)
    return taken


def _entry_data(entry: StatsEntry) -> list[Any]:
    return [
        entry.method,
        entry.name,
        entry.num_requests,
        entry.num_none_requests,
        entry.num_failures,
        entry.total_response_time,
        entry.min_response_time,
        entry.max_response_time,
        entry.total_content_length,
        entry.last_request_timestamp,
        _gaps(entry.histogram.items()),
        _gaps(entry._reqs.items()),
        _gaps(entry._fails.items()),
    ]


def _error_data(stats: RequestStats, tracker: ReportTracker) -> list[list[Any]]:
    out = []
    for key, group in stats.errors.items():
        known = tracker.errors.get(key)
        shipped, sampled = (known[1], known[2]) if known and known[0] is group else (0, 0)
        if group.occurrences <= shipped:
            continue
        samples = [_sample_data(s) for s in group.samples[sampled:]]
        out.append([*key, group.occurrences - shipped, group.first_seen, group.last_seen, samples])
        tracker.errors[key] = (group, group.occurrences, len(group.samples))
    return out


def _sample_data(sample: FailureSample) -> list[Any]:
    return [
        sample.time,
        sample.message,
        sample.url,
        sample.status_code,
        sample.response_headers,
        sample.body_excerpt,
        sample.body_truncated,
        sample.request_headers,
    ]


def _exception_data(stats: RequestStats, tracker: ReportTracker) -> list[list[Any]]:
    out = []
    for key, record in stats.exceptions.items():
        known = tracker.exceptions.get(key)
        shipped = known[1] if known and known[0] is record else 0
        if record.count <= shipped:
            continue
        out.append(
            [
                record.msg,
                record.traceback,
                record.count - shipped,
                record.first_seen,
                record.last_seen,
            ]
        )
        tracker.exceptions[key] = (record, record.count)
    return out


def _gaps(pairs: Iterable[tuple[int, int]]) -> list[int]:
    flat: list[int] = []
    previous = 0
    for key, count in pairs:
        flat += (key - previous, count)
        previous = key
    return flat


# -- the master side ---------------------------------------------------------------------------


def merge_report(stats: RequestStats, report: StatsReport, node: str) -> None:
    """Add a validated worker report to ``stats`` (the master's), exactly."""
    total = stats.total
    for delta in report.entries:
        entry = stats.get(delta.name, delta.method)
        _apply(entry, delta)
        _apply(total, delta)
    for error in report.errors:
        _merge_error(stats, error)
    for exc in report.exceptions:
        stats.log_exception(
            exc.msg, exc.traceback, node, count=exc.count, seen=(exc.first_seen, exc.last_seen)
        )
    stats.dropped_iterations += report.dropped_iterations
    for delta in report.corrected:
        entry, corrected_total = stats.corrected_pair(delta.name, delta.method)
        _apply(entry, delta)
        _apply(corrected_total, delta)
    indices, counts = report.lateness
    if indices:
        stats.lateness.add_buckets(indices, counts)


def _apply(entry: StatsEntry, delta: EntryDelta) -> None:
    entry.num_requests += delta.num_requests
    entry.num_none_requests += delta.num_none_requests
    entry.num_failures += delta.num_failures
    entry.total_response_time += delta.total_response_time
    entry.total_content_length += delta.total_content_length
    low = delta.min_response_time
    if low is not None and (entry.min_response_time is None or low < entry.min_response_time):
        entry.min_response_time = low
    entry.max_response_time = max(entry.max_response_time, delta.max_response_time)
    last = delta.last_request_timestamp
    if last is not None and (entry.last_request_timestamp or 0.0) < last:
        entry.last_request_timestamp = last
    entry.histogram.add_buckets(delta.bucket_indices, delta.bucket_counts)
    for second, count in delta.requests_per_second:
        entry._reqs.add(second, count)
    for second, count in delta.failures_per_second:
        entry._fails.add(second, count)


def _merge_error(stats: RequestStats, delta: ErrorDelta) -> None:
    key = (delta.method, delta.name, delta.error)
    group = stats.errors.get(key)
    if group is None and len(stats.errors) >= MAX_ERROR_GROUPS:
        key = ("", "", OVERFLOW_ERROR.format(MAX_ERROR_GROUPS))
        group = stats.errors.get(key)
    if group is None:
        group = stats.errors[key] = StatsError(*key, delta.first_seen)
    group.occurrences += delta.occurrences
    group.first_seen = min(group.first_seen, delta.first_seen)
    group.last_seen = max(group.last_seen, delta.last_seen)
    room = MAX_SAMPLES - len(group.samples)
    if room > 0:
        group.samples.extend(delta.samples[:room])
