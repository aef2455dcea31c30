"""Fixtures for the hostile-server tests: the fault server and the three HTTP clients.

A plugin (``pytest_plugins = ["hostile"]``), not a conftest.py: the suite imports the root
conftest by its module name, which a second conftest.py would shadow.

``client(kind)`` makes one of the three ways horde sends HTTP, with the same knobs:
``fast`` (FastHttpSession), ``http`` (HttpSession on horde's FastAdapter) and ``urllib3``
(HttpSession with ``fast_transport=False``). Tests written against :class:`Client` run on all
three unless they say otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from faultserver import FaultServer
from horde.clients.fast import FastHttpSession
from horde.clients.http import HttpSession
from horde.event import Events

KINDS = ["fast", "http", "urllib3"]


@dataclass
class Client:
    """One session of one kind, with a read timeout applied the way that kind takes it."""

    kind: str
    session: Any

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.session.get(url, **kwargs)

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        return self.session.request(method, url, **kwargs)


def make_session(
    kind: str, base_url: str, events: Events, timeout: float = 5.0, **options: Any
) -> Any:
    """A session of ``kind`` whose connect and read timeouts are ``timeout`` seconds."""
    if kind == "fast":
        return FastHttpSession(
            base_url,
            request_event=events.request,
            network_timeout=timeout,
            connection_timeout=timeout,
            **options,
        )
    session = HttpSession(
        base_url, request_event=events.request, fast_transport=kind == "http", **options
    )
    session.timeout = timeout
    return session


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
