"""Fixtures of the web UI tests (a plugin: ``pytest_plugins = ["web_fixtures"]``).

Not a conftest.py: the suite imports the root conftest by its module name, which a second
conftest.py would shadow. The helpers the tests import live in ``web_kit``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from web_kit import MakeWeb, Shop, Web

from horde.env import Environment
from horde.event import Events
from horde.user import User
from horde.web import WebUI


@pytest.fixture
def make_web() -> Iterator[MakeWeb]:
    """``make_web(*user_classes, env={...Environment kwargs}, **WebUI kwargs)``.

    Each class is replaced by a fresh subclass of the same name, so what a test changes on it
    (host, tag filters) stays in that test. Every runner is quit and every Environment detached
    at teardown."""
    made: list[Web] = []

    def make(*classes: type[User], env: dict[str, Any] | None = None, **web: Any) -> Web:
        options = {"events": Events(), **(env or {})}
        fresh = [type(cls.__name__, (cls,), {}) for cls in classes or (Shop,)]
        environment = Environment(user_classes=fresh, **options)
        runner = environment.create_local_runner()
        ui = WebUI(environment, "127.0.0.1", 0, **web)
        made.append(Web(environment, runner, ui, ui.app.test_client()))
        return made[-1]

    yield make
    for web in made:
        web.runner.quit()
        web.ui.stop()
        web.env.close()
        assert all(g.dead for g in web.runner.user_greenlets)


@pytest.fixture
def web(make_web: MakeWeb) -> Web:
    """A web UI in front of :class:`Shop` users, no test running yet."""
    return make_web(Shop)
