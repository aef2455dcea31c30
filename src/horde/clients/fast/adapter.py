"""A requests transport adapter backed by horde's fast client (HttpUser's default transport).

``requests.Session`` stays in charge of everything users and libraries see (preparing requests,
cookies, auth, redirects, hooks, ``Response`` objects); only the urllib3 part below the adapter
is replaced, which is where most of HttpUser's time per request went. Requests the fast path does
not cover — ``stream=True``, client certificates, proxies, streamed (generator/file) bodies — go
through the regular urllib3 adapter, so behaviour stays requests' own.
"""

from __future__ import annotations

import os
import socket
from typing import Any

import requests
from gevent import ssl as gssl
from requests.adapters import BaseAdapter
from requests.cookies import extract_cookies_to_jar
from requests.exceptions import (
    ChunkedEncodingError,
    ConnectionError,
    ConnectTimeout,
    ContentDecodingError,
    ReadTimeout,
    RequestException,
    SSLError,
)
from requests.structures import CaseInsensitiveDict
from requests.utils import (
    DEFAULT_ACCEPT_ENCODING,
    DEFAULT_CA_BUNDLE_PATH,
    get_encoding_from_headers,
)

from horde.clients.bounded import BoundedHTTPAdapter
from horde.clients.fast.coding import decode_body
from horde.clients.fast.connection import ConnectTimeoutError, HTTPClientPool, exchange
from horde.clients.fast.message import raw_request, split_origin
from horde.clients.fast.response import Headers
from horde.clients.fast.wire import (
    ProtocolViolationError,
    RemoteClosedError,
    has_body,
)
from horde.clients.jar import new_response
from horde.clients.limits import (
    DEFAULT_MAX_BODY_SIZE,
    DEFAULT_TIMEOUT,
    BodyTooLargeError,
    body_limit,
)

_OUR_ENCODING = "gzip, deflate"


class _Message:
    """The ``http.client`` message shape that requests' cookie extraction reads."""

    __slots__ = ("_headers",)

    def __init__(self, headers: Headers) -> None:
        self._headers = headers

    def get_all(self, name: str, default: Any = None) -> Any:
        values = self._headers.get_all(name)
        return values if values else default


class _Raw:
    """Stands in for urllib3's response as ``Response.raw`` (the body is already read)."""

    __slots__ = ("_original_response", "msg", "status")

    def __init__(self, status: int, headers: Headers, cookies: bool) -> None:
        self.status = status
        self.msg = _Message(headers)
        self._original_response = self if cookies else None

    def read(self, *_: Any, **__: Any) -> bytes:
        return b""

    def stream(self, *_: Any, **__: Any) -> Any:
        return iter(())

    def close(self) -> None:
        """Nothing to release: the connection went back to the pool when the body was read."""

    def release_conn(self) -> None:
        """As :meth:`close`."""


