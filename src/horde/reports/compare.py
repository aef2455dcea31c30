"""Run versus baseline: per-name deltas of p50/p95/p99, throughput and failure ratio.

Pure functions over two :class:`RunSummary` values, built from a live snapshot
(:func:`summary_from_snapshot`) or from a JSON file written by ``--json-file`` (horde's
versioned document, or Locust's ``--json`` list: its ``response_times`` buckets give the
percentiles). ``horde compare`` and ``--baseline`` both end here.

A change is a regression when it is worse than the tolerance: a percentile more than
``latency_pct`` % (and ``min_latency_ms``) slower, throughput more than ``rps_pct`` % lower, or
the failure ratio more than ``fail_points`` percentage points higher. Names with fewer than
``min_requests`` requests in either run are shown but never flagged (their p99 is noise).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from horde.exceptions import ConfigError
from horde.stats.histogram import percentile_rank
from horde.stats.snapshot import EntrySnapshot, StatsSnapshot

AGGREGATED = ("", "Aggregated")
LATENCY_METRICS = ("p50", "p95", "p99")


@dataclass(frozen=True, slots=True)
class NameStats:
    method: str
    name: str
    num_requests: int
    p50: float
    p95: float
    p99: float
    rps: float
    fail_ratio: float

    def metric(self, key: str) -> float:
        value: float = getattr(self, key)
        return value


@dataclass(frozen=True, slots=True)
class RunSummary:
    label: str
    names: Mapping[tuple[str, str], NameStats]
    aggregated: NameStats


@dataclass(frozen=True, slots=True)
class Tolerance:
    latency_pct: float = 10.0
    rps_pct: float = 10.0
    fail_points: float = 1.0
    min_requests: int = 20
    min_latency_ms: float = 1.0


@dataclass(frozen=True, slots=True)
class Delta:
    metric: str
    baseline: float
    current: float
    regressed: bool

    @property
    def change_pct(self) -> float | None:
        """Relative change in percent (None when the baseline is 0)."""
        if self.baseline == 0:
            return None
        return (self.current - self.baseline) / self.baseline * 100.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "baseline": round(self.baseline, 3),
            "current": round(self.current, 3),
            "change_pct": None if self.change_pct is None else round(self.change_pct, 2),
            "regressed": self.regressed,
        }


@dataclass(frozen=True, slots=True)
class NameComparison:
    method: str
    name: str
    status: str
    """"compared", "new" (only in the current run), "gone" (only in the baseline) or "few"
    (too few requests to judge: shown, never flagged)."""
    deltas: tuple[Delta, ...] = ()

    @property
    def regressed(self) -> bool:
        return any(d.regressed for d in self.deltas)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "name": self.name,
            "status": self.status,
            "regressed": self.regressed,
            "deltas": [d.to_dict() for d in self.deltas],
        }


@dataclass(frozen=True, slots=True)
class Comparison:
    baseline_label: str
    current_label: str
    tolerance: Tolerance
    aggregated: NameComparison
    rows: tuple[NameComparison, ...] = field(default=())

    @property
    def regressions(self) -> list[NameComparison]:
        return [r for r in (*self.rows, self.aggregated) if r.regressed]

    @property
    def regressed(self) -> bool:
        return bool(self.regressions)

    def to_dict(self) -> dict[str, Any]:
        return {
            "baseline": self.baseline_label,
            "current": self.current_label,
            "tolerance": {
                "latency_pct": self.tolerance.latency_pct,
                "rps_pct": self.tolerance.rps_pct,
                "fail_points": self.tolerance.fail_points,
                "min_requests": self.tolerance.min_requests,
                "min_latency_ms": self.tolerance.min_latency_ms,
            },
            "regressed": self.regressed,
            "aggregated": self.aggregated.to_dict(),
            "names": [r.to_dict() for r in self.rows],
        }


def compare(baseline: RunSummary, current: RunSummary, tolerance: Tolerance) -> Comparison:
    rows = []
    for key in sorted(set(baseline.names) | set(current.names), key=lambda k: (k[1], k[0])):
        old, new = baseline.names.get(key), current.names.get(key)
        if old is None or new is None:
            status = "new" if old is None else "gone"
            rows.append(NameComparison(key[0], key[1], status))
            continue
        rows.append(_compare_one(old, new, tolerance))
    return Comparison(
        baseline_label=baseline.label,
        current_label=current.label,
        tolerance=tolerance,
        aggregated=_compare_one(baseline.aggregated, current.aggregated, tolerance),
        rows=tuple(rows),
    )


def _compare_one(old: NameStats, new: NameStats, tol: Tolerance) -> NameComparison:
    judged = min(old.num_requests, new.num_requests) >= tol.min_requests
    deltas = [
        Delta(
            key,
            old.metric(key),
            new.metric(key),
            judged
            and new.metric(key) > old.metric(key) * (1 + tol.latency_pct / 100)
            and new.metric(key) - old.metric(key) >= tol.min_latency_ms,
        )
        for key in LATENCY_METRICS
    ]
    deltas.append(
        Delta("rps", old.rps, new.rps, judged and new.rps < old.rps * (1 - tol.rps_pct / 100))
    )
    worse = (new.fail_ratio - old.fail_ratio) * 100 > tol.fail_points
    deltas.append(Delta("fail_ratio", old.fail_ratio, new.fail_ratio, judged and worse))
    return NameComparison(old.method, old.name, "compared" if judged else "few", tuple(deltas))


# -- summaries -----------------------------------------------------------------------------------


def _from_entry(entry: EntrySnapshot) -> NameStats:
    return NameStats(
        method=entry.method,
        name=entry.name,
        num_requests=entry.num_requests,
        p50=entry.percentiles.get(0.5, entry.median_response_time),
        p95=entry.percentiles.get(0.95, 0.0),
        p99=entry.percentiles.get(0.99, 0.0),
        rps=entry.total_rps,
        fail_ratio=entry.fail_ratio,
    )


def summary_from_snapshot(snapshot: StatsSnapshot, label: str = "this run") -> RunSummary:
    """The summary of a live run (the snapshot must hold p50, p95 and p99)."""
    names = {(e.method, e.name): _from_entry(e) for e in snapshot.entries}
    return RunSummary(label, names, _from_entry(snapshot.total))


def summary_from_document(document: Any, label: str) -> RunSummary:
    """The summary of a JSON report: horde's document (schema 1) or Locust's ``--json`` list.

    Raises :class:`ConfigError` naming ``label`` when the document is neither.
    """
    if isinstance(document, dict) and document.get("schema") == "horde-report":
        version = document.get("schema_version")
        if version != 1:
            raise ConfigError(f"{label}: schema_version {version!r} is not supported (1 is)")
        try:
            names = {(str(e["method"]), str(e["name"])): _from_horde(e) for e in document["stats"]}
            return RunSummary(label, names, _from_horde(document["aggregated"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"{label}: not a valid horde JSON report ({exc!r})") from exc
    if isinstance(document, list):
        return _from_locust_list(document, label)
    raise ConfigError(
        f"{label}: not a horde JSON report (write one with --json-file NAME) "
        "nor Locust's --json list"
    )


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{value!r} is not a number")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not a finite number")
    return number


def _from_horde(entry: Mapping[str, Any]) -> NameStats:
    percentiles = entry["percentiles"]
    requests = int(_number(entry["num_requests"]))
    failures = _number(entry["num_failures"])
    return NameStats(
        method=str(entry["method"]),
        name=str(entry["name"]),
        num_requests=requests,
        p50=_number(percentiles["0.5"]),
        p95=_number(percentiles["0.95"]),
        p99=_number(percentiles["0.99"]),
        rps=_number(entry["total_rps"]),
        fail_ratio=failures / requests if requests else (1.0 if failures else 0.0),
    )


def _from_locust_list(document: Sequence[Any], label: str) -> RunSummary:
    try:
        rows = [_from_locust(e) for e in document]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"{label}: not a valid Locust --json list ({exc!r})") from exc
    names = {(r.method, r.name): r for r in rows}
    return RunSummary(label, names, _aggregate(document, rows))


def _from_locust(entry: Mapping[str, Any]) -> NameStats:
    buckets = {float(k): int(v) for k, v in entry["response_times"].items()}
    p50, p95, p99 = bucket_percentiles(buckets, (0.5, 0.95, 0.99))
    requests = int(_number(entry["num_requests"]))
    failures = _number(entry["num_failures"])
    return NameStats(
        method=str(entry["method"]),
        name=str(entry["name"]),
        num_requests=requests,
        p50=p50,
        p95=p95,
        p99=p99,
        rps=requests / _duration([entry]),
        fail_ratio=failures / requests if requests else (1.0 if failures else 0.0),
    )


def _duration(entries: Iterable[Mapping[str, Any]]) -> float:
    starts = [_number(e["start_time"]) for e in entries]
    ends = [_number(e.get("last_request_timestamp") or e["start_time"]) for e in entries]
    return max(max(ends, default=0.0) - min(starts, default=0.0), 1.0)


def _aggregate(document: Sequence[Any], rows: Sequence[NameStats]) -> NameStats:
    buckets: dict[float, int] = {}
    for entry in document:
        for key, count in entry["response_times"].items():
            buckets[float(key)] = buckets.get(float(key), 0) + int(count)
    p50, p95, p99 = bucket_percentiles(buckets, (0.5, 0.95, 0.99))
    requests = sum(r.num_requests for r in rows)
    failures = sum(r.fail_ratio * r.num_requests for r in rows)
    return NameStats(
        method="",
        name="Aggregated",
        num_requests=requests,
        p50=p50,
        p95=p95,
        p99=p99,
        rps=requests / _duration(document) if document else 0.0,
        fail_ratio=failures / requests if requests else 0.0,
    )


def bucket_percentiles(buckets: Mapping[float, int], fractions: Sequence[float]) -> list[float]:
    """Nearest-rank percentiles of ``{value: count}`` (the same rank rule as the histogram)."""
    total = sum(buckets.values())
    if total <= 0:
        return [0.0 for _ in fractions]
    ordered = sorted(buckets.items())
    out = []
    for fraction in fractions:
        rank, seen = percentile_rank(fraction, total), 0
        for value, count in ordered:
            seen += count
            if seen >= rank:
                out.append(value)
                break
    return out
