"""Raw TCP and UDP request/response: the template for any custom protocol.

``SocketUser`` gives ``self.client``, a :class:`TcpClient` (``host = "tcp://HOST:PORT"``, the
default) or :class:`UdpClient` (``host = "udp://HOST:PORT"``). ``client.request(b"...")`` sends one
framed message and returns the one reply, timed as one operation; ``send`` and ``receive`` do
half of that each. The framing (:mod:`horde.protocols.framing`) cuts replies out of the TCP
stream: ``LengthPrefixed()``, ``Delimited(b"\\r\\n")`` or your own two-method class.

The sockets are gevent's own, so these clients never block the event loop, monkey-patched or
not. A failed operation (refused, reset, timed out, framing broken) closes the connection; the
next operation reconnects, and the reconnection is recorded as ``connect``.
"""

from __future__ import annotations

import ssl
from typing import Any, ClassVar
from urllib.parse import urlsplit

from gevent import socket as gsocket
from gevent import ssl as gssl

from horde.event import RequestEventHook
from horde.exceptions import ConfigError, OperationFailed
from horde.protocols.base import ProtocolClient, ProtocolSample, ProtocolUser
from horde.protocols.framing import Framing, FramingError, Unframed

RECV_SIZE = 65536
MAX_DATAGRAM = 65535


class ConnectionClosed(OSError):  # noqa: N818 - an OSError like ConnectionResetError
    """The peer closed the connection before a whole reply arrived."""


class _SocketClient(ProtocolClient):
    failure_types = (OSError, FramingError)

    def __init__(
        self,
        request_event: RequestEventHook,
        host: str,
        port: int,
        *,
        framing: Framing | None = None,
        timeout: float | None = 10.0,
        user: Any = None,
        scheme: str = "tcp",
    ) -> None:
        super().__init__(request_event, user=user, url=f"{scheme}://{host}:{port}")
        self.address = (host, port)
        self.framing: Framing = framing if framing is not None else Unframed()
        self.timeout = timeout
        self.sock: Any = None
        self.buffer = bytearray()

    def request(self, message: bytes, name: str = "request") -> bytes:
        """Send ``message`` and return the reply: one operation, timed from send to reply."""
        return self.call(name, self._exchange, message)

    def send(self, message: bytes, name: str = "send") -> None:
        """Send one message (recorded; its length is the bytes sent)."""
        with self.operation(name) as op:
            op["length"] = self._send(message)

    def receive(self, name: str = "receive") -> bytes:
        """Wait for one whole message (up to ``timeout``) and return it."""
        return self.call(name, self._receive)

    def close(self) -> None:
        """Close the connection (the next operation opens a new one)."""
        sock, self.sock = self.sock, None
        self.buffer.clear()
        if sock is not None:
            sock.close()

    def _exchange(self, message: bytes) -> bytes:
        self._send(message)
        return self._receive()

    def _send(self, message: bytes) -> int:
        raise NotImplementedError

    def _receive(self) -> bytes:
        raise NotImplementedError

    def fail(
        self,
        name: str,
        exc: BaseException,
        response_time: float,
        *,
        start_time: float | None = None,
    ) -> OperationFailed:
        error = super().fail(name, exc, response_time, start_time=start_time)
        self.close()  # a stream is out of step after a failure: start afresh
        return error

    def sample_of(self, exc: BaseException) -> ProtocolSample:
        return ProtocolSample(url=self.url, content=bytes(self.buffer))


class TcpClient(_SocketClient):
    """A TCP connection with framed request/response; connects on first use (or ``connect()``)."""

    request_type = "tcp"

    def __init__(
        self,
        request_event: RequestEventHook,
        host: str,
        port: int,
        *,
        framing: Framing | None = None,
        timeout: float | None = 10.0,
        tls: bool | ssl.SSLContext = False,
        user: Any = None,
    ) -> None:
        super().__init__(
            request_event,
            host,
            port,
            framing=framing,
            timeout=timeout,
            user=user,
            scheme="tls" if tls else "tcp",
        )
        self.tls = tls

    def connect(self) -> None:
        """Open the connection now, recorded as ``connect`` (TLS handshake included)."""
        if self.sock is None:
            self.sock = self.call("connect", self._open)

    def _open(self) -> Any:
        sock = gsocket.create_connection(self.address, timeout=self.timeout)
        sock.setsockopt(gsocket.IPPROTO_TCP, gsocket.TCP_NODELAY, 1)
        if self.tls:
            context = self.tls if isinstance(self.tls, ssl.SSLContext) else None
            sock = wrap_tls(sock, context, self.address[0])
        return sock

    def _send(self, message: bytes) -> int:
        self.connect()
        data = self.framing.encode(message)
        self.sock.sendall(data)
        return len(data)

    def _receive(self) -> bytes:
        self.connect()
        framing, buffer, sock = self.framing, self.buffer, self.sock
        message = framing.decode(buffer)
        while message is None:
            chunk = sock.recv(RECV_SIZE)
            if not chunk:
                raise ConnectionClosed(f"connection closed by the peer after {len(buffer)} bytes")
            buffer += chunk
            message = framing.decode(buffer)
        return message


