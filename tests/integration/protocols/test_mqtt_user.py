"""MqttClient / MqttUser against a real Mosquitto broker on loopback."""

from __future__ import annotations

import gc
import os
import resource
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from conftest import Recorder, free_port
from horde.env import Environment
from horde.event import Events
from horde.protocols.mqtt import MqttClient, MqttUser
from mqtt_broker import broker

__all__ = ["broker"]  # fixture


class Env:
    def __init__(self, events: Events) -> None:
        self.events = events


@pytest.fixture
def client(broker: int, events: Events) -> Iterator[MqttClient]:
    mqtt = MqttClient(environment=Env(events))
    mqtt.connect_async("127.0.0.1", broker)
    mqtt.loop_start()
    assert mqtt.wait_connected(10)
    yield mqtt
    mqtt.disconnect()
    mqtt.loop_stop()


class Counted(Recorder):
    """A recorder that wakes a waiter at each record (paho's thread records)."""

    def __init__(self) -> None:
        super().__init__()
        self.changed = threading.Condition()

    def __call__(self, **kwargs: Any) -> None:
        with self.changed:
            super().__call__(**kwargs)
            self.changed.notify_all()

    def wait_for(self, count: int, timeout: float = 10.0) -> None:
        """Return once ``count`` requests were recorded; fail after ``timeout`` seconds."""
        with self.changed:
            if not self.changed.wait_for(lambda: len(self.calls) >= count, timeout):
                raise AssertionError(f"only {len(self.calls)} of {count} recorded: {self.names()}")


@pytest.fixture
def recorder() -> Counted:
    return Counted()


