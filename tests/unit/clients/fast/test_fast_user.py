"""FastHttpUser: its client, its settings, and rest()/rest_() (JSON checks inside the block)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import gevent
import pytest

from horde import StopUser, task
from horde.clients.fast import FastHttpSession, HTTPClientPool
from horde.demo.process import server_counts
from horde.env import Environment
from horde.event import Events
from horde.exceptions import ConfigError
from horde.user.fast import FastHttpUser, RestResponseContextManager

pytest_plugins = ["fast_kit"]


@pytest.fixture
def env(events: Events) -> Iterator[Environment]:
    env = Environment(events=events)
    yield env
    env.close()


@pytest.fixture
def user(env: Environment, fast_target: str) -> Iterator[FastHttpUser]:
    class Shopper(FastHttpUser):
        host = fast_target

    user = Shopper(env)
    yield user
    user.client.close()


# -- the user and its client -----------------------------------------------------------------------


def test_the_client_is_a_fast_session_built_from_the_class_settings(
    env: Environment, fast_target: str
) -> None:
    shared = HTTPClientPool()

    class Tuned(FastHttpUser):
        host = fast_target
        network_timeout = 1.5
        connection_timeout = 2.5
        max_redirects = 2
        max_retries = 3
        concurrency = 4
        default_headers = {"X-From": "tuned"}  # noqa: RUF012 - Locust's class attribute

    class Sharing(FastHttpUser):
        host = fast_target
        client_pool = shared

    tuned, sharing, other = Tuned(env), Sharing(env), Sharing(env)
    try:
        assert isinstance(tuned.client, FastHttpSession)
        assert tuned.client.user is tuned
        assert tuned.client.max_redirects == 2
        assert tuned.client.max_retries == 3
        assert tuned.client.pool.concurrency == 4
        assert tuned.client.pool.network_timeout == 1.5
        assert tuned.client.pool.connection_timeout == 2.5
        assert tuned.client.get("/headers").json()["headers"]["X-From"] == "tuned"
        assert sharing.client.pool is other.client.pool is shared
        assert tuned.client.pool is not shared
    finally:
        tuned.client.close()
        shared.close()


def test_a_user_without_a_host_is_a_config_error(env: Environment) -> None:
    class Hostless(FastHttpUser):
        pass

    with pytest.raises(ConfigError, match="Hostless has no host"):
        Hostless(env)


def test_a_running_user_records_its_requests(env: Environment, fast_target: str) -> None:
    class Visitor(FastHttpUser):
        host = fast_target
        visits = 0

        @task
        def visit(self) -> None:
            self.client.get("/api/items/1", name="item")
            self.client.get("/status/500", name="broken")
            type(self).visits += 1
            if self.visits == 5:
                raise StopUser

    visitor = Visitor(env)
    visitor.run()
    visitor.client.close()
    assert env.stats.get("item", "GET").num_requests == 5
    assert env.stats.get("broken", "GET").num_failures == 5
    assert server_counts(fast_target)["total"] == env.stats.total.num_requests == 10


def test_user_context_reaches_the_request_event(
    env: Environment, fast_target: str, recorder: Any
) -> None:
    class Tagged(FastHttpUser):
        host = fast_target

        def context(self) -> dict[str, Any]:
            return {"account": 42}

    tagged = Tagged(env)
    tagged.client.get("/api/items/1")
    tagged.client.close()
    assert recorder.last["context"] == {"account": 42}


# -- rest() ----------------------------------------------------------------------------------------


def test_rest_sends_and_parses_json(user: FastHttpUser, recorder: Any) -> None:
    with user.rest("POST", "/api/items", json={"name": "Desk", "price": 120}) as resp:
        assert isinstance(resp, RestResponseContextManager)
        assert resp.status_code == 201
        assert resp.js["name"] == "Desk"
        assert resp.js["id"] > 20
    assert recorder.last["exception"] is None
    assert recorder.last["name"] == "/api/items"
    sent = resp.request.headers
    assert sent["Content-Type"] == "application/json"
    assert sent["Accept"] == "application/json"


def test_rest_lets_the_caller_override_the_json_headers(user: FastHttpUser) -> None:
    with user.rest("GET", "/headers", headers={"accept": "text/plain"}) as resp:
        assert resp.js["headers"]["Accept"] == "text/plain"
        assert resp.js["headers"]["Content-Type"] == "application/json"


def test_a_failed_assert_fails_the_request_with_its_message(
    user: FastHttpUser, recorder: Any
) -> None:
    # ``raise AssertionError`` is what ``assert`` does in a locustfile (pytest rewrites asserts
    # in this module and adds its own explanation to the message)
    with user.rest("GET", "/api/items/1") as resp:
        if resp.js["id"] != 2:
            raise AssertionError("wrong item")
    assert str(recorder.last["exception"]) == "wrong item"
    with user.rest("GET", "/api/items/1") as resp:
        if resp.js["id"] != 2:
            raise AssertionError
    assert str(recorder.last["exception"]) == "assertion failed"
    assert len(recorder.calls) == 2


def test_an_assert_message_ending_in_a_comma_gets_the_body(
    user: FastHttpUser, recorder: Any
) -> None:
    with user.rest("GET", "/api/items/1") as resp:
        if resp.js["id"] != 2:
            raise AssertionError("wrong item,")
    message = str(recorder.last["exception"])
    assert message.startswith("wrong item, response was '{")
    assert '"id": 1' in message


def test_any_other_exception_in_the_block_fails_the_request(
    user: FastHttpUser, recorder: Any
) -> None:
    with user.rest("GET", "/api/items/1") as resp:
        resp.js["missing"]
    message = str(recorder.last["exception"])
    assert message.startswith("KeyError: 'missing' at ")
    assert "test_fast_user.py:" in message
    assert len(recorder.calls) == 1


def test_a_non_json_body_fails_the_request_clearly(user: FastHttpUser, recorder: Any) -> None:
    with user.rest("GET", "/something") as resp:
        assert resp.js is None
        assert resp.status_code == 200
    message = str(recorder.last["exception"])
    assert message.startswith("response is not JSON (status 200): ")
    assert "body starts 'something\\n'" in message


def test_an_empty_body_is_no_json_and_no_failure(user: FastHttpUser, recorder: Any) -> None:
    created = user.client.post("/api/items", json={"name": "Temp"}).json()
    with user.rest("DELETE", f"/api/items/{created['id']}") as resp:
        assert resp.status_code == 204
        assert resp.js is None
    assert recorder.last["exception"] is None


def test_rest_on_an_error_status_parses_the_body_and_fails(
    user: FastHttpUser, recorder: Any
) -> None:
    with user.rest("GET", "/api/items/99999") as resp:
        assert resp.js == {"error": "no item 99999"}
    assert str(recorder.last["exception"]) == (
        "404 Client Error: Not Found for url: /api/items/99999"
    )
    with user.rest("GET", "/api/items/99999") as resp:
        resp.success()
    assert recorder.last["exception"] is None


def test_rest_on_a_connection_error_is_a_status_0_failure(
    env: Environment, refused_url: str, recorder: Any
) -> None:
    class Lost(FastHttpUser):
        host = refused_url

    lost = Lost(env)
    with lost.rest("GET", "/api/items") as resp:
        assert resp.status_code == 0
        assert resp.js is None
    lost.client.close()
    assert re.fullmatch(
        r"ConnectionRefusedError: (\[Errno \d+\] )?Connection refused",
        str(recorder.last["exception"]),
    ), "the same grouped message as outside rest()"


def test_stop_user_inside_rest_records_the_request_and_stops_the_user(
    env: Environment, fast_target: str, recorder: Any
) -> None:
    class Quitter(FastHttpUser):
        host = fast_target

        @task
        def quit_when_seen(self) -> None:
            with self.rest("GET", "/api/items/1") as resp:
                if resp.js["id"] == 1:
                    raise StopUser

    quitter = Quitter(env)
    with gevent.Timeout(10):  # bounded: a swallowed StopUser would loop forever
        quitter.run()
    quitter.client.close()
    (call,) = recorder.calls
    assert call["exception"] is None


def test_rest_underscore_busts_caches_and_names_after_the_url(
    user: FastHttpUser, recorder: Any, fast_target: str
) -> None:
    with user.rest_("GET", "/api/items/1") as resp:
        assert resp.js["id"] == 1
    with user.rest_("GET", "/search?search=x", name="search") as resp:
        assert resp.js["query"] == "x"
    first, second = recorder.calls
    assert first["name"] == "/api/items/1"
    assert "/api/items/1?_=" in first["url"]
    assert second["name"] == "search"
    assert "/search?search=x&_=" in second["url"]
    paths = server_counts(fast_target)["by_path"]
    assert all("_=" in path for path in paths)
