"""Pass/fail thresholds for CI: ``p95<300ms``, ``GET /api/items: p99<500ms``, ``fail_ratio<1%``.

Syntax (one threshold per string)::

    [[METHOD] NAME:] METRIC OP VALUE[UNIT] [abort] [delay=TIME]

* METRIC: ``p50`` ... ``p99.9`` (also k6's ``p(95)``), ``median``, ``avg``, ``min``, ``max``
  (milliseconds; ``s`` and ``ms`` units accepted), ``fail_ratio`` (``1%`` or ``0.01``),
  ``failures``, ``requests``, ``rps`` (requests per second over the run so far). Under an
  arrival-rate executor ``corrected_p95`` etc. read the response times measured from each
  request's intended start (coordinated omission corrected).
* NAME: a request name as in the statistics table, optionally preceded by its method
  (``GET /api/items``); without it the threshold applies to the Aggregated row. A name with
  several methods is checked on all of them merged.
* ``abort`` (or ``abort_on_fail``): stop the test as soon as the threshold fails during the run
  (k6's ``abortOnFail``), but not before ``delay`` has passed since the start
  (``delayAbortEval``). Every threshold is also checked once at the end.

Sans-I/O: thresholds read the statistics they are given, at the time they are given.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from horde.exceptions import ConfigError
from horde.stats.entry import StatsEntry
from horde.timespan import parse_timespan

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
}
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "CONNECT"})
_EXPR = re.compile(
    r"^(?:(?P<name>.*\S)\s*:\s+)?"
    r"(?P<metric>[a-z_]+(?:\(\s*[\d.]+\s*\)|[\d.]+)?)\s*"
    r"(?P<op><=|>=|<|>)\s*"
    r"(?P<value>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?)\s*(?P<unit>ms|s|%)?"
    r"(?P<flags>(?:\s+\S+)*)\s*$",
    re.IGNORECASE,
)
_PERCENTILE = re.compile(r"^(?P<corrected>corrected_)?p\(?\s*(?P<pct>[\d.]+)\s*\)?$")
_TIME_METRICS = frozenset({"avg", "min", "max", "median"})
_PLAIN_METRICS = frozenset({"failures", "requests", "rps"})


@dataclass(frozen=True, slots=True)
class Threshold:
    """One parsed threshold (see the module docstring for the syntax)."""

    expression: str
    metric: str
    """``percentile``, ``corrected_percentile``, ``avg``, ``min``, ``max``, ``fail_ratio``,
    ``failures``, ``requests`` or ``rps``."""
    op: str
    limit: float
    fraction: float | None = None
    """For percentiles: 0.95 for p95."""
    name: str | None = None
    method: str | None = None
    abort_on_fail: bool = False
    delay: float = 0.0

    @property
    def target(self) -> str:
        """What the threshold looks at, for the summary: ``GET /x`` or ``Aggregated``."""
        if self.name is None:
            return "Aggregated"
        return f"{self.method} {self.name}" if self.method else self.name

    @property
    def unit(self) -> str:
        if self.metric in ("percentile", "corrected_percentile") or self.metric in _TIME_METRICS:
            return "ms"
        return "%" if self.metric == "fail_ratio" else ""

    def check(self, observed: float) -> bool:
        return _OPS[self.op](observed, self.limit)


@dataclass(frozen=True, slots=True)
class ThresholdResult:
    """A threshold checked against the statistics: what was measured and whether it passed."""

    threshold: Threshold
    observed: float | None
    """None when nothing was measured for the threshold's request name."""
    passed: bool

    @property
    def expression(self) -> str:
        return self.threshold.expression

    def describe(self) -> str:
        """``p95<300ms: 212.4 ms`` style text for the summary and JUnit."""
        if self.observed is None:
            return f"{self.expression}: no requests named {self.threshold.target}"
        return f"{self.expression}: {format_value(self.threshold, self.observed)}"


def format_value(threshold: Threshold, value: float) -> str:
    if threshold.metric == "fail_ratio":
        return f"{value * 100:.4g}%"
    if threshold.unit == "ms":
        return f"{value:.6g} ms"
    return f"{value:.6g}"


def parse_threshold(text: str, *, abort_on_fail: bool = False, delay: float = 0.0) -> Threshold:
    """Parse one threshold; raises ConfigError with the accepted syntax on a bad one."""
    if not isinstance(text, str):
        raise ConfigError(f"a threshold must be a string such as 'p95<300ms', got {text!r}")
    match = _EXPR.match(text.strip())
    if match is None:
        raise ConfigError(f"invalid threshold {text!r}: {_HOW}")
    metric, fraction = _metric(match["metric"].lower(), text)
    limit = float(match["value"])
    if not math.isfinite(limit):
        raise ConfigError(f"invalid threshold {text!r}: the limit must be a finite number")
    limit = _scale(metric, limit, (match["unit"] or "").lower(), text)
    abort, delay = _flags(match["flags"], text, abort_on_fail, delay)
    method, name = _target(match["name"])
    return Threshold(
        expression=text.strip(),
        metric=metric,
        op=match["op"],
        limit=limit,
        fraction=fraction,
        name=name,
        method=method,
        abort_on_fail=abort,
        delay=delay,
    )


