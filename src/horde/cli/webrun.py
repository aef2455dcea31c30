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
from horde.exceptions import ConfigError
from horde.reports.console import stats_table
from horde.runners import MasterRunner
from horde.shape.plan import RunPlan
from horde.web import WebUI
from horde.web.runform import threshold_text
from horde.web.snapshot import WEB_PERCENTILES

logger = logging.getLogger("horde.cli")

PRINT_STATS_INTERVAL = 5.0
FORM_DEFAULTS = (
    "stages",
    "arrival_rate",
    "pre_allocated_users",
    "max_lateness",
    "iterations",
    "iterations_per_user",
    "shape",
)
"""Settings the start form shows first (besides users, ramp and run time)."""


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
            **{name: getattr(settings, name) for name in FORM_DEFAULTS},
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
        plan = self.plan()  # bad load options end here: one line, exit 2, nothing served
        control = self.web_ui.control
        control.defaults["thresholds"] = [threshold_text(t) for t in plan.thresholds]
        control.on_start.append(self._describe_load)
        control.on_start.append(self._count_workers)
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
                self._autostart(plan)
            elif isinstance(self.runner, MasterRunner):
                logger.info("master listening on %s", self.runner.endpoint)
            self.quit.wait()
        finally:
            self.web_ui.stop()
        return self.finish()

    def _autostart(self, plan: RunPlan) -> None:
        """Start the command line's plan at once, as the headless mode would."""
        logger.info("starting: %s", plan.describe())
        self.web_ui.control.start_plan(plan)
        if self.settings.autoquit >= 0:
            self.runner.spawn_background(self._autoquit, float(self.settings.autoquit))

    def _describe_load(self, plan: RunPlan) -> None:
        """A test started (or steered) in the UI: reports describe its load."""
        self.metadata = self.metadata.replace(load=self.env.describe_load(plan))
        self.web_ui.state.extra["run_metadata"] = self.metadata

    def _count_workers(self, _plan: RunPlan) -> None:
        """A test started on a master: its reports name the workers connected now."""
        self.metadata = self.metadata.replace(worker_count=self.workers_now())
        self.web_ui.state.extra["run_metadata"] = self.metadata

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
