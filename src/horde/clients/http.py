"""HttpSession: a ``requests.Session`` that records every request in horde's statistics.

Libraries built on requests (slumber, SDKs taking a ``session=``) work with it unchanged. Extras
over requests: relative URLs against the host, ``name=`` to group dynamic URLs,
``catch_response=True`` to judge responses, ``rename_request()``, ``context=`` for listeners, and
connection errors reported as failed requests with status 0 instead of exceptions.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Iterator
from http import cookiejar as cookielib
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import requests
from requests.auth import HTTPBasicAuth
from requests.cookies import RequestsCookieJar, cookiejar_from_dict, merge_cookies
from requests.exceptions import (
    InvalidSchema,
    InvalidURL,
    MissingSchema,
    RequestException,
)
from requests.structures import CaseInsensitiveDict
from requests.utils import get_netrc_auth

from horde.clients.bounded import BoundedHTTPAdapter
from horde.clients.errors import (
    ConnectionFailure,
    begin_request,
    describe_error,
    end_request,
    forget_traceback,
    report_cut_short,
)
from horde.clients.fast.adapter import FastAdapter
from horde.clients.grouping import url_grouper
from horde.clients.jar import LocalJar
from horde.clients.limits import (
    DEFAULT_MAX_BODY_SIZE,
    DEFAULT_TIMEOUT,
    body_limit,
    check_timeout,
)
from horde.clients.naming import RequestNaming
from horde.clients.prepare import PreparedRequest, merge, merge_hooks
from horde.clients.response import (
    HordeResponse,
    ResponseContextManager,
    as_context_manager,
    status_failure,
)
from horde.event import RequestEventHook

_ABSOLUTE = re.compile(r"^https?://", re.IGNORECASE)


def _init_without_adapters(session: requests.Session) -> None:
    """What ``requests.Session.__init__`` sets, minus its two urllib3 adapters.

    Those adapters (a PoolManager each, in reference cycles) are thrown away at once when the
    session mounts its own: building them would cost every user about 4.5 KB and the garbage
    collector their cycles, which is 45 MB at 10,000 users. A test compares the attributes with
    a real ``requests.Session()``, so a requests release that adds one is noticed.
    """
    session.headers = requests.utils.default_headers()  # type: ignore[assignment]
    session.auth = None
    session.proxies = {}
    session.hooks = requests.hooks.default_hooks()
    session.params = {}
    session.stream = False
    session.verify = True
    session.cert = None
    session.max_redirects = requests.models.DEFAULT_REDIRECT_LIMIT
    session.trust_env = True
    session.cookies = RequestsCookieJar()
    session.adapters = OrderedDict()


class HttpSession(RequestNaming, requests.Session):
    """A cookie-keeping HTTP session bound to one simulated user.

    By default it sends through :class:`~horde.clients.fast.adapter.FastAdapter` (horde's
    keep-alive client under requests' own Session machinery); ``fast_transport=False`` keeps
    requests' urllib3 adapter, and ``pool_manager=`` shares a urllib3 PoolManager.

    Unlike a plain ``requests.Session`` it never waits forever: ``timeout`` (a number, or
    requests' ``(connect, read)`` pair; default 60 s each, per read as in requests) applies to
    every request that passes no ``timeout=`` of its own. ``max_body_size`` bounds the body a
    request reads into memory (default 64 MiB, received and decoded; None: no limit); a larger
    one is a failed request.
    """

    def __init__(
        self,
        base_url: str,
        request_event: RequestEventHook,
        user: Any = None,
        *args: Any,
        pool_manager: Any = None,
        fast_transport: bool = True,
        timeout: float | tuple[float | None, float | None] | None = DEFAULT_TIMEOUT,
        max_body_size: int | None = DEFAULT_MAX_BODY_SIZE,
        **kwargs: Any,
    ) -> None:
        body_limit(max_body_size)  # refuse a bad value before anything is built
        adapter: BoundedHTTPAdapter | FastAdapter
        if pool_manager is not None:
            adapter = SharedPoolAdapter(pool_manager, max_body_size=max_body_size)
        elif fast_transport:
            adapter = FastAdapter(max_body_size=max_body_size)
        else:
            adapter = BoundedHTTPAdapter(max_body_size=max_body_size)
        if args or kwargs:
            super().__init__(*args, **kwargs)
        else:
            _init_without_adapters(self)
        self.request_event = request_event
        self.user = user
        self.request_name: str | None = None
        self.group_url = url_grouper(user)
        self.trust_env = False
        self.timeout = timeout
        self._max_body_size = max_body_size
        self.base_url = self._take_credentials(base_url)
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    @property
    def timeout(self) -> Any:
        """Used for each request without a ``timeout=`` argument: seconds, requests'
        ``(connect, read)`` pair, or None (wait forever)."""
        return self._timeout

    @timeout.setter
    def timeout(self, value: Any) -> None:
        self._timeout = check_timeout(value)

    @property
    def max_body_size(self) -> int | None:
        """The largest response body a request reads into memory (None: no limit)."""
        return self._max_body_size

    @max_body_size.setter
    def max_body_size(self, value: int | None) -> None:
        body_limit(value)
        self._max_body_size = value
        for adapter in self.adapters.values():
            if isinstance(adapter, BoundedHTTPAdapter | FastAdapter):
                adapter.max_body_size = value

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
        if "timeout" not in kwargs:
            kwargs["timeout"] = self._timeout
        user = self.user
        begin_request(user)  # a user told to halt stops here, before anything is sent
        start_time = time.time()
        start = time.perf_counter()
        try:
            response = self._send(method, full_url, **kwargs)
        except BaseException as exc:  # the user stopped mid-request, or a script's Timeout
            label = name or self.request_name or _path_of(full_url)
            report_cut_short(
                self.request_event, method.upper(), label, _without_credentials(full_url),
                exc, start, start_time, self._context(context),
            )  # fmt: skip
            raise
        finally:
            end_request(user)
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
        label = name or self.request_name or (self.group_url(path) if self.group_url else path)
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
            catcher: ResponseContextManager = as_context_manager(response, self.request_event, meta)
            return catcher
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

    # requests 2.34 merges settings through a runtime-checkable Protocol whose isinstance check
    # costs more than the rest of the request on Python 3.11. These two overrides do exactly
    # what requests' versions do, with a plain Mapping check.

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        cookies = request.cookies or {}
        if not cookies and not self.cookies:
            merged_cookies: RequestsCookieJar = LocalJar()
        else:
            if not isinstance(cookies, cookielib.CookieJar):
                cookies = cookiejar_from_dict(cookies)  # type: ignore[no-untyped-call]
            jar = merge_cookies(LocalJar(), self.cookies)  # type: ignore[no-untyped-call]
            merged_cookies = merge_cookies(jar, cookies)  # type: ignore[no-untyped-call]
        auth = request.auth
        if self.trust_env and not auth and not self.auth:
            auth = get_netrc_auth(request.url)
        prepared = PreparedRequest()
        prepared.prepare(
            method=str(request.method).upper(),
            url=request.url,
            files=request.files,
            data=request.data,
            json=request.json,
            headers=merge(request.headers, self.headers, CaseInsensitiveDict),
            params=merge(request.params, self.params),
            auth=merge(auth, self.auth),
            cookies=merged_cookies,
            hooks=merge_hooks(request.hooks, self.hooks),
        )
        return prepared

    def merge_environment_settings(
        self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> Any:
        if self.trust_env:
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        return {
            "proxies": merge(proxies, self.proxies),
            "stream": merge(stream, self.stream),
            "verify": merge(verify, self.verify),
            "cert": merge(cert, self.cert),
        }

    def resolve_redirects(
        self, resp: requests.Response, req: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> Iterator[requests.Response]:
        """requests' redirect loop (Session.send runs it after every response), where a
        ``Location`` it cannot even parse (``http://[bad``) raises a plain ValueError: that
        becomes ``InvalidURL``, so the request is recorded as failed instead of raising into the
        script. Most responses are not redirects: for them nothing runs at all."""
        if not resp.is_redirect:
            return iter(())
        return self._follow_redirects(resp, req, *args, **kwargs)

    def _follow_redirects(
        self, resp: requests.Response, req: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> Iterator[requests.Response]:
        try:
            yield from super().resolve_redirects(resp, req, *args, **kwargs)
        except RequestException:
            raise
        except ValueError as exc:
            raise InvalidURL(f"cannot follow the redirect: {exc}", request=req) from exc

    def _send(self, method: str, url: str, **kwargs: Any) -> HordeResponse:
        try:
            response = super().request(method, url, **kwargs)
        except (MissingSchema, InvalidSchema, InvalidURL) as exc:
            if not _requestable(url, kwargs.get("params")):
                raise  # the script's own URL: a bug to fix, raised at once (as Locust does)
            # a redirect to a URL requests cannot follow (file://, ftp://, no host): the
            # request reached the server, so it is a failure like any other
            return _failed(method, url, exc, kwargs.get("params"))
        except RequestException as exc:
            return _failed(method, url, exc, kwargs.get("params"))
        response.__class__ = HordeResponse
        assert isinstance(response, HordeResponse)  # noqa: S101 - narrows the type
        return response


def _failed(method: str, url: str, exc: RequestException, params: Any) -> HordeResponse:
    """A status-0 response for a request that got no usable answer.

    ``content`` is None as in Locust (``text`` is then ""). The error keeps its message and
    causes but not its tracebacks (see :func:`~horde.clients.errors.forget_traceback`).
    """
    failed = HordeResponse()
    failed.error = forget_traceback(exc)
    failed.status_code = 0
    failed.url = url
    failed._content = None
    failed.request = requests.Request(method, url, params=params).prepare()
    return failed


def _requestable(url: str, params: Any) -> bool:
    """Whether requests can send to ``url`` at all (an http(s) URL it can prepare)."""
    prepared = requests.PreparedRequest()
    try:
        prepared.prepare_url(url, params)
    except RequestException:
        return False
    return str(prepared.url).lower().startswith(("http://", "https://"))


class SharedPoolAdapter(BoundedHTTPAdapter):
    """An adapter over a urllib3 ``PoolManager`` shared by many sessions (``pool_manager=``).

    Closing one session (a user's ``on_stop`` calling ``self.client.close()``) leaves the shared
    pools open: the other sessions keep their connections.
    """

    def __init__(
        self, pool_manager: Any, max_body_size: int | None = DEFAULT_MAX_BODY_SIZE
    ) -> None:
        super().__init__(max_body_size=max_body_size)
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


def _declared_length(response: requests.Response) -> int:
    """The Content-Length of a streamed response (0 if absent or not a number)."""
    try:
        return int(response.headers.get("content-length") or 0)
    except ValueError:
        return 0


def _path_of(url: str) -> str:
    """Path and query of ``url``: the name a request gets by default (requests' path_url)."""
    parts = urlsplit(url)
    return f"{parts.path or '/'}{'?' + parts.query if parts.query else ''}"


def _without_credentials(url: str) -> str:
    """``url`` with any ``user:pass@`` removed from its network location."""
    if "@" not in url:
        return url
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
