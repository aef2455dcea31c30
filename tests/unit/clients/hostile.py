"""Fixtures for the hostile-server tests: the fault server and the three HTTP clients.

A plugin (``pytest_plugins = ["hostile"]``), not a conftest.py: the suite imports the root
conftest by its module name, which a second conftest.py would shadow. Tests written against
:class:`client_kinds.Client` run on all three kinds unless they say otherwise (``kind``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from client_kinds import KINDS, Client, make_session

from faultserver import FaultServer
from horde.event import Events


@pytest.fixture
def fault() -> Iterator[FaultServer]:
    with FaultServer() as server:
        yield server
    assert server.errors == [], "a fault handler crashed"


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


@pytest.fixture
def client(kind: str, events: Events, fault: FaultServer) -> Iterator[Callable[..., Client]]:
    """``client(timeout=5.0, base_url=fault.url, **options)``: a Client of this test's kind."""
    made: list[Client] = []

    def make(timeout: float = 5.0, base_url: str | None = None, **options: Any) -> Client:
        session = make_session(kind, base_url or fault.url, events, timeout, **options)
        made.append(Client(kind, session))
        return made[-1]

    yield make
    for one in made:
        one.session.close()
