"""Headless runs: ramp, run until the time limit or a signal, report in the terminal."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

import gevent

from horde._version import __version__
from horde.cli.exit_codes import ExitCode
from horde.cli.session import RunSession
from horde.config import Settings
from horde.reports.live import LiveTable, PlainTable, RunStatus, make_display

logger = logging.getLogger("horde.cli")


class HeadlessRun(RunSession):
    """A test without the web UI."""

    def __init__(
        self, settings: Settings, classes: Sequence[Any], locustfile: str, **kwargs: Any
    ) -> None:
        super().__init__(settings, classes, locustfile, **kwargs)
        self.display: LiveTable | PlainTable | None = None
        self._display_interval = 0.0
        if not settings.only_summary:
            self.display, self._display_interval = make_display(self.out, tty=self.out.isatty())
        self._log_filter = _ClearDisplayFirst(self.display)

    def run(self) -> int:
        if not self.fire_init(None):
            return ExitCode.FAILURES
        plan = self.plan()  # bad values end here: one line, exit 2, nothing started
        self.env.apply_plan(plan)
        self.metadata = self.metadata.replace(load=self.env.describe_load(plan))
        self.install_signals()
        if not self.wait_for_workers():
            self.runner.quit()
            return ExitCode.DISTRIBUTED
        self.start_outputs()
        if self.display is not None:
            for handler in _terminal_handlers():
                handler.addFilter(self._log_filter)
            self.runner.spawn_background(self._display)
        self._started = time.monotonic()
        try:
            logger.info(
                "Starting Locust-compatible horde %s: %s", __version__, self.env.describe_load(plan)
            )
            self.runner.start_plan(plan)
            self.runner.stopped.wait()
        except BaseException:
            logger.error("the run failed; writing the results gathered so far")
            self.finish()
            raise
        return self.finish()

    def status(self) -> RunStatus:
        return RunStatus(
            state=self.runner.state,
            user_count=self.runner.user_count,
            target_user_count=self.runner.target_user_count,
            elapsed=time.monotonic() - self._started,
        )

    def _display(self) -> None:
        while self.display is not None:
            gevent.sleep(self._display_interval)
            self.display.render(self.status(), self.snapshot((0.5,)))

    def before_summary(self) -> None:
        if self.display is not None:
            self.display.finish()
            for handler in logging.getLogger().handlers:
                handler.removeFilter(self._log_filter)


def _terminal_handlers() -> list[logging.Handler]:
    """The root logger's handlers that write to a terminal (where the live table is)."""
    found = []
    for handler in logging.getLogger().handlers:
        stream = getattr(handler, "stream", None)
        if stream is not None and getattr(stream, "isatty", lambda: False)():
            found.append(handler)
    return found


class _ClearDisplayFirst(logging.Filter):
    """Erases the live table before a log record reaches the terminal (it is redrawn below)."""

    def __init__(self, display: LiveTable | PlainTable | None) -> None:
        super().__init__()
        self.display = display

    def filter(self, record: logging.LogRecord) -> bool:
        if self.display is not None:
            self.display.clear()
        return True
