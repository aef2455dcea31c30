"""Cross-site requests cannot change anything (issue 13, items 13 and 14).

A browser marks where a request comes from (``Origin``, ``Sec-Fetch-Site``); scripts send
neither. State changes from another origin are refused on every route, a browser on the UI's own
origin must also send the page's CSRF token, and the GET routes Locust scripts used to stop or
reset a test change nothing when a login is set or when a browser sends them from elsewhere.
The real browser version of these attacks is tests/browser/test_browser_csrf.py.
"""

from __future__ import annotations

import base64
import re

import pytest
from flask import Response
from web_kit import MakeWeb, Shop, Web, check

from horde.runners import STATE_INIT, STATE_RUNNING, STATE_STOPPED

pytest_plugins = ["web_fixtures"]

OWN = "http://localhost"
"""The origin of the Flask test client's requests (Host: localhost)."""
ELSEWHERE = [
    {"Origin": "http://127.0.0.1:9999"},
    {"Origin": "http://localhost:9999"},
    {"Origin": "http://localhost:8089"},
    {"Origin": "http://evil.example"},
    {"Origin": "null"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Sec-Fetch-Site": "cross-site", "Origin": OWN},
]
START = {"user_count": "2", "spawn_rate": "100", "host": "http://127.0.0.1:9"}


def token_of(web: Web) -> str:
    """The CSRF token as the page carries it (a meta tag the page's scripts read)."""
    page = web.client.get("/").get_data(as_text=True)
    found = re.search(r'<meta name="csrf-token" content="([^"]+)">', page)
    assert found, "the page carries no CSRF token"
    return found.group(1)


def state_changing_routes(web: Web) -> list[tuple[str, str]]:
    """Every (method, path) of the app that is not GET/HEAD/OPTIONS."""
    found = []
    for rule in web.ui.app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"GET", "HEAD", "OPTIONS"}):
            found.append((method, re.sub(r"<[^>]+>", "x", rule.rule)))
    return found


@pytest.mark.parametrize(
    "headers", ELSEWHERE, ids=lambda h: "+".join(f"{k}={v}" for k, v in h.items())
)
def test_a_state_change_from_another_origin_is_refused_on_every_route(
    web: Web, headers: dict[str, str]
) -> None:
    routes = state_changing_routes(web)
    assert {("POST", "/swarm"), ("POST", "/api/v1/run"), ("POST", "/api/v1/stop")} <= set(routes)
    assert len(routes) >= 8
    host_before = web.env.host
    for method, path in routes:
        response = web.client.open(path, method=method, data=START, headers=headers)
        assert response.status_code == 403, f"{method} {path}: {response.status_code}"
        assert "cross-site request refused" in response.get_json()["error"]
    assert web.runner.state == STATE_INIT, "nothing was started"
    assert web.env.host == host_before


def test_a_form_post_from_another_origin_cannot_choose_the_target(web: Web) -> None:
    response = web.client.post(
        "/swarm",
        data=START,
        headers={"Origin": "http://127.0.0.1:9999", "Sec-Fetch-Site": "same-site"},
    )
    assert response.status_code == 403
    assert web.runner.state == STATE_INIT
    assert web.env.user_classes[0].host != START["host"]


def test_scripts_send_no_origin_and_need_no_token(web: Web) -> None:
    response = web.client.post("/swarm", data=START)
    assert check(response, "/swarm", "post")["success"] is True
    web.wait_for_state(STATE_RUNNING)
    assert web.client.post("/api/v1/stop", json={}).status_code == 200
    web.wait_for_state(STATE_STOPPED)


def test_the_pages_own_requests_carry_the_token(web: Web) -> None:
    same = {"Origin": OWN, "Sec-Fetch-Site": "same-origin"}
    missing = web.client.post("/api/v1/run", json={"user_count": 1}, headers=same)
    assert missing.status_code == 403
    assert "CSRF token" in check(missing, "/api/v1/run", "post")["error"]
    wrong = web.client.post(
        "/api/v1/run", json={"user_count": 1}, headers={**same, "X-CSRF-Token": "forged"}
    )
    assert wrong.status_code == 403
    assert web.runner.state == STATE_INIT
    good = web.client.post(
        "/api/v1/run", json={"user_count": 1}, headers={**same, "X-CSRF-Token": token_of(web)}
    )
    assert good.status_code == 200, good.get_json()


@pytest.mark.parametrize("headers", [{"Origin": OWN}, {"Sec-Fetch-Site": "same-origin"}])
def test_a_form_from_the_page_carries_the_token_as_a_field(
    web: Web, headers: dict[str, str]
) -> None:
    refused = web.client.post("/swarm", data=START, headers=headers)
    assert refused.status_code == 403
    accepted = web.client.post(
        "/swarm", data={**START, "csrf_token": token_of(web)}, headers=headers
    )
    assert accepted.get_json()["success"] is True


def test_the_token_is_the_same_for_every_page_of_the_process(web: Web) -> None:
    assert token_of(web) == token_of(web)
    assert len(token_of(web)) >= 32


