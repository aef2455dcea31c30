"""Nothing lost, nothing counted twice: horde's counts equal the demo target's own counts.

The demo target counts every request on arrival, per route; horde's per-name counts in
``_stats.csv`` and in ``--json`` must match them exactly, for users that stop themselves after
a fixed number of requests and for a run cut by ``-t`` (with ``-s`` so no request is in flight
when the users stop).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from conftest import Result, run_horde
from horde.demo.process import server_counts

LOCUSTFILES = Path(__file__).parent / "locustfiles"
COUNTED = str(LOCUSTFILES / "counted.py")

ROUTES = {
    ("GET", "/api/items"): "GET /api/items",
    ("GET", "/api/items/[id]"): "GET /api/items/{id}",
    ("HEAD", "/about"): "HEAD /about",
    ("GET", "/something"): "GET /something",
}

pytestmark = pytest.mark.slow


def stats_rows(prefix: Path) -> dict[tuple[str, str], dict[str, str]]:
    with open(f"{prefix}_stats.csv", newline="", encoding="utf-8") as handle:
        return {(row["Type"], row["Name"]): row for row in csv.DictReader(handle)}


def run_counted(target: str, tmp_path: Path, rounds: int, *extra: str) -> Result:
    args = ["-f", COUNTED, "--headless", "-H", target, "-u", "4", "-r", "20"]
    args += ["--csv", str(tmp_path / "run"), "--json", "--only-summary", *extra]
    return run_horde(args, cwd=tmp_path, env={"COUNTED_ROUNDS": str(rounds)}, timeout=60)


def horde_counts(result: Result, tmp_path: Path) -> tuple[dict[str, int], dict[str, int], int]:
    """(per route from the CSV, per route from the JSON, Aggregated count from the CSV)."""
    rows = stats_rows(tmp_path / "run")
    from_csv = {
        ROUTES[key]: int(row["Request Count"]) for key, row in rows.items() if key in ROUTES
    }
    from_json = {
        ROUTES[(e["method"], e["name"])]: e["num_requests"]
        for e in json.loads(result.stdout)["stats"]
    }
    return from_csv, from_json, int(rows[("", "Aggregated")]["Request Count"])


def test_users_that_stop_themselves_after_n_rounds(fresh_target: str, tmp_path: Path) -> None:
    rounds, users = 6, 4
    result = run_counted(fresh_target, tmp_path, rounds, "-t", "4s")
    assert result.returncode == 0, result.stderr
    server = server_counts(fresh_target)
    expected = dict.fromkeys(ROUTES.values(), rounds * users)
    assert server["by_route"] == expected
    from_csv, from_json, aggregated = horde_counts(result, tmp_path)
    assert from_csv == expected
    assert from_json == expected
    assert aggregated == server["total"] == rounds * users * len(ROUTES)


def test_timed_run_loses_nothing(fresh_target: str, tmp_path: Path) -> None:
    result = run_counted(fresh_target, tmp_path, 0, "-t", "3s", "-s", "5s")
    assert result.returncode == 0, result.stderr
    server = server_counts(fresh_target)
    from_csv, from_json, aggregated = horde_counts(result, tmp_path)
    assert server["total"] > 0
    assert aggregated == server["total"]
    assert from_csv == server["by_route"]
    assert from_json == server["by_route"]
    # every round makes the four requests in order and finishes (graceful stop): equal counts
    assert len(set(from_csv.values())) == 1
    failures = sum(int(r["Failure Count"]) for r in stats_rows(tmp_path / "run").values())
    assert failures == 0


@pytest.mark.parametrize("fast", ["", "1"], ids=["HttpUser", "FastHttpUser"])
def test_a_timed_run_without_stop_timeout_loses_nothing(
    fresh_target: str, tmp_path: Path, fast: str
) -> None:
    """Users stopped at the time limit finish the request they are in (the stop grace) and it
    is recorded: before the clients told their user about requests in flight, users were
    killed mid-request and the target counted a few requests more than horde."""
    args = ["-f", COUNTED, "--headless", "-H", fresh_target, "-u", "20", "-r", "100", "-t", "2s"]
    args += ["--csv", str(tmp_path / "run"), "--only-summary"]
    result = run_horde(args, cwd=tmp_path, env={"COUNTED_ROUNDS": "0", "COUNTED_FAST": fast})
    assert result.returncode == 0, result.stderr
    rows = stats_rows(tmp_path / "run")
    assert int(rows[("", "Aggregated")]["Request Count"]) == server_counts(fresh_target)["total"]