class UdpClient(_SocketClient):
    """A connected UDP socket: each datagram is one message; a lost reply is a timeout."""

    request_type = "udp"

    def __init__(
        self,
        request_event: RequestEventHook,
        host: str,
        port: int,
        *,
        timeout: float | None = 10.0,
        user: Any = None,
    ) -> None:
        super().__init__(request_event, host, port, timeout=timeout, user=user, scheme="udp")

    def _socket(self) -> Any:
        if self.sock is None:
            family = gsocket.getaddrinfo(*self.address, type=gsocket.SOCK_DGRAM)[0][0]
            sock = gsocket.socket(family, gsocket.SOCK_DGRAM)
            sock.settimeout(self.timeout)
            sock.connect(self.address)
            self.sock = sock
        return self.sock

    def _send(self, message: bytes) -> int:
        return int(self._socket().send(message))

    def _receive(self) -> bytes:
        data: bytes = self._socket().recv(MAX_DATAGRAM)
        return data


def tls_context() -> ssl.SSLContext:
    """A client TLS context verifying against the system's CAs (``gevent.ssl``'s own
    ``create_default_context`` gives the standard library's context when nothing is patched)."""
    context: ssl.SSLContext = gssl.SSLContext(gssl.PROTOCOL_TLS_CLIENT)
    context.load_default_certs()
    return context


def wrap_tls(sock: Any, context: ssl.SSLContext | None, hostname: str) -> Any:
    """Wrap ``sock`` in TLS as a gevent SSLSocket, whatever class ``context`` is: the standard
    library's SSLSocket would block the event loop in a process that is not monkey-patched.
    The socket is closed if the handshake fails."""
    try:
        return gssl.SSLSocket(
            sock=sock, server_hostname=hostname, _context=context or tls_context()
        )
    except BaseException:
        sock.close()
        raise


def parse_address(host: str, default_scheme: str = "tcp") -> tuple[str, str, int]:
    """``tcp://h:p``, ``udp://h:p``, ``tls://h:p`` or ``h:p`` -> (scheme, host, port)."""
    text = host if "://" in host else f"{default_scheme}://{host}"
    parts = urlsplit(text)
    try:
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"bad port in host {host!r}: {exc}") from exc
    if parts.scheme not in ("tcp", "udp", "tls") or not parts.hostname or port is None:
        raise ConfigError(
            f"host {host!r} must look like tcp://HOST:PORT, udp://HOST:PORT or tls://"
        )
    return parts.scheme, parts.hostname, port


class SocketUser(ProtocolUser):
    """A user with ``self.client``: a :class:`TcpClient` or :class:`UdpClient` from ``host``."""

    abstract = True
    framing: ClassVar[Framing | None] = None
    """How TCP messages are delimited (None: whatever one read returns)."""
    timeout: ClassVar[float | None] = 10.0
    """Seconds to wait for a connection or a reply."""
    tls: ClassVar[bool | ssl.SSLContext] = False
    """TLS over TCP (True: verify with the system CAs, or an SSLContext); or use tls://."""
    client: TcpClient | UdpClient

    def make_client(self) -> TcpClient | UdpClient:
        scheme, host, port = parse_address(self.require_host("tcp://HOST:PORT"))
        event = self.environment.events.request
        if scheme == "udp":
            return UdpClient(event, host, port, timeout=self.timeout, user=self)
        return TcpClient(
            event,
            host,
            port,
            framing=self.framing,
            timeout=self.timeout,
            tls=self.tls or scheme == "tls",
            user=self,
        )