class AckFirst(MqttClient):
    """Holds the sending thread, after paho queued the packet and before the client registers
    the message id, until paho's network thread has handled the broker's acknowledgement: the
    order a busy machine produces when the sender is descheduled right there (what made
    test_subscribe_then_messages_are_counted flaky: its SUBACK was dropped as unknown)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.acked = threading.Event()

    def _handle_suback(self) -> Any:
        try:
            return super()._handle_suback()
        finally:
            self.acked.set()

    def _handle_pubackcomp(self, cmd: Any) -> Any:
        try:
            return super()._handle_pubackcomp(cmd)
        finally:
            self.acked.set()

    def _pending(self, requests: dict[int, Any], mid: int, request: Any) -> Any:
        assert self.acked.wait(10), "no acknowledgement from the broker"
        self.acked.clear()
        return super()._pending(requests, mid, request)


@pytest.fixture
def ack_first(broker: int, events: Events, recorder: Counted) -> Iterator[AckFirst]:
    mqtt = AckFirst(environment=Env(events))
    mqtt.connect_async("127.0.0.1", broker)
    mqtt.loop_start()
    assert mqtt.wait_connected(10)
    yield mqtt
    mqtt.disconnect()
    mqtt.loop_stop()


def test_an_acknowledgement_before_the_send_returns_is_still_recorded(
    ack_first: AckFirst, recorder: Counted
) -> None:
    ack_first.subscribe("horde/early/#", qos=1)
    recorder.wait_for(2)
    ack_first.publish("horde/early/x", b"abc", qos=1)
    recorder.wait_for(4)  # the publish and the message it comes back as
    by_name = {c["name"]: c for c in recorder.calls}
    assert by_name["subscribe:1:horde/early/#"]["exception"] is None
    assert by_name["publish:1:horde/early/x"]["response_length"] == 3
    assert by_name["publish:1:horde/early/x"]["response_time"] >= 0
    assert "message:1:horde/early/x" in by_name
    assert ack_first._publish_requests == {}
    assert ack_first._subscribe_requests == {}


@pytest.mark.parametrize("qos", [0, 1, 2])
def test_publish_is_timed_to_its_acknowledgement(
    client: MqttClient, recorder: Counted, qos: int
) -> None:
    client.publish("horde/test", b"hello", qos=qos)
    recorder.wait_for(2)
    connect, publish = recorder.calls[:2]
    assert connect["name"] == "connect" and connect["exception"] is None
    assert publish["name"] == f"publish:{qos}:horde/test"
    assert publish["request_type"] == "MQTT"
    assert publish["response_length"] == 5
    assert publish["exception"] is None


def test_subscribe_then_messages_are_counted(client: MqttClient, recorder: Counted) -> None:
    client.subscribe("horde/sub/#", qos=1)
    recorder.wait_for(2)
    for i in range(3):
        client.publish(f"horde/sub/{i}", b"x" * i, qos=1)
    recorder.wait_for(2 + 3 + 3)
    names = recorder.names()
    assert "subscribe:1:horde/sub/#" in names
    messages = [c for c in recorder.calls if c["name"].startswith("message:")]
    assert sorted(c["name"] for c in messages) == [f"message:1:horde/sub/{i}" for i in range(3)]
    assert all(c["response_time"] is None for c in messages)


def test_publishing_while_disconnected_fails_at_once(events: Events, recorder: Recorder) -> None:
    mqtt = MqttClient(environment=Env(events))
    mqtt.publish("horde/x", b"lost", qos=1)
    assert recorder.only["exception"] == "not sent: The client is not currently connected."


def test_user_connects_to_its_host_and_port(
    broker: int, events: Events, recorder: Recorder
) -> None:
    class Sensor(MqttUser):
        host = "127.0.0.1"
        port = broker

    user = Sensor(Environment(events=events))
    try:
        assert user.client.wait_connected(10)
    finally:
        user.close_client()
    assert recorder.calls[0]["url"] == f"mqtt://127.0.0.1:{broker}"


def test_unreachable_broker_never_connects(events: Events) -> None:
    mqtt = MqttClient(environment=Env(events))
    mqtt.connect_async("127.0.0.1", free_port())
    mqtt.loop_start()
    try:
        assert not mqtt.wait_connected(0.3)
    finally:
        mqtt.loop_stop()
    # the wake-up socket pair is closed with the thread, not left to the garbage collector
    assert (mqtt._sockpairR, mqtt._sockpairW) == (None, None)


@pytest.fixture
def high_descriptors() -> Iterator[None]:
    """Occupy descriptors up to 1100, so that the next socket's number is past select()'s
    1024 (FD_SETSIZE): what a process with a few hundred MQTT users reaches."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 2048:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(2048, hard), hard))
    gc.collect()  # a socket an earlier test leaked would free its number mid-test
    held: list[int] = []
    try:
        while (fd := os.open(os.devnull, os.O_RDONLY)) < 1100:
            held.append(fd)
        os.close(fd)
        yield
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@pytest.mark.parametrize("use_loop_selectors", [True, False])
def test_use_loop_selectors_works_past_descriptor_1024(
    high_descriptors: None, broker: int, events: Events, recorder: Counted, use_loop_selectors: bool
) -> None:
    # Without gevent's patch (pytest runs unpatched), paho's select.select() cannot watch the
    # socket; use_loop_selectors waits with epoll instead, as Locust's option does.
    mqtt = MqttClient(environment=Env(events), use_loop_selectors=use_loop_selectors)
    mqtt.connect_async("127.0.0.1", broker)
    mqtt.loop_start()
    try:
        connected = mqtt.wait_connected(2 if not use_loop_selectors else 10)
        if use_loop_selectors:
            assert connected
            assert mqtt.socket().fileno() >= 1024
            mqtt.publish("horde/many", b"x", qos=1)
            recorder.wait_for(2)
            assert recorder.names() == ["connect", "publish:1:horde/many"]
            assert recorder.failures() == []
        else:
            assert not connected  # paho's own loop: "filedescriptor out of range in select()"
    finally:
        mqtt.disconnect()
        mqtt.loop_stop()
