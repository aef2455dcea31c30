"""The WSGI server under the web UI: gevent's pywsgi with three changes.

- ``TCP_NODELAY``: pywsgi writes headers and body separately; with Nagle's algorithm and
  delayed ACKs each keep-alive request after the first gained ~40 ms. (Set in ``handle``: the
  earlier override of ``wrap_socket_and_handle`` only ever ran for TLS connections.)
- A failed TLS handshake (a plain-HTTP client, a port scanner, an old TLS version) is one log
  line naming the client, not a 20-line traceback from the gevent hub for each connection.
- The TLS context is built at start, so a bad certificate is one clear error then.
"""

from __future__ import annotations

import logging
import socket
import ssl
from typing import Any

from gevent.pywsgi import WSGIServer

from horde.exceptions import ConfigError

logger = logging.getLogger("horde.web.ui")


class UIServer(WSGIServer):  # type: ignore[misc]
    def handle(self, sock: Any, address: Any) -> Any:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return super().handle(sock, address)

    def wrap_socket_and_handle(self, client_socket: Any, address: Any) -> Any:
        """TLS only (gevent calls it when the server has a TLS context)."""
        try:
            wrapped = self.wrap_socket(client_socket, **self.ssl_args)
        except (ssl.SSLError, ConnectionError, TimeoutError) as exc:
            logger.info("TLS handshake with %s failed: %s", _peer(address), _reason(exc))
            client_socket.close()
            return None
        try:
            return self.handle(wrapped, address)
        finally:
            wrapped.close()


def _peer(address: Any) -> str:
    if isinstance(address, tuple) and len(address) >= 2:
        host, port = address[0], address[1]
        return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"
    return str(address)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLError) and exc.reason:
        return (
            f"{exc.reason} (is the client speaking plain HTTP to https?)"
            if exc.reason
            in (
                "HTTP_REQUEST",
                "WRONG_VERSION_NUMBER",
            )
            else str(exc.reason)
        )
    return type(exc).__name__ + (f": {exc}" if str(exc) else "")


def bound_address(server: WSGIServer) -> tuple[str, int]:
    """The address and port the server really listens on (the port of ``-P 0`` included)."""
    sockname = server.socket.getsockname()
    return str(sockname[0]), int(sockname[1])


def tls_context(cert: str, key: str) -> ssl.SSLContext:
    """A server context with the certificate loaded now, so a bad file fails at start (one
    clear line) rather than on every connection."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(f"cannot use --tls-cert {cert} with --tls-key {key}: {reason}") from exc
    return context
