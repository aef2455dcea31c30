"""WebSocketClient / WebSocketUser against a real server (the websockets package) on loopback."""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import Callable
from typing import ClassVar

import gevent
import pytest
import trustme
from gevent.pool import Group

from conftest import Recorder
from horde.env import Environment
from horde.event import Events
from horde.exceptions import OperationFailed
from horde.protocols import websocket
from horde.protocols.websocket import WebSocketClient, WebSocketUser
from horde.user import constant, task
from protocol_servers import (
    Barrier,
    LoopThread,
    WsBehaviour,
    ca,
    loop,
    server_tls,
    websocket_server,
)

__all__ = ["ca", "loop"]  # fixtures


def test_connect_send_receive_are_timed_and_sized(
    loop: LoopThread, events: Events, recorder: Recorder
) -> None:
    with websocket_server(loop) as url, WebSocketClient(events.request, url + "/echo") as ws:
        ws.connect()
        ws.send("hello")
        assert ws.receive(timeout=5) == "hello"
        ws.send(b"\x00\x01binary")
        assert ws.receive(timeout=5) == b"\x00\x01binary"
    assert recorder.names() == ["connect", "send", "receive", "send", "receive"]
    assert [c["response_length"] for c in recorder.calls] == [0, 5, 5, 8, 8]
    assert {c["request_type"] for c in recorder.calls} == {"websocket"}
    assert recorder.failures() == []


def test_request_is_one_operation_from_send_to_reply(
    loop: LoopThread, events: Events, recorder: Recorder
) -> None:
    with websocket_server(loop) as url, WebSocketClient(events.request, url) as ws:
        assert ws.request("ping", name="echo") == "ping"
    assert recorder.names() == ["connect", "echo"]
    assert recorder.last["response_length"] == 4


def test_request_json_matches_its_reply_and_leaves_pushes_in_the_inbox(
    loop: LoopThread, events: Events, recorder: Recorder
) -> None:
    with websocket_server(loop) as url, WebSocketClient(events.request, url + "/json") as ws:
        assert ws.request_json({"op": "abc"}, name="rpc") == {"id": 1, "result": "cba"}
        assert ws.request_json({"op": "xyz"}, name="rpc")["id"] == 2
        assert json.loads(ws.receive(timeout=5)) == {"push": "before the reply"}
    assert recorder.names() == ["connect", "rpc", "rpc", "receive"]


def test_subscription_counts_and_records_its_messages(
    loop: LoopThread, events: Events, recorder: Recorder
) -> None:
    with websocket_server(loop) as url, WebSocketClient(events.request, url + "/ticker") as ws:
        ticks = ws.subscribe("ticks", match=lambda m: str(m).startswith("tick:"), latency=len)
        ws.send("start")
        assert ws.receive(timeout=5) == "done"  # after the five ticks, in order
        assert ticks.count == 5
        assert ticks.last == "tick:4"
    tick_calls = [c for c in recorder.calls if c["name"] == "ticks"]
    assert len(tick_calls) == 5
    assert [c["response_time"] for c in tick_calls] == [6] * 5  # latency(message)
    assert [c["response_length"] for c in tick_calls] == [6] * 5


def test_receive_timeout_is_a_failure(loop: LoopThread, events: Events, recorder: Recorder) -> None:
    with websocket_server(loop) as url, WebSocketClient(events.request, url + "/silent") as ws:
        ws.send("anyone?")
        with pytest.raises(OperationFailed, match="no message within 0.2 s"):
            ws.receive(timeout=0.2)
        with pytest.raises(OperationFailed, match="no matching reply within 0.2 s"):
            ws.request("hello?", timeout=0.2)
    assert [c["exception"] for c in recorder.failures()] == [
        "ReceiveTimeout: no message within 0.2 s",
        "ReceiveTimeout: no matching reply within 0.2 s",
    ]


def test_server_close_with_an_error_code_fails_waiting_calls_and_is_recorded(
    loop: LoopThread, events: Events, recorder: Recorder
) -> None:
    with websocket_server(loop) as url, WebSocketClient(events.request, url + "/close") as ws:
        with pytest.raises(OperationFailed, match="closed by the server with code 1011: boom"):
            ws.request("trigger", timeout=5)
        with pytest.raises(OperationFailed, match="code 1011"):
            ws.send("after the close")
    close = next(c for c in recorder.calls if c["name"] == "close")
    assert close["exception"] == "ConnectionClosed: closed by the server with code 1011: boom"
    assert close["response"].status_code == 1011
    assert close["response"].content == b"boom"


def test_refused_handshake_keeps_status_headers_and_body(
    loop: LoopThread, events: Events, recorder: Recorder
) -> None:
    with websocket_server(loop) as url, WebSocketClient(events.request, url + "/forbidden") as ws:
        with pytest.raises(OperationFailed, match="handshake refused: HTTP 403 Forbidden"):
            ws.connect()
    sample = recorder.only["response"]
    assert (sample.status_code, sample.content) == (403, b"go away")
    assert sample.headers["content-type"] == "text/plain"


def test_bad_url_and_refused_connection(events: Events, recorder: Recorder) -> None:
    from conftest import free_port

    with WebSocketClient(events.request, f"ws://127.0.0.1:{free_port()}/") as ws:
        with pytest.raises(OperationFailed, match="ConnectionRefusedError"):
            ws.send("x")
    from horde.exceptions import ConfigError

    with (
        WebSocketClient(events.request, "http://not-a-websocket") as ws,
        pytest.raises(ConfigError, match="ws://HOST:PORT/PATH"),
    ):
        ws.connect()


