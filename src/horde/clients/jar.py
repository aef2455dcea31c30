"""A cookie jar for one request or one response, without a lock or a policy of its own.

requests makes a ``RequestsCookieJar`` for every request (the session's cookies merged with the
request's) and another for every response. Each makes an ``RLock``, which under gevent is a
Python object with a semaphore inside, and a ``DefaultCookiePolicy``: together about a tenth of
HttpUser's CPU per request at 10,000 users. These jars live inside one greenlet's request (a
redirect adds to the request's; a user may keep a response's and read it later), and cookie
code never yields to another greenlet, so they need no lock; they share one default policy,
whose only state is the time of its last use.
"""

from __future__ import annotations

import datetime
from http import cookiejar as cookielib
from typing import Any

import requests
from requests.cookies import RequestsCookieJar
from requests.structures import CaseInsensitiveDict


class _NoLock:
    """Stands in for a jar's RLock."""

    def acquire(self, *args: Any, **kwargs: Any) -> bool:
        return True

    def release(self) -> None:
        """Nothing to release."""


_NO_LOCK = _NoLock()
_POLICY = cookielib.DefaultCookiePolicy()


class LocalJar(RequestsCookieJar):
    """``RequestsCookieJar()`` with a stand-in lock and the shared default policy.

    Pickled and unpickled, or copied, it becomes an ordinary ``RequestsCookieJar``'s equal.
    """

    def __init__(self) -> None:  # deliberately not CookieJar.__init__ (see the module doc)
        self._policy = _POLICY
        self._cookies_lock = _NO_LOCK
        self._cookies: dict[str, Any] = {}


def new_response() -> requests.Response:
    """``requests.Response()`` with a :class:`LocalJar` for its cookies.

    A test compares its attributes with a real ``requests.Response()``, so a requests release
    that adds one is noticed.
    """
    response = requests.Response.__new__(requests.Response)
    response._content = False  # type: ignore[assignment]
    response._content_consumed = False  # type: ignore[attr-defined]
    response._next = None  # type: ignore[attr-defined]
    response.status_code = None  # type: ignore[assignment]
    response.headers = CaseInsensitiveDict()
    response.raw = None
    response.url = None  # type: ignore[assignment]
    response.encoding = None
    response.history = []
    response.reason = None  # type: ignore[assignment]
    response.cookies = LocalJar()
    response.elapsed = datetime.timedelta(0)
    response.request = None  # type: ignore[assignment]
    return response
