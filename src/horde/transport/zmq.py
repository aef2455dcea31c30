"""ZeroMQ transport: a ROUTER socket on the master, a DEALER socket per worker.

The only module that imports zmq (``zmq.green``, so waiting on a socket yields to the other
greenlets instead of blocking the process). Frames are opaque here; decoding, validation and
authentication happen in :mod:`horde.runners.protocol`.

Choices, and why:

* ``MAXMSGSIZE`` bounds what a peer can make the master allocate for one message; ZeroMQ drops
  the connection of a peer that sends more.
* ``ROUTER_HANDOVER`` stays off: a second connection using the identity of a connected worker is
  refused by ZeroMQ itself, so nobody can slip messages into an authenticated worker's stream
  (and every message of an authenticated link carries a MAC anyway).
* The master sends without blocking: a message to a peer that is gone, or whose queue is full,
  is dropped (heartbeats notice the peer). A worker waits at most :data:`SEND_TIMEOUT` seconds.
* TCP keepalive so a dead peer behind a NAT or a load balancer is noticed by the kernel too.
"""

from __future__ import annotations

import re
import time

import gevent
import zmq.green as zmq

from horde.exceptions import TransportError
from horde.transport import Frames

MAX_MESSAGE_BYTES = 64 * 1024 * 1024
"""The largest message the master accepts (a report of 50,000 request names is about 5 MB)."""
SEND_TIMEOUT = 10.0
"""Seconds a worker waits to hand a message to ZeroMQ before giving up (master unreachable)."""
HIGH_WATER_MARK = 100
"""Messages queued per peer (both ways) before the master drops and a worker holds back its
reports (its statistics keep accumulating and go in the next report that fits): a master that
cannot keep up holds at most this many messages per worker, not an unbounded backlog."""


_MAPPED = re.compile(r"tcp://\[::ffff:([0-9.]+)\]:")
"""An IPv4 address as a dual-stack socket reports it (``[::ffff:127.0.0.1]``)."""


class _TimedOut(Exception):  # noqa: N818 - a private signal, not an error
    """Raised by gevent.Timeout inside :meth:`ZmqClient.recv` (never seen by callers)."""


def tcp_endpoint(host: str, port: int | str) -> str:
    """``tcp://HOST:PORT``, with brackets around an IPv6 address."""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"tcp://{host}:{port}"


def _tune(socket: zmq.Socket) -> None:  # type: ignore[type-arg]
    socket.setsockopt(zmq.IPV6, 1)
    socket.setsockopt(zmq.TCP_KEEPALIVE, 1)
    socket.setsockopt(zmq.TCP_KEEPALIVE_IDLE, 30)
    socket.setsockopt(zmq.SNDHWM, HIGH_WATER_MARK)
    socket.setsockopt(zmq.RCVHWM, HIGH_WATER_MARK)


class ZmqServer:
    """The master's ROUTER socket, bound to ``endpoint`` (``tcp://HOST:PORT`` or ``ipc://PATH``;
    port ``0`` binds any free port, read back from :attr:`endpoint`)."""

    def __init__(self, endpoint: str) -> None:
        self._context = zmq.Context()
        self._socket = self._context.socket(zmq.ROUTER)
        _tune(self._socket)
        self._socket.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        self._socket.setsockopt(zmq.LINGER, 1000)
        wanted = (
            endpoint[:-2] + ":*"
            if endpoint.startswith("tcp://") and endpoint.endswith(":0")
            else endpoint
        )
        try:
            self._socket.bind(wanted)
        except zmq.ZMQError as exc:
            self._socket.close(linger=0)
            self._context.term()
            raise TransportError(f"cannot listen on {endpoint}: {exc.strerror}") from exc
        last = self._socket.getsockopt(zmq.LAST_ENDPOINT)
        text = last.decode() if isinstance(last, bytes) else str(last)
        self._endpoint = _MAPPED.sub(r"tcp://\1:", text)
        self._idle_at = time.monotonic()
        self._waiting = False
        self._closed = False

    @property
    def endpoint(self) -> str:
        return self._endpoint

    def lag(self) -> float:
        """Seconds since the receiver last found nothing waiting (0 while it waits)."""
        return 0.0 if self._waiting else time.monotonic() - self._idle_at

    def recv(self) -> tuple[bytes, Frames]:
        try:
            try:
                parts = self._socket.recv_multipart(flags=zmq.NOBLOCK, copy=True)
            except zmq.Again:
                self._waiting = True  # nothing was waiting: the master is keeping up
                try:
                    parts = self._socket.recv_multipart(copy=True)
                finally:
                    self._waiting = False
                    self._idle_at = time.monotonic()
        except zmq.ZMQError as exc:
            raise TransportError(f"receiving failed: {exc.strerror}") from exc
        return parts[0], parts[1:]

    def send(self, peer: bytes, frames: Frames) -> None:
        if self._closed:
            return
        try:
            self._socket.send_multipart([peer, *frames], flags=zmq.NOBLOCK, copy=True)
        except zmq.Again:
            return  # the peer's queue is full or it is gone: dropped, heartbeats tell
        except zmq.ZMQError as exc:
            raise TransportError(f"sending failed: {exc.strerror}") from exc

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._socket.close(linger=1000)
        self._context.term()


class ZmqClient:
    """A worker's DEALER socket connected to ``endpoint``, named ``identity``.

    Connecting never fails at once: ZeroMQ retries in the background until the master listens,
    so the handshake's timeout decides when to give up.
    """

    def __init__(self, endpoint: str, identity: bytes) -> None:
        self.identity = identity
        self._context = zmq.Context()
        self._socket = self._context.socket(zmq.DEALER)
        _tune(self._socket)
        self._socket.setsockopt(zmq.IDENTITY, identity)
        self._socket.setsockopt(zmq.SNDTIMEO, int(SEND_TIMEOUT * 1000))
        self._socket.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        try:
            self._socket.connect(endpoint)
        except zmq.ZMQError as exc:
            self._socket.close(linger=0)
            self._context.term()
            raise TransportError(f"cannot connect to {endpoint}: {exc.strerror}") from exc
        self._closed = False

    def recv(self, timeout: float | None = None) -> Frames | None:
        # gevent.Timeout, not socket.poll(): zmq.green's poll is select(), which fails for a
        # file descriptor above 1023, and a worker with a thousand users has that many sockets.
        # A multipart message arrives whole, so the timeout can only cut the wait for it.
        try:
            with gevent.Timeout(timeout, _TimedOut):
                frames: Frames = self._socket.recv_multipart(copy=True)
        except _TimedOut:
            return None
        except zmq.ZMQError as exc:
            raise TransportError(f"receiving failed: {exc.strerror}") from exc
        return frames

    def writable(self) -> bool:
        """Whether a message would be queued without waiting (the queue is not full)."""
        try:
            events = self._socket.getsockopt(zmq.EVENTS)
            return isinstance(events, int) and bool(events & zmq.POLLOUT)
        except zmq.ZMQError:
            return False

    def send(self, frames: Frames) -> None:
        if self._closed:
            raise TransportError("the link to the master is closed")
        try:
            self._socket.send_multipart(frames, copy=True)
        except zmq.Again as exc:
            raise TransportError(
                f"the master did not take a message for {SEND_TIMEOUT:g} s: is it reachable?"
            ) from exc
        except zmq.ZMQError as exc:
            raise TransportError(f"sending failed: {exc.strerror}") from exc

    def close(self, linger: float = 0.0) -> None:
        if self._closed:
            return
        self._closed = True
        self._socket.close(linger=int(linger * 1000))
        self._context.term()
