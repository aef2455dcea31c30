"""One function per way of running: headless test, listings, demo, demo target."""

from __future__ import annotations

import json as jsonlib
import logging
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

import gevent

from horde.cli.exit_codes import ExitCode
from horde.config import Settings
from horde.env import Environment
from horde.event import events
from horde.exceptions import HordeError
from horde.reports import console
from horde.reports.csv import CsvWriter
from horde.reports.json import dumps as json_dumps
from horde.reports.json import stats_document, write_json_file
from horde.reports.live import LiveTable, PlainTable, RunStatus, make_display
from horde.runners import Runner
from horde.stats import StatsSnapshot
from horde.user.inspect import ratio_report

logger = logging.getLogger(__name__)

TABLE_REWRITE_INTERVAL = 10.0
DEMO_LOCUSTFILE = Path(__file__).resolve().parent.parent / "demo" / "locustfile.py"


def list_user_classes(classes: Sequence[Any], out: TextIO) -> int:
    for cls in classes:
        out.write(f"{cls.__name__}\n")
    return ExitCode.OK


def show_task_ratio(classes: Sequence[Any], out: TextIO, *, as_json: bool) -> int:
    report = ratio_report(classes)
    out.write(jsonlib.dumps(report, indent=2) if as_json else console.task_ratio_text(report))
    out.write("\n")
    return ExitCode.OK


