"""What every run of a test shares, headless or with the web UI: the Environment and runner,
the run plan, outputs, signals, and the end (every output written, the exit code decided)."""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

import gevent

from horde.cli.environment import build_environment, init_failure
from horde.cli.exit_codes import ExitCode
from horde.cli.outputs import baseline_tolerance, build_metadata, load_baseline
from horde.config import Settings
from horde.event import events
from horde.exceptions import HordeError
from horde.reports.builtin import TABLE_REWRITE_TICKS, CsvOutput, builtin_outputs
from horde.reports.compare import Comparison, compare, summary_from_snapshot
from horde.reports.data import Latest, report_snapshot
from horde.reports.metadata import RunMetadata, ThresholdOutcome
from horde.reports.output import OutputContext, OutputSet, Report
from horde.reports.thresholds import write_junit
from horde.runners import MasterRunner, Runner
from horde.shape.plan import RunPlan, build_plan
from horde.stats import StatsSnapshot
from horde.stats.thresholds import ThresholdResult, ThresholdSource, evaluate, format_value

logger = logging.getLogger("horde.cli")


class RunSession:
    """One invocation of the command that runs users."""

    def __init__(
        self,
        settings: Settings,
        classes: Sequence[Any],
        locustfile: str,
        *,
        shapes: Mapping[str, Any] | None = None,
        thresholds: Sequence[Any] = (),
        master: Mapping[str, Any] | None = None,
    ) -> None:
        self.settings = settings
        shapes = dict(shapes or {})
        chosen_shape = shapes.get(settings.shape) if settings.shape else None
        self.env = build_environment(
            settings,
            classes,
            locustfile,
            shapes,
            reset_stats=settings.reset_stats,
            shape_class=chosen_shape or next(iter(shapes.values()), None),
        )
        self.locustfile_thresholds = list(thresholds)
        self.runner: Runner = (
            self.env.create_local_runner()
            if master is None
            else self.env.create_master_runner(**master)
        )
        """The local runner, or with ``master`` (MasterRunner keyword arguments) a master."""
        self.out: TextIO = sys.stderr if settings.json else sys.stdout
        paths = tuple(p for p in locustfile.split(",") if p)
        self.metadata: RunMetadata = build_metadata(settings, paths, classes)
        self.baseline = load_baseline(settings.baseline) if settings.baseline else None
        self.outputs = OutputSet(builtin_outputs(settings, out=self.out, locustfiles=paths))
        self.csv = next((o for o in self.outputs.outputs if isinstance(o, CsvOutput)), None)
        self.latest = Latest(lambda: report_snapshot(self.env.stats, self.runner.user_count))
        self.threshold_results: list[ThresholdResult] = []
        self._signals = 0
        self._ticks = 0
        self._started = time.monotonic()

    # -- before the run --------------------------------------------------------------------------

    def fire_init(self, web_ui: Any) -> bool:
        """Fire ``init``; False (and one error line) if a listener raised: as in Locust, the
        test does not start and the command exits with 1."""
        failed = init_failure(self.env, self.runner, web_ui)
        if failed is not None:
            logger.error(
                "an init listener failed (%s: %s): the test does not start",
                type(failed).__name__,
                failed,
            )
            return False
        return True

    def wait_for_workers(self) -> bool:
        """A master: wait for ``--expect-workers`` workers (bounded by
        ``--expect-workers-max-wait``, and by Ctrl-C); True once they are connected."""
        runner = self.runner
        if not isinstance(runner, MasterRunner):
            return True
        wanted = self.settings.expect_workers
        limit = self.settings.expect_workers_max_wait or None
        logger.info(
            "master listening on %s: waiting for %d worker(s)%s",
            runner.endpoint,
            wanted,
            f" (at most {limit:g} s)" if limit else "",
        )
        deadline = None if limit is None else time.monotonic() + limit
        while not runner.wait_for_workers(wanted, timeout=1.0):
            if self.settings.processes and runner.departed:  # its own children: none will come
                logger.error(
                    "a worker process left before the test (%s): not starting the test",
                    "; ".join(runner.departed),
                )
                return False
            if self._signals or (deadline is not None and time.monotonic() >= deadline):
                logger.error(
                    "only %d of the %d expected worker(s) connected%s: not starting the test",
                    runner.worker_count,
                    wanted,
                    f" within {limit:g} s (--expect-workers-max-wait)" if limit else "",
                )
                return False
        return True

    def plan(self) -> RunPlan:
        """The run plan from the settings, the locustfile's thresholds and listeners' ones."""
        settings = self.settings
        values = {
            name: getattr(settings, name)
            for name in (
                "num_users", "spawn_rate", "run_time", "stages", "arrival_rate", "iterations",
                "iterations_per_user", "executor", "pre_allocated_users", "max_lateness",
                "shape", "stop_timeout", "stop_grace",
            )
        }  # fmt: skip
        values["thresholds"] = [
            *settings.thresholds,
            *_plugin_checks(settings),
            *self.locustfile_thresholds,
            *self.env.thresholds,
        ]
        explicit = set(settings.sources)
        if self.env.shape_class is not None and not values["shape"]:
            values["shape"] = type(self.env.shape_class).__name__
        plan = build_plan(values, shapes=list(self.env.available_shape_classes), explicit=explicit)
        _warn_ignored_by_shape(plan, settings)
        self.metadata = self.metadata.replace(load=plan.describe())
        return plan

    def thresholds(self) -> Sequence[ThresholdOutcome]:
        """The thresholds checked against the statistics as they are now (for live outputs)."""
        plan = self.runner.plan
        if plan is None or not plan.thresholds:
            return ()
        return [_outcome(r) for r in self._check_thresholds()]

    def workers_now(self) -> int:
        """Connected workers for a master (what reports show as its workers), 0 otherwise."""
        runner = self.runner
        return runner.worker_count if isinstance(runner, MasterRunner) else 0

    def start_outputs(self) -> None:
        self.metadata = self.metadata.replace(
            start_time=time.time(), worker_count=self.workers_now()
        )
        context = OutputContext(
            metadata=self.metadata,
            latest=self.latest,
            thresholds=self.thresholds,
            spawn=self.runner.spawn_background,
        )
        self.outputs.start(context)
        if self.outputs.wants_ticks:
            self.runner.tick_listeners.append(self._tick_outputs)

    def snapshot(self, fractions: Sequence[float] | None = None) -> StatsSnapshot:
        if fractions is None:
            return self.env.stats.snapshot(self.runner.user_count)
        return self.env.stats.snapshot(self.runner.user_count, fractions)

    def _tick_outputs(self) -> None:
        """Once a second: one snapshot shared by every output that wants ticks. It leaves out
        the per-name rows (whose cost grows with the names: 0.7 s at 50,000) unless an output
        uses them this second: a full history, the archive, or the CSV tables' rewrite."""
        self._ticks += 1
        settings = self.settings
        names = (
            settings.stats_history_enabled
            or bool(settings.archive)
            or self._ticks % TABLE_REWRITE_TICKS == 0
        )
        self.outputs.tick(self.env.stats.snapshot(self.runner.user_count, names=names))

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
            self.runner.hurry()
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
        self.threshold_results = self._check_thresholds()
        self.metadata = self.metadata.with_thresholds([_outcome(r) for r in self.threshold_results])
        report = self.report()
        output_errors = self.outputs.finish(report)
        output_errors += self._write_junit(report.snapshot)
        self.out.write(self._load_notes(report.snapshot))
        self.out.flush()
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

    def _check_thresholds(self) -> list[ThresholdResult]:
        plan = self.runner.plan
        if plan is None or not plan.thresholds:
            return []
        stats = self.env.stats
        source = ThresholdSource(stats.total, stats.entries, stats.now(), stats.corrected_entry)
        return evaluate(plan.thresholds, source)

    def _write_junit(self, snapshot: StatsSnapshot) -> list[HordeError]:
        if not self.settings.junit_xml:
            return []
        try:
            write_junit(
                self.settings.junit_xml,
                self.threshold_results,
                snapshot,
                duration=snapshot.duration,
            )
        except HordeError as exc:
            return [exc]
        return []

    def _load_notes(self, snapshot: StatsSnapshot) -> str:
        """Lines about how load was applied that a reader of the summary needs."""
        notes = []
        driver = self.runner.driver
        stats = self.env.stats
        dropped = stats.dropped_iterations
        if driver is not None and driver.plan.open_model:
            started = stats.lateness.count
            p50, p99, top = stats.lateness.percentiles((0.5, 0.99, 1.0))
            notes.append(
                f"Arrival rate: {started} iterations started, {dropped} dropped; start "
                f"lateness p50 {p50:.3g} ms, p99 {p99:.3g} ms, max {top:.3g} ms"
            )
        if dropped:
            notes.append(
                f"Dropped iterations: {dropped} (the arrival rate needed more users than -u "
                "allowed, or they started more than --max-lateness late)"
            )
        if driver is not None and driver.aborted_by is not None:
            notes.append(f"Aborted by threshold: {driver.aborted_by.describe()}")
        unanswered = _unanswered(snapshot)
        if unanswered:
            notes.append(
                f"No response at all: the target answered none of the {unanswered} requests "
                "sent (they timed out, were refused, or were cancelled at stop)"
            )
        if isinstance(self.runner, MasterRunner):
            notes += distributed_notes(self.runner)
        return "".join(f"{note}\n" for note in notes)

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
        internal error (4), unwritable output (5), failing event listener (4), a failed
        threshold (6), failures or user exceptions (``--exit-code-on-error``, 1), a regression
        against ``--baseline`` (7); else 0."""
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
        elif any(not r.passed for r in self.threshold_results):
            code = ExitCode.THRESHOLDS
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


def _unanswered(snapshot: StatsSnapshot) -> int:
    """How many requests were sent, if not one of them got a response (else 0).

    A request without a response is a failure whose samples carry no status (refused, timed
    out, cancelled at stop); a run where every request is one of those must say so plainly, not
    only "N failed" (a silent target once passed as "0 requests, 0 failed")."""
    total = snapshot.total
    if not total.num_requests or total.num_failures < total.num_requests:
        return 0
    silent = sum(
        group.occurrences
        for group in snapshot.errors
        if group.samples and not any(sample.status_code for sample in group.samples)
    )
    return total.num_requests if silent >= total.num_requests else 0


def distributed_notes(master: MasterRunner) -> list[str]:
    """What the summary must say about workers lost or messages dropped during the run."""
    notes = [f"Warning: {lost.describe()}" for lost in master.lost_workers]
    if master.malformed_messages:
        notes.append(
            f"Dropped {master.malformed_messages} malformed message(s) from workers "
            "(see the log): their contents are not counted"
        )
    return notes


def _outcome(result: ThresholdResult) -> ThresholdOutcome:
    observed = result.observed
    text = format_value(result.threshold, observed) if observed is not None else ""
    return ThresholdOutcome(result.expression, observed, result.passed, text)


def _plugin_checks(settings: Settings) -> list[str]:
    """locust-plugins' --check-* options as the thresholds they mean."""
    checks = []
    if settings.check_rps is not None:
        checks.append(f"rps>={settings.check_rps:g}")
    if settings.check_fail_ratio is not None:
        checks.append(f"fail_ratio<={settings.check_fail_ratio:g}")
    if settings.check_avg_response_time is not None:
        checks.append(f"avg<={settings.check_avg_response_time:g}ms")
    return checks


def _warn_ignored_by_shape(plan: RunPlan, settings: Settings) -> None:
    if plan.executor != "shape":
        return
    ignored = [
        flag
        for dest, flag in (("num_users", "-u"), ("spawn_rate", "-r"))
        if dest in settings.sources
    ]
    if ignored:
        logger.warning(
            "the load shape %s decides users and spawn rate: %s ignored (as in Locust)",
            plan.shape,
            " and ".join(ignored),
        )
    if settings.run_time:
        logger.info("the load shape %s runs for at most -t %g s", plan.shape, settings.run_time)
