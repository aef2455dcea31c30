"""FastHttpSession: Locust's FastHttpUser client API on horde's own HTTP/1.1 client.

Per request the work is: build one bytes object, ``sendall``, find the end of the header block,
read the body by Content-Length (or chunks), report. Headers, cookies and text are decoded only
when asked for. Cookies are kept per session (one simulated user) and sent by the host rules of
requests' cookie jar (:mod:`.cookies`); redirects follow requests' rules (:mod:`.redirects`).
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

from horde._version import __version__
from horde.clients.errors import (
    ConnectionFailure,
    begin_request,
    describe_error,
    end_request,
    forget_traceback,
    report_cut_short,
)
from horde.clients.fast.coding import decode_body
from horde.clients.fast.connection import HTTPClientPool, Origin, exchange
from horde.clients.fast.cookies import SessionCookies
from horde.clients.fast.message import (
    absolute_url,
    basic_auth,
    declared_length,
    encode_body,
    header_lines,
    request_bytes,
    split_origin,
)
from horde.clients.fast.redirects import redirected, should_strip_auth
from horde.clients.fast.response import FastRequest, FastResponse
from horde.clients.fast.stream import BodyStream
from horde.clients.fast.wire import has_body
from horde.clients.grouping import url_grouper
from horde.clients.limits import (
    DEFAULT_MAX_BODY_SIZE,
    DEFAULT_TIMEOUT,
    body_limit,
    check_seconds,
)
from horde.clients.naming import RequestNaming
from horde.clients.response import CatchResponseMixin, as_context_manager, status_failure
from horde.event import RequestEventHook
from horde.exceptions import HordeError

REDIRECTS = (301, 302, 303, 307, 308)


class TooManyRedirectsError(HordeError):
    """A request was redirected more than ``max_redirects`` times (recorded as status 0)."""


class FastResponseContextManager(CatchResponseMixin, FastResponse):
    """A FastResponse returned by ``catch_response=True`` (see CatchResponseMixin)."""


class FastHttpSession(RequestNaming):
    """HTTP client of a FastHttpUser: keep-alive pool, cookies, Locust's request API."""

    def __init__(
        self,
        base_url: str,
        request_event: RequestEventHook,
        user: Any = None,
        *,
        insecure: bool = True,
        client_pool: HTTPClientPool | None = None,
        ssl_context_factory: Any = None,
        concurrency: int = 10,
        network_timeout: float = DEFAULT_TIMEOUT,
        connection_timeout: float = DEFAULT_TIMEOUT,
        max_redirects: int = 30,
        max_retries: int = 0,
        default_headers: dict[str, str] | None = None,
        proxy_host: str | None = None,
        proxy_port: int | None = None,
        max_body_size: int | None = DEFAULT_MAX_BODY_SIZE,
        **_: Any,
    ) -> None:
        if proxy_host or proxy_port:
            raise HordeError("FastHttpUser does not support proxies yet; use HttpUser")
        check_seconds(network_timeout, "network_timeout")
        check_seconds(connection_timeout, "connection_timeout")
        self.request_event = request_event
        self.user = user
        self.request_name: str | None = None
        self.group_url = url_grouper(user)
        self.max_redirects = max_redirects
        self.max_retries = max_retries
        self.pool = client_pool or HTTPClientPool(
            concurrency=concurrency,
            connection_timeout=connection_timeout,
            network_timeout=network_timeout,
            insecure=insecure,
            ssl_context_factory=ssl_context_factory,
        )
        self.cookies = SessionCookies()
        self.max_body_size = max_body_size
        parts = urlsplit(base_url)
        self._defaults = {"User-Agent": f"horde/{__version__}", "Accept-Encoding": "gzip, deflate"}
        if parts.username is not None:
            self._defaults["Authorization"] = basic_auth(parts.username, parts.password or "")
            netloc = parts.netloc.rsplit("@", 1)[1]
            base_url = parts._replace(netloc=netloc).geturl()
        self._defaults.update(default_headers or {})
        self.base_url = base_url.rstrip("/")
        self._base = split_origin(self.base_url) if self.base_url else None
        self._base_path = urlsplit(self.base_url).path.rstrip("/")
        self._prefixes: dict[str, bytes] = {}

    @property
    def cookies(self) -> SessionCookies:
        """This user's cookies: a name -> value mapping (see :mod:`.cookies` for which host
        gets which). Assigning a mapping replaces them with cookies for every host."""
        return self._cookies

    @cookies.setter
    def cookies(self, value: Any) -> None:
        jar = value if isinstance(value, SessionCookies) else SessionCookies()
        if jar is not value:
            jar.update(value)
        self._cookies = jar
        self._cookie_scopes = jar.scopes  # what the hot path checks: empty means no cookies

    @property
    def max_body_size(self) -> int | None:
        """The largest body a request reads into memory, received or decoded (None: no limit);
        a larger one fails the request (see :data:`horde.clients.limits.DEFAULT_MAX_BODY_SIZE`).
        """
        return self._max_body_size

    @max_body_size.setter
    def max_body_size(self, value: int | None) -> None:
        self._limit = body_limit(value)
        self._max_body_size = value

    # -- Locust's API -------------------------------------------------------------------------

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, data: Any = None, **kwargs: Any) -> Any:
        return self.request("POST", url, data=data, **kwargs)

    def put(self, url: str, data: Any = None, **kwargs: Any) -> Any:
        return self.request("PUT", url, data=data, **kwargs)

    def patch(self, url: str, data: Any = None, **kwargs: Any) -> Any:
        return self.request("PATCH", url, data=data, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Any:
        return self.request("DELETE", url, **kwargs)

    def head(self, url: str, **kwargs: Any) -> Any:
        return self.request("HEAD", url, **kwargs)

    def options(self, url: str, **kwargs: Any) -> Any:
        return self.request("OPTIONS", url, **kwargs)

    def iter_lines(self, url: str, method: str = "GET", **kwargs: Any) -> Iterator[str]:
        """Stream a response line by line (the request is recorded when it completes)."""
        kwargs["stream"] = True
        response = self.request(method, url, **kwargs)
        yield from response.iter_lines(decode_unicode=True)

    def close(self) -> None:
        self.pool.close()

    # -- the request ----------------------------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        name: str | None = None,
        data: Any = None,
        catch_response: bool = False,
        stream: bool = False,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        json: Any = None,
        allow_redirects: bool = True,
        context: dict[str, Any] | None = None,
        params: Any = None,
        cookies: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Send a request, record it, and return a FastResponse (or a catch-response one).

        ``timeout`` and ``verify`` are accepted and ignored (the session's ``network_timeout``
        and ``insecure`` apply); other requests-only arguments (``files``, ``proxies``...) raise.
        """
        unsupported = set(kwargs) - {"timeout", "verify"}
        if unsupported:
            raise HordeError(
                f"FastHttpSession.request() does not support {', '.join(sorted(unsupported))}; "
                "use HttpUser for those"
            )
        method = method.upper()
        label = name or self.request_name or (self.group_url(url) if self.group_url else url)
        full_url = absolute_url(self.base_url, url, params)
        body, extra = encode_body(data, json)
        user = self.user
        begin_request(user)  # a user told to halt stops here, before anything is sent
        start_time = time.time()
        start = time.perf_counter()
        try:
            response = self._send(method, full_url, body, headers, extra, auth, stream, cookies)
            if allow_redirects and response.status_code in REDIRECTS:
                response = self._follow(
                    response, method, body, headers, extra, auth, stream, cookies
                )
        except (OSError, HordeError, ValueError, zlib.error) as exc:
            # without its traceback: the frames would keep this request's buffers alive in a
            # reference cycle (response -> error -> traceback -> this frame -> response)
            response = FastResponse.failed(method, full_url, forget_traceback(exc), start)
        except BaseException as exc:  # the user stopped mid-request, or a script's Timeout
            report_cut_short(
                self.request_event, method, label, full_url, exc, start, start_time,
                self._context(context),
            )  # fmt: skip
            raise
        finally:
            end_request(user)
        response_time = (time.perf_counter() - start) * 1000.0
        if stream and response._content is None:
            length = declared_length(response.headers.get("content-length"))
        else:
            length = len(response._content or b"")
        error = response.error
        exception = (
            ConnectionFailure(describe_error(error)) if error else status_failure(response, label)
        )
        request_context = self._context(context)
        if catch_response:
            meta = {
                "request_type": method,
                "name": label,
                "response_time": response_time,
                "response_length": length,
                "context": request_context,
                "exception": exception,
                "start_time": start_time,
                "url": full_url,
            }
            return as_context_manager(
                response, self.request_event, meta, FastResponseContextManager
            )
        self.request_event.report(
            method,
            label,
            response_time,
            length,
            response=response,
            context=request_context,
            exception=exception,
            start_time=start_time,
            url=full_url,
        )
        return response

    def _prefix(self, host_header: str) -> bytes:
        prefix = self._prefixes.get(host_header)
        if prefix is None:
            prefix = header_lines({"Host": host_header, **self._defaults})
            self._prefixes[host_header] = prefix
        return prefix

    def _header_block(
        self,
        origin: Origin,
        host_header: str,
        headers: dict[str, str] | None,
        extra: dict[str, str] | None,
        auth: tuple[str, str] | None,
        cookies: dict[str, str] | None,
        strip_auth: bool,
    ) -> tuple[bytes, dict[str, str]]:
        if not (headers or extra or auth or self._cookie_scopes or cookies or strip_auth):
            return self._prefix(host_header), self._defaults
        merged = {"host": ("Host", host_header)}
        merged.update((k.lower(), (k, v)) for k, v in self._defaults.items())
        for source in (extra, headers):
            if source:
                merged.update((k.lower(), (k, str(v))) for k, v in source.items())
        if auth:
            merged["authorization"] = ("Authorization", basic_auth(*auth))
        if strip_auth:
            merged.pop("authorization", None)
        if "cookie" not in merged and (self._cookie_scopes or cookies):
            cookie = self._cookies.header_for(origin[1], origin[0] == "https", cookies)
            if cookie is not None:
                merged["cookie"] = ("Cookie", cookie)
        final = dict(merged.values())
        return header_lines(final), final

    def _send(
        self,
        method: str,
        url: str,
        body: bytes | None,
        headers: dict[str, str] | None,
        extra: dict[str, str] | None,
        auth: tuple[str, str] | None,
        stream: bool,
        cookies: dict[str, str] | None = None,
        strip_auth: bool = False,
    ) -> FastResponse:
        rest = url[len(self.base_url) :] if url.startswith(self.base_url) else None
        if self._base is not None and rest is not None and (not rest or rest[0] in "/?"):
            origin, _, host_header = self._base
            target = f"{self._base_path}{rest}"
            if not target.startswith("/"):
                target = f"/{target}"
        else:
            origin, target, host_header = split_origin(url)
        block, sent_headers = self._header_block(
            origin, host_header, headers, extra, auth, cookies, strip_auth
        )
        message = request_bytes(method, target, block, body)
        started = time.perf_counter()
        pool = self.pool.get(origin)
        head, conn = exchange(pool, message, self.max_retries, pool.network_timeout)
        request = FastRequest(method, url, sent_headers, body)
        response = FastResponse(head.status, head.reason, head.raw, None, url, request, 0.0)
        raw = b""
        try:
            if stream and has_body(method, head.status):
                response._stream = BodyStream(pool, conn, head)
                response._coding = head.content_encoding
            else:
                if has_body(method, head.status):
                    raw = conn.reader.read_body(head, self._limit)
                pool.release(conn, reusable=head.keep_alive)
        except BaseException:
            pool.release(conn, reusable=False)
            raise
        if response._stream is None:  # decoded after the release: a bad body fails alone
            response._content = decode_body(raw, head.content_encoding, self._limit)
        response._elapsed = time.perf_counter() - started
        if b"set-cookie:" in head.raw.lower():
            self._cookies.set_from(response.headers.get_all("set-cookie"), origin[1])
        return response

    def _follow(
        self,
        response: FastResponse,
        method: str,
        body: bytes | None,
        headers: dict[str, str] | None,
        extra: dict[str, str] | None,
        auth: tuple[str, str] | None,
        stream: bool,
        cookies: dict[str, str] | None,
    ) -> FastResponse:
        history: list[FastResponse] = []
        strip_auth = False
        while response.status_code in REDIRECTS:
            location = response.headers.get("location")
            if not location:
                break
            response.discard()  # a streamed redirect body gives its connection back
            if len(history) >= self.max_redirects:
                raise TooManyRedirectsError(f"Exceeded {self.max_redirects} redirects.")
            history.append(response)
            url = urljoin(response.url, location)
            strip_auth = strip_auth or should_strip_auth(response.url, url)
            method, body, extra, headers = redirected(
                response.status_code, method, body, extra, headers, strip_auth
            )
            response = self._send(
                method,
                url,
                body,
                headers,
                extra,
                None if strip_auth else auth,
                stream,
                cookies,
                strip_auth,
            )
        response.history = history
        return response
