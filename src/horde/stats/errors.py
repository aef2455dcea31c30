"""Failures grouped by (method, name, message), with concrete samples; user-code exceptions.

A failure group keeps counts, first/last seen and up to :data:`MAX_SAMPLES` concrete failures
carrying what is needed to debug them: status code, URL, response headers and the first KB of
the body; credential and cookie headers (request and response) are redacted. Samples are taken
only while a group has room, so the steady-state cost of a repeating failure is one dict lookup
and two assignments.

User-code exceptions are grouped by their traceback text (message included). Object addresses
are masked in both, so ``<Session object at 0x7f...>`` does not make every occurrence a group of
its own, and the texts are bounded (a message carrying a whole response body is cut).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

MAX_SAMPLES = 5
BODY_EXCERPT_BYTES = 1024
MAX_HEADER_VALUE = 512

MAX_EXCEPTION_MESSAGE = 1_000
"""Characters of a user-code exception's message kept (and grouped by)."""
TRACEBACK_HEAD = 6_000
TRACEBACK_TAIL = 2_000
"""Characters kept from the start and the end of a longer traceback (the frames come first)."""

_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


def error_message(error: BaseException | str | object) -> str:
    """The grouping message: ``repr`` for exceptions (Locust's style), text for strings."""
    text = error if isinstance(error, str) else repr(error)
    return _ADDRESS.sub("0x....", text)


def exception_group(msg: str, traceback: str) -> tuple[str, str]:
    """``(message, traceback)`` of a user-code exception as grouped and kept: object addresses
    masked, the message cut at :data:`MAX_EXCEPTION_MESSAGE` characters and the middle of a
    traceback longer than head + tail replaced by a note."""
    if len(msg) > MAX_EXCEPTION_MESSAGE:
        msg = msg[: MAX_EXCEPTION_MESSAGE - 1] + "…"
    limit = TRACEBACK_HEAD + TRACEBACK_TAIL
    if len(traceback) > limit:
        cut = len(traceback) - limit
        traceback = (
            f"{traceback[:TRACEBACK_HEAD]}\n[… {cut} characters cut …]\n"
            f"{traceback[-TRACEBACK_TAIL:]}"
        )
    return _ADDRESS.sub("0x....", msg), _ADDRESS.sub("0x....", traceback)


@dataclass(frozen=True, slots=True)
class FailureSample:
    """One concrete failure, kept for debugging."""

    time: float
    message: str
    url: str | None = None
    status_code: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    body_excerpt: str = ""
    body_truncated: bool = False
    request_headers: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "time": self.time,
            "message": self.message,
            "url": self.url,
            "status_code": self.status_code,
            "response_headers": dict(self.response_headers),
            "body_excerpt": self.body_excerpt,
            "body_truncated": self.body_truncated,
            "request_headers": dict(self.request_headers),
        }


def sample_from(now: float, message: str, response: Any, url: str | None) -> FailureSample:
    """Build a sample from any response-like object (duck-typed; ``None`` is fine)."""
    status = getattr(response, "status_code", None)
    headers = _headers(getattr(response, "headers", None))
    request = getattr(response, "request", None)
    request_headers = _headers(getattr(request, "headers", None))
    body, truncated = _body_excerpt(response)
    return FailureSample(
        time=now,
        message=message,
        url=url or getattr(response, "url", None),
        status_code=int(status) if isinstance(status, int) else None,
        response_headers=_redact(headers),
        body_excerpt=body,
        body_truncated=truncated,
        request_headers=_redact(request_headers),
    )


def _headers(raw: Any) -> dict[str, str]:
    if raw is None:
        return {}
    try:
        items = raw.items()
    except AttributeError:
        return {}
    return {str(k): str(v)[:MAX_HEADER_VALUE] for k, v in items}


_SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
"""Header values never kept in samples (reports get shared): credentials and session cookies."""


def _redact(headers: dict[str, str]) -> dict[str, str]:
    return {k: ("<redacted>" if k.lower() in _SECRET_HEADERS else v) for k, v in headers.items()}


def _body_excerpt(response: Any) -> tuple[str, bool]:
    try:
        content = getattr(response, "_content", None)
        if not isinstance(content, bytes | bytearray):
            content = getattr(response, "content", None)
    except Exception:  # noqa: BLE001 - a broken body must not break recording
        return "", False
    if not isinstance(content, bytes | bytearray):
        return "", False
    excerpt = bytes(content[:BODY_EXCERPT_BYTES])
    return excerpt.decode("utf-8", errors="replace"), len(content) > BODY_EXCERPT_BYTES


class StatsError:
    """All failures sharing method, name and message."""

    __slots__ = ("error", "first_seen", "last_seen", "method", "name", "occurrences", "samples")

    def __init__(self, method: str, name: str, error: str, now: float) -> None:
        self.method = method
        self.name = name
        self.error = error
        self.occurrences = 0
        self.first_seen = now
        self.last_seen = now
        self.samples: list[FailureSample] = []

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.method, self.name, self.error)

    def occurred(self, now: float) -> None:
        self.occurrences += 1
        self.last_seen = now

    def wants_sample(self) -> bool:
        return len(self.samples) < MAX_SAMPLES

    def extend(self, other: StatsError) -> None:
        self.occurrences += other.occurrences
        self.first_seen = min(self.first_seen, other.first_seen)
        self.last_seen = max(self.last_seen, other.last_seen)
        room = MAX_SAMPLES - len(self.samples)
        if room > 0:
            self.samples.extend(other.samples[:room])

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


class ExceptionRecord:
    """An exception raised by user code, grouped by its traceback text."""

    __slots__ = ("count", "first_seen", "last_seen", "logged", "msg", "nodes", "traceback")

    def __init__(self, msg: str, traceback: str, now: float) -> None:
        self.msg = msg
        self.traceback = traceback
        self.logged = False
        """Whether its traceback went to the log (then so do its 10th, 100th... occurrences)."""
        self.count = 0
        self.first_seen = now
        self.last_seen = now
        self.nodes: set[str] = set()

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "msg": self.msg,
            "traceback": self.traceback,
            "nodes": sorted(self.nodes),
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
        }
