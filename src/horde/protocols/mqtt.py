"""MqttUser: publish and subscribe timed to the broker's acknowledgement, per QoS.

The library is paho-mqtt 2 (``pip install 'horde[mqtt]'``). Each user's client runs paho's
network loop in a thread of its own (``loop_start``), which the ``horde`` command's gevent patch
turns into a greenlet waiting on gevent's ``select``: no OS thread per user, no blocking.

What is recorded (request type ``MQTT``, names as Locust's ``locust.contrib.mqtt`` makes them,
``publish:QOS:TOPIC`` / ``subscribe:QOS:TOPIC``, overridable by ``_generate_event_name``):

* ``connect``: from the connect call to the broker's CONNACK; a refusal is a failure with the
  reason (bad credentials, not authorised...). ``wait_connected(timeout)`` waits for it.
* ``publish``: QoS 0 until paho wrote it, QoS 1 until PUBACK, QoS 2 until PUBCOMP; the payload
  size is its length. A publish refused locally (not connected, queue full) fails at once.
* ``subscribe``: until SUBACK; a topic the broker refuses (0x80) is a failure.
* ``message:QOS:TOPIC``: every message received, counted, with its size (no response time).
* ``disconnect``: an unexpected one is a failure with the broker's reason.
"""

from __future__ import annotations

import random
import selectors
import string
import threading
import time
from contextlib import suppress
from typing import Any, ClassVar, NamedTuple

from horde.protocols.base import ProtocolClient, ProtocolSample, ProtocolUser, missing_extra

try:
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, _ConnectionState
except ImportError as exc:  # pragma: no cover - exercised in a venv without the extra
    raise missing_extra("MqttUser", "paho-mqtt", "mqtt") from exc

REQUEST_TYPE = "MQTT"
SUBACK_FAILURE = 0x80
_ENDING = (_ConnectionState.MQTT_CS_DISCONNECTING, _ConnectionState.MQTT_CS_DISCONNECTED)


class PublishedMessageContext(NamedTuple):
    """What is kept of a publish until the broker acknowledges it (Locust's name)."""

    qos: int
    topic: str
    start_time: float
    payload_size: int


def _random_id() -> str:
    return "horde-" + "".join(random.choices(string.ascii_letters + string.digits, k=16))


def _payload_size(payload: Any) -> int:
    return len(payload) if isinstance(payload, str | bytes | bytearray) else 0


class _Recorder(ProtocolClient):
    request_type = REQUEST_TYPE


