"""The seeds' locustfiles (and the Locust docs' style) run unchanged against the demo target.

Each fixture in ``locustfiles/`` says in its header what the seed's formatting garbled and was
restored; legacy spellings must run and log a one-line "deprecated:" notice, not fail.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest

from conftest import Result, run_horde
from distributed_kit import spawn, start_master, stop_all
from horde.demo.process import server_counts

LOCUSTFILES = Path(__file__).parent / "locustfiles"

pytestmark = pytest.mark.slow


def run_seed(
    locustfile: str, tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> Result:
    result = run_horde(
        ["-f", str(LOCUSTFILES / locustfile), *args, "--csv", "run", "--only-summary"],
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert "Traceback" not in result.stderr
    return result


def stats(tmp_path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    with open(tmp_path / "run_stats.csv", newline="", encoding="utf-8") as handle:
        return {(r["Type"], r["Name"]): r for r in csv.DictReader(handle)}


def count(rows: dict[tuple[str, str], dict[str, Any]], method: str, name: str) -> int:
    row = rows.get((method, name))
    return int(row["Request Count"]) if row else 0


def failures(rows: dict[tuple[str, str], dict[str, Any]], method: str, name: str) -> int:
    row = rows.get((method, name))
    return int(row["Failure Count"]) if row else 0


def deprecations(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "deprecated:" in line]


# -- seed 001: the Locust 0.x introduction -------------------------------------------------------


def test_seed001_task_ratio(tmp_path: Path) -> None:
    result = run_horde(
        ["-f", str(LOCUSTFILES / "seed001_website.py"), "--show-task-ratio"], cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    per_class, total = result.stdout.split("Total task ratio")
    for part in (per_class, total):
        assert re.search(r"100\.0%\s+WebsiteUser", part)
        assert re.search(r"62\.5%\s+index", part)
        assert re.search(r"31\.2%\s+about", part)
        assert re.search(r"6\.2%\s+contact_us", part)


def test_seed001_task_ratio_json(tmp_path: Path) -> None:
    result = run_horde(
        ["-f", str(LOCUSTFILES / "seed001_website.py"), "--show-task-ratio-json"], cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    user = report["total"]["WebsiteUser"]
    (task_set,) = user["tasks"].values()
    ratios = {name: node["ratio"] for name, node in task_set["tasks"].items()}
    assert ratios == {"index": 0.625, "about": 0.3125, "contact_us": 0.0625}


def test_seed001_runs_with_the_legacy_api(fresh_target: str, tmp_path: Path) -> None:
    users = 12
    result = run_seed(
        "seed001_website.py",
        tmp_path,
        "--headless",
        "-H",
        fresh_target,
        "-u",
        str(users),
        "-r",
        "100",
        "-t",
        "2s",
    )
    notices = deprecations(result.stderr)
    assert any("task_set" in line for line in notices)
    assert any("min_wait/max_wait" in line for line in notices)
    assert any("HttpLocust" in line for line in notices)
    rows = stats(tmp_path)
    # every user signed in once (on_start), then ran tasks 1-15 s apart: one or two each
    assert count(rows, "POST", "/user/signin") == users
    assert failures(rows, "POST", "/user/signin") == 0
    tasks = count(rows, "GET", "/") + count(rows, "GET", "/about")
    tasks += count(rows, "POST", "/contact_us")
    assert users <= tasks <= 3 * users
    assert failures(rows, "GET", "/") == failures(rows, "POST", "/contact_us") == 0
    # the post's own check marks every /about that contains "Founded" as failed
    assert failures(rows, "GET", "/about") == count(rows, "GET", "/about")
    assert result.returncode == (1 if count(rows, "GET", "/about") else 0), result.stderr
    if count(rows, "GET", "/about"):
        with open(tmp_path / "run_failures.csv", newline="", encoding="utf-8") as handle:
            (failure,) = list(csv.DictReader(handle))
        assert "Founded not found in response" in failure["Error"]
    served = server_counts(fresh_target)["by_route"]
    assert served["POST /user/signin"] == users


def test_seed001_search_and_response_checks(demo_target: str, tmp_path: Path) -> None:
    (tmp_path / "words.txt").write_text(
        "apple\nbanana\ncherry\nlocust\nslumber\n", encoding="utf-8"
    )
    result = run_seed(
        "seed001_more.py",
        tmp_path,
        "--headless",
        "-H",
        demo_target,
        "-u",
        "3",
        "-r",
        "100",
        "-t",
        "2s",
    )
    assert result.returncode == 0, result.stderr
    rows = stats(tmp_path)
    assert count(rows, "POST", "/user/signin") == 3
    assert count(rows, "GET", "/search?search=[string]") > 0  # grouped under one name
    assert not any(
        name.startswith("/search?search=") and name != "/search?search=[string]" for _, name in rows
    )
    assert count(rows, "GET", "/about (headers)") > 0
    assert count(rows, "GET", "/api/me") > 0  # the session cookie was kept per user
    assert rows[("", "Aggregated")]["Failure Count"] == "0"


# -- seed 003: the slides --------------------------------------------------------------------------


def test_seed003_slides(fresh_target: str, tmp_path: Path) -> None:
    result = run_seed(
        "seed003_slides.py",
        tmp_path,
        f"--host={fresh_target}",
        "--headless",
        "-u",
        "12",
        "-r",
        "100",
        "-t",
        "2.5s",
    )
    # HttpLocust users wait 1 s between tasks by default (Locust 0.x's min_wait = max_wait =
    # 1000): 12 users make about 30 tasks, so both weighted tasks show up.
    assert result.returncode == 0, result.stderr
    assert deprecations(result.stderr)
    rows = stats(tmp_path)
    assert count(rows, "POST", "/login") == 12
    something, something_else = (
        count(rows, "GET", "/something"),
        count(rows, "GET", "/something-else"),
    )
    assert something > 0
    assert something_else > 0
    assert set(rows) == {
        ("POST", "/login"),
        ("GET", "/something"),
        ("GET", "/something-else"),
        ("", "Aggregated"),
    }


def test_seed003_distributed_commands_run(demo_target: str, tmp_path: Path) -> None:
    """The seed's ``--master`` and ``--slave --master-host=...`` commands run a distributed
    test (``--slave`` with a notice); the seed named a LAN address, the test uses loopback."""
    seed = str(LOCUSTFILES / "seed003_slides.py")
    run = ["--headless", "-u", "2", "-r", "10", "-t", "2s", "--only-summary", "--json"]
    master, port = start_master(
        ["-f", seed, f"--host={demo_target}", "--master", "--expect-workers", "1", *run], tmp_path
    )
    worker = spawn(
        ["-f", seed, "--slave", "--master-host=127.0.0.1", f"--master-port={port}"], tmp_path
    )
    try:
        assert master.finish() == 0, master.stderr
        assert worker.finish() == 0, worker.stderr
    finally:
        stop_all(master, worker)
    assert "--slave is now --worker" in worker.stderr
    assert "Traceback" not in master.stderr + worker.stderr
    names = {entry["name"] for entry in json.loads(master.stdout)["stats"]}
    assert "/login" in names


# -- seed 002: the Locust 1.x API ------------------------------------------------------------------


def test_seed002_api_and_legacy_events(demo_target: str, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    result = run_seed(
        "seed002_api.py",
        tmp_path,
        "--headless",
        "-H",
        demo_target,
        "-u",
        "5",
        "-r",
        "100",
        "-t",
        "2s",
        env={"SEED002_REPORT": str(report)},
    )
    assert result.returncode == 1, result.stderr  # step 3 requests /api/fail on purpose
    notices = deprecations(result.stderr)
    for event in ("hatch_complete", "request_success", "request_failure"):
        assert any(event in line for line in notices)
    rows = stats(tmp_path)
    counts = json.loads(report.read_text(encoding="utf-8"))
    total = rows[("", "Aggregated")]
    assert counts["success"] + counts["failure"] == int(total["Request Count"])
    assert counts["failure"] == int(total["Failure Count"])
    assert counts["init"] == 1
    assert counts["hatched"] == 5
    assert counts["custom"] == [["foo", "bar"]]
    names = {name for _, name in rows}
    for name in ("thread page", "read_thread", "step 1", "step 2", "step 3"):
        assert name in names
    # catch_response turned the 404 into a success; the SequentialTaskSet ran in order
    assert failures(rows, "GET", "step 1") == 0
    assert count(rows, "GET", "step 1") >= count(rows, "GET", "step 2")
    assert count(rows, "GET", "step 2") >= count(rows, "GET", "step 3")
    assert failures(rows, "GET", "step 3") == count(rows, "GET", "step 3") > 0


def test_seed002_tags(demo_target: str, tmp_path: Path) -> None:
    result = run_seed(
        "seed002_api.py",
        tmp_path,
        "--headless",
        "-H",
        demo_target,
        "-u",
        "3",
        "-r",
        "100",
        "-t",
        "1s",
        "-T",
        "thread",
        "-E",
        "post",
    )
    assert result.returncode == 0, result.stderr
    rows = stats(tmp_path)
    assert set(rows) == {("GET", "read_thread"), ("", "Aggregated")}


def test_seed002_user_class_on_the_command_line(demo_target: str, tmp_path: Path) -> None:
    result = run_seed(
        "seed002_api.py",
        tmp_path,
        "TaggedUser",
        "--headless",
        "-H",
        demo_target,
        "-u",
        "2",
        "-r",
        "100",
        "-t",
        "1s",
        "--tags",
        "post",
    )
    assert result.returncode == 0, result.stderr
    rows = stats(tmp_path)
    assert {name for _, name in rows} <= {"create_thread", "comment", "Aggregated"}
    assert count(rows, "GET", "comment") > 0


# -- seed 000: Slumber ---------------------------------------------------------------------------


def test_seed000_slumber_shares_the_session(fresh_target: str, tmp_path: Path) -> None:
    pytest.importorskip("slumber")
    result = run_seed(
        "seed000_slumber.py",
        tmp_path,
        "--headless",
        "-H",
        fresh_target,
        "-u",
        "2",
        "-r",
        "100",
        "-t",
        "2s",
        "-s",
        "5s",
    )
    assert result.returncode == 0, result.stderr
    rows = stats(tmp_path)
    assert set(rows) == {("GET", "/api/v1/resource/"), ("GET", "foo"), ("", "Aggregated")}
    served = server_counts(fresh_target)["by_route"]
    assert count(rows, "GET", "foo") == served["GET /api/v1/resource/{id}/"] > 0
    assert count(rows, "GET", "/api/v1/resource/") == served["GET /api/v1/resource/"] > 0


# -- the Locust documentation's style, with old flags -------------------------------------------


def test_docs_quickstart_with_old_flags(fresh_target: str, tmp_path: Path) -> None:
    result = run_seed(
        "docs_quickstart.py",
        tmp_path,
        "--no-web",
        "-c",
        "2",
        "--hatch-rate",
        "100",
        "-t",
        "2s",
        "-H",
        fresh_target,
    )
    assert result.returncode == 0, result.stderr
    notices = deprecations(result.stderr)
    assert len(notices) == 3
    for flag in ("--no-web", "-c", "--hatch-rate"):
        assert any(flag in line for line in notices)
    rows = stats(tmp_path)
    assert count(rows, "POST", "/login") == 2
    assert count(rows, "GET", "/item") > 0
    assert ("GET", "/something") in rows
