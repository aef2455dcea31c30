"""Login for the web UI (the kinds of login are described in :mod:`horde.web.auth_state`).

With ``--web-login USER:PASSWORD`` a browser logs in through a form and gets a session cookie
(HttpOnly, SameSite=Lax, Secure over TLS); scripts may send HTTP Basic credentials instead.
Every route except the login page and static assets needs one of the two. Wrong attempts are
throttled per client address (``LoginThrottle``), a session ends on the server when its user
logs out (``SessionRegistry``), and the credentials never appear in URLs or logs.

With Locust's ``--web-login`` (no value), Flask-Login's ``current_user`` decides. horde's own
routes need a logged-in user; a locustfile's routes are public unless decorated with
``web_ui.auth_required_if_enabled`` (as in Locust, so that its login routes can be reached).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any, TypeVar

import flask_login
from flask import Response, jsonify, redirect, request, session, url_for

from horde.web.auth_state import Credentials
from horde.web.guard import HORDE_BLUEPRINTS, refuse
from horde.web.state import state

__all__ = ["PUBLIC_ENDPOINTS", "Credentials", "auth_required_if_enabled", "require_login"]

F = TypeVar("F", bound=Callable[..., Any])
PUBLIC_ENDPOINTS = {
    "pages.login",
    "pages.login_post",
    "static",
    "pages.vendor",
    "locust.login",
}
SESSION_ID = "horde_sid"
FLASK_LOGIN_KEYS = ("_user_id", "_fresh", "_id", SESSION_ID)
TOO_MANY = "too many wrong attempts from your address: try again in {} s"


def has_session() -> bool:
    """This request carries the cookie of a session that is still open."""
    auth = state().auth
    if not auth.sessions.valid(session.get(SESSION_ID)):
        return False
    if auth.flask_login:
        return bool(flask_login.current_user.is_authenticated)
    return session.get("user") == auth.credentials.username


def drop_closed_session() -> None:
    """``before_request``: forget a Flask-Login session this process has closed (logged out)
    or never opened, before Flask-Login reads it; a replayed cookie logs nobody in."""
    auth = state().auth
    if (
        auth.flask_login
        and "_user_id" in session
        and not auth.sessions.valid(session.get(SESSION_ID))
    ):
        for key in FLASK_LOGIN_KEYS:
            session.pop(key, None)


def open_new_session(response: Response) -> Response:
    """``after_request``: a Flask-Login ``login_user`` in this request (the locustfile's login
    route) gets a session id, so that logging out can end it."""
    auth = state().auth
    if (
        auth.flask_login
        and "_user_id" in session
        and not auth.sessions.valid(session.get(SESSION_ID))
    ):
        session[SESSION_ID] = auth.sessions.open()
    return response


def log_in(username: str) -> None:
    """Start a session of horde's own login (the form checked the password)."""
    session.clear()
    session["user"] = username
    session[SESSION_ID] = state().auth.sessions.open()


def log_out() -> None:
    state().auth.sessions.close(session.get(SESSION_ID))
    if state().auth.flask_login:
        flask_login.logout_user()
    session.clear()


def wait_before_next_attempt() -> int:
    """Whole seconds this client must wait before its next login attempt (0: it may try)."""
    return math.ceil(state().auth.throttle.retry_after(request.remote_addr))


def check_password(username: str | None, password: str | None) -> bool:
    """Check a login and count it for the client's throttle (call only when it may try)."""
    auth = state().auth
    if auth.credentials.check(username, password):
        auth.throttle.succeeded(request.remote_addr)
        return True
    auth.throttle.failed(request.remote_addr)
    return False


def require_login() -> Response | None:
    """``before_request`` hook: refuse (or send to the login page) when not logged in."""
    if request.endpoint in PUBLIC_ENDPOINTS or not state().auth.enabled:
        return None
    if state().auth.flask_login and request.blueprint not in HORDE_BLUEPRINTS:
        return None  # a locustfile's route: protected only with auth_required_if_enabled
    return refuse_unless_logged_in()


def refuse_unless_logged_in() -> Response | None:
    auth = state().auth
    if not auth.enabled or has_session():
        return None
    basic = request.authorization
    if auth.credentials.enabled and basic is not None:
        wait = wait_before_next_attempt()
        if wait:
            response = refuse(TOO_MANY.format(wait), 429)
            response.headers["Retry-After"] = str(wait)
            return response
        if check_password(basic.username, basic.password):
            return None
    return _login_required()


def _login_required() -> Response:
    wants_html = request.method == "GET" and "text/html" in request.headers.get("Accept", "")
    if wants_html:
        return redirect(url_for("pages.login", next=request.path))  # type: ignore[return-value]
    response = jsonify({"error": "login required"})
    response.status_code = 401
    if state().auth.credentials.enabled:
        response.headers["WWW-Authenticate"] = 'Basic realm="horde"'
    return response


def auth_required_if_enabled(view: F) -> F:
    """Decorator for custom routes: a login is required when ``--web-login`` is set."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        refused = refuse_unless_logged_in()
        return refused if refused is not None else view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
