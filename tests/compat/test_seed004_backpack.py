"""Seed 004 (the Locust Backpack page): its code fragments run unchanged under the horde command,
against the game server, and every request the server saw is in the statistics."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from conftest import Result, run_horde

pytest_plugins = ["game_kit"]
pytestmark = pytest.mark.slow

LOCUSTFILES = Path(__file__).parent / "locustfiles"
NAMES = {
    "POST /public/team/v1/init": ("POST", "/public/team/v1/init"),
    "GET /public/pvp2/v1/init": ("GET", "/public/pvp2/v1/init"),
    "POST /public/pvp2/v1/init": ("POST", "/public/pvp2/v1/init"),
    "POST /public/session/v1/cheat/reset": ("POST", "ResetSession"),
    "POST /public/session/v1/start": ("POST", "/public/session/v1/start"),
    "POST /public/event/v1/init": ("POST", "/public/event/v1/init"),
}


def run(locustfile: str, host: str, tmp_path: Path, users: int) -> Result:
    result = run_horde(
        [
            "-f",
            str(LOCUSTFILES / locustfile),
            "--headless",
            "-H",
            host,
            "-u",
            str(users),
            "-r",
            "100",
            "-t",
            "3s",
            "-s",
            "10s",  # users finish the request in hand: every request sent is recorded
            "--csv",
            "run",
            "--only-summary",
        ],
        cwd=tmp_path,
        timeout=60,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stderr
    return result


def recorded(tmp_path: Path, name: str = "run_stats.csv") -> dict[tuple[str, str], dict[str, Any]]:
    with open(tmp_path / name, newline="", encoding="utf-8") as handle:
        return {(row["Type"], row["Name"]): row for row in csv.DictReader(handle)}


def assert_recorded_as_served(rows: dict[tuple[str, str], dict[str, Any]], served: dict) -> None:
    for route, count in served["by_route"].items():
        row = rows[NAMES[route]]
        assert int(row["Request Count"]) == count, route
        assert row["Failure Count"] == "0", route
    names = {key for key in rows if key != ("", "Aggregated")}
    assert names == {NAMES[route] for route in served["by_route"]}


def test_endpoints_requests_chaining_dependencies_sealing_and_zip(
    game: str, game_stats: Any, tmp_path: Path
) -> None:
    run("seed004_backpack.py", game, tmp_path, users=10)
    served = game_stats(game)
    rows = recorded(tmp_path)
    assert_recorded_as_served(rows, served)
    assert served["mismatches"] == 0  # no user ever sent another user's player
    assert served["events"] == served["by_route"]["POST /public/event/v1/init"] > 0
    assert served["by_route"]["GET /public/pvp2/v1/init"] > 0
    folders = sorted(tmp_path.glob("backpack-*"))
    assert len(folders) == 2  # one Zip() from a task, one from the test_stop listener
    final = recorded(folders[-1], "horde_stats.csv")
    assert final[("", "Aggregated")]["Request Count"] == rows[("", "Aggregated")]["Request Count"]
    assert (folders[-1] / "report.json").is_file()
    assert (folders[-1] / "report.html").is_file()


def test_chain_and_scenarios(game: str, game_stats: Any, tmp_path: Path) -> None:
    run("seed004_scenarios.py", game, tmp_path, users=8)
    served = game_stats(game)
    assert_recorded_as_served(recorded(tmp_path), served)
    assert served["mismatches"] == 0
    assert served["by_route"]["GET /public/pvp2/v1/init"] > 0  # the chain's first step
    # (with the page's one-second waits, how far each scenario gets in 3 s varies)