class MqttClient(mqtt.Client):
    """paho's Client, recording connects, publishes, subscriptions and messages."""

    def __init__(
        self,
        *,
        environment: Any,
        client_id: str | None = None,
        protocol: Any = mqtt.MQTTv311,
        use_loop_selectors: bool = False,
        **kwargs: Any,
    ) -> None:
        # A client id of our own (at most 23 characters, as MQTT 3.1.1 allows), so that
        # the client can name itself even when a broker would have assigned one.
        client_id = client_id or _random_id()
        super().__init__(
            CallbackAPIVersion.VERSION2, client_id=client_id, protocol=protocol, **kwargs
        )
        self.environment = environment
        self.client_id = client_id
        self.use_loop_selectors = use_loop_selectors
        self.recorder = _Recorder(environment.events.request, url=None)
        self.connected_event = threading.Event()
        self._publish_requests: dict[int, PublishedMessageContext] = {}
        self._subscribe_requests: dict[int, tuple[int, str, float]] = {}
        self._early_acks: dict[int, tuple[Any, float]] = {}
        self._acks_lock = threading.Lock()
        self._connect_started: float | None = None
        self.on_connect = self._cb_connect
        self.on_publish = self._cb_publish
        self.on_subscribe = self._cb_subscribe
        self.on_disconnect = self._cb_disconnect

    def _generate_event_name(self, event_type: str, qos: int, topic: str) -> str:
        return f"{event_type}:{qos}:{topic}"

    def _report(
        self,
        name: str,
        started: float | None,
        length: int = 0,
        failure: str | None = None,
        *,
        ended: float | None = None,
    ) -> None:
        if started is None:
            elapsed = None
        else:
            elapsed = ((time.time() if ended is None else ended) - started) * 1000.0
        sample = ProtocolSample(url=self.recorder.url) if failure else None
        self.recorder.record(
            name, elapsed, length, start_time=started, failure=failure, sample=sample
        )

    # -- connecting ------------------------------------------------------------------------------

    def connect_async(self, host: str, port: int = 1883, *args: Any, **kwargs: Any) -> None:
        self.recorder.url = f"mqtt://{host}:{port}"
        self._connect_started = time.time()
        super().connect_async(host, port, *args, **kwargs)

    def connect(self, host: str, port: int = 1883, *args: Any, **kwargs: Any) -> MQTTErrorCode:
        self.recorder.url = f"mqtt://{host}:{port}"
        self._connect_started = time.time()
        return super().connect(host, port, *args, **kwargs)

    def wait_connected(self, timeout: float = 10.0) -> bool:
        """Wait until the broker accepted the connection; False after ``timeout`` seconds."""
        return self.connected_event.wait(timeout)

    def _cb_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        failed = reason.is_failure if hasattr(reason, "is_failure") else reason != 0
        self._report(
            "connect", self._connect_started, failure=f"refused: {reason}" if failed else None
        )
        if not failed:
            self.connected_event.set()

    def _cb_disconnect(
        self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        self.connected_event.clear()
        failed = reason.is_failure if hasattr(reason, "is_failure") else reason != 0
        self._report("disconnect", None, failure=f"disconnected: {reason}" if failed else None)

    def loop_stop(self) -> MQTTErrorCode:
        """Stop the network thread, then close its wake-up socket pair.

        paho leaves the pair open until the client is garbage-collected (its ``__del__``), and
        the client is in a reference cycle (its callbacks are its own methods): every user
        stopped would hold two sockets until the next full collection.
        """
        rc: MQTTErrorCode = super().loop_stop()
        if self._thread is None:
            self._reset_sockets(sockpair_only=True)
        return rc

    # -- the network loop ------------------------------------------------------------------------

    def _loop(self, timeout: float = 1.0) -> MQTTErrorCode:
        """paho's loop step; with ``use_loop_selectors``, waiting through ``selectors``.

        paho waits with ``select.select``, which cannot watch a descriptor numbered 1024 or more
        (past about 340 connections with their socket pairs), unless gevent patched it: under the
        ``horde`` command it is gevent's and has no such limit. A program using the client
        without patching sets ``use_loop_selectors`` (Locust's option of the same name) to wait
        with the platform's best selector (epoll) instead.
        """
        if not self.use_loop_selectors:
            result: MQTTErrorCode = super()._loop(timeout)
            return result
        return self._loop_selector(timeout)

    def _loop_selector(self, timeout: float) -> MQTTErrorCode:
        sock, wake = self._sock, self._sockpairR
        if sock is None:
            return MQTTErrorCode.MQTT_ERR_NO_CONN
        pending = sock.pending() if hasattr(sock, "pending") else 0  # TLS bytes already read
        watch = selectors.EVENT_READ | (selectors.EVENT_WRITE if self.want_write() else 0)
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(sock, watch)
                if wake is not None:
                    selector.register(wake, selectors.EVENT_READ)
                ready = selector.select(0.0 if pending else timeout)
        except (OSError, ValueError, KeyError):  # the socket closed under us (a disconnect)
            if self._state not in _ENDING:
                self._state = _ConnectionState.MQTT_CS_CONNECTION_LOST
            return MQTTErrorCode.MQTT_ERR_CONN_LOST
        events = {key.fileobj: mask for key, mask in ready}
        if events.get(sock, 0) & selectors.EVENT_READ or pending:
            rc: MQTTErrorCode = self.loop_read()
            if rc or self._sock is None:
                return rc
        writable = bool(events.get(sock, 0) & selectors.EVENT_WRITE)
        if wake is not None and wake in events:  # publish() & co. queued a packet: write it now
            writable = True
            with suppress(BlockingIOError):
                wake.recv(10_000)
        if writable:
            rc = self.loop_write()
            if rc or self._sock is None:
                return rc
        done: MQTTErrorCode = self.loop_misc()
        return done

    # -- publishing ------------------------------------------------------------------------------

    def publish(
        self,
        topic: str,
        payload: Any = None,
        qos: int = 0,
        retain: bool = False,
        properties: Any = None,
    ) -> mqtt.MQTTMessageInfo:
        """Publish; recorded when the broker acknowledges it (as its QoS defines)."""
        context = PublishedMessageContext(qos, topic, time.time(), _payload_size(payload))
        info = super().publish(
            topic, payload=payload, qos=qos, retain=retain, properties=properties
        )
        if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
            name = self._generate_event_name("publish", qos, topic)
            self._report(name, None, failure=f"not sent: {mqtt.error_string(info.rc)}")
            return info
        early = self._pending(self._publish_requests, info.mid, context)
        if early is not None:  # acknowledged while publish() was still sending
            self._publish_acked(context, *early)
        return info

    def _cb_publish(self, client: Any, userdata: Any, mid: int, reason: Any, props: Any) -> None:
        context = self._acknowledged(self._publish_requests, mid, reason)
        if context is not None:
            self._publish_acked(context, reason, time.time())

    def _publish_acked(self, context: PublishedMessageContext, reason: Any, at: float) -> None:
        name = self._generate_event_name("publish", context.qos, context.topic)
        failed = reason.is_failure if hasattr(reason, "is_failure") else False
        failure = f"refused by the broker: {reason}" if failed else None
        self._report(name, context.start_time, context.payload_size, failure, ended=at)

    # -- acknowledgements that may overtake their request -------------------------------------

    def _pending(
        self, requests: dict[int, Any], mid: int, request: Any
    ) -> tuple[Any, float] | None:
        """Register ``request`` as awaiting its acknowledgement, unless that already came.

        paho's network thread can read the broker's acknowledgement before ``publish()`` or
        ``subscribe()`` returns the message id to register (the sender descheduled right after
        queueing its packet). The callback then leaves it in ``_early_acks``; both sides run under
        one lock so that every acknowledgement is matched exactly once.
        """
        with self._acks_lock:
            early: tuple[Any, float] | None = self._early_acks.pop(mid, None)
            if early is None:
                requests[mid] = request
            return early

    def _acknowledged(self, requests: dict[int, Any], mid: int, reason: Any) -> Any:
        """The request ``mid`` acknowledges, or None (kept for :meth:`_pending` to find)."""
        with self._acks_lock:
            request = requests.pop(mid, None)
            if request is None:
                self._early_acks[mid] = (reason, time.time())
            return request

    # -- subscribing -----------------------------------------------------------------------------

    def subscribe(
        self, topic: Any, qos: int = 0, options: Any = None, properties: Any = None
    ) -> tuple[MQTTErrorCode, int | None]:
        """Subscribe; recorded when the broker grants (or refuses) it."""
        started = time.time()
        first = topic if isinstance(topic, str) else topic[0][0]
        result, mid = super().subscribe(topic, qos, options, properties)
        name = self._generate_event_name("subscribe", qos, first)
        if result != MQTTErrorCode.MQTT_ERR_SUCCESS:
            self._report(name, None, failure=f"not sent: {mqtt.error_string(result)}")
        elif mid is not None:
            request = (qos, first, started)
            early = self._pending(self._subscribe_requests, mid, request)
            if early is not None:  # granted while subscribe() was still sending
                self._subscribe_acked(request, *early)
        return result, mid

    def _cb_subscribe(self, client: Any, userdata: Any, mid: int, reasons: Any, props: Any) -> None:
        request = self._acknowledged(self._subscribe_requests, mid, reasons)
        if request is not None:
            self._subscribe_acked(request, reasons, time.time())

    def _subscribe_acked(self, request: tuple[int, str, float], reasons: Any, at: float) -> None:
        qos, topic, started = request
        values = [getattr(r, "value", r) for r in reasons]
        refused = any(v >= SUBACK_FAILURE for v in values)
        failure = f"subscription refused by the broker: {values}" if refused else None
        name = self._generate_event_name("subscribe", qos, topic)
        self._report(name, started, 0, failure, ended=at)

    def _handle_on_message(self, message: Any) -> None:
        """Count every message, whichever callback (``on_message`` or a topic's) gets it."""
        name = self._generate_event_name("message", message.qos, message.topic)
        self.recorder.record(name, None, len(message.payload))
        super()._handle_on_message(message)


class MqttUser(ProtocolUser):
    """A user with ``self.client``, an :class:`MqttClient` connected to ``host``:``port``.

    The attributes are Locust's: ``host``, ``port``, ``transport`` ("tcp" or "websockets"),
    ``ws_path``, ``tls_context``, ``client_cls``, ``client_id``, ``username``, ``password``,
    ``protocol``, ``use_loop_selectors`` (wait with epoll rather than ``select``: needed only
    without gevent's patch, past descriptor 1024; see :meth:`MqttClient._loop`). The
    connection starts in the constructor; ``self.client.wait_connected()`` in ``on_start``
    waits for the broker's answer.
    """

    abstract = True
    host: ClassVar[str | None] = "localhost"
    port: ClassVar[int] = 1883
    transport: ClassVar[str] = "tcp"
    ws_path: ClassVar[str] = "/mqtt"
    tls_context: ClassVar[Any] = None
    client_cls: ClassVar[type[MqttClient]] = MqttClient
    client_id: ClassVar[str | None] = None
    username: ClassVar[str | None] = None
    password: ClassVar[str | None] = None
    protocol: ClassVar[Any] = mqtt.MQTTv311
    use_loop_selectors: ClassVar[bool] = False
    client: MqttClient

    def make_client(self) -> MqttClient:
        client = self.client_cls(
            environment=self.environment,
            transport=self.transport,
            client_id=self.client_id,
            protocol=self.protocol,
            use_loop_selectors=self.use_loop_selectors,
        )
        if self.tls_context:
            client.tls_set_context(self.tls_context)
        if self.transport == "websockets" and self.ws_path:
            client.ws_set_options(path=self.ws_path)
        if self.username and self.password:
            client.username_pw_set(self.username, self.password)
        host = self.require_host("localhost").removeprefix("mqtt://").rstrip("/")
        hostname, _, port = host.partition(":")
        client.connect_async(hostname, int(port) if port.isdigit() else self.port)
        client.loop_start()
        return client

    def close_client(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
