"""What a request may cost at most (horde.clients.limits): default timeouts and body sizes.

HttpUser used to have no timeout at all: against a target that accepts and never answers, a
run recorded nothing. Every wait here is bounded by ``gevent.Timeout``, so a missing timeout
fails the test instead of hanging it.
"""

from __future__ import annotations

from typing import Any

import gevent
import pytest

from conftest import Recorder
from faultserver import FaultServer
from horde.clients.fast import FastHttpSession
from horde.clients.http import HttpSession
from horde.clients.limits import DEFAULT_MAX_BODY_SIZE, DEFAULT_TIMEOUT
from horde.env import Environment
from horde.event import Events
from horde.exceptions import HordeError
from horde.user import HttpUser
from horde.user.fast import FastHttpUser

pytest_plugins = ["hostile"]

BOUND = 10.0
"""Longest any request here may take (every timeout under test is far shorter)."""


def test_the_documented_defaults() -> None:
    assert DEFAULT_TIMEOUT == 60.0
    assert DEFAULT_MAX_BODY_SIZE == 64 * 1024 * 1024
    assert (HttpUser.connection_timeout, HttpUser.network_timeout) == (60.0, 60.0)
    assert (FastHttpUser.connection_timeout, FastHttpUser.network_timeout) == (60.0, 60.0)
    assert HttpUser.max_body_size == FastHttpUser.max_body_size == 64 * 1024 * 1024
    session = HttpSession("http://127.0.0.1:1", request_event=Events().request)
    assert session.timeout == 60.0
    assert session.max_body_size == 64 * 1024 * 1024
    session.close()


@pytest.mark.parametrize("fast_transport", [True, False], ids=["fast", "urllib3"])
def test_the_session_timeout_applies_to_a_request_without_its_own(
    fault: FaultServer, events: Events, recorder: Recorder, fast_transport: bool
) -> None:
    with HttpSession(
        fault.url, request_event=events.request, fast_transport=fast_transport
    ) as session:
        session.timeout = 0.3
        with gevent.Timeout(BOUND):
            response = session.get("/stall")
    assert response.status_code == 0
    assert str(recorder.only["exception"]) == "ReadTimeout: TimeoutError: timed out"


@pytest.mark.parametrize("fast_transport", [True, False], ids=["fast", "urllib3"])
def test_a_timeout_given_to_the_request_wins(
    fault: FaultServer, events: Events, recorder: Recorder, fast_transport: bool
) -> None:
    with (
        HttpSession(
            fault.url, request_event=events.request, fast_transport=fast_transport, timeout=0.2
        ) as session,
        gevent.Timeout(BOUND),
    ):
        slow_but_allowed = session.get("/delay?s=0.5", timeout=5)
        session.timeout = None  # no default at all: only the request's own applies
        session.get("/stall", timeout=(5, 0.3))
    assert slow_but_allowed.content == b"ok"
    assert [str(call["exception"]) for call in recorder.calls] == [
        "None",
        "ReadTimeout: TimeoutError: timed out",
    ]


@pytest.mark.parametrize("fast_transport", [True, False], ids=["fast", "urllib3"])
def test_http_user_class_timeouts_reach_its_client(
    fault: FaultServer, fast_transport: bool
) -> None:
    class Impatient(HttpUser):
        host = fault.url
        connection_timeout = 2.0
        network_timeout = 0.3

    Impatient.fast_transport = fast_transport
    env = Environment(user_classes=[Impatient])
    user = Impatient(env)
    try:
        assert user.client.timeout == (2.0, 0.3)
        with gevent.Timeout(BOUND):
            response = user.client.get("/stall")
        assert response.status_code == 0
        assert env.stats.total.num_failures == 1
    finally:
        user.client.close()
        env.close()


def test_http_user_max_body_size_reaches_its_client(fault: FaultServer) -> None:
    class Small(HttpUser):
        host = fault.url
        max_body_size = 10

    env = Environment(user_classes=[Small])
    user = Small(env)
    try:
        user.client.get("/ok?body=exactly10b")
        user.client.get("/ok?body=eleven+byte")
        assert env.stats.total.num_requests == 2
        assert env.stats.total.num_failures == 1
    finally:
        user.client.close()
        env.close()


def test_fast_http_user_max_body_size_reaches_its_client(fault: FaultServer) -> None:
    class Small(FastHttpUser):
        host = fault.url
        max_body_size = 10

    env = Environment(user_classes=[Small])
    user = Small(env)
    try:
        assert user.client.max_body_size == 10
        user.client.get("/ok?body=eleven+byte")
        assert env.stats.total.num_failures == 1
    finally:
        user.client.close()
        env.close()


@pytest.mark.parametrize("value", [-1, 1.5, "64M", True])
def test_a_bad_max_body_size_is_refused_with_a_clear_message(value: Any) -> None:
    with pytest.raises(HordeError, match="max_body_size must be a whole number of bytes"):
        HttpSession("http://127.0.0.1:1", request_event=Events().request, max_body_size=value)
    with pytest.raises(HordeError, match="max_body_size must be a whole number of bytes"):
        FastHttpSession("http://127.0.0.1:1", request_event=Events().request, max_body_size=value)


@pytest.mark.parametrize("kind", ["http", "urllib3"], indirect=True)
def test_max_body_size_changed_on_a_live_session_applies(client: Any, recorder: Recorder) -> None:
    session = client()
    session.session.max_body_size = 5
    session.get("/ok?body=too+long")
    session.session.max_body_size = None
    session.get("/ok?body=too+long")
    assert [call["exception"] is None for call in recorder.calls] == [False, True]


@pytest.mark.parametrize(
    "value", [-1, float("nan"), float("inf"), "60", True, (1, 2, 3), (1, "x"), (float("nan"), 1)]
)
def test_a_bad_timeout_is_refused_with_a_clear_message(value: Any) -> None:
    with pytest.raises(HordeError, match=r"timeout.* must be"):
        HttpSession("http://127.0.0.1:1", request_event=Events().request, timeout=value)
    session = HttpSession("http://127.0.0.1:1", request_event=Events().request)
    try:
        with pytest.raises(HordeError, match=r"timeout.* must be"):
            session.timeout = value
        assert session.timeout == 60.0
    finally:
        session.close()


@pytest.mark.parametrize("name", ["network_timeout", "connection_timeout"])
@pytest.mark.parametrize("value", [-1, float("nan"), "60"])
def test_a_bad_fast_timeout_is_refused_with_a_clear_message(name: str, value: Any) -> None:
    with pytest.raises(HordeError, match=rf"^{name} must be a number of seconds >= 0 or None"):
        FastHttpSession("http://127.0.0.1:1", request_event=Events().request, **{name: value})
