"""Run-vs-baseline comparison: what is flagged, what is not, and hostile input files."""

from __future__ import annotations

import json

import pytest
from report_kit import build_report

from horde.exceptions import ConfigError
from horde.reports.compare import (
    NameStats,
    RunSummary,
    Tolerance,
    bucket_percentiles,
    compare,
    summary_from_document,
    summary_from_snapshot,
)
from horde.reports.compare_text import render_comparison
from horde.reports.json import report_document


def stats(name: str, p95: float, *, n: int = 100, rps: float = 50.0, fr: float = 0.0) -> NameStats:
    return NameStats("GET", name, n, p95 / 2, p95, p95 * 1.5, rps, fr)


def summary(label: str, *rows: NameStats) -> RunSummary:
    total = stats("Aggregated", max(r.p95 for r in rows))
    return RunSummary(label, {(r.method, r.name): r for r in rows}, total)


def test_slower_lower_and_failing_names_are_flagged() -> None:
    base = summary("base", stats("/a", 100), stats("/b", 100), stats("/c", 100), stats("/d", 100))
    now = summary(
        "now",
        stats("/a", 200),  # twice as slow
        stats("/b", 105),  # within 10 %
        stats("/c", 100, rps=30.0),  # throughput dropped 40 %
        stats("/d", 100, fr=0.05),  # 5 points more failures
    )
    result = compare(base, now, Tolerance())
    flagged = {r.name: [d.metric for d in r.deltas if d.regressed] for r in result.rows}
    assert flagged == {"/a": ["p50", "p95", "p99"], "/b": [], "/c": ["rps"], "/d": ["fail_ratio"]}
    assert result.regressed
    assert result.aggregated.regressed
    text = render_comparison(result)
    assert "REGRESSED" in text
    assert "GET /a" in text
    assert "100.0→200.0 (+100%) !" in text


def test_new_gone_few_and_tiny_changes_are_never_regressions() -> None:
    base = summary("base", stats("/gone", 10), stats("/few", 10, n=3), stats("/tiny", 0.4))
    now = summary("now", stats("/new", 10), stats("/few", 90, n=3), stats("/tiny", 0.8))
    result = compare(base, now, Tolerance())
    status = {r.name: (r.status, r.regressed) for r in result.rows}
    assert status == {
        "/few": ("few", False),
        "/gone": ("gone", False),
        "/new": ("new", False),
        "/tiny": ("compared", False),  # +0.4 ms is below min_latency_ms
    }


def test_a_run_compared_with_its_own_json_has_no_regression() -> None:
    report = build_report(seconds=10, names=2)
    document = json.loads(json.dumps(report_document(report)))
    loaded = summary_from_document(document, "file")
    live = summary_from_snapshot(report.snapshot)
    assert set(loaded.names) == set(live.names)
    assert not compare(loaded, live, Tolerance()).regressed


def test_locust_json_lists_are_accepted() -> None:
    report = build_report(seconds=10, names=2)
    locust_list = report_document(report)["stats"]
    loaded = summary_from_document(locust_list, "locust.json")
    entry = loaded.names[("GET", "/item/0")]
    live = next(e for e in report.snapshot.entries if e.name == "/item/0")
    assert entry.p50 == pytest.approx(live.percentiles[0.5], rel=0.01)
    assert loaded.aggregated.num_requests == report.snapshot.total.num_requests


@pytest.mark.parametrize(
    "document",
    [
        {"schema": "horde-report", "schema_version": 99},
        {"schema": "horde-report", "schema_version": 1, "stats": [{"name": "x"}]},
        {
            "schema": "horde-report",
            "schema_version": 1,
            "stats": [],
            "aggregated": {"percentiles": {}},
        },
        [{"name": "x", "method": "GET", "response_times": {"a": 1}}],
        [{"name": "x", "method": "GET", "response_times": {}, "num_requests": "NaN"}],
        {"hello": "world"},
        "just a string",
        None,
    ],
)
def test_malformed_reports_are_one_clear_config_error(document: object) -> None:
    with pytest.raises(ConfigError, match=r"bad\.json"):
        summary_from_document(document, "bad.json")


def test_nan_and_infinite_numbers_are_refused() -> None:
    document = json.loads(json.dumps(report_document(build_report(seconds=3, names=1))))
    document["aggregated"]["total_rps"] = float("inf")
    with pytest.raises(ConfigError):
        summary_from_document(document, "inf.json")


def test_bucket_percentiles_use_the_nearest_rank() -> None:
    assert bucket_percentiles({1.0: 99, 50.0: 1}, (0.5, 0.99, 1.0)) == [1.0, 1.0, 50.0]
    assert bucket_percentiles({}, (0.5,)) == [0.0]
