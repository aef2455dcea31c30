"""In-process transport: queues between greenlets, for tests of the master and worker logic.

Same contract as the ZeroMQ transport (see :mod:`horde.transport`), without sockets: a test runs
a master and several workers in one process, deterministically, and can cut a link
(:meth:`InprocClient.close`, like a worker killed with SIGKILL) or inject raw frames
(:meth:`InprocServer.inject`, like a hostile peer).
"""

from __future__ import annotations

import time

from gevent.queue import Empty, Queue

from horde.exceptions import TransportError
from horde.transport import Frames

_CLOSED = object()


class InprocServer:
    """The master's end. Workers join with :meth:`connect`."""

    def __init__(self, name: str = "test") -> None:
        self._endpoint = f"inproc://{name}"
        self._inbox: Queue[tuple[bytes, Frames] | object] = Queue()
        self._peers: dict[bytes, InprocClient] = {}
        self._closed = False
        self._idle_at = time.monotonic()
        self._waiting = False

    @property
    def endpoint(self) -> str:
        return self._endpoint

    def lag(self) -> float:
        return 0.0 if self._waiting else time.monotonic() - self._idle_at

    def connect(self, identity: bytes) -> InprocClient:
        if identity in self._peers:
            raise TransportError(f"identity {identity!r} is already connected")
        client = InprocClient(self, identity)
        self._peers[identity] = client
        return client

    def inject(self, peer: bytes, frames: Frames) -> None:
        """Deliver ``frames`` as if ``peer`` had sent them (malformed input, impostors)."""
        self._inbox.put((peer, list(frames)))

    def recv(self) -> tuple[bytes, Frames]:
        if self._inbox.empty():
            self._waiting = True
            try:
                item = self._inbox.get()
            finally:
                self._waiting = False
                self._idle_at = time.monotonic()
        else:
            item = self._inbox.get()
        if item is _CLOSED:
            self._inbox.put(_CLOSED)
            raise TransportError("the transport is closed")
        peer, frames = item
        return peer, frames

    def send(self, peer: bytes, frames: Frames) -> None:
        client = self._peers.get(peer)
        if client is not None and not self._closed:
            client._inbox.put(list(frames))

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._inbox.put(_CLOSED)

    def _left(self, client: InprocClient) -> None:
        if self._peers.get(client.identity) is client:
            del self._peers[client.identity]


class InprocClient:
    """A worker's end, created by :meth:`InprocServer.connect`."""

    def __init__(self, server: InprocServer, identity: bytes) -> None:
        self.identity = identity
        self._server = server
        self._inbox: Queue[list[bytes]] = Queue()
        self._closed = False
        self.full = False
        """Set by a test: the send queue is full (``writable()`` is False), as when a master
        cannot keep up."""

    def recv(self, timeout: float | None = None) -> Frames | None:
        if self._closed:
            raise TransportError("the link to the master is closed")
        try:
            frames: Frames = self._inbox.get(timeout=timeout)
        except Empty:
            return None
        return frames

    def writable(self) -> bool:
        return not self._closed and not self.full

    def send(self, frames: Frames) -> None:
        if self._closed:
            raise TransportError("the link to the master is closed")
        self._server._inbox.put((self.identity, list(frames)))

    def close(self, linger: float = 0.0) -> None:
        """Cut the link: nothing more is sent or received (what was sent is delivered)."""
        if not self._closed:
            self._closed = True
            self._server._left(self)
