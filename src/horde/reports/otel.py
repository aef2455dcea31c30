"""``--otel``: metrics over OTLP/HTTP with the official OpenTelemetry SDK and exporter.

Configuration is OpenTelemetry's own, from the standard environment variables, read by the SDK:
``OTEL_EXPORTER_OTLP_ENDPOINT`` / ``OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`` (default
http://localhost:4318), ``OTEL_EXPORTER_OTLP_HEADERS``, ``OTEL_EXPORTER_OTLP_TIMEOUT``,
``OTEL_EXPORTER_OTLP_COMPRESSION``, ``OTEL_METRIC_EXPORT_INTERVAL`` (ms, default 60000),
``OTEL_SERVICE_NAME`` (default "horde") and ``OTEL_RESOURCE_ATTRIBUTES``. Only the
``http/protobuf`` protocol is built in; ``OTEL_EXPORTER_OTLP_PROTOCOL=grpc`` is refused with a
clear message.

Instruments are observable: the SDK calls them back at each export with the latest snapshot,
so nothing is recorded per request. Names follow the statistics (attributes ``method`` and
``name``, bounded to the first 500 names as in Prometheus)::

    horde.requests, horde.request.failures     cumulative counters per name
    horde.response_time                        gauge per name and percentile (p50, p95, p99), ms
    horde.users, horde.current_rps             gauges
    horde.threshold.passed                     1 or 0 per threshold expression

The SDK exports from its own reader (a greenlet under the ``horde`` command's gevent patching);
``finish`` shuts the provider down, which exports the final values once more; if that export
fails (endpoint unreachable), the run exits with code 5 after the SDK's own retries.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.metrics import Observation
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    MetricExportResult,
    MetricsData,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.resources import Resource

from horde.exceptions import ConfigError, OutputError
from horde.reports.output import BaseOutput, OutputContext, Report
from horde.reports.prometheus import NAME_LIMIT
from horde.stats.snapshot import StatsSnapshot

SHUTDOWN_TIMEOUT_MS = 30_000


class _Exporter(OTLPMetricExporter):
    """The OTLP/HTTP exporter, remembering whether its last export succeeded (the SDK only
    logs a failed export; the final one must not fail silently)."""

    last_result: MetricExportResult | None = None

    def export(
        self, metrics_data: MetricsData, timeout_millis: float | None = 10_000, **kwargs: Any
    ) -> MetricExportResult:
        self.last_result = super().export(metrics_data, timeout_millis, **kwargs)
        return self.last_result


PERCENTILES = ((0.5, "p50"), (0.95, "p95"), (0.99, "p99"))


class OtelOutput(BaseOutput):
    name = "otel"

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.env = dict(os.environ) if env is None else env
        self.provider: Any = None
        self.exporter: _Exporter | None = None
        self._context: OutputContext | None = None
        self._final: StatsSnapshot | None = None

    def _snapshot(self) -> StatsSnapshot:
        """The final snapshot once the run is over, else the latest one."""
        assert self._context is not None  # noqa: S101 - callbacks exist only after start
        return self._final if self._final is not None else self._context.latest()

    def start(self, context: OutputContext) -> None:
        protocol = self.env.get(
            "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", self.env.get("OTEL_EXPORTER_OTLP_PROTOCOL", "")
        )
        if protocol and protocol != "http/protobuf":
            raise ConfigError(
                f"OTEL_EXPORTER_OTLP_PROTOCOL={protocol} is not supported by --otel: "
                "use http/protobuf (an OpenTelemetry Collector accepts it on port 4318)"
            )
        self._context = context
        resource = Resource.create(
            {"service.name": self.env.get("OTEL_SERVICE_NAME") or "horde"}
            if "service.name" not in self.env.get("OTEL_RESOURCE_ATTRIBUTES", "")
            else {}
        )
        self.exporter = _Exporter()
        reader = PeriodicExportingMetricReader(self.exporter)
        self.provider = MeterProvider(
            metric_readers=[reader], resource=resource, shutdown_on_exit=False
        )
        self._instruments(self.provider.get_meter("horde", context.metadata.horde_version))

    def _instruments(self, meter: Any) -> None:
        meter.create_observable_counter(
            "horde.requests", [self._requests], unit="{request}", description="Requests completed"
        )
        meter.create_observable_counter(
            "horde.request.failures", [self._failures], unit="{request}", description="Failures"
        )
        meter.create_observable_gauge(
            "horde.response_time", [self._percentiles], unit="ms", description="Percentiles"
        )
        meter.create_observable_gauge("horde.users", [self._users], unit="{user}")
        meter.create_observable_gauge("horde.current_rps", [self._rps], unit="{request}/s")
        meter.create_observable_gauge("horde.threshold.passed", [self._thresholds])

    def _entries(self) -> Iterator[Any]:
        yield from self._snapshot().entries[:NAME_LIMIT]

    def _requests(self, options: Any) -> Iterator[Any]:

        for e in self._entries():
            yield Observation(e.num_requests, {"method": e.method, "name": e.name})

    def _failures(self, options: Any) -> Iterator[Any]:

        for e in self._entries():
            yield Observation(e.num_failures, {"method": e.method, "name": e.name})

    def _percentiles(self, options: Any) -> Iterator[Any]:

        for e in self._entries():
            if e.num_requests <= e.num_none_requests:
                continue
            for fraction, label in PERCENTILES:
                attributes = {"method": e.method, "name": e.name, "percentile": label}
                yield Observation(e.percentiles.get(fraction, 0.0), attributes)

    def _users(self, options: Any) -> Iterator[Any]:

        yield Observation(self._snapshot().user_count)

    def _rps(self, options: Any) -> Iterator[Any]:

        yield Observation(self._snapshot().total.current_rps)

    def _thresholds(self, options: Any) -> Iterator[Any]:

        assert self._context is not None  # noqa: S101 - callbacks exist only after start
        for outcome in self._context.thresholds():
            yield Observation(1 if outcome.passed else 0, {"expression": outcome.expression})

    def finish(self, report: Report) -> None:
        """Export the final values now: shutting the provider down makes the reader collect
        and export once more (bounded by ``OTEL_EXPORTER_OTLP_TIMEOUT``, 10 s by default)."""
        self._final = report.snapshot
        if self.provider is None or self.exporter is None:
            return
        provider, self.provider = self.provider, None
        provider.shutdown(timeout_millis=SHUTDOWN_TIMEOUT_MS)
        if self.exporter.last_result is not MetricExportResult.SUCCESS:
            endpoint = getattr(self.exporter, "_endpoint", "the OTLP endpoint")
            raise OutputError(
                f"--otel: the final metrics could not be exported to {endpoint} "
                "(see the exporter's messages above)"
            )

    def close(self) -> None:
        if self.provider is not None:
            provider, self.provider = self.provider, None
            provider.shutdown(timeout_millis=SHUTDOWN_TIMEOUT_MS)
