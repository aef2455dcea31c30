"""WebUI: serves the app with gevent's WSGI server inside the test process (Locust's WebUI API).

Extension points, as in Locust: ``web_ui.app`` is the Flask app (add routes in an ``init``
listener), ``web_ui.auth_required_if_enabled`` protects them, ``web_ui.greenlet`` is the
serving greenlet and ``web_ui.server`` the WSGI server; ``template_args`` (filled by
``update_template_args()``), ``auth_args`` (what the login page offers) and, with
``--web-login`` given no value, ``login_manager`` (Flask-Login) as in Locust.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import gevent
from flask import Flask
from gevent.pywsgi import WSGIServer

from horde.config import Option
from horde.exceptions import ConfigError
from horde.web.app import create_app, login_manager_for
from horde.web.auth import auth_required_if_enabled
from horde.web.auth_state import AuthState
from horde.web.control import RunControl
from horde.web.hosts import WILDCARD_BINDS, AllowedHosts
from horde.web.locust_ui import template_args
from horde.web.logbuffer import LogBuffer
from horde.web.server import UIServer, bound_address, tls_context
from horde.web.snapshot import WEB_PERCENTILES, SnapshotCache
from horde.web.state import WebState

logger = logging.getLogger(__name__)


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
        web_login: str | bool | None = None,
        tls_cert: str | None = None,
        tls_key: str | None = None,
        custom_options: tuple[Option, ...] = (),
        defaults: dict[str, Any] | None = None,
        csv_history_path: str | None = None,
        snapshot_interval: float = 1.0,
        allowed_hosts: tuple[str, ...] = (),
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
            auth=AuthState.from_option(web_login, environment.clock.monotonic),
            logs=self.logs,
            allowed_hosts=AllowedHosts.for_bind(host, allowed_hosts),
            # the history file is named relative to the directory horde started in
            csv_history_path=os.path.abspath(csv_history_path) if csv_history_path else None,
            base_path=self.base_path,
        )
        self.app: Flask = create_app(self.state, secure_cookies=bool(tls_cert))
        self.template_args: dict[str, Any] = {}
        """Locust's arguments of ``index.html`` (see :meth:`update_template_args`)."""
        self.auth_args: dict[str, Any] = {}
        """What the login page offers with ``--web-login`` and no value (Locust's keys:
        ``username_password_callback``, ``auth_providers``, ``custom_form``)."""
        self._login_manager = login_manager_for(self.app) if self.state.auth.flask_login else None
        self.server: WSGIServer | None = None
        self.greenlet: gevent.Greenlet | None = None
        environment.web_ui = self

    @property
    def login_manager(self) -> Any:
        """Flask-Login's LoginManager, with ``--web-login`` given no value (as in Locust)."""
        if self._login_manager is None:
            raise AttributeError(
                "web_ui.login_manager is only available with --web-login given no value "
                "(Locust's Flask-Login setup)"
            )
        return self._login_manager

    @login_manager.setter
    def login_manager(self, value: Any) -> None:
        self._login_manager = value

    def update_template_args(self) -> None:
        """Refresh :attr:`template_args` (Locust's keys) from the Environment; keys a
        locustfile added stay."""
        self.template_args = {**self.template_args, **template_args(self.environment)}

    @property
    def url(self) -> str:
        scheme = "https" if self.tls_cert else "http"
        port = self.server.server_port if self.server is not None else self.port
        host = "127.0.0.1" if self.host.strip() in WILDCARD_BINDS else self.host
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"{scheme}://{host}:{port}{self.base_path}/"

    def start(self) -> None:
        """Bind and serve in a greenlet (returns at once). Raises ConfigError if the address
        is taken, the TLS files cannot be used, or Locust's Flask-Login setup is missing."""
        self._check_login_setup()
        host = "" if self.host == "*" else self.host.strip("[]")
        tls: dict[str, Any] = {}
        if self.tls_cert and self.tls_key:
            tls = {"ssl_context": tls_context(self.tls_cert, self.tls_key)}
        try:
            self.server = UIServer((host, self.port), self.app, log=None, **tls)
            self.server.init_socket()
        except OSError as exc:
            reason = os.strerror(exc.errno) if exc.errno else str(exc)
            raise ConfigError(
                f"cannot serve the web UI on {self.host}:{self.port}: {reason} "
                "(choose another port with -P/--web-port, or another --web-host)"
            ) from exc
        logging.getLogger().addHandler(self.logs)
        self.greenlet = gevent.spawn(self.server.serve_forever)
        self._announce()

    def _check_login_setup(self) -> None:
        manager = self._login_manager
        if manager is None:
            return
        if getattr(manager, "_user_callback", None) or getattr(manager, "_request_callback", None):
            return
        raise ConfigError(
            "--web-login without a value needs the locustfile to set up Flask-Login: "
            "environment.web_ui.login_manager.user_loader(...) in an init listener (see "
            "Locust's web_ui_auth example), or use --web-login USER:PASSWORD"
        )

    def _announce(self) -> None:
        """Log where the UI is, the real bound address and port, and warn when anyone on the
        network can reach it without a login."""
        assert self.server is not None  # noqa: S101 - called after binding
        address, port = bound_address(self.server)
        shown = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
        everywhere = self.host.strip() in WILDCARD_BINDS
        logger.info("web UI at %s", self.url)
        if everywhere:
            logger.info("web UI listening on %s (all interfaces)", shown)
        if everywhere and not self.state.auth.enabled:
            logger.warning(
                "the web UI listens on %s without --web-login: anyone who can reach this "
                "machine can start tests against any host; set a login (HORDE_WEB_LOGIN or "
                "--web-login-file) or bind to 127.0.0.1",
                shown,
            )

    def stop(self) -> None:
        logging.getLogger().removeHandler(self.logs)
        if self.server is not None:
            self.server.stop(timeout=1)
        if self.greenlet is not None:
            self.greenlet.kill(block=True, timeout=2)
