"""Medians, ratios and shares of wrk's ceiling, as markdown tables, plus the raw JSON.

Every figure is the median over the successful runs of one scenario and tool; a cell with fewer
successful runs than attempted shows ``(ok/total)``, a cell with none shows ``n/a`` and its
reason goes into the notes under the tables.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.measure import FOREIGN_CPU_LIMIT, FOREIGN_METRICS, median
from bench.runs import RunResult
from bench.scenarios import Scenario

GENERATORS = ("horde", "locust")
LATENCY_METRICS = (
    *("requests_per_second", "p50_ms", "server_p50_ms", "p50_diff_ms"),
    *("p99_ms", "server_p99_ms", "p99_diff_ms"),
)


@dataclass(frozen=True)
class Cell:
    value: float | None
    ok_runs: int
    runs: int


@dataclass
class Summary:
    """Looks up medians in the results and remembers why a cell is n/a."""

    results: Sequence[RunResult]
    notes: list[str] = field(default_factory=list)

    def cell(self, key: str, tool: str, metric: str) -> Cell:
        runs = [r for r in self.results if r.scenario == key and r.tool == tool]
        values = [r.metrics[metric] for r in runs if r.ok and metric in r.metrics]
        for r in runs:
            if not r.ok:
                self._note(f"{key} / {tool} run {r.pair}: n/a, {r.reason}")
        return Cell(median(values) if values else None, len(values), len(runs))

    def caveats(self) -> None:
        """Note completed runs whose tool saw failed requests or whose core was shared."""
        for r in self.results:
            run = f"{r.scenario} / {r.tool} run {r.pair}"
            if r.ok and r.metrics.get("num_failures"):
                self._note(f"{run}: {r.metrics['num_failures']:.0f} failed requests")
            for metric, core in FOREIGN_METRICS.items():
                foreign = r.metrics.get(metric, 0.0)
                if foreign > FOREIGN_CPU_LIMIT:
                    self._note(f"{run}: other processes used {foreign:.0f} % of {core}")

    def _note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


def number(cell: Cell, digits: int = 0, *, count: bool = True) -> str:
    """The median, with "(ok/total)" when some runs failed (unless ``count`` is False)."""
    if cell.value is None:
        return "n/a"
    text = f"{cell.value:,.{digits}f}"
    if not count or cell.ok_runs == cell.runs:
        return text
    return f"{text} ({cell.ok_runs}/{cell.runs} runs)"


def ratio(top: Cell, bottom: Cell) -> str:
    if top.value is None or not bottom.value:
        return "n/a"
    return f"{top.value / bottom.value:.2f}x"


def share(part: Cell, whole: Cell) -> str:
    if part.value is None or not whole.value:
        return "n/a"
    return f"{100 * part.value / whole.value:.1f} %"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _pair(summary: Summary, key: str, metric: str) -> tuple[Cell, Cell]:
    horde, locust = (summary.cell(key, tool, metric) for tool in GENERATORS)
    return horde, locust


def wrk_table(summary: Summary, scenarios: Sequence[Scenario]) -> list[str]:
    rows = []
    for s in scenarios:
        counted = summary.cell(s.key, "wrk", "requests_per_second")
        own = summary.cell(s.key, "wrk", "tool_reported_rps")
        cpu = summary.cell(s.key, "wrk", "cpu_percent")
        rows.append([str(s.users), number(counted), number(own), number(cpu)])
    header = ["Connections", "wrk req/s (nginx count)", "wrk req/s (its own)", "wrk CPU %"]
    return _table(header, rows)


def rps_table(summary: Summary, scenarios: Sequence[Scenario]) -> list[str]:
    rows = []
    for s in scenarios:
        horde, locust = _pair(summary, s.key, "requests_per_second")
        ceiling = summary.cell(f"wrk-{s.users}", "wrk", "requests_per_second")
        cpu_h, cpu_l = _pair(summary, s.key, "cpu_percent")
        rows.append(
            [
                *(s.user_class, str(s.users), number(horde), number(locust)),
                *(ratio(horde, locust), share(horde, ceiling), share(locust, ceiling)),
                *(number(cpu_h), number(cpu_l)),
            ]
        )
    header = ["User class", "Users", "horde req/s", "Locust req/s", "horde / Locust"]
    header += ["horde % of wrk", "Locust % of wrk", "horde CPU %", "Locust CPU %"]
    return _table(header, rows)


def idle_table(summary: Summary, scenarios: Sequence[Scenario]) -> list[str]:
    rows = []
    for s in scenarios:
        horde, locust = _pair(summary, s.key, "requests_per_second")
        pct_h, pct_l = _pair(summary, s.key, "offered_percent")
        cpu_h, cpu_l = _pair(summary, s.key, "cpu_percent")
        rows.append(
            [
                *(s.user_class, f"{s.users:,}", f"{s.offered_rps or 0:,.0f}"),
                f"{number(pct_h, 1, count=False)} % = {number(horde)}",
                f"{number(pct_l, 1, count=False)} % = {number(locust)}",
                *(ratio(horde, locust), number(cpu_h), number(cpu_l)),
            ]
        )
    header = ["User class", "Users", "Offered req/s", "horde: % of offered = req/s"]
    header += ["Locust: % of offered = req/s"]
    header += ["horde / Locust", "horde CPU %", "Locust CPU %"]
    return _table(header, rows)


def rss_table(summary: Summary, scenarios: Sequence[Scenario]) -> list[str]:
    rows = []
    for s in scenarios:
        horde, locust = _pair(summary, s.key, "peak_rss_mib")
        rows.append([s.user_class, f"{s.users:,}", number(horde), number(locust)])
        rows[-1].append(ratio(horde, locust))
    header = ["User class", "Users", "horde peak RSS MiB", "Locust peak RSS MiB", "horde / Locust"]
    return _table(header, rows)


def latency_table(summary: Summary, scenarios: Sequence[Scenario]) -> list[str]:
    rows = []
    for s in scenarios:
        for tool, label in zip(GENERATORS, ("horde", "Locust"), strict=True):
            rate, *times = (summary.cell(s.key, tool, metric) for metric in LATENCY_METRICS)
            rows.append([s.user_class, label, number(rate)] + [number(c, 2) for c in times])
    header = ["User class", "Tool", "Delivered req/s", "p50 reported", "p50 nginx", "Δ p50 ms"]
    header += ["p99 reported", "p99 nginx", "Δ p99 ms"]
    return _table(header, rows)


SECTIONS: dict[str, tuple[str, Callable[[Summary, Sequence[Scenario]], list[str]]]] = {
    "wrk": ("wrk's ceiling: `wrk -t1 -c N`, GET /", wrk_table),
    "rps": ("Requests/s on one core: no wait (`constant(0)`), GET /", rps_table),
    "idle": ("Idle users: `between(1, 2)`, GET /; delivered vs offered rate", idle_table),
    "rss": ("Peak RSS of the generator: the idle-user runs", rss_table),
    "latency": (
        "Latency fidelity: `constant_throughput(10)` against /delay (50 ms)",
        latency_table,
    ),
}


def markdown(
    meta: dict[str, Any], scenarios: Sequence[Scenario], results: Sequence[RunResult]
) -> str:
    """The results section: how it was run, one table per scenario group, notes."""
    summary = Summary(results)
    lines = [
        f"Command: `{meta['command']}`  ",
        f"Date: {meta['date']}  ",
        f"Machine: {meta['machine']}  ",
        f"Versions: {meta['versions']}  ",
        f"Each figure is the median of {meta['pairs']} run(s) per tool, horde and Locust "
        "alternating run by run; ratios are horde / Locust; req/s and CPU % are over each run's "
        "steady window (method: benchmarks/README.md).",
    ]
    for group, (title, build) in SECTIONS.items():
        chosen = [s for s in scenarios if s.group == ("idle" if group == "rss" else group)]
        if chosen:
            lines += ["", f"### {title}", "", *build(summary, chosen)]
    summary.caveats()
    if summary.notes:
        lines += ["", "Notes:", "", *(f"- {note}" for note in summary.notes)]
    return "\n".join(lines) + "\n"


def write(
    directory: Path,
    meta: dict[str, Any],
    scenarios: Sequence[Scenario],
    results: Sequence[RunResult],
) -> str:
    """Write ``latest.md`` and ``latest.json`` into ``directory``; return the markdown."""
    directory.mkdir(parents=True, exist_ok=True)
    text = markdown(meta, scenarios, results)
    (directory / "latest.md").write_text("## Results\n\n" + text, encoding="utf-8")
    raw = {"meta": meta, "runs": [r.to_dict() for r in results]}
    (directory / "latest.json").write_text(json.dumps(raw, indent=1) + "\n", encoding="utf-8")
    return text
