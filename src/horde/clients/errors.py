"""Connection failures: what a request that got no HTTP response is recorded as."""

from __future__ import annotations

import re
import time
from http.client import HTTPException
from typing import Any

from gevent import GreenletExit
from requests.exceptions import RequestException

from horde.event import RequestEventHook


class ConnectionFailure(RequestException):
    """A request that got no HTTP response (refused, reset, timed out, DNS...)."""

    def __repr__(self) -> str:
        return str(self)


def describe_error(exc: BaseException) -> str:
    """A stable description of the root cause of a connection error, its message whole.

    ``"<requests exception>: <root cause>: <its message>"``, e.g.
    ``ConnectionError: ConnectionRefusedError: [Errno 111] Connection refused`` or
    ``ProtocolViolationError: bad Content-Length: b'abc'``. The wrappers of requests and urllib3
    are unwrapped down to the first foreign exception (socket, ssl, http.client, horde's own), so
    identical failures group together; what would still tell them apart for no reason is taken
    out: object addresses, and the ``HTTPConnectionPool(host=..., port=...): `` or
    ``<... object at 0x...>: `` a urllib3 message starts with. An exception the caller was
    handling when the request was made is never taken for the cause.
    """
    root: BaseException = exc
    seen = {id(exc)}
    while _is_wrapper(root):
        nxt = _cause(root)
        if nxt is None or id(nxt) in seen:
            break
        seen.add(id(nxt))
        root = nxt
    outer = "" if root is exc else f"{type(exc).__name__}: "
    if isinstance(root, OSError) and root.strerror:
        errno = f"[Errno {root.errno}] " if root.errno else ""
        return f"{outer}{type(root).__name__}: {errno}{root.strerror}"
    text = _WRAPPER_PREFIX.sub("", " ".join(str(root).split()))
    detail = _ADDRESS.sub("0x...", text) or type(root).__name__
    return f"{outer}{type(root).__name__}: {detail}"


CANCELLED = "cancelled at stop: no response within the stop grace (--stop-grace)"
"""The failure message of a request whose user was stopped while it was on the wire."""


def begin_request(user: Any) -> None:
    """Tell ``user`` a request starts (it refuses, raising GreenletExit, once told to halt).

    ``user`` is a horde User, or anything a script passed as the session's user (then nothing
    is kept: only horde's users are stopped at request boundaries)."""
    begin = getattr(user, "_begin_request", None)
    if begin is not None:
        begin()


def end_request(user: Any) -> None:
    end = getattr(user, "_end_request", None)
    if end is not None:
        end()


def report_cut_short(
    request_event: RequestEventHook,
    method: str,
    name: str,
    url: str,
    exc: BaseException,
    started: float,
    start_time: float,
    context: dict[str, Any],
) -> None:
    """Record, as failed, a request cut short by something that is not an error; the caller
    re-raises ``exc``. Errors (``Exception``) are the caller's to handle and are ignored here.

    * ``GreenletExit``: the runner stopped the user mid-request, after the stop grace
      (``--stop-grace``): recorded as "cancelled at stop" if it had been sent (a client that
      knows marks ``horde_on_wire = False`` when the kill came while it was still connecting).
    * any other BaseException (a ``gevent.Timeout`` the script set around the request): recorded
      with its description.

    Either way the request reached the server, so it is counted, never silently dropped.
    """
    if isinstance(exc, Exception):
        return
    if isinstance(exc, GreenletExit):
        if not getattr(exc, "horde_on_wire", True):
            return
        failure = ConnectionFailure(CANCELLED)
    else:
        failure = ConnectionFailure(describe_error(exc))
    request_event.report(
        method,
        name,
        (time.perf_counter() - started) * 1000.0,
        0,
        response=None,
        context=context,
        exception=failure,
        start_time=start_time,
        url=url,
    )


def forget_traceback(exc: BaseException) -> BaseException:
    """``exc`` and every exception it wraps, without their tracebacks; returns ``exc``.

    A failed request keeps its error (``response.error``) and the response is usually still
    referenced from the frame that caught the error: error -> traceback -> that frame ->
    response -> error is a reference cycle. With the ``horde`` command's high garbage collector
    thresholds a cycle lives long, and with it every local of every frame in the traceback,
    including half-received bodies. Dropping the tracebacks (the message and the chain of
    causes stay) lets reference counting free all of it at once.
    """
    seen: set[int] = set()
    pending = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        current.__traceback__ = None
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
        pending.extend(arg for arg in current.args if isinstance(arg, BaseException))
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            pending.append(reason)
    return exc


_WRAPPER_PACKAGES = frozenset({"requests", "urllib3"})
_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")
_WRAPPER_PREFIX = re.compile(r"^(?:\w*ConnectionPool\(host=[^)]*\)|<[^<>]* at 0x[0-9a-fA-F]+>): ")


def _is_wrapper(exc: BaseException) -> bool:
    """An exception of requests or urllib3, which wraps the real cause."""
    return type(exc).__module__.partition(".")[0] in _WRAPPER_PACKAGES


def _is_transport(exc: BaseException) -> bool:
    return _is_wrapper(exc) or isinstance(exc, OSError | HTTPException)


def _cause(exc: BaseException) -> BaseException | None:
    """The exception ``exc`` wraps: its ``reason``, an exception argument, or its cause.

    The implicit ``__context__`` is followed only into transport exceptions: when a request is
    made inside an ``except`` block, the exception being handled there is the context of the
    innermost socket error too, and is not what went wrong.
    """
    reason = getattr(exc, "reason", None)
    if isinstance(reason, BaseException):
        return reason
    for arg in exc.args:
        if isinstance(arg, BaseException):
            return arg
    if exc.__cause__ is not None:
        return exc.__cause__
    context = exc.__context__
    if context is not None and not exc.__suppress_context__ and _is_transport(context):
        return context
    return None
