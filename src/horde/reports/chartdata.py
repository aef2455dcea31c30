"""Chart data for the HTML report and the PNG plots: time series and latency distributions.

Sizes are bounded whatever the run: the Aggregated series keeps every history point (at most
7,200, see :mod:`horde.stats.history`), each request name's series is thinned to
:data:`MAX_NAME_POINTS` (the largest percentile and the mean rate of each group of points, so a
spike stays visible), and distributions are re-binned into :data:`BINS_PER_DECADE` logarithmic
bins. A one-hour run with 50 names then needs about 1 MB of chart data, not 5.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from horde.reports.numbers import significant
from horde.stats.history import HistoryPoint
from horde.stats.snapshot import StatsSnapshot

MAX_NAME_POINTS = 600
BINS_PER_DECADE = 10
MAX_DISTRIBUTIONS = 200
"""Distributions for at most this many names (the busiest); the Aggregated one always."""


@dataclass(frozen=True, slots=True)
class Series:
    """One name's series, columns of equal length."""

    method: str
    name: str
    time: tuple[float, ...]
    users: tuple[int, ...]
    rps: tuple[float, ...]
    fail_per_sec: tuple[float, ...]
    p50: tuple[float, ...]
    p95: tuple[float, ...]
    p99: tuple[float, ...]

    @property
    def label(self) -> str:
        return f"{self.method} {self.name}".strip()


def series(method: str, name: str, points: Sequence[HistoryPoint], limit: int | None) -> Series:
    """The columns of ``points``, thinned to ``limit`` points (None: keep all)."""
    groups = _groups(len(points), limit)
    chunks = [points[a:b] for a, b in groups]
    return Series(
        method=method,
        name=name,
        time=tuple(chunk[-1].time for chunk in chunks),
        users=tuple(max(p.user_count for p in chunk) for chunk in chunks),
        rps=tuple(_mean([p.current_rps for p in chunk]) for chunk in chunks),
        fail_per_sec=tuple(_mean([p.current_fail_per_sec for p in chunk]) for chunk in chunks),
        p50=tuple(max(p.percentiles[0] for p in chunk) for chunk in chunks),
        p95=tuple(max(p.percentiles[1] for p in chunk) for chunk in chunks),
        p99=tuple(max(p.percentiles[2] for p in chunk) for chunk in chunks),
    )


def _groups(count: int, limit: int | None) -> list[tuple[int, int]]:
    if limit is None or count <= limit:
        return [(i, i + 1) for i in range(count)]
    size = math.ceil(count / limit)
    return [(start, min(start + size, count)) for start in range(0, count, size)]


def _mean(values: Sequence[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return sum(finite) / len(finite) if finite else 0.0


def all_series(snapshot: StatsSnapshot) -> list[Series]:
    """Aggregated first (every point), then each name with a history (thinned)."""
    out = [series("", "Aggregated", snapshot.history, None)]
    for (name, method), points in sorted(snapshot.entry_history.items()):
        out.append(series(method, name, points, MAX_NAME_POINTS))
    return out


@dataclass(frozen=True, slots=True)
class Distribution:
    """Counts in logarithmic bins: ``edges[i]`` is the upper edge (ms) of ``counts[i]``."""

    method: str
    name: str
    edges: tuple[float, ...]
    counts: tuple[int, ...]

    @property
    def label(self) -> str:
        return f"{self.method} {self.name}".strip()

    def cumulative(self) -> list[float]:
        """Fraction of requests at or below each edge (for CDF plots)."""
        total = sum(self.counts) or 1
        out, seen = [], 0
        for count in self.counts:
            seen += count
            out.append(seen / total)
        return out


def distribution(method: str, name: str, buckets: Mapping[float, int]) -> Distribution:
    """Re-bin HDR buckets (``{upper edge ms: count}``) into log bins from the first non-empty
    to the last non-empty one. A bucket goes to the bin whose upper edge is at or above it."""
    filled = {ms: n for ms, n in buckets.items() if n > 0 and math.isfinite(ms)}
    if not filled:
        return Distribution(method, name, (), ())
    bins: dict[int, int] = {}
    for ms, count in filled.items():
        index = math.ceil(math.log10(max(ms, 0.001)) * BINS_PER_DECADE - 1e-9)
        bins[index] = bins.get(index, 0) + count
    low, high = min(bins), max(bins)
    edges = tuple(significant(10 ** (i / BINS_PER_DECADE)) for i in range(low, high + 1))
    counts = tuple(bins.get(i, 0) for i in range(low, high + 1))
    return Distribution(method, name, edges, counts)


def all_distributions(snapshot: StatsSnapshot) -> list[Distribution]:
    """Aggregated first, then the busiest names (at most :data:`MAX_DISTRIBUTIONS`)."""
    out = [distribution("", "Aggregated", snapshot.total_buckets)]
    busiest = sorted(snapshot.entries, key=lambda e: (-e.num_requests, e.name, e.method))
    for entry in sorted(busiest[:MAX_DISTRIBUTIONS], key=lambda e: (e.name, e.method)):
        buckets = snapshot.buckets.get((entry.name, entry.method), {})
        out.append(distribution(entry.method, entry.name, buckets))
    return out


def compact(values: Sequence[float], digits: int = 3) -> list[float | int]:
    """Numbers for JSON embedded in the report: ``digits`` significant digits, ints as ints."""
    out: list[float | int] = []
    for value in values:
        short = significant(value, digits)
        out.append(int(short) if short.is_integer() else short)
    return out


def deltas(times: Sequence[float], start: float) -> list[int]:
    """Whole seconds since ``start``, delta-encoded (mostly 1s: a few bytes per point)."""
    out, previous = [], 0
    for t in times:
        offset = round(t - start)
        out.append(offset - previous)
        previous = offset
    return out


def chart_document(snapshot: StatsSnapshot) -> dict[str, Any]:
    """What the report's script draws, as small as JSON gets without compression."""
    start = snapshot.history[0].time if snapshot.history else snapshot.start_time
    return {
        "start": start,
        "series": [
            {
                "label": s.label,
                "t": deltas(s.time, start),
                "users": list(s.users) if index == 0 else None,
                "rps": compact(s.rps),
                "fps": compact(s.fail_per_sec),
                "p50": compact(s.p50),
                "p95": compact(s.p95),
                "p99": compact(s.p99),
            }
            for index, s in enumerate(all_series(snapshot))
        ],
        "dist": [
            {"label": d.label, "edges": list(d.edges), "counts": list(d.counts)}
            for d in all_distributions(snapshot)
        ],
    }
