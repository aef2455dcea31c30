"""Runs with the web UI: serve the UI, start tests from it (or at once with --autostart)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gevent
import gevent.event

from horde.cli.exit_codes import ExitCode
from horde.cli.session import RunSession
from horde.config import Option, Settings, format_timespan
from horde.config.limits import check_spawn_rate, check_user_count
from horde.exceptions import ConfigError
from horde.reports.console import stats_table
from horde.runners import MasterRunner
from horde.web import WebUI
from horde.web.snapshot import WEB_PERCENTILES

logger = logging.getLogger("horde.cli")

PRINT_STATS_INTERVAL = 5.0


def web_login(settings: Settings) -> str | bool | None:
    """The login of the web UI: ``--web-login`` (warning when its password is on the command
    line, where ``ps`` shows it to every user of the machine) or ``--web-login-file``."""
    if settings.web_login_file:
        return read_login_file(settings.web_login_file)
    login = settings.web_login
    if isinstance(login, str) and settings.sources.get("web_login") == "command line":
        logger.warning(
            "the --web-login password is visible to every user of this machine in the process "
            "list: prefer HORDE_WEB_LOGIN=USER:PASSWORD or --web-login-file FILE"
        )
    return login


def read_login_file(path: str) -> str:
    """USER:PASSWORD from the first line of ``path`` (its line end removed)."""
    try:
        text = Path(path).expanduser().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(f"cannot read --web-login-file {path}: {reason}") from exc
    lines = text.splitlines()
    first = lines[0].strip() if lines else ""
    if not first:
        raise ConfigError(
            f"--web-login-file {path} is empty: write USER:PASSWORD on its first line"
        )
    user, sep, password = first.partition(":")
    if not sep or not user or not password:
        raise ConfigError(f"the first line of --web-login-file {path} must look like USER:PASSWORD")
    return first


class WebRun(RunSession):
    """The web UI in front of one Environment; ends on Ctrl-C/SIGTERM or ``--autoquit``."""

    def __init__(
        self,
        settings: Settings,
        classes: Sequence[Any],
        locustfile: str,
        custom_options: Sequence[Option] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(settings, classes, locustfile, **kwargs)
        defaults = {
            "num_users": settings.num_users,
            "spawn_rate": settings.spawn_rate,
            "run_time_text": format_timespan(settings.run_time) if settings.run_time else "",
        }
        self.web_ui = WebUI(
            self.env,
            settings.web_host,
            settings.web_port,
            web_base_path=settings.web_base_path,
            web_login=web_login(settings),
            tls_cert=settings.tls_cert,
            tls_key=settings.tls_key,
            custom_options=tuple(custom_options),
            defaults=defaults,
            csv_history_path=str(self.csv.path("stats_history")) if self.csv else None,
            allowed_hosts=settings.web_allowed_hosts,
        )
        self.quit = gevent.event.Event()

    def run(self) -> int:
        if not self.fire_init(self.web_ui):
            return ExitCode.FAILURES
        self.web_ui.start()
        self.install_signals()
        self.start_outputs()
        self.web_ui.state.extra["run_metadata"] = self.metadata
        if self.settings.print_stats:
            self.runner.spawn_background(self._print_stats)
        try:
            if self.settings.autostart:
                if not self.wait_for_workers():
                    self.runner.quit()
                    return ExitCode.DISTRIBUTED
                self._autostart()
            elif isinstance(self.runner, MasterRunner):
                logger.info("master listening on %s", self.runner.endpoint)
            self.quit.wait()
        finally:
            self.web_ui.stop()
        return self.finish()

    def _autostart(self) -> None:
        control = self.web_ui.control
        form = {
            "user_count": check_user_count(self.settings.num_users or 1, "-u/--users"),
            "spawn_rate": check_spawn_rate(self.settings.spawn_rate or 1.0, "-r/--spawn-rate"),
        }
        if self.settings.run_time:
            form["run_time"] = self.settings.run_time
        control.start(control.parse(form))
        if self.settings.autoquit >= 0:
            self.runner.spawn_background(self._autoquit, float(self.settings.autoquit))

    def _autoquit(self, delay: float) -> None:
        self.runner.stopped.wait()
        logger.info("test over: quitting in %g s (--autoquit)", delay)
        gevent.sleep(delay)
        self.quit.set()

    def _csv_tick(self) -> None:
        """The outputs' snapshot, taken once a second anyway, also serves the web UI."""
        snapshot = self.snapshot(WEB_PERCENTILES)
        self.outputs.tick(snapshot)
        self.web_ui.cache.offer(snapshot)

    def _print_stats(self) -> None:
        while True:
            gevent.sleep(PRINT_STATS_INTERVAL)
            self.out.write(stats_table(self.snapshot((0.5,)), limit=25) + "\n\n")
            self.out.flush()

    def first_signal(self, name: str) -> None:
        logger.info("%s received: stopping the test and the web UI", name)
        self.runner.request_stop(f"{name} received")
        self.quit.set()
