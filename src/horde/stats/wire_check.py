"""Validation of a worker's statistics report at the master's boundary (sans-I/O).

:func:`parse_report` turns decoded wire data into a :class:`~horde.stats.wire.StatsReport`,
checking every field (types, ranges, lengths, bucket order) and raising
:class:`~horde.exceptions.ProtocolError` for anything malformed, before anything is merged. The
bucket lists are checked list-wide rather than pair by pair: a master reads a thousand reports of
a thousand buckets a second.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import accumulate
from typing import Any

from horde.exceptions import ProtocolError
from horde.stats.errors import BODY_EXCERPT_BYTES, MAX_HEADER_VALUE, MAX_SAMPLES, FailureSample
from horde.stats.histogram import COUNTS_LEN
from horde.stats.wire import (
    MAX_COUNT,
    MAX_HEADERS,
    MAX_TEXT,
    EntryDelta,
    ErrorDelta,
    ExceptionDelta,
    StatsReport,
)

_INT_ONLY = frozenset({int})


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
        corrected=tuple(_parse_entry(e) for e in _list(data.get("corrected", []), "corrected")),
        lateness=_pairs(data.get("lateness", []), "lateness", COUNTS_LEN),
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
