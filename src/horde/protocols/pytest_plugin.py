"""horde's pytest plugin (entry point ``pytest11``): ``session``, ``fastsession`` and ``-H``.

So a pytest-style load file (:mod:`horde.protocols.pytest_load`) runs as ordinary tests:
``pytest -H http://127.0.0.1:8080 test_file.py``. The sessions record into an Events object of
their own that nobody listens to; a failing request fails the test through
``raise_for_status()`` as in Locust. Nothing heavy is imported until a fixture is used.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    try:
        parser.addoption(
            "--host", "-H", action="store", default=None, help="base URL for session fixtures"
        )
    except ValueError as exc:  # another plugin (Locust's) already defines it
        if "already added" not in str(exc):
            raise


def _base_url(config: pytest.Config) -> str:
    return str(config.getoption("--host") or "")


@pytest.fixture
def session(request: pytest.FixtureRequest) -> Iterator[Any]:
    """An HttpSession on ``-H``, as a User's ``client`` would be."""
    from horde.clients.http import HttpSession
    from horde.event import Events

    client = HttpSession(base_url=_base_url(request.config), request_event=Events().request)
    yield client
    client.close()


@pytest.fixture
def fastsession(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A FastHttpSession on ``-H``, as a FastHttpUser's ``client`` would be."""
    from horde.clients.fast import FastHttpSession
    from horde.event import Events

    client = FastHttpSession(_base_url(request.config), Events().request)
    yield client
    client.close()
