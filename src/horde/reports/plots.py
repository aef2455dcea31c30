"""PNG plots of a run, rendered without a browser (matplotlib's Agg backend).

matplotlib is imported here only, and only when plots are written (about half a second), so a
run without ``--archive`` never pays for it. The object-oriented API (``Figure`` +
``FigureCanvasAgg``) is used rather than ``pyplot``: no global state, no GUI backend is ever
probed, nothing depends on ``MPLBACKEND`` or a display.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure

from horde.reports.chartdata import Distribution, Series, all_distributions, series
from horde.stats.snapshot import StatsSnapshot

PLOT_FILES = ("percentiles.png", "rps_users.png", "failures.png", "latency_distribution.png")
MAX_NAMES_IN_DISTRIBUTION = 10
WIDTH_IN, HEIGHT_IN, DPI = 10.0, 4.5, 100


def _figure() -> tuple[Any, Any]:
    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def _times(s: Series) -> list[dt.datetime]:
    return [dt.datetime.fromtimestamp(t) for t in s.time]


def _time_axis(axes: Any, title: str, ylabel: str) -> None:
    locator = AutoDateLocator()  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    axes.set_title(title)
    axes.set_ylabel(ylabel)
    axes.set_ylim(bottom=0)
    axes.grid(True, alpha=0.3)


def _no_data(axes: Any) -> None:
    axes.text(0.5, 0.5, "no data", ha="center", va="center", transform=axes.transAxes)


def percentiles_plot(total: Series, path: Path) -> Path:
    figure, axes = _figure()
    times = _times(total)
    for label, values in (("p50", total.p50), ("p95", total.p95), ("p99", total.p99)):
        axes.plot(times, values, label=label, linewidth=1.2)
    if not times:
        _no_data(axes)
    _time_axis(axes, "Response time percentiles (last 10 s, all requests)", "ms")
    axes.legend(loc="upper left")
    figure.savefig(path)
    return path


def rps_users_plot(total: Series, path: Path) -> Path:
    figure, axes = _figure()
    times = _times(total)
    axes.plot(times, total.rps, label="requests/s", color="tab:blue", linewidth=1.2)
    _time_axis(axes, "Requests per second and users", "requests/s")
    users = axes.twinx()
    users.plot(times, total.users, label="users", color="tab:orange", linewidth=1.2)
    users.set_ylabel("users")
    users.set_ylim(bottom=0)
    if not times:
        _no_data(axes)
    lines = axes.get_lines() + users.get_lines()
    axes.legend(lines, [line.get_label() for line in lines], loc="upper left")
    figure.savefig(path)
    return path


def failures_plot(total: Series, path: Path) -> Path:
    figure, axes = _figure()
    times = _times(total)
    axes.plot(times, total.fail_per_sec, color="tab:red", linewidth=1.2, label="failures/s")
    if not times:
        _no_data(axes)
    _time_axis(axes, "Failures per second", "failures/s")
    axes.legend(loc="upper left")
    figure.savefig(path)
    return path


def distribution_plot(distributions: Sequence[Distribution], path: Path) -> Path:
    """Cumulative distribution per name (the busiest few), log time axis."""
    figure, axes = _figure()
    drawn = [d for d in distributions if d.counts][: MAX_NAMES_IN_DISTRIBUTION + 1]
    for d in drawn:
        label = d.label if len(d.label) <= 50 else d.label[:49] + "…"
        style = (
            {"linewidth": 2.4, "color": "black"} if d is distributions[0] else {"linewidth": 1.2}
        )
        axes.step(d.edges, [f * 100 for f in d.cumulative()], where="post", label=label, **style)
    if drawn:
        axes.set_xscale("log")
        axes.legend(loc="lower right", fontsize=8)
    else:
        _no_data(axes)
    axes.set_title("Response time distribution (whole run): % of requests at or below")
    axes.set_xlabel("response time (ms, log scale)")
    axes.set_ylabel("% of requests")
    axes.set_ylim(0, 100)
    axes.grid(True, which="both", alpha=0.3)
    figure.savefig(path)
    return path


def write_plots(folder: Path, snapshot: StatsSnapshot) -> list[Path]:
    """The four PNG files of :data:`PLOT_FILES` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    total = series("", "Aggregated", snapshot.history, None)
    distributions = all_distributions(snapshot)
    busiest = sorted(distributions[1:], key=lambda d: -sum(d.counts))[:MAX_NAMES_IN_DISTRIBUTION]
    return [
        percentiles_plot(total, folder / PLOT_FILES[0]),
        rps_users_plot(total, folder / PLOT_FILES[1]),
        failures_plot(total, folder / PLOT_FILES[2]),
        distribution_plot([distributions[0], *busiest], folder / PLOT_FILES[3]),
    ]
