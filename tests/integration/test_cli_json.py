"""``--json``: only JSON on stdout (everything else on stderr), the versioned report whose
``stats`` is Locust's list (Locust's keys per entry); ``--json-file NAME`` writes NAME.json with
the same document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_horde

LOCUSTFILE = str(Path(__file__).parent / "locustfiles" / "exit_code_listener.py")
LOCUST_KEYS = {
    "name",
    "method",
    "last_request_timestamp",
    "start_time",
    "num_requests",
    "num_none_requests",
    "num_failures",
    "total_response_time",
    "max_response_time",
    "min_response_time",
    "total_content_length",
    "response_times",
    "num_reqs_per_sec",
    "num_fail_per_sec",
}

pytestmark = pytest.mark.slow


def test_json_on_stdout_and_in_a_file(demo_target: str, tmp_path: Path) -> None:
    # 6 s: long enough for the periodic table (every 5 s without a terminal) to be printed
    result = run_horde(
        [
            "-f",
            LOCUSTFILE,
            "--headless",
            "-H",
            demo_target,
            "-t",
            "6s",
            "--json",
            "--json-file",
            "out/result",
        ],
        cwd=tmp_path,
        env={"WANTED_EXIT_CODE": "0"},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)  # the whole of stdout is one JSON document
    assert "Summary:" in result.stderr
    assert "users 1/1" in result.stderr  # the periodic progress table went to stderr too
    assert json.loads((tmp_path / "out" / "result.json").read_text(encoding="utf-8")) == document
    assert (document["schema"], document["schema_version"]) == ("horde-report", 1)
    entries = document["stats"]  # Locust's --json list
    aggregated = document["aggregated"]
    assert aggregated["num_requests"] == sum(e["num_requests"] for e in entries)
    assert [(e["method"], e["name"]) for e in entries] == [
        ("GET", "/api/fail"),
        ("GET", "/api/items"),
    ]
    for entry in entries:
        assert set(entry) >= LOCUST_KEYS
        assert entry["num_requests"] > 0
        assert entry["start_time"] <= entry["last_request_timestamp"]
        assert entry["min_response_time"] <= entry["max_response_time"]
        assert entry["total_response_time"] >= entry["max_response_time"]
        assert sum(entry["response_times"].values()) == entry["num_requests"]
        assert sum(entry["num_reqs_per_sec"].values()) == entry["num_requests"]
        assert sum(entry["num_fail_per_sec"].values()) == entry["num_failures"]
        seconds = [int(s) for s in entry["num_reqs_per_sec"]]
        assert int(entry["start_time"]) - 1 <= min(seconds)
        assert max(seconds) <= int(entry["last_request_timestamp"])
    by_name = {e["name"]: e for e in entries}
    assert by_name["/api/fail"]["num_failures"] == by_name["/api/fail"]["num_requests"]
    assert by_name["/api/items"]["num_failures"] == 0
    assert by_name["/api/fail"]["errors"][0]["occurrences"] == by_name["/api/fail"]["num_failures"]


def test_json_file_name_gets_the_json_suffix_once(demo_target: str, tmp_path: Path) -> None:
    result = run_horde(
        [
            "-f",
            LOCUSTFILE,
            "--headless",
            "-H",
            demo_target,
            "-t",
            "1s",
            "--only-summary",
            "--json-file",
            "already.json",
        ],
        cwd=tmp_path,
        env={"WANTED_EXIT_CODE": "0"},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Summary:" in result.stdout  # without --json the summary stays on stdout
    assert json.loads((tmp_path / "already.json").read_text(encoding="utf-8"))
