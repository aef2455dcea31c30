"""Reports served by the web UI: ``/metrics`` (Prometheus) and ``/api/v1/report`` (the HTML
report of the current statistics, as ``--html`` writes it at the end of a run).

Both render from :mod:`horde.reports`, so the page, the downloaded report and ``--html`` show the
same numbers. The Prometheus collector reads a snapshot with histogram buckets memoised for a
second (and longer when it gets expensive): frequent scrapes cost the load generator little.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from flask import Blueprint, Response, request

from horde.reports import html
from horde.reports.data import Latest, report_snapshot
from horde.reports.metadata import RunMetadata, ThresholdOutcome
from horde.reports.output import Report
from horde.reports.prometheus import StatsCollector, registry_for, render
from horde.web.state import WebState, state

reports = Blueprint("reports", __name__)


def _metadata(web: WebState) -> RunMetadata:
    """The run's metadata (the command's, when it runs the UI) with the current test's plan."""
    found = web.extra.get("run_metadata")
    if isinstance(found, RunMetadata):
        metadata = found
    else:
        environment = web.environment
        metadata = RunMetadata(
            locustfiles=tuple(filter(None, (environment.locustfile or "").split(","))),
            host=environment.host,
        )
    plan = web.control.plan
    if plan is None:
        return metadata
    return metadata.replace(load=web.environment.describe_load(plan))


def _thresholds(web: WebState) -> Sequence[ThresholdOutcome]:
    """The current test's thresholds checked now; without any, those the metadata carries."""
    return web.control.thresholds() or _metadata(web).thresholds


def _take(web: WebState) -> Any:
    environment = web.environment
    return report_snapshot(environment.stats, environment.runner.user_count)


@reports.get("/metrics")
def metrics() -> Response:
    web = state()
    registry = web.extra.get("prometheus_registry")
    if registry is None:
        latest = Latest(lambda: _take(web), clock=web.environment.clock.monotonic)
        collector = StatsCollector(
            latest,
            metadata=lambda: _metadata(web),
            thresholds=lambda: _thresholds(web),
        )
        registry = web.extra["prometheus_registry"] = registry_for(collector)
    body, content_type = render(registry, request.headers.get("Accept"))
    return Response(body, content_type=content_type)


@reports.get("/api/v1/report")
@reports.get("/stats/report")
def report() -> Response:
    """The HTML report of the statistics so far (``?download=1``: as an attachment).

    ``/stats/report`` is Locust's route for its own HTML report; scripts fetching it get
    horde's (its ``theme`` parameter is ignored)."""
    web = state()
    snapshot = _take(web)
    metadata = _metadata(web).replace(end_time=snapshot.end_time)
    metadata = metadata.with_thresholds(_thresholds(web))
    response = Response(html.render(Report(snapshot, metadata)), mimetype="text/html")
    if request.args.get("download"):
        stamp = time.strftime("%Y%m%dT%H%M%S")
        response.headers["Content-Disposition"] = f"attachment; filename=horde_{stamp}_report.html"
    return response
