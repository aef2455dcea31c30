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
from horde.cli.outputs import baseline_tolerance, build_metadata, load_baseline
from horde.config import Settings
from horde.env import Environment
from horde.event import events
from horde.reports.builtin import CsvOutput, builtin_outputs
from horde.reports.compare import Comparison, compare, summary_from_snapshot
from horde.reports.data import Latest, report_snapshot
from horde.reports.metadata import RunMetadata, ThresholdOutcome
from horde.reports.output import OutputContext, OutputSet, Report
from horde.runners import Runner
from horde.stats import StatsSnapshot

logger = logging.getLogger("horde.cli")


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
        )
        self.runner: Runner = self.env.create_local_runner()
        self.out: TextIO = sys.stderr if settings.json else sys.stdout
        paths = tuple(p for p in locustfile.split(",") if p)
        self.metadata: RunMetadata = build_metadata(settings, paths, classes)
        self.baseline = load_baseline(settings.baseline) if settings.baseline else None
        self.outputs = OutputSet(builtin_outputs(settings, out=self.out, locustfiles=paths))
        self.csv = next((o for o in self.outputs.outputs if isinstance(o, CsvOutput)), None)
        self.latest = Latest(lambda: report_snapshot(self.env.stats, self.runner.user_count))
        self._signals = 0
        self._started = time.monotonic()

    def thresholds(self) -> Sequence[ThresholdOutcome]:
        """The threshold outcomes so far (none until thresholds exist: issue 7)."""
        return self.metadata.thresholds

    def start_outputs(self) -> None:
        self.metadata = self.metadata.replace(start_time=time.time())
        context = OutputContext(
            metadata=self.metadata,
            latest=self.latest,
            thresholds=self.thresholds,
            spawn=self.runner.spawn_background,
        )
        self.outputs.start(context)
        if self.outputs.wants_ticks:
            self.runner.tick_listeners.append(self._csv_tick)

    def snapshot(self, fractions: Sequence[float] | None = None) -> StatsSnapshot:
        if fractions is None:
            return self.env.stats.snapshot(self.runner.user_count)
        return self.env.stats.snapshot(self.runner.user_count, fractions)

    def _csv_tick(self) -> None:
        """Once a second: one snapshot shared by every output that wants ticks."""
        self.outputs.tick(self.snapshot())

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
        report = self.report()
        output_errors = self.outputs.finish(report)
        for error in output_errors:
            logger.error("%s", error)
        return self.exit_code(
            report.snapshot, output_failed=bool(output_errors), comparison=report.comparison
        )

    def report(self) -> Report:
        """The final snapshot (with histogram buckets), metadata and comparison."""
        snapshot = report_snapshot(self.env.stats, self.runner.user_count)
        metadata = self.metadata.replace(end_time=time.time())
        comparison: Comparison | None = None
        if self.baseline is not None:
            current = summary_from_snapshot(snapshot)
            comparison = compare(self.baseline, current, baseline_tolerance(self.settings))
        return Report(snapshot, metadata, comparison)

    def before_summary(self) -> None:
        """Hook: tidy the terminal (live table) before the summary is printed."""

    def exit_code(
        self,
        snapshot: StatsSnapshot,
        *,
        output_failed: bool = False,
        comparison: Comparison | None = None,
    ) -> int:
        """``process_exit_code`` if a listener set it; else the first problem found, in order:
        internal error (4), unwritable output (5), failing event listener (4), failures or
        user exceptions (``--exit-code-on-error``, 1), a regression against ``--baseline``
        (7); else 0."""
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
        elif snapshot.has_failures and self.settings.exit_code_on_error:
            code = self.settings.exit_code_on_error
        elif comparison is not None and comparison.regressed:
            logger.error(
                "regression against %s (see the comparison above)", comparison.baseline_label
            )
            code = ExitCode.REGRESSION
        else:
            code = ExitCode.OK
        events.quit.fire(exit_code=code)
        return code
