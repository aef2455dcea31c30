"""The built-in login resists guessing, logging out really ends a session, and the target's own
credentials never reach the page (issue 13, item 16)."""

from __future__ import annotations

import base64

import pytest
from flask.testing import FlaskClient
from web_kit import MakeWeb, Shop, Web, check

from horde.testing import FakeClock
from horde.user import HttpUser, constant, task
from horde.web.sessions import SessionRegistry
from horde.web.throttle import LoginThrottle

pytest_plugins = ["web_fixtures"]

LOGIN = "alice:right-password"
ATTACKER = {"REMOTE_ADDR": "127.0.0.66"}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def web(make_web: MakeWeb, clock: FakeClock) -> Web:
    return make_web(Shop, web_login=LOGIN, env={"clock": clock})


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def form_login(client: FlaskClient, password: str, environ: dict[str, str] | None = None) -> int:
    response = client.post(
        "/login",
        data={"username": "alice", "password": password},
        environ_base=environ or ATTACKER,
    )
    if response.status_code == 302 and response.headers["Location"] == "/":
        return 200
    return response.status_code if response.status_code != 302 else 401


def test_wrong_passwords_are_throttled_per_address(web: Web, clock: FakeClock) -> None:
    answers = [form_login(web.client, f"guess-{n}") for n in range(8)]
    assert answers[:5] == [401] * 5, answers
    assert set(answers[5:]) == {429}, answers
    assert form_login(web.client, "right-password") == 429, "even the right one waits"
    page = web.client.get("/login", environ_base=ATTACKER).get_data(as_text=True)
    assert "too many wrong attempts" in page
    other = web.ui.app.test_client()
    assert form_login(other, "right-password", {"REMOTE_ADDR": "127.0.0.7"}) == 200
    clock.advance(3600)
    assert form_login(web.client, "right-password") == 200


def test_http_basic_guessing_is_throttled_too(web: Web, clock: FakeClock) -> None:
    def status(password: str) -> int:
        response = web.client.get(
            "/api/v1/status", headers=basic("alice", password), environ_base=ATTACKER
        )
        return response.status_code

    answers = [status(f"guess-{n}") for n in range(7)]
    assert answers[:5] == [401] * 5
    assert answers[5:] == [429, 429]
    refused = web.client.get("/api/v1/status", headers=basic("alice", "right-password"),
                             environ_base=ATTACKER)  # fmt: skip
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert "too many wrong attempts" in check(refused, "/api/v1/status")["error"]
    clock.advance(3600)
    assert status("right-password") == 200


def test_the_lockout_grows_with_each_further_failure() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(clock.monotonic)
    waits = []
    for _ in range(9):
        throttle.failed("10.0.0.1")
        waits.append(throttle.retry_after("10.0.0.1"))
        clock.advance(waits[-1])
    assert waits[:4] == [0, 0, 0, 0]
    assert waits[4:] == sorted(waits[4:])
    assert waits[-1] > waits[4] > 0
    assert max(waits) <= throttle.max_wait
    throttle.succeeded("10.0.0.1")
    assert throttle.retry_after("10.0.0.1") == 0


def test_the_throttle_remembers_a_bounded_number_of_addresses() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(clock.monotonic, capacity=100)
    for n in range(10_000):
        throttle.failed(f"10.{n // 65536}.{n // 256 % 256}.{n % 256}")
    assert len(throttle) == 100


def test_ipv6_addresses_of_one_network_share_a_budget() -> None:
    throttle = LoginThrottle(FakeClock().monotonic)
    for n in range(10):
        throttle.failed(f"2001:db8::{n:x}")
    assert throttle.retry_after("2001:db8::ffff") > 0
    assert throttle.retry_after("2001:db9::1") == 0


def test_logging_out_invalidates_the_cookie_on_the_server(web: Web) -> None:
    assert form_login(web.client, "right-password", {"REMOTE_ADDR": "127.0.0.1"}) == 200
    cookie = web.client.get_cookie("horde_session")
    assert cookie is not None
    web.client.post("/logout")
    assert web.client.get("/api/v1/status").status_code == 401
    replay = web.ui.app.test_client()
    replay.set_cookie("horde_session", cookie.value)
    assert replay.get("/api/v1/status").status_code == 401, "the old cookie still works"


def test_the_session_registry_is_bounded() -> None:
    registry = SessionRegistry(capacity=10)
    first = registry.open()
    ids = [registry.open() for _ in range(50)]
    assert len(registry) == 10
    assert not registry.valid(first)
    assert registry.valid(ids[-1])
    registry.close(ids[-1])
    assert not registry.valid(ids[-1])
    assert not registry.valid(None)
    assert not registry.valid("forged")


# -- the target's credentials ---------------------------------------------------------------------


class Api(HttpUser):
    wait_time = constant(1)

    @task
    def home(self) -> None:
        """Never runs: these tests start nothing."""


SECRET_HOST = "http://bob:t0p-s3cret@127.0.0.1:9"  # noqa: S105 - a test password


def test_the_target_password_never_reaches_the_page(make_web: MakeWeb) -> None:
    web = make_web(Api, env={"host": SECRET_HOST})
    web.env.user_classes[0].host = SECRET_HOST
    answers = [
        web.client.get("/api/v1/status"),
        web.client.get("/api/v1/form"),
        web.client.get("/api/v1/snapshot"),
        web.client.get("/"),
        web.client.post("/swarm", data={"user_count": "0", "spawn_rate": "1"}),
    ]
    for response in answers:
        text = response.get_data(as_text=True)
        assert "t0p-s3cret" not in text, response.request.path
    web.ui.update_template_args()
    assert "t0p-s3cret" not in repr(web.ui.template_args)
    status = web.client.get("/api/v1/status").get_json()
    assert status["host"] == "http://127.0.0.1:9"
    assert status["user_classes"][0]["host"] == "http://127.0.0.1:9"


def test_the_form_sent_back_unchanged_keeps_the_target_credentials(make_web: MakeWeb) -> None:
    web = make_web(Api, env={"host": SECRET_HOST})
    shown = web.client.get("/api/v1/form").get_json()["host"]
    assert shown == "http://127.0.0.1:9"
    response = web.client.post("/api/v1/run", json={"user_count": 0, "host": shown})
    assert response.status_code == 200
    assert web.env.host == SECRET_HOST
    changed = web.client.post("/api/v1/stop", json={})
    assert changed.status_code == 200
