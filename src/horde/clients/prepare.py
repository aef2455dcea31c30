"""requests' request preparation, with the per-request work a load test repeats taken out.

``HttpSession.prepare_request`` builds a :class:`PreparedRequest`, which remembers prepared URLs
and validated headers, and merges settings with :func:`merge` and :func:`merge_hooks` (what
requests' ``merge_setting``/``merge_hooks`` do, with a plain Mapping check).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from http import cookiejar as cookielib
from typing import Any

import requests
from requests.structures import CaseInsensitiveDict
from requests.utils import check_header_validity, to_native_string

_URL_CACHE: dict[str, str] = {}
_URL_CACHE_SIZE = 4096


_VALID_HEADERS: set[tuple[Any, Any]] = set()
"""(name, value) pairs requests' header check has passed (validity depends on nothing else)."""
_VALID_HEADERS_MAX = 4096


class PreparedRequest(requests.PreparedRequest):
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


def merge(request_setting: Any, session_setting: Any, dict_class: type = OrderedDict) -> Any:
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


def merge_hooks(request_hooks: Any, session_hooks: Any) -> Any:
    """``requests.sessions.merge_hooks``."""
    if session_hooks is None or session_hooks.get("response") == []:
        return request_hooks
    if request_hooks is None or request_hooks.get("response") == []:
        return session_hooks
    return merge(request_hooks, session_hooks)
