"""Size and render time of the HTML report for a long run, in the real headless Chromium.

    python benchmarks/html_report.py [--seconds 3600] [--names 50] [--repeat 5] [--plotly]

The run: ``--seconds`` of one-second history for the Aggregated total and ``--names`` request
names (the history keeps 50), 200 requests per name with log-normal response times (so every
name has a real HDR distribution), 2 % failures with samples. The statistics are real
(RequestStats on a fake clock); the history points are generated (a random walk) instead of
ticking the registry 3,600 times, which would take minutes and change nothing in the report.

Measured: the report's size in bytes, and the time from navigation start until the report's
script has drawn every chart (``body[data-ready]``), median of ``--repeat`` loads in a fresh
page each. ``--plotly`` also builds the same page with plotly.js inlined (the web UI's charting
library) drawing the same four charts, to compare.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import statistics
import tempfile
from pathlib import Path

from horde.reports import html
from horde.reports.chartdata import chart_document
from horde.reports.data import report_snapshot
from horde.reports.metadata import RunMetadata
from horde.reports.output import Report
from horde.stats import RequestStats
from horde.stats.history import HistoryPoint
from horde.testing import FakeClock

CHROMIUM = "/usr/bin/chromium"
START = 1_700_000_000.0


def walk(rng: random.Random, seconds: int, level: float) -> list[float]:
    out, value = [], level
    for _ in range(seconds):
        value = max(0.1, value * (1 + rng.gauss(0, 0.05)) + (level - value) * 0.05)
        out.append(value)
    return out


def series(rng: random.Random, seconds: int, rps: float, ms: float) -> tuple[HistoryPoint, ...]:
    rates, p50 = walk(rng, seconds, rps), walk(rng, seconds, ms)
    points, done = [], 0
    for i in range(seconds):
        done += int(rates[i])
        points.append(
            HistoryPoint(
                time=START + i + 1,
                user_count=min(i + 1, 200),
                current_rps=rates[i],
                current_fail_per_sec=rates[i] * 0.02,
                percentiles=(p50[i], p50[i] * 2.5, p50[i] * 4.0),
                avg_response_time=p50[i] * 1.2,
                num_requests=done,
                num_failures=done // 50,
            )
        )
    return tuple(points)


def build(seconds: int, names: int) -> Report:
    rng = random.Random(7)
    clock = FakeClock(START)
    stats = RequestStats(clock)
    for n in range(names):
        for k in range(200):
            latency = rng.lognormvariate(3 + n % 5 * 0.3, 0.6)
            stats.log_request("GET", f"/api/resource/{n}/items", latency, 512)
            if k % 50 == 0:
                stats.log_error("GET", f"/api/resource/{n}/items", "HTTPError('503')")
    clock.advance(seconds)
    stats.mark_end()
    snapshot = report_snapshot(stats, 200)
    entry_history = {
        (e.name, e.method): series(rng, seconds, 20.0, 30.0) for e in snapshot.entries[:50]
    }
    snapshot = dataclasses.replace(
        snapshot, history=series(rng, seconds, 1000.0, 30.0), entry_history=entry_history
    )
    meta = RunMetadata(locustfiles=("locustfile.py",), start_time=START, end_time=START + seconds)
    return Report(snapshot, meta)


PLOTLY_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><script>{js}</script></head>
<body><div id="a" style="height:260px"></div><div id="b" style="height:260px"></div>
<div id="c" style="height:260px"></div><div id="d" style="height:260px"></div>
<script type="application/json" id="data">{data}</script><script>
const d = JSON.parse(document.getElementById("data").textContent), s = d.series[0];
let t = 0; const x = s.t.map(v => t += v);
Plotly.newPlot("a", [{{x, y: s.rps}}, {{x, y: s.users, yaxis: "y2"}}],
               {{yaxis2: {{overlaying: "y"}}}});
Plotly.newPlot("b", [{{x, y: s.fps}}]);
Plotly.newPlot("c", [{{x, y: s.p50}}, {{x, y: s.p95}}, {{x, y: s.p99}}]);
Plotly.newPlot("d", [{{x: d.dist[0].edges, y: d.dist[0].counts, type: "bar"}}]);
document.body.setAttribute("data-ready", "1");
</script></body></html>"""


def plotly_page(report: Report) -> str:
    from horde.web.pages import PLOTLY_JS

    data = str(html.script_json(chart_document(report.snapshot)))
    return PLOTLY_PAGE.format(js=Path(PLOTLY_JS).read_text(encoding="utf-8"), data=data)


def render_times(path: Path, repeat: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        for _ in range(repeat):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(path.as_uri())
            page.wait_for_selector("body[data-ready='1']", timeout=60_000)
            times.append(page.evaluate("performance.now()") / 1000)
            page.close()
        browser.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=3600)
    parser.add_argument("--names", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--plotly", action="store_true")
    parser.add_argument("--keep", metavar="FILE", help="also save the report here")
    args = parser.parse_args()
    report = build(args.seconds, args.names)
    pages = {"horde report (inline SVG renderer)": html.render(report)}
    if args.keep:
        Path(args.keep).write_text(pages["horde report (inline SVG renderer)"], encoding="utf-8")
    if args.plotly:
        pages["same charts with plotly.js inlined"] = plotly_page(report)
    data = json.dumps(chart_document(report.snapshot), separators=(",", ":"))
    print(f"{args.seconds} s at 1 s resolution, {args.names} names; chart data {len(data):,} B")
    print("| page | size | render, median (min-max) |")
    print("|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for label, page in pages.items():
            path = Path(folder) / "report.html"
            path.write_text(page, encoding="utf-8")
            times = render_times(path, args.repeat)
            size = len(page.encode())
            print(
                f"| {label} | {size / 1e6:.2f} MB | {statistics.median(times):.2f} s "
                f"({min(times):.2f}-{max(times):.2f}) |"
            )


if __name__ == "__main__":
    main()
