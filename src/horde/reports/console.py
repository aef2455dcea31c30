"""Terminal tables rendered from a :class:`~horde.stats.StatsSnapshot` (pure string building)."""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from horde.stats.snapshot import (
    PERCENTILES_TO_REPORT,
    EntrySnapshot,
    StatsSnapshot,
    percentile_label,
)

_HORDE_SOURCE = str(Path(__file__).resolve().parents[1]) + os.sep
NAME_WIDTH = 60
"""Longest request name shown in full; longer names are clipped with "…" (all outputs keep them)."""
MAX_FAILURE_GROUPS = 10
MAX_EXCEPTION_GROUPS = 10
BODY_PREVIEW = 300
SUMMARY_ROWS = 100
"""Names in the end-of-run tables (the busiest ones); the CSV and JSON outputs have them all."""
FULL_TABLE = "every name is in the CSV and JSON outputs: --csv PREFIX, --json, --json-file NAME"


def ms(value: float) -> str:
    """Milliseconds with the precision that matters: 0.42, 8.31, 42.7, 1234."""
    if value < 10:
        return f"{value:.2f}"
    if value < 1000:
        return f"{value:.1f}"
    return f"{value:.0f}"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def render_table(head: Sequence[str], rows: Sequence[Sequence[str]], *, left: int = 2) -> str:
    """An aligned text table: each column as wide as its widest cell; the first ``left`` columns
    are left-aligned, the rest (numbers) right-aligned. The last row is the total: a rule
    separates it from the others."""
    widths = [max(len(cell) for cell in column) for column in zip(head, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        out = [
            cell.ljust(width) if i < left else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return " | ".join(out).rstrip()

    rule = "-+-".join("-" * w for w in widths)
    lines = [line(head), rule]
    if len(rows) > 1:
        lines += [*(line(r) for r in rows[:-1]), rule]
    if rows:
        lines.append(line(rows[-1]))
    return "\n".join(lines)


def stats_table(
    snapshot: StatsSnapshot,
    *,
    current: bool = True,
    limit: int | None = None,
    full_table: str = "all of them are in the CSV and JSON outputs",
) -> str:
    """The per-name table: counts, failures, avg/min/max/median and rates.

    ``current`` shows the last-10-seconds rates (while running); otherwise whole-run rates.
    ``limit`` keeps the busiest names and says how many were left out, and where they are.
    """
    head = ["Type", "Name", "# reqs", "# fails", "Avg", "Min", "Max", "Med", "req/s", "failures/s"]
    entries, hidden = busiest(snapshot, limit)
    rows = [_stats_cells(entry, current) for entry in (*entries, snapshot.total)]
    return render_table(head, rows) + _hidden_note(hidden, full_table)


def busiest(snapshot: StatsSnapshot, limit: int | None) -> tuple[Sequence[EntrySnapshot], int]:
    """The ``limit`` names with the most requests (in name order) and how many were left out."""
    entries = snapshot.entries
    if limit is None or len(entries) <= limit:
        return entries, 0
    kept = sorted(entries, key=lambda e: -e.num_requests)[:limit]
    return sorted(kept, key=lambda e: (e.name, e.method)), len(entries) - limit


def _hidden_note(hidden: int, full_table: str) -> str:
    if not hidden:
        return ""
    return f"\n… {hidden} more names, not shown ({full_table})"


def _stats_cells(entry: EntrySnapshot, current: bool) -> list[str]:
    rps = entry.current_rps if current else entry.total_rps
    fps = entry.current_fail_per_sec if current else entry.total_fail_per_sec
    fails = f"{entry.num_failures}({entry.fail_ratio * 100:.2f}%)"
    timed = entry.num_requests > entry.num_none_requests
    times = [entry.avg_response_time, entry.min_response_time, entry.max_response_time]
    return [
        entry.method,
        _clip(entry.name, NAME_WIDTH),
        str(entry.num_requests),
        fails,
        *[ms(t) if timed else "N/A" for t in (*times, entry.median_response_time)],
        f"{rps:.2f}",
        f"{fps:.2f}",
    ]


def percentile_table(
    snapshot: StatsSnapshot,
    fractions: Sequence[float] = PERCENTILES_TO_REPORT,
    *,
    limit: int | None = None,
    full_table: str = FULL_TABLE,
) -> str:
    """Response-time percentiles (ms) per name; exact to within 0.8 % (HDR histogram)."""
    head = ["Type", "Name", *[percentile_label(f) for f in fractions], "# reqs"]
    entries, hidden = busiest(snapshot, limit)
    rows = []
    for entry in (*entries, snapshot.total):
        cells = [ms(entry.percentiles.get(f, 0.0)) for f in fractions]
        if entry.num_requests <= entry.num_none_requests:
            cells = ["N/A"] * len(fractions)
        name = _clip(entry.name, NAME_WIDTH)
        rows.append([entry.method, name, *cells, str(entry.num_requests)])
    title = "Response time percentiles (ms; HDR histogram, within 0.8% of the exact value)"
    return title + "\n" + render_table(head, rows) + _hidden_note(hidden, full_table)


def corrected_table(snapshot: StatsSnapshot, *, limit: int | None = None) -> str:
    """Percentiles measured from each request's intended start, beside the service times."""
    total = snapshot.corrected_total
    if total is None:
        return ""
    corrected = dataclasses.replace(snapshot, entries=snapshot.corrected, total=total)
    text = percentile_table(corrected, limit=limit)
    heading = (
        "Response time percentiles from the intended start (ms; coordinated omission "
        "corrected: each request's time plus how late its iteration started)"
    )
    return heading + "\n" + text.split("\n", 1)[1]


def failures_report(snapshot: StatsSnapshot, *, samples: bool = True) -> str:
    """Grouped failures, busiest first, each with one concrete sample to debug from."""
    if not snapshot.errors:
        return "Failures: none"
    lines = ["Failures (grouped by method, name and message)"]
    for group in snapshot.errors[:MAX_FAILURE_GROUPS]:
        lines.append(f"{group.occurrences:>8}x  {group.method} {group.name}: {group.error}")
        if samples and group.samples:
            lines.extend(_sample_lines(group.samples[0]))
    rest = len(snapshot.errors) - MAX_FAILURE_GROUPS
    if rest > 0:
        lines.append(f"… {rest} more failure groups (see the _failures.csv file or --json)")
    return "\n".join(lines)


def _sample_lines(sample: Any) -> list[str]:
    status = sample.status_code if sample.status_code is not None else "no response"
    when = time.strftime("%H:%M:%S", time.localtime(sample.time))
    lines = [f"          sample at {when}: {sample.url or '?'} -> status {status}"]
    if sample.response_headers:
        shown = ", ".join(f"{k}: {v}" for k, v in list(sample.response_headers.items())[:6])
        lines.append(f"          headers: {_clip(shown, 200)}")
    if sample.body_excerpt:
        body = " ".join(sample.body_excerpt.split())
        lines.append(f"          body: {_clip(body, BODY_PREVIEW)}")
    return lines


def exceptions_report(snapshot: StatsSnapshot) -> str:
    """Exceptions raised in user code, busiest first, each with where it was raised."""
    if not snapshot.exceptions:
        return "Exceptions in user code: none"
    lines = ["Exceptions in user code"]
    for record in snapshot.exceptions[:MAX_EXCEPTION_GROUPS]:
        lines.append(f"{record.count:>8}x  {record.msg}")
        lines.extend(f"          {ln}" for ln in where_raised(record.traceback))
    rest = len(snapshot.exceptions) - MAX_EXCEPTION_GROUPS
    if rest > 0:
        lines.append(
            f"… {rest} more kinds of exception (see the _exceptions.csv file or the web UI)"
        )
    return "\n".join(lines)


def where_raised(traceback_text: str, frames: int = 2) -> list[str]:
    """The last ``frames`` frames of a formatted traceback that are not horde's own code
    (the user's locustfile, usually), each as its "File ..." line and its source line."""
    lines = [ln.strip() for ln in traceback_text.strip().splitlines() if ln.strip()]
    found: list[list[str]] = []
    for index, line in enumerate(lines):
        if not line.startswith('File "'):
            continue
        path = line.split('"', 2)[1]
        if path.startswith(_HORDE_SOURCE):
            continue
        following = lines[index + 1] if index + 1 < len(lines) else ""
        frame = [line]
        if following and not following.startswith(("File ", "Traceback", "During ", "The ")):
            frame.append(following)
        found.append(frame)
    if not found:  # raised inside horde: its last lines say the most
        return lines[-frames:]
    return [ln for frame in found[-frames:] for ln in frame]


def summary(
    snapshot: StatsSnapshot, *, limit: int = SUMMARY_ROWS, full_table: str = FULL_TABLE
) -> str:
    """The end-of-run report: stats, percentiles, failures, exceptions.

    The tables show the ``limit`` busiest names (50,000 distinct URLs printed 100,019 lines);
    ``full_table`` says where the rest are (the caller knows which outputs it wrote)."""
    duration = snapshot.duration
    total = snapshot.total
    header = (
        f"Summary: {total.num_requests} requests in {duration:.1f}s "
        f"({total.total_rps:.1f} req/s), {total.num_failures} failed "
        f"({total.fail_ratio * 100:.2f}%)"
    )
    parts = [
        header,
        stats_table(snapshot, current=False, limit=limit, full_table=full_table),
        percentile_table(snapshot, limit=limit, full_table=full_table),
    ]
    if snapshot.corrected_total is not None:
        parts.append(corrected_table(snapshot, limit=limit))
    parts += [failures_report(snapshot), exceptions_report(snapshot)]
    parts.extend(f"warning: {w}" for w in snapshot.warnings)
    return "\n\n".join(parts) + "\n"


def task_ratio_text(report: dict[str, Any]) -> str:
    """``--show-task-ratio``: per-class and total task ratios as indented percentages."""
    lines = ["Task ratio per User class"]
    lines += _ratio_lines(report["per_class"], 0)
    lines += ["", "Total task ratio"]
    lines += _ratio_lines(report["total"], 0)
    return "\n".join(lines)


def _ratio_lines(tree: dict[str, Any], depth: int) -> list[str]:
    lines = []
    for name, node in tree.items():
        lines.append(f"{'    ' * depth}{node['ratio'] * 100:6.1f}%  {name}")
        lines += _ratio_lines(node.get("tasks", {}), depth + 1)
    return lines
