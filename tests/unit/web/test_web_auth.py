"""``--web-login user:password``: every route but the login page and static files is refused
without a session cookie or HTTP Basic credentials; the password never shows in URLs or logs."""

from __future__ import annotations

import base64
import logging
import re
from typing import Any

import pytest
from flask import Response
from flask.testing import FlaskClient
from web_kit import SPEC, MakeWeb, Shop, Web, check

from horde.exceptions import ConfigError
from horde.web.auth import PUBLIC_ENDPOINTS, Credentials

pytest_plugins = ["web_fixtures"]

PASSWORD = "s3cret-Pa55:word"  # noqa: S105 - a test password, with a colon in it
LOGIN = f"alice:{PASSWORD}"
HTML = {"Accept": "text/html,application/xhtml+xml"}


@pytest.fixture
def web(make_web: MakeWeb) -> Web:
    return make_web(Shop, web_login=LOGIN)


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def log_in(client: FlaskClient, password: str = PASSWORD, next_: str | None = None) -> Any:
    url = "/login" if next_ is None else f"/login?next={next_}"
    return client.post(url, data={"username": "alice", "password": password})


def protected_operations(web: Web) -> list[tuple[str, str]]:
    found = []
    for rule in web.ui.app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        path = re.sub(r"<[^>]+>", "x", rule.rule)
        found += [(path, m) for m in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})]
    return found


def test_every_protected_route_answers_401_json_without_credentials(web: Web) -> None:
    operations = protected_operations(web)
    assert len(operations) >= 25
    for path, method in operations:
        response = web.client.open(path, method=method, json={"user_count": 1})
        assert response.status_code == 401, f"{method} {path}"
        assert response.get_json() == {"error": "login required"}
        assert response.headers["WWW-Authenticate"] == 'Basic realm="horde"'
        if path in SPEC["paths"]:
            check(response, path, method)
    assert web.runner.state == "ready", "nothing was started"


def test_a_browser_is_sent_to_the_login_page(web: Web) -> None:
    response = web.client.get("/", headers=HTML)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/"
    page = web.client.get("/login")
    assert page.status_code == 200
    assert 'name="password"' in page.get_data(as_text=True)


def test_static_files_and_the_login_page_are_public(web: Web) -> None:
    with web.client.get("/static/openapi.json") as spec:
        assert spec.status_code == 200
    with web.client.get("/static/vendor/plotly.min.js") as plotly:
        assert plotly.status_code == 200
        assert plotly.mimetype == "application/javascript"
    assert web.client.get("/login").status_code == 200


def test_logging_in_sets_an_httponly_samesite_session_cookie(web: Web) -> None:
    response = log_in(web.client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("horde_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie
    assert PASSWORD not in cookie
    check(web.client.get("/api/v1/status"), "/api/v1/status")
    assert web.client.get("/", headers=HTML).status_code == 200


def test_over_tls_the_cookie_is_secure(make_web: MakeWeb) -> None:
    web = make_web(Shop, web_login=LOGIN, tls_cert="cert.pem", tls_key="key.pem")
    client = web.ui.app.test_client()
    response = client.post(
        "/login", data={"username": "alice", "password": PASSWORD}, base_url="https://localhost"
    )
    assert "Secure" in response.headers["Set-Cookie"]


@pytest.mark.parametrize(
    ("user", "password"),
    [("alice", "wrong"), ("bob", PASSWORD), ("alice", ""), ("", ""), ("alice", PASSWORD + "x")],
)
def test_wrong_credentials_are_refused(web: Web, user: str, password: str) -> None:
    response = web.client.post("/login", data={"username": user, "password": password})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert web.client.get("/api/v1/status").status_code == 401
    assert "wrong user name or password" in web.client.get("/login").get_data(as_text=True)
    assert web.client.get("/api/v1/status", headers=basic(user, password)).status_code == 401


def test_a_failed_login_keeps_where_to_go_next(web: Web) -> None:
    response = log_in(web.client, "wrong", next_="/api/v1/form")
    assert response.headers["Location"] == "/login?next=/api/v1/form"
    assert log_in(web.client, next_="/api/v1/form").headers["Location"] == "/api/v1/form"


def test_http_basic_credentials_work_for_scripts(web: Web) -> None:
    status = check(
        web.client.get("/api/v1/status", headers=basic("alice", PASSWORD)), "/api/v1/status"
    )
    assert status["state"] == "ready"
    started = web.client.post("/swarm", data={"user_count": "0"}, headers=basic("alice", PASSWORD))
    assert started.get_json()["success"] is True
    assert "Set-Cookie" not in started.headers, "Basic auth needs no session"


def test_logout_ends_the_session(web: Web) -> None:
    log_in(web.client)
    assert web.client.get("/api/v1/status").status_code == 200
    response = web.client.get("/logout")
    assert (response.status_code, response.headers["Location"]) == (302, "/login")
    assert web.client.get("/api/v1/status").status_code == 401


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example/",
        "/%09/evil.example/",
        "%2F%2Fevil.example",
        "evil.example",
        "javascript:alert(1)",
    ],
)
def test_next_cannot_leave_the_site(web: Web, target: str) -> None:
    response = log_in(web.client, next_=target)
    assert response.headers["Location"] == "/"


