"""The web UI on a master: tests started and stopped from it run on the workers, the Workers
view's API lists them, and the counts equal the target's."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from web_proc import poll_until, serving

from distributed_kit import FAST, LISTENING, start_worker, stop_all
from horde.demo.process import server_counts

COUNTED = str(Path(__file__).parent / "locustfiles" / "counted.py")

pytestmark = pytest.mark.slow


def test_a_master_with_the_web_ui_runs_and_lists_its_workers(
    fresh_target: str, tmp_path: Path
) -> None:
    args = ["-f", COUNTED, "--processes", "2", "-H", fresh_target, *FAST]
    with serving(args, tmp_path, env={"COUNTED_ROUNDS": "0"}) as ui:
        poll_until(lambda: ui.get("api/v1/workers").json()["worker_count"] == 2, "2 workers")
        assert 'id="tab-workers"' in ui.get("").text
        assert ui.post("swarm", data={"user_count": 6, "spawn_rate": 100}).json()["success"]
        poll_until(lambda: ui.get("api/v1/status").json()["state"] == "running", "running")
        poll_until(lambda: all(w["last_report_age"] is not None for w in workers(ui)), "reports")
        listed = workers(ui)
        assert [w["index"] for w in listed] == [0, 1]
        assert [w["user_count"] for w in listed] == [3, 3]
        assert {w["state"] for w in listed} == {"running"}
        poll_until(lambda: sum(w["requests"] for w in workers(ui)) > 20, "requests")
        locust_view = ui.get("stats/requests").json()  # Locust's route lists them too
        assert locust_view["worker_count"] == 2
        assert [w["user_count"] for w in locust_view["workers"]] == [3, 3]
        ui.post("stop")
        poll_until(lambda: ui.get("api/v1/status").json()["state"] == "stopped", "stopped")
        served = server_counts(fresh_target)["total"]
        assert served > 0
        # the UI serves a snapshot up to a second old: it shows the exact count once renewed
        poll_until(lambda: aggregated(ui) == served, f"the UI to show {served} requests")
        assert ui.stop() == 0, ui.stderr


def test_the_report_names_the_workers_that_joined_after_the_ui_started(
    fresh_target: str, tmp_path: Path
) -> None:
    """The HTML report of a web master said "none (local run)" for a test run by 2 workers."""
    args = ["-f", COUNTED, "--master", "--master-bind-port", "0", "-H", fresh_target, *FAST]
    with serving(args, tmp_path) as ui:
        poll_until(lambda: LISTENING.search(ui.stderr), "the master's port")
        port = int(LISTENING.search(ui.stderr).group(1))  # type: ignore[union-attr]
        workers = [start_worker(COUNTED, port, tmp_path) for _ in range(2)]
        try:
            poll_until(lambda: ui.get("api/v1/workers").json()["worker_count"] == 2, "2 workers")
            assert ui.post("swarm", data={"user_count": 2, "spawn_rate": 100}).json()["success"]
            assert "<th>Workers</th><td>2</td>" in ui.get("api/v1/report").text
            assert ui.stop() == 0, ui.stderr
        finally:
            stop_all(*workers)


def test_a_local_run_says_it_is_not_distributed(tmp_path: Path) -> None:
    with serving(["-f", COUNTED, "-H", "http://127.0.0.1:9"], tmp_path) as ui:
        assert ui.get("api/v1/workers").json() == {
            "distributed": False,
            "worker_count": 0,
            "workers": [],
            "lost": [],
        }
        assert 'id="tab-workers"' not in ui.get("").text


def workers(ui) -> list[dict]:  # type: ignore[no-untyped-def, type-arg]
    return ui.get("api/v1/workers").json()["workers"]  # type: ignore[no-any-return]


def aggregated(ui) -> int:  # type: ignore[no-untyped-def]
    rows = ui.get("stats/requests").json()["stats"]
    return next(row["num_requests"] for row in rows if row["name"] == "Aggregated")  # type: ignore[no-any-return]


def test_sigterm_to_a_web_master_while_running_loses_nothing(
    fresh_target: str, tmp_path: Path
) -> None:
    """SIGTERM stops the test (workers finish their requests and report) before they are told
    to quit: the CSV written at the end has the target's exact count."""
    args = ["-f", COUNTED, "--processes", "2", "-H", fresh_target, "--csv", str(tmp_path / "run")]
    with serving([*args, *FAST], tmp_path, env={"COUNTED_ROUNDS": "0"}) as ui:
        poll_until(lambda: ui.get("api/v1/workers").json()["worker_count"] == 2, "2 workers")
        assert ui.post("swarm", data={"user_count": 6, "spawn_rate": 100}).json()["success"]
        poll_until(lambda: sum(w["requests"] for w in workers(ui)) > 20, "requests")
        assert ui.stop() == 0, ui.stderr
    with open(tmp_path / "run_stats.csv", newline="", encoding="utf-8") as handle:
        rows = {row["Name"]: row for row in csv.DictReader(handle)}
    assert int(rows["Aggregated"]["Request Count"]) == server_counts(fresh_target)["total"] > 0
