"""The ``horde`` command serving its web UI runs every load model through one run plan (issue
7): a load shape started through the API drives the user count until it ends, a stages or
arrival-rate test runs from the API or ``--autostart``, a shape or stages test refuses to be
steered, bad load options are one clear line at startup, and a failed threshold in a
web-started test decides the exit code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from web_proc import Served, poll_until, serving

from conftest import run_horde
from horde.cli.exit_codes import ExitCode

pytestmark = pytest.mark.slow

LOCUSTFILE = """
from locust import HttpUser, LoadTestShape, constant, task


class Visitor(HttpUser):
    wait_time = constant(0.1)

    @task
    def home(self):
        self.client.get("/")


class Steps(LoadTestShape):
    \"\"\"1 user for a second, then 3 for three, then 2 for one, then the end.\"\"\"

    def tick(self):
        elapsed = self.get_run_time()
        for until, users in ((1, 1), (4, 3), (5, 2)):
            if elapsed < until:
                return (users, 50)
        return None


class Hold(LoadTestShape):
    \"\"\"Two users until stopped.\"\"\"

    def tick(self):
        return (2, 50)
"""

PLAIN = """
from locust import HttpUser, constant, task


class Visitor(HttpUser):
    wait_time = constant(0.1)

    @task
    def home(self):
        self.client.get("/")
"""


@pytest.fixture
def shapes_file(tmp_path: Path) -> Path:
    path = tmp_path / "shapes.py"
    path.write_text(LOCUSTFILE, encoding="utf-8")
    return path


@pytest.fixture
def plain_file(tmp_path: Path) -> Path:
    path = tmp_path / "plain.py"
    path.write_text(PLAIN, encoding="utf-8")
    return path


def status(ui: Served) -> Any:
    return ui.get("/api/v1/status").json()


def watch_users(ui: Served) -> tuple[list[int], dict[str, Any]]:
    """The distinct user counts the status showed, in order, until the test stopped."""
    seen: list[int] = []
    last: dict[str, Any] = {}

    def stopped() -> bool:
        nonlocal last
        last = status(ui)
        if not seen or seen[-1] != last["user_count"]:
            seen.append(last["user_count"])
        return last["state"] == "stopped"

    poll_until(stopped, "the test to stop", ui.proc)
    return seen, last


def test_a_shape_started_through_the_api_drives_the_user_count(
    shapes_file: Path, tmp_path: Path, fresh_target: str
) -> None:
    with serving(["-f", str(shapes_file), "-H", fresh_target], tmp_path) as ui:
        form = ui.get("/api/v1/form").json()
        assert [s["name"] for s in form["shapes"]] == ["Steps", "Hold"]
        assert form["shape"] == "Steps"
        answer = ui.post("/swarm", data={"user_count": 99, "spawn_rate": 1}).json()
        assert answer["message"] == "Swarming started using shape class 'Steps'"
        seen, last = watch_users(ui)
        assert last["stop_reason"] == "the load shape ended"
        assert last["plan"]["shape"] == "Steps"
        assert max(seen) <= 3, "the shape decides, not user_count"
        history = [p["user_count"] for p in ui.get("/api/v1/history").json()["points"]]
        # once a second: the three seconds at 3 show (a busy machine may delay one tick)
        assert max(history) == 3, history
        assert ui.stop() == 0, ui.stderr


def test_a_shape_test_refuses_to_be_steered_and_stops_from_the_ui(
    shapes_file: Path, tmp_path: Path, fresh_target: str
) -> None:
    with serving(["-f", str(shapes_file), "-H", fresh_target], tmp_path) as ui:
        started = ui.post("/api/v1/run", json={"shape": "Hold"})
        assert started.status_code == 200, started.text
        poll_until(lambda: status(ui)["user_count"] == 2, "2 users", ui.proc)
        steer = ui.post("/api/v1/run", json={"user_count": 10, "spawn_rate": 10})
        assert steer.status_code == 400
        assert steer.json()["error"] == (
            "the load shape Hold decides the users of this test: stop it to change the load"
        )
        assert ui.post("/api/v1/stop").status_code == 200
        poll_until(lambda: status(ui)["state"] == "stopped", "the stop", ui.proc)
        assert status(ui)["stop_reason"] == "stopped from the web UI"
        assert ui.stop() == 0, ui.stderr


def test_a_stages_test_from_the_api_runs_to_its_end_and_cannot_be_steered(
    plain_file: Path, tmp_path: Path, fresh_target: str
) -> None:
    with serving(["-f", str(plain_file), "-H", fresh_target], tmp_path) as ui:
        started = ui.post("/api/v1/run", json={"stages": "1s:2@50, 2s:4@50, 1s:1@50"})
        assert started.status_code == 200, started.text
        described = started.json()["plan"]["description"]
        assert described == "ramping-vus: stages 1s:2@50,2s:4@50,1s:1@50"
        steer = ui.post("/api/v1/run", json={"user_count": 10})
        assert steer.status_code == 400
        assert "the stages 1s:2@50,2s:4@50,1s:1@50 decide the users" in steer.json()["error"]
        seen, last = watch_users(ui)
        assert last["stop_reason"] == "all stages done"
        assert max(seen) <= 4
        history = [p["user_count"] for p in ui.get("/api/v1/history").json()["points"]]
        assert max(history) == 4, history
        assert ui.stop() == 0, ui.stderr


def test_an_arrival_rate_test_from_the_api(
    plain_file: Path, tmp_path: Path, fresh_target: str
) -> None:
    with serving(["-f", str(plain_file), "-H", fresh_target], tmp_path) as ui:
        body = {"arrival_rate": 20, "user_count": 5, "pre_allocated_users": 2, "run_time": "2s"}
        started = ui.post("/api/v1/run", json=body)
        assert started.status_code == 200, started.text
        plan = started.json()["plan"]
        assert (plan["executor"], plan["arrival_rate"], plan["users"]) == (
            "constant-arrival-rate",
            "20/s",
            5,
        )
        _, last = watch_users(ui)
        assert last["stop_reason"] == "run time limit reached"
        total = ui.get("/api/v1/stats").json()["total"]["num_requests"]
        assert total > 0
        assert ui.stop() == 0, ui.stderr


def test_a_class_with_its_own_executor_in_a_web_started_test(
    tmp_path: Path, fresh_target: str
) -> None:
    path = tmp_path / "mixed.py"
    source = PLAIN.replace(
        "from locust import", "from horde import shared_iterations\nfrom locust import"
    )
    source += """

