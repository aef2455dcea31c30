"""The JSON report: valid against its published schema, Aggregated row, CSV rounding, and
counts that add up."""

from __future__ import annotations

import json
import math

import jsonschema
import pytest
from report_kit import build_report

from horde.reports.json import dumps, report_document, schema
from horde.reports.metadata import ThresholdOutcome
from horde.reports.numbers import rounded, text


def test_the_document_matches_its_schema() -> None:
    report = build_report(thresholds=(ThresholdOutcome("p95<300ms", 41.0, True),))
    document = json.loads(dumps(report_document(report)))
    jsonschema.validate(document, schema(), cls=jsonschema.Draft202012Validator)
    assert document["schema"] == "horde-report"
    assert document["schema_version"] == 1
    assert document["thresholds"] == [{"expression": "p95<300ms", "observed": 41.0, "passed": True}]


def test_the_schema_rejects_what_it_should() -> None:
    document = json.loads(dumps(report_document(build_report())))
    del document["aggregated"]["num_requests"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema(), cls=jsonschema.Draft202012Validator)


def test_aggregated_row_and_counts_add_up() -> None:
    document = report_document(build_report(seconds=12, names=2))
    aggregated = document["aggregated"]
    assert aggregated["name"] == "Aggregated"
    assert aggregated["num_requests"] == sum(e["num_requests"] for e in document["stats"])
    assert sum(aggregated["response_times"].values()) == aggregated["num_requests"]
    assert sum(aggregated["num_reqs_per_sec"].values()) == aggregated["num_requests"]
    for entry in document["stats"]:
        assert sum(entry["num_fail_per_sec"].values()) == entry["num_failures"]
    post = next(e for e in document["stats"] if e["method"] == "POST")
    assert post["errors"][0]["samples"][0]["status_code"] == 500


def test_values_are_rounded_as_in_the_csv() -> None:
    document = report_document(build_report())
    for entry in [document["aggregated"], *document["stats"]]:
        for key in ("avg_response_time", "total_rps", "median_response_time"):
            assert entry[key] == rounded(entry[key])
            assert len(str(entry[key]).partition(".")[2]) <= 3
        assert all(v == rounded(v) for v in entry["percentiles"].values())
    assert text(2.0) == "2"
    assert text(0.1236) == "0.124"
    assert text(-0.0001) == "0"


def test_non_finite_threshold_values_become_null_never_nan() -> None:
    report = build_report(thresholds=(ThresholdOutcome("rps>1", math.nan, False),))
    document = json.loads(dumps(report_document(report)))
    assert document["thresholds"][0]["observed"] is None
    assert rounded(math.inf) == 0.0
