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
from collections.abc import Mapping
from http import cookiejar as cookielib
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import requests
from gevent import GreenletExit
from requests.adapters import HTTPAdapter
from requests.auth import HTTPBasicAuth
from requests.cookies import RequestsCookieJar, cookiejar_from_dict, merge_cookies
from requests.exceptions import (
    InvalidSchema,
    InvalidURL,
    MissingSchema,
    RequestException,
)
from requests.structures import CaseInsensitiveDict
from requests.utils import check_header_validity, get_netrc_auth, to_native_string

from horde.clients.errors import CANCELLED, ConnectionFailure, describe_error
from horde.clients.fast.adapter import FastAdapter
from horde.clients.grouping import url_grouper
from horde.clients.jar import LocalJar
from horde.clients.naming import RequestNaming
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
    """

    def __init__(
        self,
        base_url: str,
        request_event: RequestEventHook,
        user: Any = None,
        *args: Any,
        pool_manager: Any = None,
        fast_transport: bool = True,
        **kwargs: Any,
    ) -> None:
        adapter: HTTPAdapter | FastAdapter | None = None
        if pool_manager is not None:
            adapter = SharedPoolAdapter(pool_manager)
        elif fast_transport:
            adapter = FastAdapter()
        if adapter is None or args or kwargs:
            super().__init__(*args, **kwargs)
        else:
            _init_without_adapters(self)
        self.request_event = request_event
        self.user = user
        self._tracked = user if callable(getattr(user, "_begin_request", None)) else None
        """The user told about each request in flight (so a stop lets it finish)."""
        self.request_name: str | None = None
        self.group_url = url_grouper(user)
        self.trust_env = False
        self.base_url = self._take_credentials(base_url)
        if adapter is not None:
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
        user = self._tracked
        if user is not None:
            user._begin_request()  # a halting user sends nothing more (GreenletExit)
        start_time = time.time()
        start = time.perf_counter()
        try:
            response = self._send(method, full_url, **kwargs)
        except GreenletExit:
            self._cancelled(method, name or self.request_name or url, start, start_time, full_url)
            raise
        finally:
            if user is not None:
                user._end_request()
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
        prepared = _PreparedRequest()
        prepared.prepare(
            method=str(request.method).upper(),
            url=request.url,
            files=request.files,
            data=request.data,
            json=request.json,
            headers=_merge(request.headers, self.headers, CaseInsensitiveDict),
            params=_merge(request.params, self.params),
            auth=_merge(auth, self.auth),
            cookies=merged_cookies,
            hooks=_merge_hooks(request.hooks, self.hooks),
        )
        return prepared

    def merge_environment_settings(
        self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> Any:
        if self.trust_env:
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        return {
            "proxies": _merge(proxies, self.proxies),
            "stream": _merge(stream, self.stream),
            "verify": _merge(verify, self.verify),
            "cert": _merge(cert, self.cert),
        }

    def _cancelled(
        self, method: str, label: str, start: float, start_time: float, url: str
    ) -> None:
        """The user was stopped while this request was on the wire: it may have reached the
        target, so it is recorded, as failed."""
        self.request_event.report(
            method.upper(),
            label,
            (time.perf_counter() - start) * 1000.0,
            0,
            context=self._context(None),
            exception=CANCELLED,
            start_time=start_time,
            url=url,
        )

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


_URL_CACHE: dict[str, str] = {}
_URL_CACHE_SIZE = 4096


_VALID_HEADERS: set[tuple[Any, Any]] = set()
"""(name, value) pairs requests' header check has passed (validity depends on nothing else)."""
_VALID_HEADERS_MAX = 4096


class _PreparedRequest(requests.PreparedRequest):
    """Remembers prepared URLs and valid headers: ``prepare_url`` is a pure function of the URL
    when there are no params, a header's validity a pure function of its name and value, and
    the same few of each are prepared over and over in a load test."""

    def prepare_url(self, url: Any, params: Any) -> None:
        if params or not isinstance(url, str):
            super().prepare_url(url, params)
            return
        prepared = _URL_CACHE.get(url)
        if prepared is not None:
            self.url = prepared
            return
        super().prepare_url(url, params)
        if len(_URL_CACHE) >= _URL_CACHE_SIZE:
            _URL_CACHE.clear()
        _URL_CACHE[url] = str(self.url)

    def prepare_headers(self, headers: Any) -> None:
        """requests' version, validating each distinct (name, value) pair once per process
        instead of with two regular expressions per header per request."""
        self.headers = CaseInsensitiveDict()
        if not headers:
            return
        valid = _VALID_HEADERS
        for header in headers.items():
            try:
                known = header in valid
            except TypeError:  # an unhashable value: requests' check says what is wrong
                known = False
            if not known:
                check_header_validity(header)
                if len(valid) >= _VALID_HEADERS_MAX:
                    valid.clear()
                valid.add(header)
            name, value = header
            self.headers[to_native_string(name)] = value  # type: ignore[no-untyped-call]

    def prepare_cookies(self, cookies: Any) -> None:
        if isinstance(cookies, cookielib.CookieJar) and not len(cookies):
            self._cookies = cookies  # an empty jar adds no Cookie header
            return
        super().prepare_cookies(cookies)

    def prepare_auth(self, auth: Any, url: str = "") -> None:
        if auth is None and "@" not in str(self.url):
            return  # no credentials given and none in the URL: nothing to add
        super().prepare_auth(auth, url)


def _merge(request_setting: Any, session_setting: Any, dict_class: type = OrderedDict) -> Any:
    """``requests.sessions.merge_setting``: request values over session values, None removes."""
    if session_setting is None:
        return request_setting
    if request_setting is None:
        return session_setting
    if not (isinstance(session_setting, Mapping) and isinstance(request_setting, Mapping)):
        return request_setting
    if not session_setting and not request_setting:
        return dict_class()
    merged = dict_class(list(session_setting.items()))
    merged.update(list(request_setting.items()))
    for key in [k for k, v in merged.items() if v is None]:
        del merged[key]
    return merged


def _merge_hooks(request_hooks: Any, session_hooks: Any) -> Any:
    """``requests.sessions.merge_hooks``."""
    if session_hooks is None or session_hooks.get("response") == []:
        return request_hooks
    if request_hooks is None or request_hooks.get("response") == []:
        return session_hooks
    return _merge(request_hooks, session_hooks)


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
