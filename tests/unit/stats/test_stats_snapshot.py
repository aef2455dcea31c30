"""Snapshots: labels, plain-data views, derived properties."""

from __future__ import annotations

import json

import pytest

from horde.stats import PERCENTILES_TO_REPORT, RequestStats
from horde.stats.errors import FailureSample
from horde.stats.snapshot import ErrorSnapshot, ExceptionSnapshot, percentile_label
from horde.testing.clock import FakeClock


def test_percentiles_to_report_are_locusts_columns() -> None:
    assert PERCENTILES_TO_REPORT == (
        0.5,
        0.66,
        0.75,
        0.8,
        0.9,
        0.95,
        0.98,
        0.99,
        0.999,
        0.9999,
        1.0,
    )


@pytest.mark.parametrize(
    ("fraction", "label"),
    [
        (0.5, "50%"),
        (0.66, "66%"),
        (0.95, "95%"),
        (0.999, "99.9%"),
        (0.9999, "99.99%"),
        (1.0, "100%"),
        (0.0, "0%"),
        (0.125, "12.5%"),
    ],
)
def test_percentile_label(fraction: float, label: str) -> None:
    assert percentile_label(fraction) == label


def test_entry_snapshot_to_dict_has_locust_keys_and_is_json() -> None:
    clock = FakeClock()
    stats = RequestStats(clock)
    stats.log_request("GET", "/a", 0.005, 10)
    stats.log_request("GET", "/a", 0.007, 30)
    stats.log_error("GET", "/a", "boom")
    clock.advance(2)
    data = stats.snapshot(fractions=(0.5, 0.95, 1.0)).entries[0].to_dict()
    for key in (
        "method",
        "name",
        "num_requests",
        "num_failures",
        "num_none_requests",
        "min_response_time",
        "max_response_time",
        "avg_response_time",
        "median_response_time",
        "avg_content_length",
        "total_content_length",
        "current_rps",
        "current_fail_per_sec",
        "total_rps",
        "total_fail_per_sec",
        "fail_ratio",
        "start_time",
        "last_request_timestamp",
        "response_time_percentile_0.95",
        "response_time_percentile_1.0",
    ):
        assert key in data, key
    assert data["percentiles"] == {"0.5": 0.005, "0.95": 0.007, "1.0": 0.007}
    assert data["fail_ratio"] == 0.5
    assert data["total_rps"] == 1.0
    assert data["avg_content_length"] == 20.0
    json.dumps(data)


def test_error_and_exception_snapshots_to_dict() -> None:
    sample = FailureSample(time=1.0, message="boom", status_code=500)
    error = ErrorSnapshot("GET", "/a", "boom", 3, 1.0, 2.0, (sample,))
    assert error.to_dict() == {
        "method": "GET",
        "name": "/a",
        "error": "boom",
        "occurrences": 3,
        "first_seen": 1.0,
        "last_seen": 2.0,
        "samples": [sample.to_dict()],
    }
    exc = ExceptionSnapshot(2, "KeyError", "tb", ("a", "b"), 1.0, 2.0)
    assert exc.to_dict()["nodes"] == ["a", "b"]
    json.dumps([error.to_dict(), exc.to_dict()])


def test_has_failures_counts_exceptions_too() -> None:
    stats = RequestStats(FakeClock())
    assert not stats.snapshot().has_failures
    stats.log_exception("E", "tb")
    assert stats.snapshot().has_failures
    assert stats.snapshot().num_failures_total == 0


def test_a_snapshot_without_names_has_the_total_only() -> None:
    clock = FakeClock()
    stats = RequestStats(clock)
    for k in range(200):
        stats.log_request("GET", f"/item/{k}", 5.0, 10)
    stats.log_error("GET", "/item/1", "boom")
    clock.advance(1)
    stats.tick(3)
    full = stats.snapshot(3)
    total_only = stats.snapshot(3, names=False)
    assert len(full.entries) == 200
    assert full.entry_history
    assert total_only.entries == ()
    assert total_only.entry_history == {}
    assert total_only.total == full.total
    assert total_only.history == full.history
    assert total_only.errors == full.errors
