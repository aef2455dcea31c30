"""Prometheus metrics with the official ``prometheus-client``: ``/metrics`` on the web UI's port
and, with ``--prometheus-port``, on a port of its own for headless runs.

Exposed (``method`` and ``name`` labels as in the statistics)::

    horde_requests_total, horde_request_failures_total      counters per name
    horde_request_duration_seconds                          histogram per name
    horde_users, horde_current_rps, horde_current_fail_per_sec   gauges
    horde_user_exceptions_total                             counter
    horde_threshold_passed{expression}                      1 or 0 per threshold
    horde_info{version, locustfile, host}

Histogram buckets are fixed (:data:`BUCKETS_MS`, a 1-2.5-5 series from 1 ms to 60 s), so rates
and quantiles work across scrapes; their counts come from the HDR histogram: a sample counts
under ``le`` when its HDR bucket's upper edge is at or below ``le`` (an HDR bucket is at most
0.8 % wide, so a sample within 0.8 % below a boundary may count in the next one).

Cardinality is bounded: the first :data:`NAME_LIMIT` names seen keep their own series; later
names are folded into ``name="(other)"``, and ``horde_names_folded`` says how many.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from gevent.pywsgi import WSGIServer
from prometheus_client import CollectorRegistry, exposition
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    InfoMetricFamily,
)
from prometheus_client.registry import Collector

from horde.exceptions import ConfigError
from horde.reports.metadata import RunMetadata, ThresholdOutcome
from horde.reports.output import BaseOutput, OutputContext
from horde.stats.registry import NAME_WARNING_THRESHOLD
from horde.stats.snapshot import EntrySnapshot, StatsSnapshot

logger = logging.getLogger(__name__)

BUCKETS_MS = (1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000)
NAME_LIMIT = NAME_WARNING_THRESHOLD
OTHER = "(other)"
LABELS = ["method", "name"]


def cumulative_buckets(buckets: Mapping[float, int]) -> list[tuple[str, float]]:
    """``[(le in seconds, count at or below), ..., ("+Inf", total)]`` from HDR buckets."""
    ordered = sorted(buckets.items())
    out, seen, index = [], 0, 0
    for limit in BUCKETS_MS:
        while index < len(ordered) and ordered[index][0] <= limit:
            seen += ordered[index][1]
            index += 1
        out.append((repr(limit / 1000), float(seen)))
    out.append(("+Inf", float(sum(buckets.values()))))
    return out


class _Row:
    """Counts of one label set (a name, or the folded "(other)")."""

    __slots__ = ("buckets", "failures", "requests", "seconds")

    def __init__(self) -> None:
        self.requests = 0
        self.failures = 0
        self.seconds = 0.0
        self.buckets: dict[float, int] = {}

    def add(self, entry: EntrySnapshot, buckets: Mapping[float, int]) -> None:
        self.requests += entry.num_requests
        self.failures += entry.num_failures
        self.seconds += entry.total_response_time / 1000
        for edge, count in buckets.items():
            self.buckets[edge] = self.buckets.get(edge, 0) + count


class StatsCollector(Collector):
    """Turns the latest snapshot into metric families at each scrape."""

    def __init__(
        self,
        latest: Callable[[], StatsSnapshot],
        *,
        thresholds: Callable[[], Sequence[ThresholdOutcome]] = tuple,
        metadata: Callable[[], RunMetadata | None] = lambda: None,
        name_limit: int = NAME_LIMIT,
    ) -> None:
        self.latest = latest
        self.thresholds = thresholds
        self.metadata = metadata
        self.name_limit = name_limit
        self._admitted: set[tuple[str, str]] = set()

    def _rows(self, snapshot: StatsSnapshot) -> tuple[dict[tuple[str, str], _Row], int]:
        rows: dict[tuple[str, str], _Row] = {}
        folded = 0
        for entry in snapshot.entries:
            key = (entry.method, entry.name)
            if key not in self._admitted and len(self._admitted) < self.name_limit:
                self._admitted.add(key)
            if key not in self._admitted:
                key, folded = ("", OTHER), folded + 1
            row = rows.get(key) or rows.setdefault(key, _Row())
            row.add(entry, snapshot.buckets.get((entry.name, entry.method), {}))
        return rows, folded

    def collect(self) -> Iterator[Any]:
        snapshot = self.latest()
        rows, folded = self._rows(snapshot)
        requests = CounterMetricFamily("horde_requests", "Requests completed", labels=LABELS)
        failures = CounterMetricFamily("horde_request_failures", "Requests failed", labels=LABELS)
        durations = HistogramMetricFamily(
            "horde_request_duration_seconds", "Response times (HDR histogram)", labels=LABELS
        )
        for (method, name), row in rows.items():
            requests.add_metric([method, name], row.requests)
            failures.add_metric([method, name], row.failures)
            durations.add_metric(
                [method, name], cumulative_buckets(row.buckets), sum_value=row.seconds
            )
        yield from (requests, failures, durations)
        yield from self._gauges(snapshot, folded)
        yield from self._run_state()

    def _gauges(self, snapshot: StatsSnapshot, folded: int) -> Iterator[Any]:
        total = snapshot.total
        yield GaugeMetricFamily("horde_users", "Users running", value=snapshot.user_count)
        yield GaugeMetricFamily("horde_current_rps", "Requests/s, last 10 s", total.current_rps)
        yield GaugeMetricFamily(
            "horde_current_fail_per_sec", "Failures/s, last 10 s", total.current_fail_per_sec
        )
        yield CounterMetricFamily(
            "horde_user_exceptions",
            "Exceptions raised in user code",
            value=sum(e.count for e in snapshot.exceptions),
        )
        yield GaugeMetricFamily(
            "horde_names_folded", f"Names beyond the first {self.name_limit}", value=folded
        )

    def _run_state(self) -> Iterator[Any]:
        passed = GaugeMetricFamily(
            "horde_threshold_passed",
            "1 while a threshold holds, 0 once it fails",
            labels=["expression"],
        )
        for outcome in self.thresholds():
            passed.add_metric([outcome.expression], 1.0 if outcome.passed else 0.0)
        yield passed
        meta = self.metadata()
        if meta is not None:
            info = InfoMetricFamily("horde", "The run")
            info.add_metric(
                [],
                {
                    "version": meta.horde_version,
                    "locustfile": meta.locustfile,
                    "host": meta.host or "",
                },
            )
            yield info


def registry_for(collector: StatsCollector) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return registry


def render(registry: CollectorRegistry, accept: str | None) -> tuple[bytes, str]:
    """The exposition in the format the scraper asked for (text 0.0.4 or OpenMetrics)."""
    encoder, content_type = exposition.choose_encoder(accept or "")
    return encoder(registry), content_type


class PrometheusOutput(BaseOutput):
    """``--prometheus-port``: a small WSGI server of its own, in a greenlet the runner owns."""

    name = "prometheus"

    def __init__(self, host: str, port: int) -> None:
        self.host = "" if host in ("*", "0.0.0.0") else host  # noqa: S104 - the user's choice
        self.port = port
        self.server: Any = None

    def start(self, context: OutputContext) -> None:
        collector = StatsCollector(
            context.latest, thresholds=context.thresholds, metadata=lambda: context.metadata
        )
        app = exposition.make_wsgi_app(registry_for(collector))
        try:
            self.server = WSGIServer((self.host, self.port), app, log=None)
            self.server.init_socket()
        except OSError as exc:
            raise ConfigError(
                f"cannot serve Prometheus metrics on port {self.port}: {exc.strerror or exc} "
                "(choose another --prometheus-port)"
            ) from exc
        context.spawn(self.server.serve_forever)
        host = self.host or "0.0.0.0"  # noqa: S104 - only what the user asked for
        logger.info("Prometheus metrics at http://%s:%d/metrics", host, self.bound_port)

    @property
    def bound_port(self) -> int:
        return int(self.server.server_port) if self.server is not None else self.port

    def close(self) -> None:
        if self.server is not None:
            self.server.stop(timeout=1)
            self.server = None
