"""WebSocketUser: connect, send, receive with a timeout, request/reply matching, subscriptions.

The library is websocket-client (``pip install 'horde[websocket]'``): it is synchronous and
thread-free, so on a gevent socket every blocking read or write yields to the event loop, with
no per-connection thread (websockets' sync client and simple-websocket start one for reading).
horde opens the TCP connection (and TLS) on gevent's own sockets and hands it over, so a
WebSocketUser cooperates with gevent whether or not the process is monkey-patched.

Each connection has one reader greenlet. Every message it reads goes, in this order, to the
:meth:`WebSocketClient.request` waiting for a reply it matches, to the subscriptions whose
``match`` accepts it (counted and recorded under the subscription's name), or to the inbox that
:meth:`WebSocketClient.receive` reads. A close from the server with a code other than 1000 is
recorded as a failure of ``close`` (its code as the status); waiting calls fail at once.

The inbox holds at most ``inbox_size`` unread messages (10,000 by default): a user that never
calls ``receive()`` on a chatty connection must not grow without bound. Past that the oldest
message is dropped, and each drop is recorded as a failure of ``inbox`` (so the reports show
how many) and counted in :attr:`WebSocketClient.dropped`; the first drop in a process also logs
one warning line saying how to avoid it.

The reader greenlet belongs to the client, not to a runner's group: :meth:`WebSocketClient.close`
kills it, and :class:`~horde.protocols.base.ProtocolUser` closes its client however the user
ends (stopped, killed, or ended by an exception). An exception raised by user code it calls (a
subscription's ``match`` or ``latency``) is reported as a user error and that message is
skipped; the reader goes on.
"""

from __future__ import annotations

import json
import logging
import ssl
import time
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from itertools import count
from typing import Any, ClassVar
from urllib.parse import urlsplit

import gevent
from gevent import socket as gsocket
from gevent.event import AsyncResult, Event
from gevent.lock import Semaphore

from horde.event import RequestEventHook
from horde.exceptions import ConfigError
from horde.protocols.base import ProtocolClient, ProtocolSample, ProtocolUser, missing_extra
from horde.protocols.socket import wrap_tls
from horde.protocols.websocket_messages import (
    ConnectionClosed,
    Matcher,
    Message,
    ReceiveTimeout,
    Subscription,
    any_message,
    json_id_matcher,
)

try:
    import websocket as wslib
except ImportError as exc:  # pragma: no cover - exercised in a venv without the extra
    raise missing_extra("WebSocketUser", "websocket-client", "websocket") from exc

INBOX_SIZE = 10_000
"""Unread messages kept for receive() by default; past this the oldest are dropped (recorded)."""
INBOX_FULL = "inbox"
"""The name each dropped message is recorded under, as a failure."""

logger = logging.getLogger(__name__)
_warned_full = False


