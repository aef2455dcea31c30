"""The built-in outputs (console, CSV, JSON, HTML) and the choice of outputs from Settings."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, TextIO

from horde.config import Settings
from horde.exceptions import ConfigError, OutputError
from horde.reports import console
from horde.reports.compare import Comparison
from horde.reports.compare_text import render_comparison
from horde.reports.csv import CsvWriter
from horde.reports.html import expand_path, write_html
from horde.reports.json import dumps, report_document, write_json_file
from horde.reports.metadata import ThresholdOutcome
from horde.reports.output import BaseOutput, Output, Report, plugin_outputs
from horde.stats.snapshot import StatsSnapshot

TABLE_REWRITE_TICKS = 10
"""The CSV tables are rewritten every this many ticks (seconds), so a crash leaves them fresh."""


class ConsoleOutput(BaseOutput):
    """The end-of-run summary in the terminal (stderr when stdout carries ``--json``)."""

    name = "console"

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def finish(self, report: Report) -> None:
        text = console.summary(report.snapshot)
        if report.thresholds:
            text += "\n" + thresholds_text(report.thresholds) + "\n"
        if report.comparison is not None:
            text += "\n" + comparison_text(report.comparison) + "\n"
        self.out.write("\n" + text)
        self.out.flush()


def thresholds_text(outcomes: tuple[ThresholdOutcome, ...]) -> str:
    passed = sum(1 for t in outcomes if t.passed)
    lines = [f"Thresholds: {passed} of {len(outcomes)} passed"]
    for t in outcomes:
        observed = "no requests" if t.observed is None else (t.text or f"{t.observed:g}")
        lines.append(f"  {'✓' if t.passed else '✗'} {t.expression}: {observed}")
    return "\n".join(lines)


def comparison_text(comparison: Comparison) -> str:
    return render_comparison(comparison)


class CsvOutput(BaseOutput):
    """Locust's CSV files: a history row each second, the tables every ten and at the end."""

    name = "csv"
    wants_ticks = True

    def __init__(self, prefix: str, *, full_history: bool = False) -> None:
        self.writer = CsvWriter(prefix, full_history=full_history)
        self._ticks = 0
        self._closed = False

    def path(self, kind: str) -> Path:
        return self.writer.path(kind)

    def tick(self, snapshot: StatsSnapshot) -> None:
        self.writer.append_history(snapshot)
        self._ticks += 1
        if self._ticks % TABLE_REWRITE_TICKS == 0:
            self.writer.write_tables(snapshot)

    def finish(self, report: Report) -> None:
        try:
            self.writer.append_history(report.snapshot)
            self.writer.write_tables(report.snapshot)
        finally:
            self.close()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.writer.close()


class JsonOutput(BaseOutput):
    """``--json`` (stdout) and ``--json-file NAME``: the versioned report document."""

    name = "json"

    def __init__(
        self, file_name: str | None, *, stdout: TextIO | None, locust_format: bool = False
    ) -> None:
        self.file_name = file_name
        self.stdout = stdout
        self.locust_format = locust_format
        """``--json-format locust``: only the ``stats`` list, exactly Locust's document."""

    def finish(self, report: Report) -> None:
        document: Any = report_document(report)
        if self.locust_format:
            document = document["stats"]
        try:
            if self.file_name:
                write_json_file(self.file_name, document)
        finally:
            if self.stdout is not None:
                self.stdout.write(dumps(document) + "\n")
                self.stdout.flush()


class HtmlOutput(BaseOutput):
    """``--html FILE``: the one-file report, written at the end."""

    name = "html"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def start(self, context: object) -> None:
        check_writable(self.path, "the HTML report")

    def finish(self, report: Report) -> None:
        write_html(self.path, report)


def check_writable(path: Path, what: str) -> None:
    """Fail before the run, not after an hour of load, when ``path`` cannot be written."""
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot write {what} {path}: {exc.strerror or exc}") from exc
    if path.is_dir():
        raise OutputError(f"cannot write {what} {path}: it is a directory")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise OutputError(f"cannot write {what} {path}: permission denied")


def html_path(settings: Settings) -> str | None:
    if not settings.html_file:
        return None
    return expand_path(
        settings.html_file,
        {"u": settings.num_users, "r": settings.spawn_rate, "t": settings.run_time},
    )


def builtin_outputs(
    settings: Settings, *, out: TextIO, locustfiles: tuple[str, ...] = ()
) -> list[Output]:
    """Every output the settings ask for, in the order they are written at the end (the
    console summary last, so that it is what a terminal shows)."""
    outputs: list[Output] = []
    if settings.csv_prefix:
        outputs.append(CsvOutput(settings.csv_prefix, full_history=settings.stats_history_enabled))
    if settings.json or settings.json_file:
        outputs.append(
            JsonOutput(
                settings.json_file,
                stdout=sys.stdout if settings.json else None,
                locust_format=settings.json_format == "locust",
            )
        )
    html = html_path(settings)
    if html:
        outputs.append(HtmlOutput(html))
    if settings.archive:
        from horde.reports.archive import ArchiveOutput

        outputs.append(ArchiveOutput.from_settings(settings, locustfiles))
    if settings.prometheus_port is not None:
        from horde.reports.prometheus import PrometheusOutput

        outputs.append(PrometheusOutput(settings.web_host, settings.prometheus_port))
    if settings.otel:
        outputs.append(_otel_output())
    outputs.extend(plugin_outputs(settings))
    outputs.append(ConsoleOutput(out))
    return outputs


OTEL_MISSING = (
    "--otel needs the OpenTelemetry SDK and its OTLP/HTTP exporter: "
    "pip install 'horde[otel]' (opentelemetry-sdk, opentelemetry-exporter-otlp-proto-http)"
)


def _otel_output() -> Output:
    try:
        from horde.reports.otel import OtelOutput
    except ImportError as exc:
        raise ConfigError(f"{OTEL_MISSING} ({exc})") from exc
    return OtelOutput()
