"""``--archive [DIR]``: everything about a run in one date-stamped folder (and a .zip).

``DIR/horde-YYYYMMDD-HHMMSS/`` holds Locust's CSV files (``horde_stats.csv``,
``horde_stats_history.csv`` with a row per name each second, ``horde_failures.csv``,
``horde_exceptions.csv``, ``horde_failure_samples.csv``), ``report.html``, ``report.json``,
``plots/*.png``, the locustfile(s) under ``locustfile/`` and ``settings.json`` (every effective
option and where it came from; secrets redacted). It is written from the run's own statistics,
never by scraping the web UI, so it works headless and on the master of a distributed run.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import shutil
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from horde.config import Settings
from horde.exceptions import OutputError
from horde.reports.builtin import CsvOutput
from horde.reports.csv import CsvWriter
from horde.reports.data import report_snapshot
from horde.reports.html import write_html
from horde.reports.json import dumps, report_document
from horde.reports.metadata import RunMetadata, files_sha256
from horde.reports.numbers import text
from horde.reports.output import BaseOutput, OutputContext, Report
from horde.reports.plots import write_plots
from horde.stats.snapshot import StatsSnapshot

REDACTED = "<redacted>"
SECRET_SETTINGS = {"web_login"}


class ArchiveOutput(BaseOutput):
    name = "archive"
    wants_ticks = True

    def __init__(
        self,
        parent: Path,
        *,
        make_zip: bool = False,
        locustfiles: Sequence[str] = (),
        settings: dict[str, Any] | None = None,
    ) -> None:
        self.parent = parent
        self.make_zip = make_zip
        self.locustfiles = tuple(locustfiles)
        self.settings = settings or {}
        self.folder: Path | None = None
        self.csv: CsvOutput | None = None

    @classmethod
    def from_settings(cls, settings: Settings, locustfiles: Sequence[str]) -> ArchiveOutput:
        return cls(
            Path(settings.archive or "."),
            make_zip=settings.archive_zip,
            locustfiles=locustfiles,
            settings=settings_document(settings),
        )

    def start(self, context: OutputContext) -> None:
        self.folder = new_folder(self.parent)
        self.csv = CsvOutput(str(self.folder / "horde"), full_history=True)

    def tick(self, snapshot: StatsSnapshot) -> None:
        if self.csv is not None:
            self.csv.tick(snapshot)

    def finish(self, report: Report) -> None:
        if self.folder is None or self.csv is None:
            return
        self.csv.finish(report)
        write_archive(self.folder, report, self.locustfiles, self.settings)
        if self.make_zip:
            pack(self.folder)

    def close(self) -> None:
        if self.csv is not None:
            self.csv.close()


def new_folder(parent: Path, now: float | None = None, *, stem: str = "horde") -> Path:
    """``parent/STEM-YYYYMMDD-HHMMSS`` (``-2``, ``-3``... when taken), created."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    try:
        parent.mkdir(parents=True, exist_ok=True)
        for attempt in range(1, 100):
            folder = parent / (f"{stem}-{stamp}" + (f"-{attempt}" if attempt > 1 else ""))
            try:
                folder.mkdir()
            except FileExistsError:
                continue
            return folder
    except OSError as exc:
        raise OutputError(f"cannot create the archive folder in {parent}: {exc}") from exc
    raise OutputError(f"cannot create the archive folder in {parent}: 99 folders named {stamp}")


def write_archive(
    folder: Path, report: Report, locustfiles: Sequence[str], settings: dict[str, Any]
) -> None:
    """Everything but the CSV files (the caller's CsvOutput writes those) into ``folder``."""
    try:
        (folder / "report.json").write_text(dumps(report_document(report)) + "\n", "utf-8")
        write_html(folder / "report.html", report)
        write_plots(folder / "plots", report.snapshot)
        copy_locustfiles(locustfiles, folder / "locustfile")
        (folder / "settings.json").write_text(json.dumps(settings, indent=2) + "\n", "utf-8")
    except OSError as exc:
        raise OutputError(f"cannot write the archive {folder}: {exc}") from exc