class WebSocketClient(ProtocolClient):
    """One WebSocket connection; ``connect()`` is recorded as ``connect`` (TCP, TLS, upgrade)."""

    request_type = "websocket"
    failure_types = (OSError, wslib.WebSocketException)

    def __init__(
        self,
        request_event: RequestEventHook,
        url: str,
        *,
        user: Any = None,
        timeout: float = 10.0,
        ssl_context: ssl.SSLContext | None = None,
        headers: dict[str, str] | None = None,
        subprotocols: list[str] | None = None,
        inbox_size: int = INBOX_SIZE,
    ) -> None:
        super().__init__(request_event, user=user, url=url)
        if isinstance(inbox_size, bool) or not isinstance(inbox_size, int) or inbox_size < 1:
            raise ConfigError(f"inbox_size must be a whole number, at least 1, not {inbox_size!r}")
        self.timeout = timeout
        self.ssl_context = ssl_context
        self.headers = dict(headers or {})
        self.subprotocols = subprotocols
        self.ws: Any = None
        self.inbox_size = inbox_size
        self.inbox: deque[Message] = deque(maxlen=inbox_size)
        self.dropped = 0
        """Messages dropped from a full inbox (nobody called receive()); each is recorded."""
        self.subscriptions: list[Subscription] = []
        self._arrived = Event()
        self._waiters: list[tuple[Matcher, AsyncResult]] = []
        self._reader: gevent.Greenlet | None = None
        self._closed: ConnectionClosed | None = None
        self._send_lock = Semaphore()
        self._ids = count(1)

    # -- connection ------------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self.ws is not None and self._closed is None

    def connect(self, url: str | None = None, name: str = "connect") -> None:
        """Open the connection (closing any previous one); ``url`` replaces the client's."""
        self.close()
        if url is not None:
            self.url = url
        self.ws = self.call(name, self._open)
        self._closed = None
        self._reader = gevent.spawn(self._read_loop, self.ws)

    def _open(self) -> Any:
        url = self.url or ""
        parts = urlsplit(url)
        if parts.scheme not in ("ws", "wss") or not parts.hostname:
            raise ConfigError(f"WebSocket URL {url!r} must look like ws://HOST:PORT/PATH or wss://")
        port = parts.port or (443 if parts.scheme == "wss" else 80)
        sock = gsocket.create_connection((parts.hostname, port), timeout=self.timeout)
        sock.setsockopt(gsocket.IPPROTO_TCP, gsocket.TCP_NODELAY, 1)
        if parts.scheme == "wss":
            sock = wrap_tls(sock, self.ssl_context, parts.hostname)
        ws = wslib.WebSocket(enable_multithread=False, skip_utf8_validation=True)
        ws.lock = self._send_lock  # one writer at a time: the user and the reader's pongs
        try:
            ws.connect(  # type: ignore[no-untyped-call]
                url,
                socket=sock,
                header=self.headers,
                subprotocols=self.subprotocols,
                timeout=self.timeout,
            )
        except BaseException:
            sock.close()
            raise
        sock.settimeout(None)  # the reader waits for pushes; calls bound their own waits
        return ws

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection (a close frame, then the socket); nothing is recorded."""
        ws, self.ws = self.ws, None
        reader, self._reader = self._reader, None
        if ws is None:
            return
        if self._closed is None:
            with suppress(OSError, wslib.WebSocketException):  # already gone: that is fine
                ws.send_close(code, reason.encode())
        if reader is not None:
            reader.kill(block=False)
        ws.shutdown()
        self._fail_waiters(ConnectionClosed("connection closed by the client", code))

    # -- operations ------------------------------------------------------------------------------

    def send(self, message: Message, name: str = "send") -> None:
        """Send one text (str) or binary (bytes) message, recorded with its length."""
        with self.operation(name) as op:
            op["length"] = self._send(message)

    def send_json(self, value: Any, name: str = "send") -> None:
        self.send(json.dumps(value), name)

    def receive(self, timeout: float | None = None, name: str = "receive") -> Message:
        """The next message not taken by a request or subscription; waits up to ``timeout``."""
        return self.call(name, self._receive, self.timeout if timeout is None else timeout)

    def request(
        self,
        message: Message,
        match: Matcher | None = None,
        *,
        timeout: float | None = None,
        name: str = "request",
    ) -> Message:
        """Send ``message`` and return the first message ``match`` accepts (any, by default):
        one operation, timed from the send to that reply. Other messages go on as usual."""
        waiter: tuple[Matcher, AsyncResult] = (match or any_message, AsyncResult())
        self._waiters.append(waiter)
        try:
            return self.call(
                name,
                self._exchange,
                message,
                waiter[1],
                self.timeout if timeout is None else timeout,
            )
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    def request_json(
        self,
        payload: dict[str, Any],
        *,
        id_field: str = "id",
        timeout: float | None = None,
        name: str = "request",
    ) -> Any:
        """JSON-RPC style: add a fresh ``id`` to ``payload``, return the decoded reply whose
        ``id`` is the same (replies may come in any order; pushes in between go on as usual)."""
        request_id = next(self._ids)
        body = json.dumps({**payload, id_field: request_id})
        reply = self.request(
            body, json_id_matcher(id_field, request_id), timeout=timeout, name=name
        )
        return json.loads(reply)

    def subscribe(
        self,
        name: str,
        match: Matcher | None = None,
        latency: Callable[[Message], float] | None = None,
    ) -> Subscription:
        """Count every message ``match`` accepts (all, by default) under ``name``.

        Each one is recorded as a request named ``name`` with its size; ``latency(message)``
        (milliseconds, e.g. from a timestamp the server puts in it) becomes its response time.
        """
        subscription = Subscription(name, match or any_message, latency)
        self.subscriptions.append(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        subscription.active = False
        if subscription in self.subscriptions:
            self.subscriptions.remove(subscription)

    # -- internals -------------------------------------------------------------------------------

    def _send(self, message: Message) -> int:
        if self.ws is None:
            self.connect()
        if self._closed is not None:
            raise self._closed
        opcode = wslib.ABNF.OPCODE_TEXT if isinstance(message, str) else wslib.ABNF.OPCODE_BINARY
        self.ws.send(message, opcode)
        return len(message)

    def _exchange(self, message: Message, result: AsyncResult, timeout: float) -> Message:
        self._send(message)
        try:
            reply: Message = result.get(timeout=timeout)
        except gevent.Timeout:
            raise ReceiveTimeout(f"no matching reply within {timeout:g} s") from None
        return reply

    def _receive(self, timeout: float) -> Message:
        if self.ws is None:
            self.connect()
        deadline = time.monotonic() + timeout
        while not self.inbox:
            if self._closed is not None:
                raise self._closed
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._arrived.wait(remaining):
                raise ReceiveTimeout(f"no message within {timeout:g} s")
            self._arrived.clear()
        return self.inbox.popleft()

    def length_of(self, result: Any) -> int:
        return len(result) if isinstance(result, str | bytes) else 0

    @property
    def reader(self) -> gevent.Greenlet | None:
        """The greenlet reading the open connection (None when there is none)."""
        return self._reader

    def _read_loop(self, ws: Any) -> None:
        """The reader greenlet: dispatch each message until the connection ends."""
        try:
            while True:
                opcode, data = ws.recv_data()
                if opcode == wslib.ABNF.OPCODE_CLOSE:
                    self._server_closed(data)
                    return
                message: Message = data.decode() if opcode == wslib.ABNF.OPCODE_TEXT else data
                try:
                    self._dispatch(message)
                except Exception as exc:  # noqa: BLE001 - user code (match, latency): reported
                    self._user_code_failed(exc)
        except (OSError, wslib.WebSocketException) as exc:
            if self.ws is ws:  # not a close() of ours
                self._lost(exc)

    def _user_code_failed(self, exc: Exception) -> None:
        """A subscription's ``match`` or ``latency`` raised: a user error, as in a task."""
        environment = getattr(self.user, "environment", None)
        if environment is not None:
            environment.events.user_error.fire(
                user_instance=self.user, exception=exc, tb=exc.__traceback__
            )
        logger.error(
            "error in a WebSocket subscription's function on %s (message skipped): %s: %s",
            self.url,
            type(exc).__name__,
            exc,
        )

    def _dispatch(self, message: Message) -> None:
        for matcher, result in self._waiters:
            if not result.ready() and matcher(message):
                result.set(message)
                return
        for subscription in self.subscriptions:
            if subscription.match(message):
                subscription.count += 1
                subscription.bytes += len(message)
                subscription.last = message
                latency = subscription.latency(message) if subscription.latency else None
                self.record(subscription.name, latency, len(message))
                return
        if len(self.inbox) == self.inbox_size:
            self._drop_oldest()
        self.inbox.append(message)
        self._arrived.set()

    def _drop_oldest(self) -> None:
        """The inbox is full: the oldest message goes, and that is recorded as a failure."""
        global _warned_full
        self.dropped += 1
        oldest = self.inbox[0]
        self.record(
            INBOX_FULL,
            None,
            len(oldest),
            failure=f"inbox full ({self.inbox_size} unread messages): the oldest was dropped",
        )
        if not _warned_full:
            _warned_full = True
            logger.warning(
                "WebSocket inbox full on %s: %d messages nobody read with receive(); dropping "
                "the oldest from now on (each is recorded as a failure of %r). Read them, or "
                "count them with subscribe(), or raise inbox_size",
                self.url,
                self.inbox_size,
                INBOX_FULL,
            )

    def _server_closed(self, data: bytes) -> None:
        code = int.from_bytes(data[:2], "big") if len(data) >= 2 else 1005
        reason = data[2:].decode("utf-8", errors="replace")
        closed = ConnectionClosed(
            f"closed by the server with code {code}" + (f": {reason}" if reason else ""), code
        )
        if code not in (1000, 1001):
            self.record(
                "close",
                None,
                failure=self.describe_error(closed),
                sample=ProtocolSample(status_code=code, url=self.url, content=reason),
            )
        self._end(closed)

    def _lost(self, exc: BaseException) -> None:
        closed = ConnectionClosed(f"connection lost: {self.describe_error(exc)}")
        self.record("connection", None, failure=self.describe_error(closed))
        self._end(closed)

    def _end(self, closed: ConnectionClosed) -> None:
        self._closed = closed
        self._arrived.set()
        self._fail_waiters(closed)

    def _fail_waiters(self, error: ConnectionClosed) -> None:
        for _, result in self._waiters:
            if not result.ready():
                result.set_exception(error)

    def sample_of(self, exc: BaseException) -> ProtocolSample:
        if isinstance(exc, wslib.WebSocketBadStatusException):
            return ProtocolSample(
                status_code=exc.status_code,
                url=self.url,
                headers={str(k): str(v) for k, v in (exc.resp_headers or {}).items()},
                content=exc.resp_body,
            )
        if isinstance(exc, ConnectionClosed):
            return ProtocolSample(status_code=exc.code, url=self.url)
        return ProtocolSample(url=self.url)

    def describe_error(self, exc: BaseException) -> str:
        if isinstance(exc, wslib.WebSocketBadStatusException):
            return f"handshake refused: HTTP {exc.status_code} {exc.status_message or ''}".rstrip()
        return super().describe_error(exc)


