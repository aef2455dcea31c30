"""create_app: the Flask application of the web UI (routes live in module-level blueprints)."""

from __future__ import annotations

import secrets

from flask import Flask, Response, current_app, jsonify
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException

from horde.web.api import api
from horde.web.auth import require_login
from horde.web.compat import locust
from horde.web.pages import pages
from horde.web.reports import reports
from horde.web.state import WebState


def create_app(web: WebState, *, base_path: str = "", secure_cookies: bool = False) -> Flask:
    """The app for one test; ``base_path`` (e.g. "/horde") prefixes every route."""
    base = base_path.rstrip("/")
    app = Flask(
        "horde.web",
        static_url_path=f"{base}/static",
        static_folder="static",
        template_folder="templates",
    )
    app.config.update(
        SECRET_KEY=secrets.token_bytes(32),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure_cookies,
        SESSION_COOKIE_NAME="horde_session",
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    if isinstance(app.json, DefaultJSONProvider):
        app.json.sort_keys = False  # keep the documents' own order, and skip the sorting work
    app.extensions["horde"] = web
    app.before_request(require_login)
    for blueprint in (pages, api, locust, reports):
        app.register_blueprint(blueprint, url_prefix=base or None)
    app.register_error_handler(HTTPException, _http_error)
    app.config["HORDE_BASE_PATH"] = base
    app.context_processor(_template_globals)
    return app


def _template_globals() -> dict[str, str]:
    return {"base_path": current_app.config["HORDE_BASE_PATH"]}


def _http_error(exc: HTTPException) -> Response:
    response = jsonify({"error": exc.description or exc.name})
    response.status_code = exc.code or 500
    return response
