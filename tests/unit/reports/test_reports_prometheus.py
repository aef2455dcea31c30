"""Prometheus exposition parsed back with prometheus_client's own parser."""

from __future__ import annotations

from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_om
from prometheus_client.parser import text_string_to_metric_families
from report_kit import build_report

from horde.reports.metadata import RunMetadata, ThresholdOutcome
from horde.reports.prometheus import OTHER, StatsCollector, cumulative_buckets, registry_for, render


def scrape(collector: StatsCollector, accept: str | None = None) -> dict[str, list]:  # type: ignore[type-arg]
    body, content_type = render(registry_for(collector), accept)
    parse = parse_om if "openmetrics" in content_type else text_string_to_metric_families
    return {family.name: family.samples for family in parse(body.decode())}


def test_counters_histograms_and_gauges_per_name() -> None:
    report = build_report(seconds=5, names=2)
    collector = StatsCollector(
        lambda: report.snapshot,
        thresholds=lambda: [
            ThresholdOutcome("p95<300ms", 1.0, True),
            ThresholdOutcome("x", 2.0, False),
        ],
        metadata=lambda: RunMetadata(locustfiles=("lf.py",), host="http://h"),
    )
    families = scrape(collector)
    requests = {s.labels["name"]: s.value for s in families["horde_requests"]}
    assert requests == {"/item/0": 50.0, "/item/1": 50.0, '/buy?x="<b>"': 5.0}
    failures = {s.labels["name"]: s.value for s in families["horde_request_failures"]}
    assert failures['/buy?x="<b>"'] == 5.0
    durations = [
        s for s in families["horde_request_duration_seconds"] if s.labels["name"] == "/item/1"
    ]
    buckets = {s.labels["le"]: s.value for s in durations if s.name.endswith("_bucket")}
    assert buckets["0.01"] == 0.0
    assert buckets["0.025"] == 50.0
    assert buckets["+Inf"] == 50.0
    count = next(s.value for s in durations if s.name.endswith("_count"))
    total = next(s.value for s in durations if s.name.endswith("_sum"))
    assert count == 50.0
    assert 1.0 < total < 1.2
    assert families["horde_users"][0].value == 5.0
    passed = {s.labels["expression"]: s.value for s in families["horde_threshold_passed"]}
    assert passed == {"p95<300ms": 1.0, "x": 0.0}
    assert families["horde_info"][0].labels["locustfile"] == "lf.py"


def test_openmetrics_is_served_when_asked_for() -> None:
    report = build_report(seconds=2, names=1)
    families = scrape(StatsCollector(lambda: report.snapshot), "application/openmetrics-text")
    assert "horde_request_duration_seconds" in families


def test_cardinality_is_bounded_and_stable() -> None:
    report = build_report(seconds=2, names=5)
    collector = StatsCollector(lambda: report.snapshot, name_limit=3)
    first = scrape(collector)
    names = {s.labels["name"] for s in first["horde_requests"]}
    assert OTHER in names
    assert len(names) == 4
    assert first["horde_names_folded"][0].value == 3.0
    total = sum(s.value for s in first["horde_requests"])
    assert total == report.snapshot.total.num_requests  # nothing lost in the fold
    assert {s.labels["name"] for s in scrape(collector)["horde_requests"]} == names


def test_cumulative_buckets_are_monotonic_and_end_with_the_total() -> None:
    cumulative = cumulative_buckets({0.5: 2, 1.0: 3, 1.004: 1, 70000.0: 4})
    values = [v for _, v in cumulative]
    assert values == sorted(values)
    assert cumulative[0] == ("0.001", 5.0)  # a 1.004 ms bucket is not at or below 1 ms
    assert cumulative[-1] == ("+Inf", 10.0)
    assert cumulative[-2] == ("60.0", 6.0)
