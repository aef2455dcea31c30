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
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from requests.auth import HTTPBasicAuth
from requests.exceptions import (
    HTTPError,
    InvalidSchema,
    InvalidURL,
    MissingSchema,
    RequestException,
)

from horde.clients.response import HordeResponse, ResponseContextManager, as_context_manager
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
            adapter = HTTPAdapter()
            adapter.poolmanager = pool_manager
            self.mount("https://", adapter)
            self.mount("http://", adapter)

    def _take_credentials(self, base_url: str) -> str:
        """``http://user:pass@host`` becomes Basic auth and a URL without credentials."""
        parts = urlsplit(base_url)
        if parts.username is None:
            return base_url
        self.auth = HTTPBasicAuth(parts.username, parts.password or "")
        netloc = parts.hostname or ""
        if parts.port is not None:
            netloc = f"{netloc}:{parts.port}"
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))

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
        if kwargs.get("stream"):
            length = int(response.headers.get("content-length") or 0)
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
            failed.request = requests.Request(method, url).prepare()
            return failed
        response.__class__ = HordeResponse
        assert isinstance(response, HordeResponse)  # noqa: S101 - narrows the type
        return response


def failure_of(response: HordeResponse, name: str) -> BaseException | None:
    """The failure a response represents: its connection error, or an HTTPError for >= 400.

    The message names the request by its stats ``name`` rather than the full URL, so failures of
    ``/item/1`` and ``/item/2`` grouped under ``/item/[id]`` also group in the failure table.
    """
    if response.error is not None:
        return ConnectionFailure(describe_error(response.error))
    status = response.status_code
    if status < 400:
        return None
    kind = "Client" if status < 500 else "Server"
    return HTTPError(f"{status} {kind} Error: {response.reason} for url: {name}", response=response)


class ConnectionFailure(RequestException):
    """A request that got no HTTP response (refused, reset, timed out, DNS...)."""

    def __repr__(self) -> str:
        return str(self)


def describe_error(exc: BaseException) -> str:
    """A short, stable description of the root cause of a connection error."""
    root: BaseException = exc
    seen = {id(exc)}
    while True:
        nxt = _cause(root)
        if nxt is None or id(nxt) in seen:
            break
        seen.add(id(nxt))
        root = nxt
    if isinstance(root, OSError) and root.strerror:
        errno = f"[Errno {root.errno}] " if root.errno else ""
        return f"{type(exc).__name__}: {type(root).__name__}: {errno}{root.strerror}"
    detail = str(root).split(": ", 1)[-1] if str(root) else type(root).__name__
    return f"{type(exc).__name__}: {type(root).__name__}: {detail}"


def _cause(exc: BaseException) -> BaseException | None:
    reason = getattr(exc, "reason", None)
    if isinstance(reason, BaseException):
        return reason
    if exc.args and isinstance(exc.args[0], BaseException):
        return exc.args[0]
    return exc.__cause__ or exc.__context__
