"""HttpSession: a ``requests.Session`` that records every request in horde's statistics.

Libraries built on requests (slumber, SDKs taking a ``session=``) work with it unchanged. Extras
over requests: relative URLs against the host, ``name=`` to group dynamic URLs,
``catch_response=True`` to judge responses, ``rename_request()``, ``context=`` for listeners, and
connection errors reported as failed requests with status 0 instead of exceptions.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.client import HTTPException
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from requests.auth import HTTPBasicAuth
from requests.exceptions import (
    InvalidSchema,
    InvalidURL,
    MissingSchema,
    RequestException,
)

from horde.clients.response import (
    HordeResponse,
    ResponseContextManager,
    as_context_manager,
    status_failure,
)
from horde.event import RequestEventHook

_ABSOLUTE = re.compile(r"^https?://", re.IGNORECASE)


class HttpSession(requests.Session):
    """A cookie-keeping HTTP session bound to one simulated user."""

    def __init__(
        self,
        base_url: str,
        request_event: RequestEventHook,
        user: Any = None,
        *args: Any,
        pool_manager: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.request_event = request_event
        self.user = user
        self.request_name: str | None = None
        self.trust_env = False
        self.base_url = self._take_credentials(base_url)
        if pool_manager is not None:
            adapter = SharedPoolAdapter(pool_manager)
            self.mount("https://", adapter)
            self.mount("http://", adapter)

    def _take_credentials(self, base_url: str) -> str:
        """``http://user:pass@host`` becomes Basic auth and a URL without credentials.

        Percent-escapes in the credentials are decoded (``user%40corp`` is ``user@corp``).
        """
        parts = urlsplit(base_url)
        if parts.username is None:
            return base_url
        self.auth = HTTPBasicAuth(unquote(parts.username), unquote(parts.password or ""))
        return _without_credentials(base_url)

    def _build_url(self, path: str) -> str:
        if _ABSOLUTE.match(path):
            return path
        if path.startswith("/") and self.base_url.endswith("/"):
            return f"{self.base_url[:-1]}{path}"
        return f"{self.base_url}{path}"

    @contextmanager
    def rename_request(self, name: str) -> Iterator[None]:
        """Group every request made inside the block under ``name``."""
        previous = self.request_name
        self.request_name = name
        try:
            yield
        finally:
            self.request_name = previous

    def request(  # type: ignore[override]
        self,
        method: str,
        url: str,
        name: str | None = None,
        catch_response: bool = False,
        context: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> HordeResponse | ResponseContextManager:
        """Send a request and record it; see ``requests.Session.request`` for ``kwargs``."""
        full_url = self._build_url(url)
        start_time = time.time()
        start = time.perf_counter()
        response = self._send(method, full_url, **kwargs)
        response_time = (time.perf_counter() - start) * 1000.0
        first = response.history[0] if response.history else response
        request = first.request
        path = request.path_url if request is not None else url
        if request is not None and request.url:
            full_url = _without_credentials(request.url)
        if kwargs.get("stream"):
            length = _declared_length(response)
        else:
            length = len(response.content or b"")
        label = name or self.request_name or path
        context = self._context(context)
        exception = failure_of(response, label)
        request_type = method.upper()
        if catch_response:
            meta: dict[str, Any] = {
                "request_type": request_type,
                "name": label,
                "response_time": response_time,
                "response_length": length,
                "context": context,
                "exception": exception,
                "start_time": start_time,
                "url": full_url,
            }
            return as_context_manager(response, self.request_event, meta)
        self.request_event.report(
            request_type,
            label,
            response_time,
            length,
            response=response,
            context=context,
            exception=exception,
            start_time=start_time,
            url=full_url,
        )
        return response

    def _context(self, context: dict[str, Any] | None) -> dict[str, Any]:
        user_context = self.user.context() if self.user is not None else None
        if not user_context:
            return dict(context) if context else {}
        return {**user_context, **(context or {})}

    def _send(self, method: str, url: str, **kwargs: Any) -> HordeResponse:
        try:
            response = super().request(method, url, **kwargs)
        except (MissingSchema, InvalidSchema, InvalidURL):
            raise
        except RequestException as exc:
            failed = HordeResponse()
            failed.error = exc
            failed.status_code = 0
            failed.url = url
            failed._content = b""
            params = kwargs.get("params")
            failed.request = requests.Request(method, url, params=params).prepare()
            return failed
        response.__class__ = HordeResponse
        assert isinstance(response, HordeResponse)  # noqa: S101 - narrows the type
        return response


class SharedPoolAdapter(HTTPAdapter):
    """An adapter over a urllib3 ``PoolManager`` shared by many sessions (``pool_manager=``).

    Closing one session (a user's ``on_stop`` calling ``self.client.close()``) leaves the shared
    pools open: the other sessions keep their connections.
    """

    def __init__(self, pool_manager: Any) -> None:
        super().__init__()
        self.poolmanager = pool_manager

    def close(self) -> None:
        for proxy in self.proxy_manager.values():
            proxy.clear()


def failure_of(response: HordeResponse, name: str) -> BaseException | None:
    """The failure a response represents: its connection error, or an HTTPError for >= 400.

    The message names the request by its stats ``name`` rather than the full URL, so failures of
    ``/item/1`` and ``/item/2`` grouped under ``/item/[id]`` also group in the failure table.
    """
    if response.error is not None:
        return ConnectionFailure(describe_error(response.error))
    return status_failure(response, name)


class ConnectionFailure(RequestException):
    """A request that got no HTTP response (refused, reset, timed out, DNS...)."""

    def __repr__(self) -> str:
        return str(self)


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
    if isinstance(root, OSError) and root.strerror:
        errno = f"[Errno {root.errno}] " if root.errno else ""
        return f"{type(exc).__name__}: {type(root).__name__}: {errno}{root.strerror}"
    text = " ".join(_ADDRESS.sub("0x...", str(root)).split())
    detail = text.split(": ", 1)[-1] if text else type(root).__name__
    return f"{type(exc).__name__}: {type(root).__name__}: {detail}"


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


def _declared_length(response: requests.Response) -> int:
    """The Content-Length of a streamed response (0 if absent or not a number)."""
    try:
        return int(response.headers.get("content-length") or 0)
    except ValueError:
        return 0


def _without_credentials(url: str) -> str:
    """``url`` with any ``user:pass@`` removed from its network location."""
    if "@" not in url:
        return url
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
