"""MqttClient / MqttUser against a real Mosquitto broker on loopback."""

from __future__ import annotations

import threading
from collections.abc import Iterator

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


def wait_for(recorder: Recorder, count: int) -> None:
    """Wait (bounded) until ``count`` requests were recorded by paho's thread."""
    done = threading.Event()
    for _ in range(200):
        if len(recorder.calls) >= count:
            return
        done.wait(0.05)
    raise AssertionError(f"only {len(recorder.calls)} of {count} recorded: {recorder.names()}")


@pytest.mark.parametrize("qos", [0, 1, 2])
def test_publish_is_timed_to_its_acknowledgement(
    client: MqttClient, recorder: Recorder, qos: int
) -> None:
    client.publish("horde/test", b"hello", qos=qos)
    wait_for(recorder, 2)
    connect, publish = recorder.calls[:2]
    assert connect["name"] == "connect" and connect["exception"] is None
    assert publish["name"] == f"publish:{qos}:horde/test"
    assert publish["request_type"] == "MQTT"
    assert publish["response_length"] == 5
    assert publish["exception"] is None


def test_subscribe_then_messages_are_counted(client: MqttClient, recorder: Recorder) -> None:
    client.subscribe("horde/sub/#", qos=1)
    wait_for(recorder, 2)
    for i in range(3):
        client.publish(f"horde/sub/{i}", b"x" * i, qos=1)
    wait_for(recorder, 2 + 3 + 3)
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
