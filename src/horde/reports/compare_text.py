"""The comparison as a terminal table (``horde compare`` and the summary with ``--baseline``)."""

from __future__ import annotations

from horde.reports.compare import Comparison, Delta, NameComparison
from horde.reports.console import NAME_WIDTH, ms, render_table

HEAD = ["Type", "Name", "p50 ms", "p95 ms", "p99 ms", "req/s", "fail %", ""]


def _cell(delta: Delta) -> str:
    if delta.metric == "fail_ratio":
        text = f"{delta.baseline * 100:.2f}→{delta.current * 100:.2f}"
    elif delta.metric == "rps":
        text = f"{delta.baseline:.1f}→{delta.current:.1f}"
    else:
        text = f"{ms(delta.baseline)}→{ms(delta.current)}"
        if delta.change_pct is not None:
            text += f" ({delta.change_pct:+.0f}%)"
    return text + (" !" if delta.regressed else "")


def _row(row: NameComparison) -> list[str]:
    name = row.name if len(row.name) <= NAME_WIDTH else row.name[: NAME_WIDTH - 1] + "…"
    if not row.deltas:
        where = "only in this run" if row.status == "new" else "only in the baseline"
        return [row.method, name, where, "", "", "", "", ""]
    verdict = "REGRESSED" if row.regressed else ("too few requests" if row.status == "few" else "")
    return [row.method, name, *(_cell(d) for d in row.deltas), verdict]


def render_comparison(comparison: Comparison) -> str:
    tol = comparison.tolerance
    title = (
        f"Compared with {comparison.baseline_label} (regression: percentile "
        f">{tol.latency_pct:g}% and >{tol.min_latency_ms:g} ms slower, req/s >{tol.rps_pct:g}% "
        f"lower, failures >{tol.fail_points:g} points higher; '!' marks it)"
    )
    rows = [_row(r) for r in (*comparison.rows, comparison.aggregated)]
    found = comparison.regressions
    verdict = (
        f"{len(found)} regression(s): " + ", ".join(f"{r.method} {r.name}".strip() for r in found)
        if found
        else "no regression"
    )
    return f"{title}\n{render_table(HEAD, rows)}\n{verdict}"
