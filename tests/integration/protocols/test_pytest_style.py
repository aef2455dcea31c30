"""One file of ``test_*`` functions: load under ``horde -f``, ordinary tests under pytest."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, run_horde

STYLE = Path(__file__).parent / "locustfiles" / "test_pytest_style.py"


@pytest.mark.slow
def test_test_functions_run_as_load(fresh_target: str, tmp_path: Path) -> None:
    result = run_horde(
        [
            "-f",
            str(STYLE),
            "--headless",
            "-u",
            "3",
            "-r",
            "3",
            "-t",
            "2s",
            "-H",
            fresh_target,
            "--json",
            "--only-summary",
        ],
        cwd=tmp_path,
    )
    assert result.returncode == 1, result.stderr  # the missing page is a recorded failure
    assert "Traceback" not in result.stderr
    entries = {e["name"]: e for e in json.loads(result.stdout)["stats"]}
    assert entries["/"]["num_requests"] > 0
    assert entries["/"]["num_failures"] == 0
    assert entries["/something"]["num_failures"] == 0
    missing = entries["/no-such-page"]
    assert missing["num_failures"] == missing["num_requests"] > 0
    assert missing["errors"][0]["error"] == "CatchResponseError('the page is missing')"


def test_list_shows_one_user_class_per_test_function(tmp_path: Path) -> None:
    result = run_horde(["-f", str(STYLE), "--list"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(result.stdout.split()) == [
        "test_fast_something",
        "test_home",
        "test_missing_page_fails",
    ]


def test_unknown_fixture_is_one_line_exit_3(tmp_path: Path) -> None:
    path = tmp_path / "test_db.py"
    path.write_text("def test_query(database):\n    pass\n")
    result = run_horde(["-f", str(path), "--headless", "-t", "1s"], cwd=tmp_path)
    assert result.returncode == 3
    assert "test_query takes the fixture 'database'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_same_file_passes_under_pytest_with_horde_plugin(fresh_target: str, tmp_path: Path) -> None:
    shutil.copy(STYLE, tmp_path / STYLE.name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env["PYTHONPATH"] = str(REPO / "src")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-H",
            fresh_target,
            "--rootdir",
            str(tmp_path),
            STYLE.name,
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 passed" in proc.stdout
