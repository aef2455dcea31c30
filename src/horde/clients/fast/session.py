"""FastHttpSession: Locust's FastHttpUser client API on horde's own HTTP/1.1 client.

Per request the work is: build one bytes object, ``sendall``, find the end of the header block,
read the body by Content-Length (or chunks), report. Headers, cookies and text are decoded only
when asked for. Cookies are kept per session (one simulated user) and sent to every origin the
session talks to; their Domain/Path attributes are not applied.
"""

from __future__ import annotations

import json as jsonlib
import time
import zlib
from base64 import b64encode
from collections.abc import Iterator
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import unquote, urlencode, urljoin, urlsplit

from gevent import GreenletExit

from horde._version import __version__
from horde.clients.errors import CANCELLED, ConnectionFailure, describe_error
from horde.clients.fast.connection import HTTPClientPool, Origin, OriginPool, exchange
from horde.clients.fast.response import FastRequest, FastResponse
from horde.clients.fast.wire import (
    Head,
    decode_body,
    decoder_for,
    has_body,
    header_lines,
    request_bytes,
)
from horde.clients.grouping import url_grouper
from horde.clients.naming import RequestNaming
from horde.clients.response import CatchResponseMixin, as_context_manager, status_failure
from horde.event import RequestEventHook
from horde.exceptions import HordeError

REDIRECTS = (301, 302, 303, 307, 308)
_DEFAULT_PORTS = {"http": 80, "https": 443}


class TooManyRedirectsError(HordeError):
    """A request was redirected more than ``max_redirects`` times (recorded as status 0)."""


class FastResponseContextManager(CatchResponseMixin, FastResponse):
    """A FastResponse returned by ``catch_response=True`` (see CatchResponseMixin)."""