class HeadlessRun:
    """A test without the web UI: ramp, run until the time limit or a signal, then report."""

    def __init__(self, settings: Settings, classes: Sequence[Any], locustfile: str) -> None:
        self.settings = settings
        self.env = Environment(
            user_classes=classes,
            events=events,
            host=settings.host,
            tags=settings.tags,
            exclude_tags=settings.exclude_tags,
            reset_stats=settings.reset_stats,
            stop_timeout=settings.stop_timeout,
            parsed_options=settings.as_namespace(),
            locustfile=locustfile,
            equal_weights=settings.equal_weights,
        )
        self.runner: Runner = self.env.create_local_runner()
        self.out: TextIO = sys.stderr if settings.json else sys.stdout
        self.csv = (
            CsvWriter(settings.csv_prefix, full_history=settings.stats_history_enabled)
            if (settings.csv_prefix)
            else None
        )
        self._signals = 0
        self._started = time.monotonic()
        self.display: LiveTable | PlainTable | None = None
        self._display_interval = 0.0
        if not settings.only_summary:
            self.display, self._display_interval = make_display(self.out, tty=self.out.isatty())
        self._log_filter = _ClearDisplayFirst(self.display)

    def run(self) -> int:
        events.init.fire(environment=self.env, runner=self.runner, web_ui=None)
        self._install_signals()
        if self.csv is not None:
            self.runner.tick_listeners.append(self._csv_tick)
            self.runner.spawn_background(self._rewrite_tables)
        if self.display is not None:
            for handler in _terminal_handlers():
                handler.addFilter(self._log_filter)
            self.runner.spawn_background(self._display)
        users = self.settings.num_users if self.settings.num_users is not None else 1
        self._started = time.monotonic()
        try:
            self.runner.start(users, self.settings.spawn_rate or 1.0)
            if self.settings.run_time:
                self.runner.schedule_stop(self.settings.run_time)
            self.runner.stopped.wait()
        except BaseException:
            logger.error("the run failed; writing the results gathered so far")
            self.finish()
            raise
        return self.finish()

    # -- periodic work ---------------------------------------------------------------------------

    def _status(self) -> RunStatus:
        return RunStatus(
            state=self.runner.state,
            user_count=self.runner.user_count,
            target_user_count=self.runner.target_user_count,
            elapsed=time.monotonic() - self._started,
        )

    def _snapshot(self, fractions: Sequence[float] | None = None) -> StatsSnapshot:
        if fractions is None:
            return self.env.stats.snapshot(self.runner.user_count)
        return self.env.stats.snapshot(self.runner.user_count, fractions)

    def _display(self) -> None:
        while self.display is not None:
            gevent.sleep(self._display_interval)
            self.display.render(self._status(), self._snapshot((0.5,)))

    def _csv_tick(self) -> None:
        if self.csv is not None:
            self.csv.append_history(self._snapshot())

    def _rewrite_tables(self) -> None:
        while self.csv is not None:
            gevent.sleep(TABLE_REWRITE_INTERVAL)
            self.csv.write_tables(self._snapshot())

    def _install_signals(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            gevent.signal_handler(signum, self._on_signal, signal.Signals(signum).name)

    def _on_signal(self, name: str) -> None:
        """First signal: stop gracefully (``-s``); second: stop users now; third: quit now."""
        self._signals += 1
        if self._signals == 1:
            self.runner.request_stop(f"{name} received")
            return
        if self._signals == 2:
            logger.warning("%s again: stopping users now, without waiting for their tasks", name)
            self.env.stop_timeout = 0
            self.runner.user_greenlets.kill(block=False)
            return
        logger.error("%s a third time: quitting without writing any report", name)
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(ExitCode.INTERRUPTED)

    # -- the end ---------------------------------------------------------------------------------

    def finish(self) -> int:
        """Stop everything, then write every output even if one of them (or the runner) failed."""
        try:
            self.runner.quit()
        except Exception as exc:  # noqa: BLE001 - recorded as a runner failure, outputs follow
            self.runner.failure = self.runner.failure or exc
            logger.error("stopping the test failed: %s: %s", type(exc).__name__, exc)
        if self.display is not None:
            self.display.finish()
            for handler in logging.getLogger().handlers:
                handler.removeFilter(self._log_filter)
        if self.runner.stop_reason:
            logger.info("test stopped: %s", self.runner.stop_reason)
        snapshot = self._snapshot()
        output_errors = self._write_outputs(snapshot)
        self.out.write("\n" + console.summary(snapshot))
        self.out.flush()
        for error in output_errors:
            logger.error("%s", error)
        return self.exit_code(snapshot, output_failed=bool(output_errors))

    def _write_outputs(self, snapshot: StatsSnapshot) -> list[HordeError]:
        """CSV, JSON file and JSON on stdout; each attempted, failures returned (not raised)."""
        errors: list[HordeError] = []
        if self.csv is not None:
            try:
                self.csv.append_history(snapshot)
                self.csv.write_tables(snapshot)
            except HordeError as exc:
                errors.append(exc)
            finally:
                self.csv.close()
        if self.settings.json or self.settings.json_file:
            document = stats_document(snapshot, self.env.stats.buckets())
            if self.settings.json_file:
                try:
                    write_json_file(self.settings.json_file, document)
                except HordeError as exc:
                    errors.append(exc)
            if self.settings.json:
                sys.stdout.write(json_dumps(document) + "\n")
                sys.stdout.flush()
        return errors

    def exit_code(self, snapshot: StatsSnapshot, *, output_failed: bool = False) -> int:
        """``process_exit_code`` if a listener set it; else the first problem found, in order:
        internal error (4), unwritable output (5), failing event listener (4), failures or
        user exceptions (``--exit-code-on-error``, 1); else 0."""
        events.quitting.fire(environment=self.env, reverse=True)
        if self.env.process_exit_code is not None:
            code = int(self.env.process_exit_code)
        elif self.runner.failure is not None:
            logger.error("the test ended on an internal error (the results above are partial)")
            code = ExitCode.INTERNAL
        elif output_failed:
            code = ExitCode.OUTPUT
        elif events.listener_errors:
            logger.error("%d error(s) in event listeners (see above)", len(events.listener_errors))
            code = ExitCode.INTERNAL
        elif snapshot.has_failures:
            code = self.settings.exit_code_on_error
        else:
            code = ExitCode.OK
        events.quit.fire(exit_code=code)
        return code


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


def demo(argv: Sequence[str], run: Callable[[Sequence[str]], int]) -> int:
    """Start the embedded demo target and run a short test of the bundled locustfile on it."""
    from horde.demo.process import running_demo_target

    with running_demo_target() as url:
        sys.stdout.write(f"horde demo: demo target at {url}, locustfile {DEMO_LOCUSTFILE}\n")
        sys.stdout.flush()
        args = ["-f", str(DEMO_LOCUSTFILE), "--headless", "-u", "20", "-r", "10", "-t", "15s"]
        args += ["-H", url, "--exit-code-on-error", "0", *argv]
        code = run(args)
    sys.stdout.write(
        "\nhorde demo: done. The demo exits with 0 even when requests fail (a few fail on"
        " purpose);\nyour own runs exit with 1 when any request fails (see --exit-code-on-error).\n"
    )
    return code


def demo_target(argv: Sequence[str]) -> int:
    from horde.demo.target import main as target_main

    return target_main(list(argv))