_HOW = (
    "use [NAME:] METRIC OP VALUE, e.g. p95<300ms, 'GET /api: p99<1s', fail_ratio<1%, rps>100"
    " (metrics: pNN, median, avg, min, max, fail_ratio, failures, requests, rps)"
)


def _metric(raw: str, text: str) -> tuple[str, float | None]:
    percentile = _PERCENTILE.match(raw)
    if percentile is not None:
        try:
            pct = float(percentile["pct"])
        except ValueError:
            pct = math.nan
        if not 0 < pct <= 100:
            raise ConfigError(f"invalid threshold {text!r}: a percentile must be in (0, 100]")
        kind = "corrected_percentile" if percentile["corrected"] else "percentile"
        return kind, pct / 100.0
    if raw == "median":
        return "percentile", 0.5
    if raw in _TIME_METRICS or raw in _PLAIN_METRICS or raw == "fail_ratio":
        return raw, None
    raise ConfigError(f"invalid threshold {text!r}: unknown metric {raw!r}; {_HOW}")


def _scale(metric: str, limit: float, unit: str, text: str) -> float:
    timed = metric in ("percentile", "corrected_percentile") or metric in _TIME_METRICS
    if unit in ("ms", "s") and not timed:
        raise ConfigError(f"invalid threshold {text!r}: {metric} is not a time")
    if unit == "%" and metric != "fail_ratio":
        raise ConfigError(f"invalid threshold {text!r}: only fail_ratio takes a percentage")
    if unit == "s":
        return limit * 1000.0
    if unit == "%":
        return limit / 100.0
    return limit


def _flags(raw: str, text: str, abort: bool, delay: float) -> tuple[bool, float]:
    for flag in raw.split():
        key, _, value = flag.lower().partition("=")
        if key in ("abort", "abort_on_fail", "abortonfail") and not value:
            abort = True
        elif key in ("delay", "delay_abort_eval") and value:
            try:
                delay = parse_timespan(value)
            except ConfigError as exc:
                raise ConfigError(f"invalid threshold {text!r}: {exc}") from None
        else:
            raise ConfigError(
                f"invalid threshold {text!r}: unknown option {flag!r} (use abort, delay=10s)"
            )
    return abort, delay


def _target(raw: str | None) -> tuple[str | None, str | None]:
    if raw is None:
        return None, None
    name = raw.strip().strip("'\"")
    if name.lower() == "aggregated":
        return None, None
    method, _, rest = name.partition(" ")
    if method.upper() in _METHODS and rest.strip():
        return method.upper(), rest.strip()
    return None, name


def parse_thresholds(items: Iterable[Any]) -> tuple[Threshold, ...]:
    """Strings and Threshold objects (from the CLI, a config file or the locustfile)."""
    out = []
    for item in items:
        out.append(item if isinstance(item, Threshold) else parse_threshold(item))
    return tuple(out)


# -- evaluation ---------------------------------------------------------------------------------


class ThresholdSource:
    """What thresholds read: the Aggregated row and the entries of a run's statistics."""

    def __init__(
        self,
        total: StatsEntry,
        entries: dict[tuple[str, str], StatsEntry],
        now: float,
        corrected: Callable[[str | None, str | None], StatsEntry | None] | None = None,
    ) -> None:
        self.total = total
        self.entries = entries
        self.now = now
        self.corrected = corrected

    def entry(self, threshold: Threshold) -> StatsEntry | None:
        if threshold.metric == "corrected_percentile":
            return self.corrected(threshold.name, threshold.method) if self.corrected else None
        if threshold.name is None:
            return self.total
        matches = [
            entry
            for (name, method), entry in self.entries.items()
            if name == threshold.name and (threshold.method is None or method == threshold.method)
        ]
        if not matches:
            return None
        if len(matches) == 1:
            return matches[0]
        merged = StatsEntry(threshold.name, "", min(m.start_time for m in matches))
        for match in matches:
            merged.extend(match)
        return merged


_COUNTS: dict[str, Callable[[StatsEntry, float], float]] = {
    "requests": lambda entry, _now: float(entry.num_requests),
    "failures": lambda entry, _now: float(entry.num_failures),
    "fail_ratio": lambda entry, _now: entry.fail_ratio,
    "rps": lambda entry, now: entry.total_rps_at(now),
}
_TIMES: dict[str, Callable[[StatsEntry], float]] = {
    "avg": lambda entry: entry.avg_response_time,
    "min": lambda entry: entry.min_response_time or 0.0,
    "max": lambda entry: entry.max_response_time,
}


def observe(threshold: Threshold, entry: StatsEntry, now: float) -> float | None:
    """The value ``threshold`` looks at in ``entry`` (None when no request was timed)."""
    metric = threshold.metric
    count = _COUNTS.get(metric)
    if count is not None:
        return count(entry, now)
    if not entry.timed_requests:
        return None
    if metric in ("percentile", "corrected_percentile"):
        return entry.get_response_time_percentile(threshold.fraction or 1.0)
    return _TIMES[metric](entry)


def evaluate(thresholds: Sequence[Threshold], source: ThresholdSource) -> list[ThresholdResult]:
    """Check every threshold; one with nothing to measure fails (a silent target is no pass)."""
    results = []
    for threshold in thresholds:
        entry = source.entry(threshold)
        observed = observe(threshold, entry, source.now) if entry is not None else None
        passed = observed is not None and threshold.check(observed)
        results.append(ThresholdResult(threshold, observed, passed))
    return results
