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
* failure groups ship their new occurrences and new samples (at most five kept, as locally);
  exception groups their new count, and the master records which worker raised them.

A report is plain data (lists, numbers, strings) so the protocol layer can encode it with
msgpack; :func:`parse_report` validates one received from the network field by field and raises
:class:`~horde.exceptions.ProtocolError` for anything malformed, before anything is merged.

Encoding, compact because a thousand workers report every second: an entry is a list (no keys);
histogram buckets and per-second counts are flat ``[gap, count, gap, count...]`` lists where
``gap`` is the distance from the previous bucket (or second), so most numbers fit in one byte.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from horde.exceptions import ProtocolError
from horde.stats.entry import StatsEntry
from horde.stats.errors import (
    BODY_EXCERPT_BYTES,
    MAX_HEADER_VALUE,
    MAX_SAMPLES,
    FailureSample,
    StatsError,
)
from horde.stats.histogram import COUNTS_LEN
from horde.stats.registry import MAX_ERROR_GROUPS, OVERFLOW_ERROR, RequestStats

MAX_TEXT = 20_000
"""Longest string accepted in a report (names, messages, tracebacks are cut well below)."""
MAX_COUNT = 2**62
MAX_HEADERS = 100
_INT_ONLY = frozenset({int})


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
    entries = []
    for entry in stats.entries.values():
        if entry.num_requests or entry.num_failures:
            entries.append(_entry_data(entry))
            entry.reset(now)
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
    return report


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


# -- validation at the boundary ----------------------------------------------------------------


def parse_report(data: Any) -> StatsReport:
    """A :class:`StatsReport` from decoded wire data; ProtocolError if anything is malformed."""
    if not isinstance(data, dict):
        raise ProtocolError("a stats report must be a map")
    return StatsReport(
        entries=tuple(_parse_entry(e) for e in _list(data.get("entries", []), "entries")),
        errors=tuple(_parse_error(e) for e in _list(data.get("errors", []), "errors")),
        exceptions=tuple(
            _parse_exception(e) for e in _list(data.get("exceptions", []), "exceptions")
        ),
        dropped_iterations=_count(data.get("dropped", 0), "dropped"),
    )


def _parse_entry(raw: Any) -> EntryDelta:
    fields = _list(raw, "entry", 13)
    requests, none, failures = (_count(v, "count") for v in fields[2:5])
    if none > requests:
        raise ProtocolError("an entry has more untimed requests than requests")
    indices, counts = _pairs(fields[10], "histogram", COUNTS_LEN)
    if sum(counts) != requests - none:
        raise ProtocolError("an entry's histogram does not hold its timed requests")
    return EntryDelta(
        method=_text(fields[0], "method"),
        name=_text(fields[1], "name"),
        num_requests=requests,
        num_none_requests=none,
        num_failures=failures,
        total_response_time=_number(fields[5], "total_response_time"),
        min_response_time=_number(fields[6], "min_response_time", optional=True),
        max_response_time=_number(fields[7], "max_response_time"),
        total_content_length=_count(fields[8], "total_content_length"),
        last_request_timestamp=_number(fields[9], "last_request_timestamp", optional=True),
        bucket_indices=indices,
        bucket_counts=counts,
        requests_per_second=_zipped(fields[11], "requests per second"),
        failures_per_second=_zipped(fields[12], "failures per second"),
    )


def _parse_error(raw: Any) -> ErrorDelta:
    fields = _list(raw, "error", 7)
    samples = _list(fields[6], "samples")
    if len(samples) > MAX_SAMPLES:
        raise ProtocolError(f"an error group carries more than {MAX_SAMPLES} samples")
    return ErrorDelta(
        method=_text(fields[0], "method"),
        name=_text(fields[1], "name"),
        error=_text(fields[2], "error"),
        occurrences=_count(fields[3], "occurrences"),
        first_seen=_number(fields[4], "first_seen"),
        last_seen=_number(fields[5], "last_seen"),
        samples=tuple(_parse_sample(s) for s in samples),
    )


