"""Transports: how frames travel between a master and its workers.

Two small protocols with one contract, so the master and worker runners never know whether they
talk over ZeroMQ (:mod:`horde.transport.zmq`, the only module importing zmq) or over in-process
queues (:mod:`horde.transport.inproc`, for fast deterministic tests of the runners' logic).

Contract (both ends):

* A message is a list of byte strings (*frames*): the encoded message, and its MAC when the
  link is authenticated (:mod:`horde.runners.protocol` decides what goes in them).
* ``recv`` blocks only the calling greenlet until a message arrives; it raises
  :class:`~horde.exceptions.TransportError` once the transport is closed.
* ``send`` never blocks for long: a message to a peer that is gone or too slow is dropped by the
  server end (the heartbeat notices the peer), while the client end waits at most its send
  timeout and then raises TransportError. Sending is safe from any greenlet.
* ``close`` is idempotent; the client end first tries for ``linger`` seconds to deliver what was
  already queued (a worker's final report must not die in its send queue).
* Peers are named by the identity the client chose (``client_id``, bytes); the server end learns
  it from the first message of each peer.
"""

from __future__ import annotations

from typing import Protocol

Frames = list[bytes]


class ServerTransport(Protocol):
    """The master's end: one socket, many peers."""

    def lag(self) -> float:
        """Seconds since ``recv`` last found no message waiting (0 while it waits for one):
        more than a heartbeat interval means the master is behind its workers' messages, so
        their heartbeats are queued, not missing."""
        ...

    @property
    def endpoint(self) -> str:
        """Where it listens, with the port actually bound (``tcp://127.0.0.1:41234``)."""
        ...

    def recv(self) -> tuple[bytes, Frames]:
        """The next message: ``(peer identity, frames)``."""
        ...

    def send(self, peer: bytes, frames: Frames) -> None: ...

    def close(self) -> None: ...


class ClientTransport(Protocol):
    """A worker's end: one link to the master."""

    identity: bytes

    def recv(self, timeout: float | None = None) -> Frames | None:
        """The next message, or None after ``timeout`` seconds without one."""
        ...

    def writable(self) -> bool:
        """Whether ``send`` would queue a message without waiting (the queue is not full)."""
        ...

    def send(self, frames: Frames) -> None: ...

    def close(self, linger: float = 0.0) -> None: ...


__all__ = ["ClientTransport", "Frames", "ServerTransport"]
