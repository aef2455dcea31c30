"""Connection failures: what a request that got no HTTP response is recorded as."""

from __future__ import annotations

import re
from http.client import HTTPException

from requests.exceptions import RequestException


class ConnectionFailure(RequestException):
    """A request that got no HTTP response (refused, reset, timed out, DNS...)."""

    def __repr__(self) -> str:
        return str(self)


CANCELLED = (
    "cancelled at stop: the user was stopped while this request was in flight (the stop grace "
    "ran out); the target may have received it"
)
"""The failure a request gets when its user is killed mid-request: recorded, never dropped."""


def describe_error(exc: BaseException) -> str:
    """A short, stable description of the root cause of a connection error.

    ``"<requests exception>: <root cause>: <detail>"``, e.g.
    ``ConnectionError: ConnectionRefusedError: [Errno 111] Connection refused``. The wrappers of
    requests and urllib3 (whose messages carry object addresses and ports) are unwrapped down to
    the first foreign exception (socket, ssl, http.client), so identical failures group together.
    An exception the caller was handling when the request was made is never taken for the cause.
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
    text = " ".join(_ADDRESS.sub("0x...", str(root)).split())
    detail = text.split(": ", 1)[-1] if text else type(root).__name__
    return f"{outer}{type(root).__name__}: {detail}"


_WRAPPER_PACKAGES = frozenset({"requests", "urllib3"})
_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


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