def _parse_sample(raw: Any) -> FailureSample:
    fields = _list(raw, "sample", 8)
    status = fields[3]
    if status is not None and (not _is_int(status) or not 0 <= status < 1000):
        raise ProtocolError("a failure sample has a bad status code")
    body = _text(fields[5], "body excerpt")
    if len(body) > BODY_EXCERPT_BYTES * 4:
        raise ProtocolError("a failure sample's body excerpt is too long")
    if not isinstance(fields[6], bool):
        raise ProtocolError("a failure sample's body_truncated must be true or false")
    url = fields[2]
    return FailureSample(
        time=_number(fields[0], "sample time"),
        message=_text(fields[1], "sample message"),
        url=_text(url, "sample url") if url is not None else None,
        status_code=status,
        response_headers=_headers(fields[4]),
        body_excerpt=body,
        body_truncated=fields[6],
        request_headers=_headers(fields[7]),
    )


def _parse_exception(raw: Any) -> ExceptionDelta:
    fields = _list(raw, "exception", 5)
    return ExceptionDelta(
        msg=_text(fields[0], "exception message"),
        traceback=_text(fields[1], "traceback"),
        count=_count(fields[2], "exception count"),
        first_seen=_number(fields[3], "first_seen"),
        last_seen=_number(fields[4], "last_seen"),
    )


def _list(value: Any, what: str, length: int | None = None) -> Sequence[Any]:
    if not isinstance(value, list | tuple):
        raise ProtocolError(f"{what} must be a list")
    if length is not None and len(value) != length:
        raise ProtocolError(f"{what} must have {length} fields, got {len(value)}")
    return value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _count(value: Any, what: str) -> int:
    if not _is_int(value) or not 0 <= value < MAX_COUNT:
        raise ProtocolError(f"{what} must be a whole number from 0, got {value!r:.40}")
    return int(value)


def _number(value: Any, what: str, *, optional: bool = False) -> Any:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ProtocolError(f"{what} must be a finite number, got {value!r:.40}")
    return float(value)


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise ProtocolError(f"{what} must be a string of at most {MAX_TEXT:,} characters")
    return value


def _headers(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or len(value) > MAX_HEADERS:
        raise ProtocolError(f"headers must be a map of at most {MAX_HEADERS} entries")
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str) or len(item) > MAX_HEADER_VALUE:
            raise ProtocolError("a header must be a short string")
    return dict(value)


def _zipped(value: Any, what: str) -> tuple[tuple[int, int], ...]:
    keys, counts = _pairs(value, what, MAX_COUNT)
    return tuple(zip(keys, counts, strict=True))


def _pairs(value: Any, what: str, limit: int) -> tuple[list[int], list[int]]:
    """``(keys, counts)`` from a flat ``[gap, count, gap, count...]`` list: keys strictly
    increasing below ``limit``, counts above zero. Checked list-wide (type, min, max) rather
    than pair by pair: a master reads a thousand reports of a thousand buckets a second."""
    flat = _list(value, what)
    if len(flat) % 2:
        raise ProtocolError(f"{what} must hold (gap, count) pairs")
    if not set(map(type, flat)) <= _INT_ONLY:  # type(True) is bool: booleans are refused too
        raise ProtocolError(f"{what}: gaps and counts must be whole numbers")
    gaps, counts = list(flat[0::2]), list(flat[1::2])
    if not gaps:
        return [], []
    if gaps[0] < 0 or (len(gaps) > 1 and min(gaps[1:]) <= 0):
        raise ProtocolError(f"{what}: keys must increase")
    if min(counts) <= 0 or max(counts) >= MAX_COUNT:
        raise ProtocolError(f"{what}: counts must be above zero")
    keys = list(accumulate(gaps))
    if keys[-1] >= limit:
        raise ProtocolError(f"{what}: key {keys[-1]} out of range")
    return keys, counts