def test_the_login_form_carries_the_token(make_web: MakeWeb) -> None:
    web = make_web(Shop, web_login="alice:pw")
    page = web.client.get("/login").get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    same = {"Origin": OWN}
    form = {"username": "alice", "password": "pw"}
    refused = web.client.post("/login", data=form, headers=same)
    assert refused.status_code == 403
    done = web.client.post("/login", data={**form, "csrf_token": found.group(1)}, headers=same)
    assert done.status_code == 302
    assert web.client.get("/api/v1/status").status_code == 200


def add_custom_post_route(web: Web) -> None:
    @web.ui.app.post("/my-action")
    def my_action() -> Response:
        return Response("done", mimetype="text/plain")


def test_custom_routes_refuse_other_origins_but_need_no_token(web: Web) -> None:
    add_custom_post_route(web)
    assert (
        web.client.post("/my-action", headers={"Origin": "http://evil.example"}).status_code == 403
    )
    assert web.client.post("/my-action", headers={"Origin": OWN}).get_data(as_text=True) == "done"
    assert web.client.post("/my-action").status_code == 200


# -- GET /stop and GET /stats/reset (item 14) ------------------------------------------------------


def started(web: Web, headers: dict[str, str] | None = None) -> Web:
    form = {"user_count": "2", "spawn_rate": "100"}
    assert web.client.post("/swarm", data=form, headers=headers).status_code == 200
    web.wait_for_requests(3)
    return web


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"},
        {"Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "no-cors"},
        {"Referer": "http://evil.example/page"},
        {"Origin": "http://127.0.0.1:9999"},
    ],
)
def test_a_cross_site_get_neither_stops_nor_resets(web: Web, headers: dict[str, str]) -> None:
    started(web)
    stop = web.client.get("/stop", headers=headers)
    reset = web.client.get("/stats/reset", headers=headers)
    assert (stop.status_code, reset.status_code) == (403, 403)
    assert web.runner.state in (STATE_RUNNING, "spawning")
    assert web.env.stats.total.num_requests >= 3


def test_without_a_login_locust_scripts_may_still_get_stop_and_reset(web: Web) -> None:
    started(web)
    assert web.client.get("/stats/reset").get_data(as_text=True) == "ok"
    own = {"Sec-Fetch-Site": "same-origin", "Referer": f"{OWN}/"}
    assert check(web.client.get("/stop", headers=own), "/stop")["success"] is True
    web.wait_for_state(STATE_STOPPED)


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_with_a_login_state_changes_need_post(make_web: MakeWeb) -> None:
    creds = basic("alice", "pw")
    web = started(make_web(Shop, web_login="alice:pw"), creds)
    for path in ("/stop", "/stats/reset"):
        response = web.client.get(path, headers=creds)
        assert response.status_code == 405, path
        assert f"POST {path}" in check(response, path)["error"]
        assert response.headers["Allow"] == "POST"
    assert web.runner.state in (STATE_RUNNING, "spawning")
    assert web.env.stats.total.num_requests >= 3
    assert web.client.post("/stats/reset", headers=creds).get_data(as_text=True) == "ok"
    assert check(web.client.post("/stop", headers=creds), "/stop", "post")["success"] is True
    web.wait_for_state(STATE_STOPPED)


def test_post_stop_and_reset_work_as_in_locust_2_47(web: Web) -> None:
    started(web)
    reset = web.client.post("/stats/reset")
    assert (reset.status_code, reset.get_data(as_text=True)) == (200, "ok")
    result = check(web.client.post("/stop"), "/stop", "post")
    assert result == {"success": True, "message": "Test stopped"}
    web.wait_for_state(STATE_STOPPED)


def test_head_never_stops(web: Web) -> None:
    started(web)
    for path in ("/stop", "/stats/reset"):
        assert web.client.head(path).status_code == 405
    assert web.runner.state in (STATE_RUNNING, "spawning")


def test_logout_from_another_site_does_nothing(make_web: MakeWeb) -> None:
    web = make_web(Shop, web_login="alice:pw")
    web.client.post("/login", data={"username": "alice", "password": "pw"})
    assert web.client.get("/logout", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert web.client.post("/logout", headers={"Origin": "http://evil.example"}).status_code == 403
    assert web.client.get("/api/v1/status").status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://[::1"},
        {"Origin": "http://localhost:99999"},
        {"Origin": ""},
        {"Origin": "localhost"},
        {"Origin": "http://localhost@evil.example"},
        {"Referer": "http://[bad"},
        {"Sec-Fetch-Site": "CROSS-SITE"},
    ],
)
def test_malformed_origins_are_refused_not_crashed_on(web: Web, headers: dict[str, str]) -> None:
    response = web.client.post("/api/v1/run", json={"user_count": 1}, headers=headers)
    assert response.status_code == 403, response.get_json()
    assert web.runner.state == STATE_INIT


def test_a_huge_host_header_is_refused_briefly(web: Web) -> None:
    response = web.client.get("/api/v1/status", headers={"Host": "a" * 20_000 + ".example"})
    assert response.status_code == 400
    assert len(response.get_json()["error"]) < 400
