"""Login for the web UI (``--web-login user:password``).

A browser logs in through a form and gets a session cookie (HttpOnly, SameSite=Lax, Secure over
TLS); scripts may send HTTP Basic credentials instead. When a login is set, every route except
the login page and static assets needs one of the two; the credentials never appear in URLs or
logs. ``auth_required_if_enabled`` is kept for Locust-style custom routes (they are protected by
the global check anyway).
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response, current_app, jsonify, redirect, request, session, url_for

from horde.exceptions import ConfigError

F = TypeVar("F", bound=Callable[..., Any])
PUBLIC_ENDPOINTS = {"pages.login", "pages.login_post", "static", "pages.vendor"}


class Credentials:
    """One user name and password, compared in constant time."""

    def __init__(self, spec: str | None) -> None:
        self.username = ""
        self.password = ""
        if spec:
            user, sep, password = spec.partition(":")
            if not sep or not user or not password:
                raise ConfigError("--web-login must look like USER:PASSWORD")
            self.username, self.password = user, password

    @property
    def enabled(self) -> bool:
        return bool(self.username)

    def check(self, username: str | None, password: str | None) -> bool:
        if not self.enabled:
            return True
        return hmac.compare_digest((username or "").encode(), self.username.encode()) & (
            hmac.compare_digest((password or "").encode(), self.password.encode())
        )


def credentials() -> Credentials:
    found: Credentials = current_app.extensions["horde"].credentials
    return found


def authorized() -> bool:
    creds = credentials()
    if not creds.enabled or session.get("user") == creds.username:
        return True
    basic = request.authorization
    return basic is not None and creds.check(basic.username, basic.password)


def require_login() -> Response | None:
    """``before_request`` hook: refuse (or send to the login page) when not logged in."""
    if request.endpoint in PUBLIC_ENDPOINTS or authorized():
        return None
    wants_html = request.method == "GET" and "text/html" in request.headers.get("Accept", "")
    if wants_html:
        return redirect(url_for("pages.login", next=request.path))  # type: ignore[return-value]
    response = jsonify({"error": "login required"})
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Basic realm="horde"'
    return response


def auth_required_if_enabled(view: F) -> F:
    """Decorator for custom routes: a login is required when ``--web-login`` is set."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        refused = require_login()
        return refused if refused is not None else view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
