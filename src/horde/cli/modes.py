"""One function per way of running: headless test, listings, demo, demo target."""

from __future__ import annotations

import json as jsonlib
import logging
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
from horde.reports import console
from horde.reports.csv import CsvWriter
from horde.reports.json import stats_document, write_json_file
from horde.reports.live import RunStatus, make_display
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

    def run(self) -> int:
        events.init.fire(environment=self.env, runner=self.runner, web_ui=None)
        self._install_signals()
        if self.csv is not None:
            self.runner.tick_listeners.append(self._csv_tick)
            self.runner.greenlet.spawn(self._rewrite_tables)
        if not self.settings.only_summary:
            self.runner.greenlet.spawn(self._display)
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
        display, interval = make_display(self.out, tty=self.out.isatty())
        while True:
            gevent.sleep(interval)
            display.render(self._status(), self._snapshot((0.5,)))

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
        self._signals += 1
        if self._signals == 1:
            self.runner.request_stop(f"{name} received")
            return
        logger.warning("%s again: stopping users now, without waiting for their tasks", name)
        self.env.stop_timeout = 0
        self.runner.user_greenlets.kill(block=False)

    # -- the end ---------------------------------------------------------------------------------

    def finish(self) -> int:
        self.runner.quit()
        if self.runner.stop_reason:
            logger.info("test stopped: %s", self.runner.stop_reason)
        snapshot = self._snapshot()
        if self.csv is not None:
            self.csv.append_history(snapshot)
            self.csv.write_tables(snapshot)
            self.csv.close()
        if self.settings.json or self.settings.json_file:
            document = stats_document(snapshot, self.env.stats.buckets())
            if self.settings.json_file:
                write_json_file(self.settings.json_file, document)
            if self.settings.json:
                sys.stdout.write(jsonlib.dumps(document, indent=2) + "\n")
        self.out.write("\n" + console.summary(snapshot))
        self.out.flush()
        return self.exit_code(snapshot)

    def exit_code(self, snapshot: StatsSnapshot) -> int:
        events.quitting.fire(environment=self.env, reverse=True)
        if self.env.process_exit_code is not None:
            code = int(self.env.process_exit_code)
        elif events.listener_errors:
            logger.error("%d error(s) in event listeners (see above)", len(events.listener_errors))
            code = ExitCode.INTERNAL
        elif snapshot.has_failures:
            code = self.settings.exit_code_on_error
        else:
            code = ExitCode.OK
        events.quit.fire(exit_code=code)
        return code


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
        "\nhorde demo: done. The demo ends with exit code 0 even though some requests failed"
        " on purpose;\nyour own runs exit with 1 when requests fail (see --exit-code-on-error).\n"
    )
    return code


def demo_target(argv: Sequence[str]) -> int:
    from horde.demo.target import main as target_main

    return target_main(list(argv))
