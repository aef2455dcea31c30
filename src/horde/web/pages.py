"""The page, the login form and the vendored chart library."""

from __future__ import annotations

import importlib.util
import os
from typing import Any

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

from horde.web.auth import (
    TOO_MANY,
    check_password,
    log_in,
    log_out,
    wait_before_next_attempt,
)
from horde.web.guard import refuse_get_state_change
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


def web_ui() -> Any:
    return state().environment.web_ui


@pages.get("/")
def index() -> str:
    ui = web_ui()
    if ui is not None:
        ui.update_template_args()
    return render_template("index.html", template_args=ui.template_args if ui else {})


@pages.get("/login")
def login() -> Response | str:
    auth = state().auth
    if not auth.enabled:
        return redirect(url_for("pages.index"))  # type: ignore[return-value]
    if auth.flask_login:
        return render_template(
            "login.html",
            auth_args=dict(getattr(web_ui(), "auth_args", None) or {}),
            error=session.pop("auth_error", None),
            info=session.pop("auth_info", None),
        )
    wait = wait_before_next_attempt()
    error = session.pop("login_error", None)
    return render_template(
        "login.html", auth_args=None, error=TOO_MANY.format(wait) if wait else error, info=None
    )


@pages.post("/login")
def login_post() -> Response | tuple[str, int]:
    auth = state().auth
    target = safe_next(request.args.get("next"))
    if not auth.credentials.enabled:
        return redirect(url_for("pages.login", next=target))  # type: ignore[return-value]
    wait = wait_before_next_attempt()
    if wait:
        page = render_template("login.html", auth_args=None, error=TOO_MANY.format(wait))
        return page, 429
    if check_password(request.form.get("username"), request.form.get("password")):
        log_in(auth.credentials.username)
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


@pages.route("/logout", methods=["GET", "POST"])
def logout() -> Response:
    refused = refuse_get_state_change()
    if refused is not None:
        return refused
    log_out()
    return redirect(url_for("pages.login"))  # type: ignore[return-value]


@pages.get("/static/vendor/plotly.min.js")
def vendor() -> Response:
    return send_file(PLOTLY_JS, mimetype="application/javascript", max_age=86400)