def copy_locustfiles(paths: Sequence[str], target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            shutil.copytree(path, target / path.name, dirs_exist_ok=True)
        elif path.is_file():
            shutil.copy2(path, target / path.name)


def pack(folder: Path) -> Path:
    """``folder.zip`` beside ``folder``, every file under the folder's own name."""
    archive = folder.with_suffix(".zip")
    try:
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    bundle.write(path, path.relative_to(folder.parent).as_posix())
    except OSError as exc:
        raise OutputError(f"cannot write {archive}: {exc}") from exc
    return archive


def settings_document(settings: Settings) -> dict[str, Any]:
    """Every effective option with its source; logins and secret custom options redacted."""
    values: dict[str, Any] = {}
    for field in dataclasses.fields(settings):
        if field.name in ("extra", "sources", "warnings"):
            continue
        value = getattr(settings, field.name)
        values[field.name] = REDACTED if field.name in SECRET_SETTINGS and value else value
    for key, value in settings.extra.items():
        values[key] = REDACTED if _secret(key) and value else value
    return {
        "values": json.loads(json.dumps(values, default=str)),
        "sources": dict(settings.sources),
    }


def _secret(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in ("password", "secret", "token", "key", "login"))


def archive_environment(
    environment: Any, directory: str | Path = ".", *, make_zip: bool = False, stem: str = "horde"
) -> Path:
    """Archive a running (or finished) test now, from inside it: Backpack's ``Zip()``.

    ``environment`` is the test's Environment (duck-typed: ``stats``, ``runner``, ``host``,
    ``locustfile``, ``parsed_options``). Writes the same folder as ``--archive``, except that
    the history CSV is rebuilt from the once-a-second history (:func:`write_history_points`)
    since no live writer ran. Returns the folder.
    """
    runner = getattr(environment, "runner", None)
    snapshot = report_snapshot(environment.stats, runner.user_count if runner else 0)
    locustfiles = tuple(p for p in (environment.locustfile or "").split(",") if p)
    metadata = RunMetadata(
        locustfiles=locustfiles,
        locustfile_sha256=files_sha256(list(locustfiles)),
        host=environment.host,
        start_time=snapshot.start_time,
        end_time=snapshot.end_time or snapshot.time,
    )
    options = getattr(environment, "parsed_options", None)
    settings = {"values": json.loads(json.dumps(vars(options), default=str))} if options else {}
    if isinstance(settings.get("values"), dict) and settings["values"].get("web_login"):
        settings["values"]["web_login"] = REDACTED
    folder = new_folder(Path(directory), stem=stem)
    report = Report(snapshot, metadata)
    writer = CsvWriter(str(folder / "horde"), full_history=True)
    try:
        writer.write_tables(snapshot)
    finally:
        writer.close()
    write_history_points(folder / "horde_stats_history.csv", snapshot)
    write_archive(folder, report, locustfiles, settings)
    if make_zip:
        pack(folder)
    return folder


HISTORY_POINT_COLUMNS = [
    "Timestamp",
    "User Count",
    "Type",
    "Name",
    "Requests/s",
    "Failures/s",
    "50%",
    "95%",
    "99%",
    "Total Request Count",
    "Total Failure Count",
    "Total Average Response Time",
]
"""The history rebuilt from the once-a-second series; its percentiles cover the last 10 s (as
the charts), not the whole run as in ``--csv``'s history."""


def write_history_points(path: Path, snapshot: StatsSnapshot) -> None:
    series = [("", "Aggregated", snapshot.history)]
    series += [(m, n, points) for (n, m), points in sorted(snapshot.entry_history.items())]
    rows = [
        [
            str(int(p.time)),
            str(p.user_count),
            method,
            name,
            text(p.current_rps),
            text(p.current_fail_per_sec),
            *(text(v) for v in p.percentiles),
            str(p.num_requests),
            str(p.num_failures),
            text(p.avg_response_time),
        ]
        for method, name, points in series
        for p in points
    ]
    rows.sort(key=lambda row: int(row[0]))
    try:
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(HISTORY_POINT_COLUMNS)
            writer.writerows(rows)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc}") from exc