def split_origin(url: str) -> tuple[Origin, str, str]:
    """``(origin, request target, host header)`` of an absolute http(s) URL."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise HordeError(f"not an absolute http(s) URL: {url!r}")
    port = parts.port or _DEFAULT_PORTS[scheme]
    target = parts.path or "/"
    if parts.query:
        target = f"{target}?{parts.query}"
    host = parts.hostname
    host_header = host if port == _DEFAULT_PORTS[scheme] else f"{host}:{port}"
    if ":" in host:
        host_header = f"[{host}]" if port == _DEFAULT_PORTS[scheme] else f"[{host}]:{port}"
    return (scheme, host, port), target, host_header


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
        network_timeout: float = 60.0,
        connection_timeout: float = 60.0,
        max_redirects: int = 30,
        max_retries: int = 0,
        default_headers: dict[str, str] | None = None,
        proxy_host: str | None = None,
        proxy_port: int | None = None,
        **_: Any,
    ) -> None:
        if proxy_host or proxy_port:
            raise HordeError("FastHttpUser does not support proxies yet; use HttpUser")
        self.request_event = request_event
        self.user = user
        self._tracked = user if callable(getattr(user, "_begin_request", None)) else None
        """The user told about each request in flight (so a stop lets it finish)."""
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
        self.cookies: dict[str, str] = {}
        parts = urlsplit(base_url)
        self._defaults = {"User-Agent": f"horde/{__version__}", "Accept-Encoding": "gzip, deflate"}
        if parts.username is not None:
            self._defaults["Authorization"] = _basic(parts.username, parts.password or "")
            netloc = parts.netloc.rsplit("@", 1)[1]
            base_url = parts._replace(netloc=netloc).geturl()
        self._defaults.update(default_headers or {})
        self.base_url = base_url.rstrip("/")
        self._base = split_origin(self.base_url) if self.base_url else None
        self._base_path = urlsplit(self.base_url).path.rstrip("/")
        self._prefixes: dict[str, bytes] = {}

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
        if cookies:
            headers = {**(headers or {}), "Cookie": _cookie_header({**self.cookies, **cookies})}
        method = method.upper()
        label = name or self.request_name or (self.group_url(url) if self.group_url else url)
        full_url = self._absolute(url, params)
        body, extra = _encode_body(data, json)
        user = self._tracked
        if user is not None:
            user._begin_request()  # a halting user sends nothing more (GreenletExit)
        start_time = time.time()
        start = time.perf_counter()
        try:
            response = self._send(method, full_url, body, headers, extra, auth, stream)
            if allow_redirects and response.status_code in REDIRECTS:
                response = self._follow(response, method, body, headers, extra, auth, stream)
        except (OSError, HordeError, ValueError, zlib.error) as exc:
            response = _failed(method, full_url, exc, time.perf_counter() - start)
        except GreenletExit:
            elapsed = (time.perf_counter() - start) * 1000.0
            self.request_event.report(
                method, label, elapsed, 0, context=self._context(None), exception=CANCELLED,
                start_time=start_time, url=full_url,
            )  # fmt: skip
            raise
        finally:
            if user is not None:
                user._end_request()
        response_time = (time.perf_counter() - start) * 1000.0
        if stream and response._content is None:
            length = _declared_length(response.headers.get("content-length"))
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

    def _absolute(self, url: str, params: Any) -> str:
        if url.startswith(("http://", "https://", "HTTP://", "HTTPS://")):
            full = url
        else:
            full = f"{self.base_url}{url if url.startswith('/') else '/' + url}"
        if "#" in full:  # a fragment stays in the browser, never on the wire
            full = full.partition("#")[0]
        if params:
            query = urlencode(params, doseq=True)
            full = f"{full}{'&' if '?' in full else '?'}{query}"
        return full

    def _context(self, context: dict[str, Any] | None) -> dict[str, Any]:
        user_context = self.user.context() if self.user is not None else None
        if not user_context:
            return dict(context) if context else {}
        return {**user_context, **(context or {})}

    def _prefix(self, host_header: str) -> bytes:
        prefix = self._prefixes.get(host_header)
        if prefix is None:
            prefix = header_lines({"Host": host_header, **self._defaults})
            self._prefixes[host_header] = prefix
        return prefix

    def _header_block(
        self,
        host_header: str,
        headers: dict[str, str] | None,
        extra: dict[str, str] | None,
        auth: tuple[str, str] | None,
    ) -> tuple[bytes, dict[str, str]]:
        if not (headers or extra or auth or self.cookies):
            return self._prefix(host_header), self._defaults
        merged = {"host": ("Host", host_header)}
        merged.update((k.lower(), (k, v)) for k, v in self._defaults.items())
        for source in (extra, headers):
            if source:
                merged.update((k.lower(), (k, str(v))) for k, v in source.items())
        if auth:
            merged["authorization"] = ("Authorization", _basic(*auth))
        if self.cookies and "cookie" not in merged:
            merged["cookie"] = ("Cookie", _cookie_header(self.cookies))
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
    ) -> FastResponse:
        rest = url[len(self.base_url) :] if url.startswith(self.base_url) else None
        if self._base is not None and rest is not None and (not rest or rest[0] in "/?"):
            origin, _, host_header = self._base
            target = f"{self._base_path}{rest}"
            if not target.startswith("/"):
                target = f"/{target}"
        else:
            origin, target, host_header = split_origin(url)
        block, sent_headers = self._header_block(host_header, headers, extra, auth)
        message = request_bytes(method, target, block, body)
        started = time.perf_counter()
        pool = self.pool.get(origin)
        head, conn = exchange(pool, message, self.max_retries, pool.network_timeout)
        request = FastRequest(method, url, sent_headers, body)
        response = FastResponse(head.status, head.reason, head.raw, None, url, request, 0.0)
        raw = b""
        try:
            if stream and has_body(method, head.status):
                response._stream = _streamer(pool, conn, head)
            else:
                if has_body(method, head.status):
                    raw = conn.reader.read_body(head)
                pool.release(conn, reusable=head.keep_alive)
        except BaseException:
            pool.release(conn, reusable=False)
            raise
        if response._stream is None:  # decoded after the release: a bad body fails alone
            response._content = decode_body(raw, head.content_encoding)
        response._elapsed = time.perf_counter() - started
        if b"set-cookie:" in head.raw.lower():
            self._keep_cookies(response)
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
    ) -> FastResponse:
        history: list[FastResponse] = []
        while response.status_code in REDIRECTS:
            location = response.headers.get("location")
            if not location:
                break
            response.content  # noqa: B018 - a streamed redirect body gives its connection back
            if len(history) >= self.max_redirects:
                raise TooManyRedirectsError(f"Exceeded {self.max_redirects} redirects.")
            history.append(response)
            method, body, extra, headers = _redirected(
                response.status_code, method, body, extra, headers
            )
            url = urljoin(response.url, location)
            response = self._send(method, url, body, headers, extra, auth, stream)
        response.history = history
        return response

    def _keep_cookies(self, response: FastResponse) -> None:
        for header in response.headers.get_all("set-cookie"):
            parsed = SimpleCookie()
            try:
                parsed.load(header)
            except CookieError:
                continue
            for key, morsel in parsed.items():
                if morsel["max-age"] in ("0", "-1") or (not morsel.value and morsel["expires"]):
                    self.cookies.pop(key, None)
                else:
                    self.cookies[key] = morsel.value


def _redirected(
    status: int,
    method: str,
    body: bytes | None,
    extra: dict[str, str] | None,
    headers: dict[str, str] | None,
) -> tuple[str, bytes | None, dict[str, str] | None, dict[str, str] | None]:
    """The request that follows a redirect, by requests' rules (``rebuild_method``).

    303 and 302 become GET (HEAD stays HEAD), 301 turns POST into GET; only 307 and 308 keep
    the body, and the headers describing it go with it.
    """
    if (status in (302, 303) and method != "HEAD") or (status == 301 and method == "POST"):
        method = "GET"
    if status in (307, 308):
        return method, body, extra, headers
    if headers:
        headers = {k: v for k, v in headers.items() if k.lower() not in _BODY_HEADERS}
    return method, None, None, headers


_BODY_HEADERS = frozenset({"content-type", "content-length", "transfer-encoding"})


def _streamer(pool: OriginPool, conn: Any, head: Head) -> Iterator[bytes]:
    """Yield the body as it arrives; the connection goes back to the pool when it is done."""
    decode = decoder_for(head.content_encoding)
    done = False
    try:
        for piece in conn.reader.iter_body(head):
            yield decode(piece) if decode else piece
        done = True
    finally:
        pool.release(conn, reusable=done and head.keep_alive)


def _encode_body(data: Any, json: Any) -> tuple[bytes | None, dict[str, str] | None]:
    if json is not None:
        return jsonlib.dumps(json).encode(), {"Content-Type": "application/json"}
    if data is None:
        return None, None
    if isinstance(data, bytes):
        return data, None
    if isinstance(data, str):
        return data.encode(), None
    if isinstance(data, dict | list | tuple):
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        return urlencode(data, doseq=True).encode(), form
    if hasattr(data, "read"):
        content = data.read()
        return (content.encode() if isinstance(content, str) else content), None
    raise HordeError(f"cannot send data of type {type(data).__name__}")


def _declared_length(value: str | None) -> int:
    """A streamed response's Content-Length ("5, 5" when repeated; 0 if absent)."""
    try:
        return int((value or "0").partition(",")[0])
    except ValueError:
        return 0


def _cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def _basic(user: str, password: str) -> str:
    token = b64encode(f"{unquote(user)}:{unquote(password)}".encode()).decode()
    return f"Basic {token}"


def _failed(method: str, url: str, exc: BaseException, elapsed: float) -> FastResponse:
    response = FastResponse(0, "", b"", b"", url, FastRequest(method, url, {}, None), elapsed)
    response.error = exc
    return response
