"""create_app: the Flask application of the web UI (routes live in module-level blueprints).

Every request passes, in this order: the Host check and the cross-site check
(:mod:`horde.web.guard`), then the login check (:mod:`horde.web.auth`). Every response gets the
security headers.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

import flask_login
from flask import Flask, Response, current_app, jsonify
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import HTTPException

from horde._version import __version__
from horde.runners import MasterRunner
from horde.web.api import api
from horde.web.auth import drop_closed_session, open_new_session, require_login
from horde.web.compat import locust
from horde.web.guard import add_security_headers, check_host, check_state_change
from horde.web.locust_ui import extensions
from horde.web.pages import pages
from horde.web.reports import reports
from horde.web.state import WebState
from horde.web.workers import workers

logger = logging.getLogger(__name__)


class _SessionInterface(SecureCookieSessionInterface):
    """Signed cookies with horde's per-process key when the app has none. Locust's web_ui_auth
    example sets ``SECRET_KEY = os.getenv("FLASK_SECRET_KEY")``, which is None unless that
    variable is set: sessions (and so every login) would silently stop working."""

    def get_signing_serializer(self, app: Flask) -> Any:
        if not app.secret_key:
            logger.debug("the app's SECRET_KEY was emptied: using horde's per-process key")
            app.secret_key = app.extensions["horde.secret_key"]
        return super().get_signing_serializer(app)


def create_app(web: WebState, *, secure_cookies: bool = False) -> Flask:
    """The app for one test; ``web.base_path`` (e.g. "/horde") prefixes every route."""
    base = web.base_path
    app = Flask(
        "horde.web",
        static_url_path=f"{base}/static",
        static_folder="static",
        template_folder="templates",
    )
    key = secrets.token_bytes(32)
    app.config.update(
        SECRET_KEY=key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure_cookies,
        SESSION_COOKIE_NAME="horde_session",
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    app.session_interface = _SessionInterface()
    if isinstance(app.json, DefaultJSONProvider):
        app.json.sort_keys = False  # keep the documents' own order, and skip the sorting work
    app.extensions["horde"] = web
    app.extensions["horde.secret_key"] = key
    for hook in (check_host, check_state_change, drop_closed_session, require_login):
        app.before_request(hook)
    app.after_request(open_new_session)
    app.after_request(add_security_headers)
    for blueprint in (pages, api, locust, reports, workers):
        app.register_blueprint(blueprint, url_prefix=base or None)
    app.register_error_handler(HTTPException, _http_error)
    app.context_processor(_template_globals)
    return app


def login_manager_for(app: Flask) -> flask_login.LoginManager:
    """Locust's ``web_ui.login_manager`` (``--web-login`` without a value): the locustfile
    gives it a ``user_loader``; not logged in, Flask-Login's own checks send to the login page."""
    manager = flask_login.LoginManager()
    manager.init_app(app)
    manager.login_view = "locust.login"
    return manager


def _template_globals() -> dict[str, Any]:
    web: WebState = current_app.extensions["horde"]
    return {
        "base_path": web.base_path,
        "csrf_token": web.csrf_token,
        "version": __version__,
        "login": web.auth.enabled,
        "locustfile": web.environment.locustfile or "",
        "extensions": extensions,
        "distributed": isinstance(web.environment.runner, MasterRunner),
    }


def _http_error(exc: HTTPException) -> Response:
    response = jsonify({"error": exc.description or exc.name})
    response.status_code = exc.code or 500
    return response