def test_next_may_go_anywhere_on_the_site(web: Web) -> None:
    response = log_in(web.client, next_="/api/v1/stats%3Fx%3D1")
    assert response.headers["Location"] == "/api/v1/stats?x=1"


def test_under_a_base_path_the_login_flow_stays_under_it(make_web: MakeWeb) -> None:
    web = make_web(Shop, web_login=LOGIN, web_base_path="/horde")
    first = web.client.get("/horde/", headers=HTML)
    assert first.headers["Location"] == "/horde/login?next=/horde/"
    assert (
        web.client.post(
            "/horde/login?next=/horde/", data={"username": "alice", "password": "x"}
        ).headers["Location"]
        == "/horde/login?next=/horde/"
    )
    done = web.client.post(
        "/horde/login?next=/horde/", data={"username": "alice", "password": PASSWORD}
    )
    assert done.headers["Location"] == "/horde/"
    assert web.client.get("/horde/api/v1/status").status_code == 200


def test_the_password_is_never_in_urls_or_logs(web: Web, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    web.ui.logs.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(web.ui.logs)
    try:
        responses = [
            web.client.get("/", headers=HTML),
            log_in(web.client, "wrong", next_="/"),
            web.client.get("/login"),
            log_in(web.client, next_="/"),
            web.client.get("/api/v1/status", headers=basic("alice", PASSWORD)),
            web.client.get("/api/v1/form"),
            web.client.get("/api/v1/snapshot"),
            web.client.get("/logout"),
        ]
    finally:
        logging.getLogger().removeHandler(web.ui.logs)
    for response in responses:
        assert PASSWORD not in response.headers.get("Location", "")
        assert PASSWORD not in response.get_data(as_text=True)
    assert PASSWORD not in caplog.text
    assert PASSWORD not in str(web.ui.logs.since(0))


def add_custom_routes(environment: Any, **_: Any) -> None:
    """An ``init`` listener adding routes as Locust's documentation shows."""
    web_ui = environment.web_ui
    if not web_ui:
        return

    @web_ui.app.route("/my-report")
    @web_ui.auth_required_if_enabled
    def my_report() -> Response:
        return Response("report", mimetype="text/plain")

    @web_ui.app.route("/my-undecorated")
    def my_undecorated() -> str:
        return "plain"


def with_custom_routes(web: Web) -> Web:
    web.env.events.init.add_listener(add_custom_routes)
    web.env.events.init.fire(environment=web.env, runner=web.runner, web_ui=web.ui)
    return web


def test_custom_routes_are_protected(web: Web) -> None:
    with_custom_routes(web)
    for path in ("/my-report", "/my-undecorated"):
        assert web.client.get(path).status_code == 401
        assert web.client.get(path, headers=basic("alice", PASSWORD)).status_code == 200
    log_in(web.client)
    assert web.client.get("/my-report").get_data(as_text=True) == "report"


def test_without_a_login_custom_routes_are_open(make_web: MakeWeb) -> None:
    web = with_custom_routes(make_web(Shop))
    assert web.client.get("/my-report").get_data(as_text=True) == "report"
    assert web.client.get("/api/v1/status").status_code == 200


@pytest.mark.parametrize("spec", ["alice", "alice:", ":pw", ":"])
def test_a_malformed_login_is_a_config_error_that_does_not_echo_it(spec: str) -> None:
    with pytest.raises(ConfigError, match="--web-login must look like USER:PASSWORD") as caught:
        Credentials(spec)
    assert spec not in str(caught.value) or spec == ":"


def test_the_password_may_contain_colons() -> None:
    creds = Credentials(LOGIN)
    assert (creds.username, creds.password) == ("alice", PASSWORD)
    assert creds.check("alice", PASSWORD)
    assert not creds.check("alice", PASSWORD[:-1])
    assert Credentials(None).check(None, None), "no login set: everyone is in"
