"""Runs with the web UI: serve the UI, start tests from it (or at once with --autostart)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import gevent
import gevent.event

from horde.cli.session import RunSession
from horde.config import Option, Settings, format_timespan
from horde.event import events
from horde.reports.console import stats_table
from horde.web import WebUI
from horde.web.snapshot import WEB_PERCENTILES

logger = logging.getLogger("horde.cli")

PRINT_STATS_INTERVAL = 5.0


class WebRun(RunSession):
    """The web UI in front of one Environment; ends on Ctrl-C/SIGTERM or ``--autoquit``."""

    def __init__(
        self,
        settings: Settings,
        classes: Sequence[Any],
        locustfile: str,
        custom_options: Sequence[Option] = (),
    ) -> None:
        super().__init__(settings, classes, locustfile)
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
            web_login=settings.web_login,
            tls_cert=settings.tls_cert,
            tls_key=settings.tls_key,
            custom_options=tuple(custom_options),
            defaults=defaults,
            csv_history_path=str(self.csv.path("stats_history")) if self.csv else None,
        )
        self.quit = gevent.event.Event()

    def run(self) -> int:
        events.init.fire(environment=self.env, runner=self.runner, web_ui=self.web_ui)
        self.web_ui.start()
        self.install_signals()
        self.start_outputs()
        self.web_ui.state.extra["run_metadata"] = self.metadata
        if self.settings.print_stats:
            self.runner.spawn_background(self._print_stats)
        try:
            if self.settings.autostart:
                self._autostart()
            self.quit.wait()
        finally:
            self.web_ui.stop()
        return self.finish()

    def _autostart(self) -> None:
        control = self.web_ui.control
        form = {
            "user_count": self.settings.num_users or 1,
            "spawn_rate": self.settings.spawn_rate or 1,
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