class FastAdapter(BaseAdapter):
    """Sends requests over horde's keep-alive pools; hands the unusual cases to urllib3.

    Bodies are read into memory up to ``max_body_size`` bytes, received and decoded (see
    :data:`horde.clients.limits.DEFAULT_MAX_BODY_SIZE`); past it the request fails with a
    ``RequestException`` wrapping :class:`~horde.clients.limits.BodyTooLargeError`.
    """

    def __init__(
        self, concurrency: int = 10, max_body_size: int | None = DEFAULT_MAX_BODY_SIZE
    ) -> None:
        super().__init__()
        self._pools: dict[tuple[bool | str, Any], HTTPClientPool] = {}
        self._concurrency = concurrency
        self._fallback: BoundedHTTPAdapter | None = None
        self._limit = body_limit(max_body_size)
        self._max_body_size = max_body_size

    @property
    def max_body_size(self) -> int | None:
        return self._max_body_size

    @max_body_size.setter
    def max_body_size(self, value: int | None) -> None:
        self._limit = body_limit(value)
        self._max_body_size = value
        if self._fallback is not None:
            self._fallback.max_body_size = value

    def _pool(self, verify: Any, connect_timeout: float | None) -> HTTPClientPool:
        # one pool per trust setting: verify=False, the default bundle, or a CA bundle path
        key = (verify if isinstance(verify, str) else verify is not False, connect_timeout)
        pool = self._pools.get(key)
        if pool is None:
            timeout = connect_timeout if connect_timeout is not None else socket.getdefaulttimeout()
            factory = None
            if verify is not False:
                cafile = verify if isinstance(verify, str) else DEFAULT_CA_BUNDLE_PATH
                factory = _verifying_context(cafile)
            pool = self._pools[key] = HTTPClientPool(
                concurrency=self._concurrency,
                connection_timeout=timeout or DEFAULT_TIMEOUT,
                network_timeout=DEFAULT_TIMEOUT,
                insecure=verify is False,
                ssl_context_factory=factory,
            )
        return pool

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        body = request.body
        if stream or cert or proxies or not (body is None or isinstance(body, bytes | str)):
            return self._urllib3().send(request, stream, timeout, verify, cert, proxies)
        connect_timeout, read_timeout = _split_timeout(timeout)
        url = request.url or ""
        origin, target, host_header = split_origin(url)
        method = (request.method or "GET").upper()
        headers = dict(request.headers)
        if headers.get("Accept-Encoding") == DEFAULT_ACCEPT_ENCODING:
            headers["Accept-Encoding"] = _OUR_ENCODING
        data = body.encode("utf-8") if isinstance(body, str) else body
        message = raw_request(method, target, host_header, headers, data)
        pool = self._pool(verify, connect_timeout).get(origin)
        try:
            return self._exchange(pool, message, method, read_timeout, request)
        except RequestException:
            raise
        except ConnectTimeoutError as exc:
            raise ConnectTimeout(exc, request=request) from exc
        except gssl.SSLError as exc:
            raise SSLError(exc, request=request) from exc
        except TimeoutError as exc:
            raise ReadTimeout(exc, request=request) from exc
        except (RemoteClosedError, ProtocolViolationError, OSError) as exc:
            raise ConnectionError(exc, request=request) from exc
        except BodyTooLargeError as exc:
            raise RequestException(exc, request=request) from exc

    def _exchange(
        self,
        pool: Any,
        message: bytes,
        method: str,
        read_timeout: float | None,
        request: requests.PreparedRequest,
    ) -> requests.Response:
        head, conn = exchange(pool, message, 0, read_timeout)
        limit = self._limit
        try:
            raw_body = conn.reader.read_body(head, limit) if has_body(method, head.status) else b""
        except (RemoteClosedError, ProtocolViolationError, ConnectionResetError) as exc:
            pool.release(conn, reusable=False)
            raise ChunkedEncodingError(exc, request=request) from exc
        except BaseException:
            pool.release(conn, reusable=False)
            raise
        pool.release(conn, reusable=head.keep_alive)
        try:
            content = decode_body(raw_body, head.content_encoding, limit)
        except BodyTooLargeError:
            raise
        except Exception as exc:
            raise ContentDecodingError(exc, request=request) from exc
        return self._build(request, head.status, head.reason, head.raw, content)

    def _build(
        self,
        request: requests.PreparedRequest,
        status: int,
        reason: str,
        raw_headers: bytes,
        content: bytes,
    ) -> requests.Response:
        headers = Headers(raw_headers)
        response = new_response()
        response.status_code = status
        response.reason = reason
        response.headers = CaseInsensitiveDict(headers)
        response.encoding = get_encoding_from_headers(response.headers)
        response._content = content
        response._content_consumed = True  # type: ignore[attr-defined]
        cookies = "set-cookie" in headers
        response.raw = _Raw(status, headers, cookies)
        response.url = request.url or ""
        response.request = request
        response.connection = self  # type: ignore[assignment]
        if cookies:
            extract_cookies_to_jar(response.cookies, request, response.raw)  # type: ignore[no-untyped-call]
        return response

    def _urllib3(self) -> BoundedHTTPAdapter:
        if self._fallback is None:
            self._fallback = BoundedHTTPAdapter(max_body_size=self.max_body_size)
        return self._fallback

    def close(self) -> None:
        for pool in self._pools.values():
            pool.close()
        if self._fallback is not None:
            self._fallback.close()


def _split_timeout(timeout: Any) -> tuple[float | None, float | None]:
    if isinstance(timeout, tuple):
        return timeout[0], timeout[1]
    return timeout, timeout


def _verifying_context(bundle: str) -> Any:
    """A factory of contexts trusting ``bundle``: a CA file or, as requests allows, a directory."""

    def factory() -> Any:
        if os.path.isdir(bundle):
            return gssl.create_default_context(capath=bundle)
        return gssl.create_default_context(cafile=bundle)

    return factory
