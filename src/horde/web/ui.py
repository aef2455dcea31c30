"""WebUI: serves the app with gevent's WSGI server inside the test process (Locust's WebUI API).

Extension points, as in Locust: ``web_ui.app`` is the Flask app (add routes in an ``init``
listener), ``web_ui.auth_required_if_enabled`` protects them, ``web_ui.greenlet`` is the
serving greenlet and ``web_ui.server`` the WSGI server.
"""

from __future__ import annotations

import logging
import os
import socket
import ssl
from typing import Any

import gevent
from flask import Flask
from gevent.pywsgi import WSGIServer

from horde.config import Option
from horde.exceptions import ConfigError
from horde.web.app import create_app
from horde.web.auth import Credentials, auth_required_if_enabled
from horde.web.control import RunControl
from horde.web.logbuffer import LogBuffer
from horde.web.snapshot import WEB_PERCENTILES, SnapshotCache
from horde.web.state import WebState

logger = logging.getLogger(__name__)


class _NoDelayServer(WSGIServer):  # type: ignore[misc]
    """pywsgi writes headers and body separately; without TCP_NODELAY, Nagle's algorithm and
    delayed ACKs add ~40 ms to each keep-alive request after the first."""

    def wrap_socket_and_handle(self, client_socket: Any, address: Any) -> Any:
        client_socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return super().wrap_socket_and_handle(client_socket, address)


class WebUI:
    """The web UI of one Environment."""

    auth_required_if_enabled = staticmethod(auth_required_if_enabled)

    def __init__(
        self,
        environment: Any,
        host: str = "127.0.0.1",
        port: int = 8089,
        *,
        web_base_path: str = "",
        web_login: str | None = None,
        tls_cert: str | None = None,
        tls_key: str | None = None,
        custom_options: tuple[Option, ...] = (),
        defaults: dict[str, Any] | None = None,
        csv_history_path: str | None = None,
        snapshot_interval: float = 1.0,
    ) -> None:
        if web_base_path and not web_base_path.startswith("/"):
            raise ConfigError("--web-base-path must start with /")
        if bool(tls_cert) != bool(tls_key):
            raise ConfigError("--tls-cert and --tls-key go together: give both")
        self.environment = environment
        self.host = host
        self.port = port
        self.tls_cert = tls_cert
        self.tls_key = tls_key
        self.base_path = web_base_path.rstrip("/")
        self.logs = LogBuffer()
        self.control = RunControl(environment, custom_options=custom_options, defaults=defaults)
        self.cache = SnapshotCache(
            lambda: environment.stats.snapshot(environment.runner.user_count, WEB_PERCENTILES),
            interval=snapshot_interval,
            clock=environment.clock.monotonic,
        )
        self.state = WebState(
            control=self.control,
            cache=self.cache,
            credentials=Credentials(web_login),
            logs=self.logs,
            csv_history_path=csv_history_path,
        )
        self.app: Flask = create_app(
            self.state, base_path=self.base_path, secure_cookies=bool(tls_cert)
        )
        self.server: WSGIServer | None = None
        self.greenlet: gevent.Greenlet | None = None
        environment.web_ui = self

    @property
    def url(self) -> str:
        scheme = "https" if self.tls_cert else "http"
        port = self.server.server_port if self.server is not None else self.port
        host = "127.0.0.1" if self.host in ("", "0.0.0.0", "*") else self.host  # noqa: S104
        return f"{scheme}://{host}:{port}{self.base_path}/"

    def start(self) -> None:
        """Bind and serve in a greenlet (returns at once). Raises ConfigError if the address
        is taken or the TLS files cannot be used."""
        host = "" if self.host == "*" else self.host
        tls: dict[str, Any] = {}
        if self.tls_cert and self.tls_key:
            tls = {"ssl_context": _tls_context(self.tls_cert, self.tls_key)}
        try:
            self.server = _NoDelayServer((host, self.port), self.app, log=None, **tls)
            self.server.init_socket()
        except OSError as exc:
            reason = os.strerror(exc.errno) if exc.errno else str(exc)
            raise ConfigError(
                f"cannot serve the web UI on {self.host}:{self.port}: {reason} "
                "(choose another port with -P/--web-port, or another --web-host)"
            ) from exc
        logging.getLogger().addHandler(self.logs)
        self.greenlet = gevent.spawn(self.server.serve_forever)
        logger.info("web UI at %s", self.url)

    def stop(self) -> None:
        logging.getLogger().removeHandler(self.logs)
        if self.server is not None:
            self.server.stop(timeout=1)
        if self.greenlet is not None:
            self.greenlet.kill(block=True, timeout=2)


def _tls_context(cert: str, key: str) -> ssl.SSLContext:
    """A server context with the certificate loaded now, so a bad file fails at start (one
    clear line) rather than on every connection."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(f"cannot use --tls-cert {cert} with --tls-key {key}: {reason}") from exc
    return context
