"""The CSV files: Locust's file names and columns, readable by the csv module, complete.

One run of a locustfile with successes, HTTP failures, a catch_response failure and a user
exception (``--csv-full-history``) feeds every test here.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from conftest import run_horde
from horde.demo.process import server_counts

LOCUSTFILE = str(Path(__file__).parent / "locustfiles" / "failing.py")
PERCENTILE_COLUMNS = [
    "50%",
    "66%",
    "75%",
    "80%",
    "90%",
    "95%",
    "98%",
    "99%",
    "99.9%",
    "99.99%",
    "100%",
]
STATS_HEADER = [
    "Type",
    "Name",
    "Request Count",
    "Failure Count",
    "Median Response Time",
    "Average Response Time",
    "Min Response Time",
    "Max Response Time",
    "Average Content Size",
    "Requests/s",
    "Failures/s",
    *PERCENTILE_COLUMNS,
]
HISTORY_HEADER = [
    "Timestamp",
    "User Count",
    "Type",
    "Name",
    "Requests/s",
    "Failures/s",
    *PERCENTILE_COLUMNS,
    "Total Request Count",
    "Total Failure Count",
    "Total Median Response Time",
    "Total Average Response Time",
    "Total Min Response Time",
    "Total Max Response Time",
    "Total Average Content Size",
]
FAILURES_HEADER = ["Method", "Name", "Error", "Occurrences", "First Seen", "Last Seen"]
EXCEPTIONS_HEADER = ["Count", "Message", "Traceback", "Nodes"]
SAMPLES_HEADER = [
    "Method",
    "Name",
    "Error",
    "Time",
    "URL",
    "Status",
    "Response Headers",
    "Body Excerpt",
]
NAMES = [("GET", "/about"), ("GET", "/api/fail"), ("GET", "/api/items")]

pytestmark = pytest.mark.slow


def read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


@pytest.fixture(scope="module")
def csv_run(demo_target: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("csv")
    before = server_counts(demo_target)["by_route"]
    result = run_horde(
        [
            "-f",
            LOCUSTFILE,
            "--headless",
            "-H",
            demo_target,
            "-u",
            "2",
            "-r",
            "10",
            "-t",
            "3s",
            "-s",
            "5s",
            "--csv",
            str(tmp / "out" / "run"),
            "--csv-full-history",
            "--only-summary",
        ],
        cwd=tmp,
        timeout=60,
    )
    after = server_counts(demo_target)["by_route"]
    served = {route: after.get(route, 0) - before.get(route, 0) for route in after}
    return {"result": result, "dir": tmp / "out", "served": served}


def test_exit_code_and_file_names(csv_run: dict[str, Any]) -> None:
    result = csv_run["result"]
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    names = sorted(p.name for p in csv_run["dir"].iterdir())
    assert names == [
        "run_exceptions.csv",
        "run_failure_samples.csv",
        "run_failures.csv",
        "run_stats.csv",
        "run_stats_history.csv",
    ]


def test_stats_csv(csv_run: dict[str, Any]) -> None:
    header, rows = read(csv_run["dir"] / "run_stats.csv")
    assert header == STATS_HEADER
    assert [(r["Type"], r["Name"]) for r in rows] == [*NAMES, ("", "Aggregated")]
    by_name = {(r["Type"], r["Name"]): r for r in rows}
    requests = [int(by_name[key]["Request Count"]) for key in NAMES]
    assert int(rows[-1]["Request Count"]) == sum(requests)
    assert int(by_name[("GET", "/api/items")]["Failure Count"]) == 0
    for key in (("GET", "/api/fail"), ("GET", "/about")):
        assert by_name[key]["Failure Count"] == by_name[key]["Request Count"]
    for row in rows:
        for column in STATS_HEADER[2:]:
            float(row[column])  # every number parses
    served = csv_run["served"]
    assert int(by_name[("GET", "/api/fail")]["Request Count"]) == served["GET /api/fail"]
    assert int(by_name[("GET", "/about")]["Request Count"]) == served["GET /about"]


def test_failures_csv(csv_run: dict[str, Any]) -> None:
    header, rows = read(csv_run["dir"] / "run_failures.csv")
    assert header == FAILURES_HEADER
    _, stats = read(csv_run["dir"] / "run_stats.csv")
    fails = {(r["Type"], r["Name"]): int(r["Failure Count"]) for r in stats}
    by_name = {(r["Method"], r["Name"]): r for r in rows}
    assert set(by_name) == {("GET", "/api/fail"), ("GET", "/about")}
    assert "500" in by_name[("GET", "/api/fail")]["Error"]
    assert "no Zebra on the about page" in by_name[("GET", "/about")]["Error"]
    for key, row in by_name.items():
        assert int(row["Occurrences"]) == fails[key]
        assert row["First Seen"] <= row["Last Seen"]


def test_exceptions_csv(csv_run: dict[str, Any]) -> None:
    header, rows = read(csv_run["dir"] / "run_exceptions.csv")
    assert header == EXCEPTIONS_HEADER
    assert len(rows) == 1
    (row,) = rows
    _, stats = read(csv_run["dir"] / "run_stats.csv")
    rounds = {r["Name"]: int(r["Request Count"]) for r in stats}["/about"]
    assert int(row["Count"]) == rounds  # every finished round raised once
    assert "ValueError" in row["Message"]
    assert "the task broke on purpose" in row["Message"]
    assert "failing.py" in row["Traceback"]
    assert row["Nodes"]


def test_failure_samples_csv(csv_run: dict[str, Any]) -> None:
    header, rows = read(csv_run["dir"] / "run_failure_samples.csv")
    assert header == SAMPLES_HEADER
    by_name: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_name.setdefault(row["Name"], []).append(row)
    assert set(by_name) == {"/api/fail", "/about"}
    fail = by_name["/api/fail"][0]
    assert fail["Status"] == "500"
    assert fail["URL"].endswith("/api/fail")
    headers = {k.lower(): v for k, v in json.loads(fail["Response Headers"]).items()}
    assert headers["content-type"].startswith("application/json")
    assert "demo failure" in fail["Body Excerpt"]
    about = by_name["/about"][0]
    assert about["Status"] == "200"
    assert "Founded" in about["Body Excerpt"]


def test_full_history_has_rows_per_name(csv_run: dict[str, Any]) -> None:
    header, rows = read(csv_run["dir"] / "run_stats_history.csv")
    assert header == HISTORY_HEADER
    names = {(r["Type"], r["Name"]) for r in rows}
    assert names == {*NAMES, ("", "Aggregated")}
    stamps = [int(r["Timestamp"]) for r in rows]
    assert stamps == sorted(stamps)
    for row in rows:
        int(row["User Count"])
        for column in HISTORY_HEADER[4:]:
            assert row[column] == "N/A" or float(row[column]) >= 0
    final = {(r["Type"], r["Name"]): r for r in rows}  # the last row of each name wins
    _, stats = read(csv_run["dir"] / "run_stats.csv")
    for row in stats:
        key = (row["Type"], row["Name"])
        assert final[key]["Total Request Count"] == row["Request Count"]
        assert final[key]["Total Failure Count"] == row["Failure Count"]


def test_aggregated_only_history_without_full_history(demo_target: str, tmp_path: Path) -> None:
    result = run_horde(
        [
            "-f",
            LOCUSTFILE,
            "--headless",
            "-H",
            demo_target,
            "-t",
            "2s",
            "--csv",
            str(tmp_path / "agg"),
            "--only-summary",
        ],
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    header, rows = read(tmp_path / "agg_stats_history.csv")
    assert header == HISTORY_HEADER
    assert rows
    assert {(r["Type"], r["Name"]) for r in rows} == {("", "Aggregated")}
