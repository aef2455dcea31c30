"""Locust's web UI examples run unchanged (issue 8): ``examples/web_ui_auth`` (``--web-login``
without a value and a Flask-Login ``user_loader``) and ``examples/extend_web_ui.py`` (a
blueprint, an ``after_request`` hook and ``template_args``). The files are copies, with their
MIT licence notice, in ``locustfiles/locust_web_examples``; the browser versions of these tests
are in tests/browser/test_browser_locust_examples.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests
from web_proc import WAIT, Served, poll_until, serving

pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).resolve().parent / "locustfiles" / "locust_web_examples"
BASIC = EXAMPLES / "web_ui_auth" / "basic.py"
CUSTOM_FORM = EXAMPLES / "web_ui_auth" / "custom_form.py"
EXTEND = EXAMPLES / "extend_web_ui.py"
HTML = {"Accept": "text/html"}
SECRET = {"FLASK_SECRET_KEY": "a-test-secret-key-for-flask-sessions"}


def login_page(ui: Served, session: requests.Session) -> str:
    first = session.get(ui.url, headers=HTML, allow_redirects=False, timeout=WAIT)
    assert first.status_code == 302
    assert first.headers["Location"].endswith("/login?next=/")
    page = session.get(ui.url + "login", timeout=WAIT)
    assert page.status_code == 200
    return page.text


def test_web_ui_auth_basic_logs_in_through_the_locustfiles_callback(
    tmp_path: Path, demo_target: str
) -> None:
    args = ["-f", str(BASIC), "-H", demo_target, "--web-login"]
    with serving(args, tmp_path, env=SECRET) as ui:
        session = requests.Session()
        page = login_page(ui, session)
        assert 'action="/login_submit"' in page
        assert 'href="/login/github"' in page
        assert "Github" in page
        assert session.get(ui.url + "api/v1/status", timeout=WAIT).status_code == 401

        refused = session.post(
            ui.url + "login_submit", data={"username": "ann", "password": ""}, timeout=WAIT
        )
        assert "Invalid username or password" in refused.text
        done = session.post(
            ui.url + "login_submit",
            data={"username": "ann", "password": "pw"},
            allow_redirects=False,
            timeout=WAIT,
        )
        assert (done.status_code, done.headers["Location"]) == (302, "/")
        assert session.get(ui.url + "api/v1/status", timeout=WAIT).json()["state"] == "ready"
        stolen = dict(session.cookies)

        session.post(ui.url + "logout", timeout=WAIT)
        assert session.get(ui.url + "api/v1/status", timeout=WAIT).status_code == 401
        replay = requests.get(ui.url + "api/v1/status", cookies=stolen, timeout=WAIT)
        assert replay.status_code == 401, "logging out ends the session on the server"


def test_web_ui_auth_works_without_flask_secret_key(tmp_path: Path, demo_target: str) -> None:
    """The example sets SECRET_KEY = os.getenv("FLASK_SECRET_KEY"): None when unset."""
    with serving(["-f", str(BASIC), "-H", demo_target, "--web-login"], tmp_path) as ui:
        session = requests.Session()
        login_page(ui, session)
        session.post(ui.url + "login_submit", data={"username": "a", "password": "b"}, timeout=WAIT)
        assert session.get(ui.url + "api/v1/status", timeout=WAIT).status_code == 200


def test_web_ui_auth_custom_form(tmp_path: Path, demo_target: str) -> None:
    args = ["-f", str(CUSTOM_FORM), "-H", demo_target, "--web-login"]
    with serving(args, tmp_path, env=SECRET) as ui:
        session = requests.Session()
        page = login_page(ui, session)
        assert re.search(r'<input id="f-1" name="username" type="email" value="" required>', page)
        assert 'name="is_admin" type="checkbox"' in page
        assert "<option>developer</option>" in page
        assert "<option>manager</option>" in page
        assert page.count('type="password"') == 2
        assert ">Submit</button>" in page

        form = {"username": "a@example.com", "password": "x", "confirm_password": "y"}
        mismatch = session.post(ui.url + "login_submit", data=form, timeout=WAIT)
        assert "Passwords do not match!" in mismatch.text
        form["confirm_password"] = "x"  # noqa: S105 - a test password
        session.post(ui.url + "login_submit", data={**form, "is_admin": "on"}, timeout=WAIT)
        assert session.get(ui.url + "api/v1/status", timeout=WAIT).status_code == 200


def extended_rows(ui: Served) -> list[dict[str, object]]:
    document = ui.get("/stats/requests").json()
    [extended] = document.get("extended_stats") or [{"data": []}]
    rows: list[dict[str, object]] = extended["data"]
    return rows


def test_extend_web_ui_adds_its_tab_its_stats_and_its_csv(tmp_path: Path, demo_target: str) -> None:
    args = ["-f", str(EXTEND), "-H", demo_target, "--autostart", "-u", "2", "-r", "2"]
    with serving(args, tmp_path) as ui:
        poll_until(lambda: extended_rows(ui), "content-length statistics", ui.proc)
        assert {"name", "content_length"} <= set(extended_rows(ui)[0])

        page = ui.get("/extend", headers=HTML)
        assert page.status_code == 200
        assert re.search(r'role="tab"[^>]*data-tab="ext-1">Content Length</button>', page.text)
        assert 'data-extension-key="content-length"' in page.text
        assert '<th scope="col" data-key="content_length">Total content length</th>' in page.text
        assert 'href="/content-length/csv">Download content length statistics CSV</a>' in page.text

        csv = ui.get("/content-length/csv")
        assert csv.status_code == 200
        assert csv.text.splitlines()[0] == '"Name","Total content-length"'
        assert ui.post("/stats/reset").text == "ok"
