"""``Environment.create_web_ui()`` as in Locust's library examples: build horde's WebUI for the
Environment and serve it on a real socket (port 0, read back), unless ``delayed_start``.

The pytest process is not monkey-patched: HTTP calls to the UI run in gevent's thread pool
while this greenlet waits on the hub, which serves them.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import gevent
import pytest

from horde.env import Environment
from horde.event import Events
from horde.exceptions import ConfigError
from horde.user import User, constant, task
from horde.web import WebUI


class Idle(User):
    wait_time = constant(1)

    @task
    def nothing(self) -> None:
        """Never runs: no test is started."""


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    def call() -> tuple[int, bytes]:
        request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - loopback
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    result: tuple[int, bytes] = gevent.get_hub().threadpool.apply(call)
    return result


@pytest.fixture
def env() -> Iterator[Environment]:
    environment = Environment(user_classes=[Idle], events=Events())
    environment.create_local_runner()
    yield environment
    if environment.web_ui is not None:
        environment.web_ui.stop()
    assert environment.runner is not None
    environment.runner.quit()
    environment.close()


def test_create_web_ui_serves_at_once(env: Environment) -> None:
    web_ui = env.create_web_ui("127.0.0.1", 0)
    assert isinstance(web_ui, WebUI)
    assert env.web_ui is web_ui
    status, body = fetch(web_ui.url + "stats/requests")
    assert status == 200
    assert json.loads(body)["state"] == "ready"
    status, _ = fetch(web_ui.url)
    assert status == 200


def test_delayed_start_serves_routes_added_before_start(env: Environment) -> None:
    web_ui = env.create_web_ui("127.0.0.1", 0, delayed_start=True)
    assert web_ui.server is None

    @web_ui.app.route("/added")
    def added() -> str:
        return "added before start"

    web_ui.start()
    assert fetch(web_ui.url + "added") == (200, b"added before start")


def test_web_login_and_base_path_are_applied(env: Environment) -> None:
    web_ui = env.create_web_ui("127.0.0.1", 0, web_base_path="/ui", web_login="ann:secret")
    assert web_ui.url.endswith("/ui/")
    assert fetch(web_ui.url + "stats/requests")[0] == 401
    token = base64.b64encode(b"ann:secret").decode()
    auth = {"Authorization": f"Basic {token}"}
    assert fetch(web_ui.url + "stats/requests", auth)[0] == 200


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"userclass_picker_is_active": True}, "class picker"),
        ({"build_path": "/tmp/build"}, "build_path"),
    ],
)
def test_what_horde_lacks_is_refused_clearly(
    env: Environment, kwargs: dict[str, Any], says: str
) -> None:
    with pytest.raises(ConfigError, match=says):
        env.create_web_ui("127.0.0.1", 0, **kwargs)
    assert env.web_ui is None


def test_web_login_true_gives_locusts_flask_login_hook(env: Environment) -> None:
    web_ui = env.create_web_ui("127.0.0.1", 0, web_login=True, delayed_start=True)
    assert env.web_ui is web_ui
    assert web_ui.login_manager is not None  # the locustfile sets its user_loader, as in Locust
