"""Helpers of the web UI tests; their fixtures are in the plugin ``web_fixtures``.

A real Environment and LocalRunner behind the Flask test client. The users' tasks do no network
I/O: they report requests through ``events.request`` and yield with short waits. The pytest
process is not monkey-patched, so the runner's greenlets run whenever a test yields with
``gevent.sleep``; :func:`wait_until` does that in a loop bounded by :data:`WAIT`.

Responses are checked against ``openapi.json`` with :func:`check`: the schema of the route and
status is resolved from the spec, ``$ref``s to ``#/components`` included.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

import gevent
import jsonschema
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from horde.env import Environment
from horde.runners.local import LocalRunner
from horde.user import User, constant, tag, task
from horde.web import WebUI

WAIT = 10.0
"""Upper bound of any wait for the runner (never reached when things work)."""

SPEC: dict[str, Any] = json.loads(
    resources.files("horde.web").joinpath("static/openapi.json").read_text(encoding="utf-8")
)


def wait_until(predicate: Callable[[], object], what: str, timeout: float = WAIT) -> None:
    """Yield to the runner's greenlets until ``predicate()`` holds (at most ``timeout`` s)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        gevent.sleep(0.01)


def schema_for(path: str, method: str, status: int) -> dict[str, Any] | None:
    """The JSON schema the spec gives a response (None if it documents no JSON body)."""
    operation = SPEC["paths"][path][method.lower()]
    response = operation["responses"][str(status)]
    content = response.get("content", {}).get("application/json")
    if content is None:
        return None
    return {**content["schema"], "components": SPEC["components"]}


def check(response: TestResponse, path: str, method: str = "get") -> Any:
    """Validate ``response`` against the spec of ``path``; returns the decoded JSON body."""
    status = response.status_code
    responses = SPEC["paths"][path][method.lower()]["responses"]
    assert str(status) in responses, f"{method.upper()} {path} answered {status}, undocumented"
    schema = schema_for(path, method, status)
    if schema is None:
        return None
    assert response.mimetype == "application/json", response.data[:200]
    document = response.get_json()
    jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)
    return document


# -- users whose tasks report requests without any network I/O ------------------------------------


def report(user: User, name: str, error: str | None = None, method: str = "GET") -> None:
    user.environment.events.request.report(method, name, 5.0, 100, exception=error)


class Shop(User):
    """Two tagged tasks: ``browse`` (tag "read") succeeds, ``buy`` (tag "write") fails."""

    wait_time = constant(0.01)

    @tag("read")
    @task(3)
    def browse(self) -> None:
        report(self, "/items")

    @tag("write")
    @task
    def buy(self) -> None:
        report(self, "/buy", error="out of stock", method="POST")


class Browser(User):
    """One untagged task."""

    wait_time = constant(0.01)

    @task
    def home(self) -> None:
        report(self, "/")


class Crash(User):
    """A task that raises: the exception is recorded, the user carries on."""

    wait_time = constant(0.01)

    @task
    def crash(self) -> None:
        raise ValueError("the task broke")


@dataclass
class Web:
    env: Environment
    runner: LocalRunner
    ui: WebUI
    client: FlaskClient

    def wait_for_requests(self, count: int = 1) -> None:
        wait_until(lambda: self.env.stats.total.num_requests >= count, f"{count} request(s)")

    def wait_for_state(self, *states: str) -> None:
        wait_until(lambda: self.runner.state in states, f"runner state in {states}")

    def fresh(self) -> None:
        """Make the next poll compute a new snapshot."""
        self.ui.cache.invalidate()


MakeWeb = Callable[..., Web]
