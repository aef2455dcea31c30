"""Feeders under the horde command: a unique feeder ends the run with every record used once;
a bad feeder file is one line and exit code 3."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import REPO, run_horde
from horde.demo.process import server_counts

LOCUSTFILE = REPO / "tests" / "integration" / "locustfiles" / "unique_feeder.py"

pytestmark = pytest.mark.slow


def test_an_exhausted_unique_feeder_ends_the_run(fresh_target: str, tmp_path: Path) -> None:
    result = run_horde(
        [
            "-f",
            str(LOCUSTFILE),
            "--headless",
            "-H",
            fresh_target,
            "-u",
            "5",
            "-r",
            "100",
            "-t",
            "60s",
            "-s",
            "5s",
            "--json",
            "--only-summary",
        ],
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "feeder 'terms' has handed out all its 30 records: the test stops" in result.stderr
    assert "StopTest raised by a Searcher user" in result.stderr
    (entry,) = json.loads(result.stdout)["stats"]
    assert entry["num_requests"] == 30
    paths = server_counts(fresh_target)["by_path"]
    assert sorted(p for p in paths if "/search" in p) == sorted(
        f"GET /search?search=term{i}" for i in range(30)
    )
    assert set(paths.values()) == {1}


def test_a_bad_feeder_file_is_one_line_and_exit_code_3(tmp_path: Path) -> None:
    (tmp_path / "terms.csv").write_text("term\nboots\nsocks,extra\n", encoding="utf-8")
    result = run_horde(
        ["-f", str(LOCUSTFILE), "--headless"], cwd=tmp_path, env={"FEEDER_FILE": "terms.csv"}
    )
    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("horde: error:")]
    assert "FeederError: feeder file terms.csv, line 3: expected 1 field," in line
