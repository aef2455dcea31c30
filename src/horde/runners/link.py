"""One link between a worker and its master: the handshake, then sealed or plain messages.

The worker's side is :class:`WorkerLink`; the master's side of the handshake is
:class:`Admission` (one per connecting worker). See :mod:`horde.runners.auth` for what the
secret buys and :mod:`horde.runners.protocol` for the messages.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from typing import Any

from horde._version import __version__
from horde.exceptions import ProtocolError, RefusedError, TransportError
from horde.runners import auth
from horde.runners.protocol import (
    PROTOCOL_VERSION,
    Auth,
    Bye,
    Challenge,
    Hello,
    Refused,
    Welcome,
    decode,
    encode,
)
from horde.transport import ClientTransport

CONNECT_TIMEOUT = 60.0
"""Seconds a worker waits for the master's answer to its ``hello``."""


def tcp_address(host: str, port: int) -> str:
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"tcp://{host}:{port}"


def connect(endpoint: str, identity: bytes) -> ClientTransport:
    """A ZeroMQ link to ``endpoint`` (imported here: a local run never loads zmq)."""
    from horde.transport.zmq import ZmqClient  # noqa: PLC0415 - only distributed runs need zmq

    return ZmqClient(endpoint, identity)


class WorkerLink:
    """The worker's end: handshake, then every message sealed when there is a secret."""

    def __init__(
        self,
        transport: ClientTransport,
        endpoint: str,
        secret: bytes | None,
        connect_timeout: float = CONNECT_TIMEOUT,
    ) -> None:
        self.transport = transport
        self.endpoint = endpoint
        self.secret = secret
        self.connect_timeout = connect_timeout
        self.seal: auth.Seal | None = None
        self.heartbeat_interval = 1.0
        self.master_timeout = 60.0
        self.welcomed = False

    def handshake(self, client_id: str) -> Welcome:
        """Introduce this worker; the master's welcome, or RefusedError saying why not."""
        mine = auth.nonce()
        hello = Hello(
            PROTOCOL_VERSION,
            __version__,
            client_id,
            socket.gethostname(),
            os.getpid(),
            mine,
            self.secret is not None,
        )
        self._send_plain(hello)
        reply = self._answer()
        if isinstance(reply, Challenge):
            reply = self._prove(client_id, mine, reply)
        if not isinstance(reply, Welcome):
            raise ProtocolError(f"the master answered hello with {type(reply).__name__}")
        if self.secret is not None and not reply.authenticated:
            reason = (
                f"the master at {self.endpoint} uses no shared secret but this worker has one: "
                "refusing to take orders from a master that cannot prove it knows the secret "
                "(set the same HORDE_SECRET or --secret-file on the master)"
            )
            self._send_plain(Bye(reason))
            raise RefusedError(reason)
        self.heartbeat_interval = reply.heartbeat_interval
        self.master_timeout = reply.master_timeout
        self.welcomed = True
        return reply

    def _prove(self, client_id: str, mine: bytes, challenge: Challenge) -> Any:
        secret = self.secret
        if secret is None:
            self._send_plain(Auth(b""))
            self._answer()  # the master's refusal names the problem; raises RefusedError
            raise RefusedError("the master requires a shared secret: set HORDE_SECRET")
        expected = auth.proof(secret, "master", client_id, mine, challenge.nonce)
        if not auth.same(expected, challenge.proof):
            reason = (
                f"the master at {self.endpoint} does not know this worker's secret: is "
                "HORDE_SECRET (or --secret-file) the same on the master and every worker?"
            )
            self._send_plain(Bye(reason))
            raise RefusedError(reason)
        self._send_plain(Auth(auth.proof(secret, "worker", client_id, challenge.nonce, mine)))
        reply = self._answer()
        self.seal = auth.Seal(secret, client_id, mine, challenge.nonce)
        return reply

    def _answer(self) -> Any:
        frames = self.transport.recv(self.connect_timeout)
        if frames is None:
            raise TransportError(
                f"no answer from the master at {self.endpoint} within "
                f"{self.connect_timeout:g} s: is it running, and is the address right?"
            )
        message = decode(auth.plain_open(frames))
        if isinstance(message, Refused):
            raise RefusedError(f"the master refused this worker: {message.reason}")
        return message

    def _send_plain(self, payload: Any) -> None:
        self.transport.send([encode(payload)])

    def send(self, payload: Any) -> None:
        envelope = encode(payload)
        frames = self.seal.seal(envelope) if self.seal is not None else [envelope]
        self.transport.send(frames)

    def receive(self, timeout: float) -> Any:
        """The next message (None after ``timeout``); ProtocolError for a malformed one."""
        frames = self.transport.recv(timeout)
        if frames is None:
            return None
        envelope = self.seal.open(frames) if self.seal is not None else auth.plain_open(frames)
        return decode(envelope)

    def close(self, linger: float) -> None:
        self.transport.close(linger)


@dataclass
class Admission:
    """The master's side of one worker's handshake (from ``hello`` to ``welcome``)."""

    hello: Hello
    secret: bytes | None
    nonce: bytes = field(default_factory=auth.nonce)

    def challenge(self) -> Challenge:
        assert self.secret is not None  # noqa: S101 - only called with a secret
        hello = self.hello
        return Challenge(
            self.nonce, auth.proof(self.secret, "master", hello.client_id, hello.nonce, self.nonce)
        )

    def check(self, answer: Auth) -> str | None:
        """None if the proof is right; otherwise the reason to refuse."""
        assert self.secret is not None  # noqa: S101 - only called with a secret
        if not answer.proof:
            return "this master requires a shared secret and the worker has none (HORDE_SECRET)"
        hello = self.hello
        expected = auth.proof(self.secret, "worker", hello.client_id, self.nonce, hello.nonce)
        if not auth.same(expected, answer.proof):
            return "wrong shared secret (HORDE_SECRET or --secret-file differs from the master's)"
        return None

    def seal(self) -> auth.Seal:
        assert self.secret is not None  # noqa: S101 - only called with a secret
        return auth.Seal(self.secret, self.hello.client_id, self.hello.nonce, self.nonce)
