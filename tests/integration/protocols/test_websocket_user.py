"""WebSocketClient / WebSocketUser against a real server (the websockets package) on loopback."""

from __future__ import annotations

import json
import ssl

import gevent
import pytest
import trustme

from conftest import Recorder
from horde.env import Environment
from horde.event import Events
from horde.exceptions import OperationFailed
from horde.protocols.websocket import WebSocketClient, WebSocketUser
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
