"""The page, the login form and the vendored chart library."""

from __future__ import annotations

import importlib.util
import os

from flask import (
    Blueprint,
    Response,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)

from horde._version import __version__
from horde.web.auth import credentials
from horde.web.state import state

pages = Blueprint("pages", __name__)


def _plotly_js() -> str:
    """plotly.js as shipped inside the ``plotly`` Python package (found without importing it)."""
    spec = importlib.util.find_spec("plotly")
    folders = list(spec.submodule_search_locations or []) if spec else []
    if not folders:
        return ""
    return os.path.join(folders[0], "package_data", "plotly.min.js")


PLOTLY_JS = _plotly_js()


@pages.get("/")
def index() -> str:
    web = state()
    return render_template(
        "index.html",
        version=__version__,
        login=credentials().enabled,
        locustfile=web.environment.locustfile or "",
    )


@pages.get("/login")
def login() -> str:
    return render_template(
        "login.html", error=session.pop("login_error", None), version=__version__
    )


@pages.post("/login")
def login_post() -> Response:
    creds = credentials()
    target = safe_next(request.args.get("next"))
    if creds.check(request.form.get("username"), request.form.get("password")):
        session.clear()
        session["user"] = creds.username
        return redirect(target or url_for("pages.index"))  # type: ignore[return-value]
    session["login_error"] = "wrong user name or password"
    return redirect(url_for("pages.login", next=target))  # type: ignore[return-value]


def safe_next(target: str | None) -> str | None:
    """Where to go after logging in: a path on this site, or None. Never another site: not
    ``//host``, nor ``/\\host`` or ``/<tab>/host`` (which browsers read as ``//host``)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return None
    return target


@pages.get("/logout")
def logout() -> Response:
    session.clear()
    return redirect(url_for("pages.login"))  # type: ignore[return-value]


@pages.get("/static/vendor/plotly.min.js")
def vendor() -> Response:
    return send_file(PLOTLY_JS, mimetype="application/javascript", max_age=86400)
