"""Terminal tables rendered from a :class:`~horde.stats.StatsSnapshot` (pure string building)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

from horde.stats.snapshot import (
    PERCENTILES_TO_REPORT,
    EntrySnapshot,
    StatsSnapshot,
    percentile_label,
)

NAME_WIDTH = 50
MAX_FAILURE_GROUPS = 10
BODY_PREVIEW = 300


def ms(value: float) -> str:
    """Milliseconds with the precision that matters: 0.42, 8.31, 42.7, 1234."""
    if value < 10:
        return f"{value:.2f}"
    if value < 1000:
        return f"{value:.1f}"
    return f"{value:.0f}"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _rule(widths: Sequence[int]) -> str:
    return "-+-".join("-" * w for w in widths)


def _row(cells: Sequence[str], widths: Sequence[int], left: int = 2) -> str:
    out = []
    for i, (cell, width) in enumerate(zip(cells, widths, strict=True)):
        out.append(cell.ljust(width) if i < left else cell.rjust(width))
    return " | ".join(out)


def stats_table(snapshot: StatsSnapshot, *, current: bool = True, limit: int | None = None) -> str:
    """The per-name table: counts, failures, avg/min/max/median and rates.

    ``current`` shows the last-10-seconds rates (while running); otherwise whole-run rates.
    ``limit`` keeps the busiest names and says how many were left out.
    """
    widths = [7, NAME_WIDTH, 9, 15, 8, 8, 8, 8, 9, 10]
    head = ["Type", "Name", "# reqs", "# fails", "Avg", "Min", "Max", "Med", "req/s", "fails/s"]
    lines = [_row(head, widths), _rule(widths)]
    entries: Iterable[EntrySnapshot] = snapshot.entries
    hidden = 0
    if limit is not None and len(snapshot.entries) > limit:
        busiest = sorted(snapshot.entries, key=lambda e: -e.num_requests)[:limit]
        hidden = len(snapshot.entries) - limit
        entries = sorted(busiest, key=lambda e: (e.name, e.method))
    for entry in entries:
        lines.append(_row(_stats_cells(entry, current), widths))
    if hidden:
        lines.append(f"… {hidden} more names (all of them are in the CSV and JSON outputs)")
    lines.append(_rule(widths))
    lines.append(_row(_stats_cells(snapshot.total, current), widths))
    return "\n".join(lines)


def _stats_cells(entry: EntrySnapshot, current: bool) -> list[str]:
    rps = entry.current_rps if current else entry.total_rps
    fps = entry.current_fail_per_sec if current else entry.total_fail_per_sec
    fails = f"{entry.num_failures}({entry.fail_ratio * 100:.2f}%)"
    return [
        entry.method,
        _clip(entry.name, NAME_WIDTH),
        str(entry.num_requests),
        fails,
        ms(entry.avg_response_time),
        ms(entry.min_response_time),
        ms(entry.max_response_time),
        ms(entry.median_response_time),
        f"{rps:.2f}",
        f"{fps:.2f}",
    ]


def percentile_table(
    snapshot: StatsSnapshot, fractions: Sequence[float] = PERCENTILES_TO_REPORT
) -> str:
    """Response-time percentiles (ms) per name; exact to within 0.8 % (HDR histogram)."""
    widths = [7, NAME_WIDTH, *[7] * len(fractions), 9]
    head = ["Type", "Name", *[percentile_label(f) for f in fractions], "# reqs"]
    lines = [
        "Response time percentiles (ms, HDR histogram: within 0.8% of the exact value)",
        _row(head, widths),
        _rule(widths),
    ]
    for entry in (*snapshot.entries, snapshot.total):
        if entry is snapshot.total:
            lines.append(_rule(widths))
        cells = [ms(entry.percentiles.get(f, 0.0)) for f in fractions]
        if not entry.num_requests:
            cells = ["N/A"] * len(fractions)
        name = _clip(entry.name, NAME_WIDTH)
        lines.append(_row([entry.method, name, *cells, str(entry.num_requests)], widths))
    return "\n".join(lines)


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
    if not snapshot.exceptions:
        return "Exceptions in user code: none"
    lines = ["Exceptions in user code"]
    for record in snapshot.exceptions:
        lines.append(f"{record.count:>8}x  {record.msg}")
        tail = [ln for ln in record.traceback.strip().splitlines() if ln.strip()][-4:]
        lines.extend(f"          {ln.strip()}" for ln in tail)
    return "\n".join(lines)


def summary(snapshot: StatsSnapshot) -> str:
    """The end-of-run report: stats, percentiles, failures, exceptions."""
    duration = snapshot.duration
    total = snapshot.total
    header = (
        f"Summary: {total.num_requests} requests in {duration:.1f}s "
        f"({total.total_rps:.1f} req/s), {total.num_failures} failed "
        f"({total.fail_ratio * 100:.2f}%)"
    )
    parts = [
        header,
        stats_table(snapshot, current=False),
        percentile_table(snapshot),
        failures_report(snapshot),
        exceptions_report(snapshot),
    ]
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