def test_wss_with_a_trusted_ca_and_refusal_without(
    loop: LoopThread, ca: trustme.CA, events: Events, recorder: Recorder
) -> None:
    trusted = ssl.create_default_context()
    ca.configure_trust(trusted)
    with websocket_server(loop, tls=server_tls(ca)) as url:
        with WebSocketClient(events.request, url, ssl_context=trusted) as ws:
            assert ws.request("secure") == "secure"
        with WebSocketClient(events.request, url) as ws:
            with pytest.raises(OperationFailed, match="CERTIFICATE_VERIFY_FAILED"):
                ws.connect()
    assert url.startswith("wss://")


def test_hundred_users_wait_together_in_one_process(loop: LoopThread, events: Events) -> None:
    """Every echo is held until 100 messages are in flight: only concurrent users get one."""
    barrier = Barrier(100, limit=20)
    with websocket_server(loop, WsBehaviour(barrier)) as url:

        class Echo(WebSocketUser):
            host = url
            path = "/echo"

        env = Environment(events=events)
        users = [Echo(env) for _ in range(100)]
        jobs = [gevent.spawn(user.client.request, "hold", timeout=25) for user in users]
        gevent.joinall(jobs, timeout=30, raise_error=True)
        for user in users:
            user.client.close()
    assert [job.value for job in jobs] == ["hold"] * 100
    assert barrier.peak == 100


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Yield to the reader greenlet until ``condition()`` holds (bounded in time)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        gevent.sleep(0.01)


def test_a_full_inbox_drops_the_oldest_records_each_drop_and_warns_once(
    loop: LoopThread,
    events: Events,
    recorder: Recorder,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(websocket, "_warned_full", False)
    with websocket_server(loop) as url:
        for _ in range(2):  # a second client's drops are recorded but not logged again
            with WebSocketClient(events.request, url + "/ticker", inbox_size=2) as ws:
                done = ws.subscribe("done", match=lambda m: m == "done")
                ws.send("start")
                wait_until(lambda ws=ws, done=done: done.count == 1)  # after the five ticks
                assert ws.dropped == 3
                assert [ws.receive(timeout=1), ws.receive(timeout=1)] == ["tick:3", "tick:4"]
    drops = [c for c in recorder.calls if c["name"] == "inbox"]
    assert len(drops) == 6
    assert {c["exception"] for c in drops} == {
        "inbox full (2 unread messages): the oldest was dropped"
    }
    assert [c["response_length"] for c in drops[:3]] == [6, 6, 6]
    warnings = [r for r in caplog.records if "inbox full" in r.getMessage()]
    assert len(warnings) == 1
    assert "receive()" in warnings[0].getMessage()


@pytest.mark.parametrize("size", [0, -5, 2.5, float("nan"), True, "10"])
def test_inbox_size_must_be_a_positive_whole_number(events: Events, size: object) -> None:
    from horde.exceptions import ConfigError

    with pytest.raises(ConfigError, match=r"inbox_size must be a whole number, at least 1, not "):
        WebSocketClient(events.request, "ws://127.0.0.1:1/", inbox_size=size)  # type: ignore[arg-type]


def test_an_error_in_a_subscriptions_function_is_a_user_error_and_the_reader_goes_on(
    loop: LoopThread, events: Events, recorder: Recorder
) -> None:
    errors: list[BaseException] = []
    events.user_error.add_listener(lambda user_instance, exception, tb: errors.append(exception))
    with websocket_server(loop) as url:

        class Ticker(WebSocketUser):
            host = url
            path = "/ticker"

        user = Ticker(Environment(events=events))
        user.client.subscribe("bad", match=lambda m: m == "tick:1" and 1 / 0 == 0)
        user.client.send("start")
        assert user.client.receive(timeout=5) == "tick:0"
        assert [user.client.receive(timeout=5) for _ in range(4)] == [
            "tick:2",
            "tick:3",
            "tick:4",
            "done",
        ]
        user.close_client()
    assert [type(e) for e in errors] == [ZeroDivisionError]


class Echoing(WebSocketUser):
    """Connects in on_start and echoes until stopped; ``crash`` ends it with an exception."""

    abstract = True
    path = "/echo"
    wait_time = constant(0.01)
    crash = False
    readers: ClassVar[list[gevent.Greenlet]] = []
    on_stop_calls = 0

    def on_start(self) -> None:
        self.client.connect()
        assert self.client.reader is not None
        self.readers.append(self.client.reader)

    def on_stop(self) -> None:
        type(self).on_stop_calls += 1

    @task
    def echo(self) -> None:
        assert self.client.request("x", timeout=5) == "x"
        if self.crash:
            raise RuntimeError("a bug in the task")


@pytest.mark.parametrize("how", ["stopped", "runner quit", "crashed"])
def test_the_reader_greenlet_ends_with_its_user(
    loop: LoopThread, events: Events, recorder: Recorder, how: str
) -> None:
    with websocket_server(loop) as url:

        class User(Echoing):
            host = url
            crash = how == "crashed"
            readers: ClassVar[list[gevent.Greenlet]] = []

        env = Environment(user_classes=[User], events=events, catch_exceptions=how != "crashed")
        if how == "runner quit":
            runner = env.create_local_runner()
            runner.start(3, spawn_rate=100)
            wait_until(lambda: len(recorder.calls) >= 10)
            runner.quit()
        else:
            user = User(env)
            group = Group()
            greenlet = user.start(group)
            wait_until(lambda: len(recorder.calls) >= 5 or greenlet.dead)
            if how == "stopped":
                user.stop(force=True)
            group.join(timeout=10)
            assert greenlet.dead
            if how == "crashed":
                assert isinstance(greenlet.value, RuntimeError)
        assert User.readers, "no user connected"
        gevent.joinall(User.readers, timeout=5)  # killed by close(), they end at once
        assert [reader.dead for reader in User.readers] == [True] * len(User.readers)