class WebSocketUser(ProtocolUser):
    """A user with ``self.client``, a :class:`WebSocketClient` for ``host`` + :attr:`path`.

    The connection opens on first use, or call ``self.client.connect()`` in ``on_start``; it is
    closed after ``on_stop``.
    """

    abstract = True
    path: ClassVar[str] = ""
    """Appended to the host: ``host = "ws://127.0.0.1:8765"``, ``path = "/chat"``."""
    timeout: ClassVar[float] = 10.0
    """Seconds for connecting and, by default, for each receive or request."""
    ssl_context: ClassVar[ssl.SSLContext | None] = None
    """For wss:// (None: verify against the system's CAs)."""
    headers: ClassVar[dict[str, str]] = {}
    subprotocols: ClassVar[list[str] | None] = None
    inbox_size: ClassVar[int] = INBOX_SIZE
    """Unread messages kept for ``receive()``; past this the oldest are dropped (recorded)."""
    client: WebSocketClient

    def make_client(self) -> WebSocketClient:
        host = self.require_host("ws://HOST:PORT")
        return WebSocketClient(
            self.environment.events.request,
            host.rstrip("/") + self.path if self.path else host,
            user=self,
            timeout=self.timeout,
            ssl_context=self.ssl_context,
            headers=self.headers,
            subprotocols=self.subprotocols,
            inbox_size=self.inbox_size,
        )
