"""What every run of a test shares, headless or with the web UI: the Environment and runner,
CSV history, signals, and the end (every output written, the exit code decided)."""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from collections.abc import Sequence
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
from horde.runners import Runner
from horde.stats import StatsSnapshot

logger = logging.getLogger("horde.cli")

TABLE_REWRITE_INTERVAL = 10.0


class RunSession:
    """One invocation of the command that runs users."""

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
            group_urls=settings.group_urls,
        )
        self.runner: Runner = self.env.create_local_runner()
        self.out: TextIO = sys.stderr if settings.json else sys.stdout
        self.csv = (
            CsvWriter(settings.csv_prefix, full_history=settings.stats_history_enabled)
            if settings.csv_prefix
            else None
        )
        self._signals = 0
        self._started = time.monotonic()

    def start_outputs(self) -> None:
        if self.csv is not None:
            self.runner.tick_listeners.append(self._csv_tick)
            self.runner.spawn_background(self._rewrite_tables)

    def snapshot(self, fractions: Sequence[float] | None = None) -> StatsSnapshot:
        if fractions is None:
            return self.env.stats.snapshot(self.runner.user_count)
        return self.env.stats.snapshot(self.runner.user_count, fractions)

    def _csv_tick(self) -> None:
        if self.csv is not None:
            self.csv.append_history(self.snapshot())

    def _rewrite_tables(self) -> None:
        while self.csv is not None:
            gevent.sleep(TABLE_REWRITE_INTERVAL)
            self.csv.write_tables(self.snapshot())

    # -- signals ---------------------------------------------------------------------------------

    def install_signals(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            gevent.signal_handler(signum, self._on_signal, signal.Signals(signum).name)

    def _on_signal(self, name: str) -> None:
        """First signal: stop gracefully (``-s``); second: stop users now; third: quit now."""
        self._signals += 1
        if self._signals == 1:
            self.first_signal(name)
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

    def first_signal(self, name: str) -> None:
        self.runner.request_stop(f"{name} received")

    # -- the end ---------------------------------------------------------------------------------

    def finish(self) -> int:
        """Stop everything, then write every output even if one of them (or the runner) failed."""
        try:
            self.runner.quit()
        except Exception as exc:  # noqa: BLE001 - recorded as a runner failure, outputs follow
            self.runner.failure = self.runner.failure or exc
            logger.error("stopping the test failed: %s: %s", type(exc).__name__, exc)
        self.before_summary()
        if self.runner.stop_reason:
            logger.info("test stopped: %s", self.runner.stop_reason)
        snapshot = self.snapshot()
        output_errors = self._write_outputs(snapshot)
        self.out.write("\n" + console.summary(snapshot))
        self.out.flush()
        for error in output_errors:
            logger.error("%s", error)
        return self.exit_code(snapshot, output_failed=bool(output_errors))

    def before_summary(self) -> None:
        """Hook: tidy the terminal (live table) before the summary is printed."""

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