class Seed(HttpUser):
    executor = shared_iterations(7, users=2)

    @task
    def seed(self):
        self.client.get("/something")
"""
    path.write_text(source, encoding="utf-8")
    with serving(["-f", str(path), "-H", fresh_target], tmp_path) as ui:
        started = ui.post("/api/v1/run", json={"user_count": 1, "run_time": "2s"})
        assert started.status_code == 200, started.text
        described = started.json()["plan"]["description"]
        assert "; Seed: shared-iterations: 7 iterations shared by 2 users" in described
        assert started.json()["plan"]["classes"] == {
            "Seed": "shared-iterations: 7 iterations shared by 2 users"
        }
        _, last = watch_users(ui)
        assert last["stop_reason"] == "run time limit reached"
        stats = ui.get("/api/v1/stats").json()
        seeded = [e for e in stats["entries"] if e["name"] == "/something"]
        assert seeded[0]["num_requests"] == 7
        assert ui.stop() == 0, ui.stderr


def test_autostart_runs_the_command_lines_stages(
    plain_file: Path, tmp_path: Path, fresh_target: str
) -> None:
    args = ["-f", str(plain_file), "-H", fresh_target, "-P", "0", "--autostart"]
    args += ["--stages", "1s:2@50,1s:3@50", "--autoquit", "0"]
    result = run_horde(args, cwd=tmp_path, timeout=60)
    assert result.returncode == ExitCode.OK, result.stderr
    assert "starting: ramping-vus: stages 1s:2@50,1s:3@50" in result.stderr
    assert "test stopped: all stages done" in result.stderr
    assert "Summary: " in result.stdout


def test_autostart_runs_a_shape_chosen_with_dash_dash_shape(
    shapes_file: Path, tmp_path: Path, fresh_target: str
) -> None:
    args = ["-f", str(shapes_file), "-H", fresh_target, "-P", "0", "--autostart"]
    args += ["--shape", "Hold", "-t", "1s", "--autoquit", "0"]
    result = run_horde(args, cwd=tmp_path, timeout=60)
    assert result.returncode == ExitCode.OK, result.stderr
    assert "starting: shape: load shape Hold, at most 1 s" in result.stderr
    assert "test stopped: run time limit reached" in result.stderr


@pytest.mark.parametrize(
    ("plain", "args", "says"),
    [
        (False, ["--shape", "Nope"], "unknown load shape 'Nope'; available: Steps, Hold"),
        (False, ["--stages", "5s:1"], "--stages cannot be combined with the load shape Steps"),
        (True, ["--autostart", "--stages", "5s:many"], "users must be a whole number, got 'many'"),
        (True, ["--stages", "5s:1", "--arrival-rate", "3"], "--stages and --arrival-rate exclude"),
        (True, ["--threshold", "p95<"], "invalid threshold 'p95<'"),
    ],
)
def test_bad_load_options_are_one_clear_line_before_serving(
    shapes_file: Path, plain_file: Path, plain: bool, args: list[str], says: str
) -> None:
    locustfile = plain_file if plain else shapes_file
    result = run_horde(["-f", str(locustfile), "-H", "http://127.0.0.1:9", "-P", "0", *args])
    assert result.returncode == ExitCode.USAGE, result.stderr
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("horde: error: ")
    assert says in errors[0]
    assert "web UI at" not in result.stderr


def test_a_failed_threshold_of_a_web_started_test_sets_the_exit_code(
    plain_file: Path, tmp_path: Path, fresh_target: str
) -> None:
    with serving(["-f", str(plain_file), "-H", fresh_target], tmp_path) as ui:
        body = {"user_count": 2, "spawn_rate": 50, "thresholds": ["requests>0", "rps>100000"]}
        assert ui.post("/api/v1/run", json=body).status_code == 200
        poll_until(
            lambda: ui.get("/api/v1/thresholds").json()["thresholds"][0]["passed"],
            "a request",
            ui.proc,
        )
        live = ui.get("/api/v1/thresholds").json()
        assert [t["passed"] for t in live["thresholds"]] == [True, False]
        assert 'horde_threshold_passed{expression="rps>100000"} 0.0' in ui.get("/metrics").text
        assert ui.stop() == ExitCode.THRESHOLDS, ui.stderr
    assert "✗ rps>100000" in ui.stdout
