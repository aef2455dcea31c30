"""Ways a run ends: -t, StopTest, SIGTERM, SIGINT, and -s letting in-flight tasks finish.

However it ends, the summary is printed and every CSV and JSON output is complete (its counts
equal the final summary's).
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO
from horde.demo.process import server_counts

LOCUSTFILES = Path(__file__).parent / "locustfiles"
OUTPUT_FILES = (
    "_stats.csv",
    "_stats_history.csv",
    "_failures.csv",
    "_exceptions.csv",
    "_failure_samples.csv",
    ".json",
)

pytestmark = pytest.mark.slow


def start_horde(
    args: list[str], tmp_path: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    child_env = {k: v for k, v in os.environ.items() if not k.startswith(("HORDE_", "LOCUST_"))}
    child_env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), child_env.get("PYTHONPATH", "")])
    child_env.update(env or {})
    with open(tmp_path / "stdout.txt", "wb") as out, open(tmp_path / "stderr.txt", "wb") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "horde", *args],
            cwd=tmp_path,
            env=child_env,
            stdout=out,
            stderr=err,
        )


def wait_for_requests(target: str, proc: subprocess.Popen[bytes], at_least: int) -> None:
    """Block until the target has seen ``at_least`` requests (the run has really started)."""
    deadline = time.monotonic() + 30
    while server_counts(target)["total"] < at_least:
        assert proc.poll() is None, "horde ended before it was signalled"
        assert time.monotonic() < deadline, "horde sent no requests within 30 s"
        time.sleep(0.05)


def outputs(tmp_path: Path) -> dict[str, int]:
    """Aggregated request counts per output (CSV stats, CSV history's last row, JSON file)."""
    for suffix in OUTPUT_FILES:
        assert (tmp_path / f"run{suffix}").exists(), suffix
    with open(tmp_path / "run_stats.csv", newline="", encoding="utf-8") as handle:
        stats = list(csv.DictReader(handle))
    with open(tmp_path / "run_stats_history.csv", newline="", encoding="utf-8") as handle:
        history = list(csv.DictReader(handle))
    entries = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))["stats"]
    assert stats[-1]["Name"] == "Aggregated"
    return {
        "csv": int(stats[-1]["Request Count"]),
        "history": int(history[-1]["Total Request Count"]),
        "json": sum(e["num_requests"] for e in entries),
    }


def common_args(locustfile: str, target: str, *extra: str) -> list[str]:
    return [
        "-f",
        str(LOCUSTFILES / locustfile),
        "--headless",
        "-H",
        target,
        "-r",
        "20",
        "--csv",
        "run",
        "--json-file",
        "run",
        *extra,
    ]


def summary_total(tmp_path: Path) -> int:
    stdout = (tmp_path / "stdout.txt").read_text(encoding="utf-8")
    assert "Summary:" in stdout
    line = next(line for line in stdout.splitlines() if line.startswith("Summary:"))
    return int(line.split()[1])


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_prints_summary_and_writes_everything(
    fresh_target: str, tmp_path: Path, signum: signal.Signals
) -> None:
    proc = start_horde(
        common_args("steady.py", fresh_target, "-u", "3", "-t", "60s", "-s", "5s"), tmp_path
    )
    try:
        wait_for_requests(fresh_target, proc, 20)
        proc.send_signal(signum)
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stderr = (tmp_path / "stderr.txt").read_text(encoding="utf-8")
    assert code == 0, stderr
    assert f"{signum.name} received" in stderr
    assert "Traceback" not in stderr
    total = summary_total(tmp_path)
    assert outputs(tmp_path) == {"csv": total, "history": total, "json": total}
    assert total == server_counts(fresh_target)["total"]  # -s: no request was cut off


def test_stop_test_ends_the_run(fresh_target: str, tmp_path: Path) -> None:
    proc = start_horde(
        common_args("stopper.py", fresh_target, "-u", "1", "-t", "60s", "--only-summary"),
        tmp_path,
    )
    code = proc.wait(timeout=30)  # far less than -t: StopTest ended the run
    stderr = (tmp_path / "stderr.txt").read_text(encoding="utf-8")
    assert code == 0, stderr
    assert "StopTest raised by a Stopper user" in stderr
    assert outputs(tmp_path) == {"csv": 3, "history": 3, "json": 3}
    assert server_counts(fresh_target)["total"] == 3


@pytest.mark.parametrize("method", ["quit", "stop"])
def test_runner_quit_or_stop_called_from_a_task(
    fresh_target: str, tmp_path: Path, method: str
) -> None:
    args = common_args("quitter.py", fresh_target, "-u", "1", "-t", "60s", "--only-summary")
    proc = start_horde(args, tmp_path, env={"QUIT_METHOD": method})
    code = proc.wait(timeout=30)  # far less than -t: the task ended the run
    stderr = (tmp_path / "stderr.txt").read_text(encoding="utf-8")
    assert code == 0, stderr
    assert f"runner.{method}() called from a task" in stderr
    assert "Traceback" not in stderr
    assert outputs(tmp_path) == {"csv": 3, "history": 3, "json": 3}
    assert server_counts(fresh_target)["by_route"] == {"GET /api/items": 3}


def test_run_time_limit_ends_the_run(fresh_target: str, tmp_path: Path) -> None:
    proc = start_horde(
        common_args("steady.py", fresh_target, "-u", "2", "-t", "2s", "-s", "5s", "--only-summary"),
        tmp_path,
    )
    code = proc.wait(timeout=30)
    stderr = (tmp_path / "stderr.txt").read_text(encoding="utf-8")
    assert code == 0, stderr
    assert "run time limit reached" in stderr
    total = summary_total(tmp_path)
    assert total > 0
    assert outputs(tmp_path) == {"csv": total, "history": total, "json": total}


def test_stop_timeout_lets_in_flight_tasks_finish(fresh_target: str, tmp_path: Path) -> None:
    # each task is one 1.5 s request; the time limit (1 s) falls in the middle of the first
    proc = start_horde(
        common_args(
            "slow_task.py", fresh_target, "-u", "2", "-t", "1s", "-s", "10s", "--only-summary"
        ),
        tmp_path,
    )
    code = proc.wait(timeout=30)
    stderr = (tmp_path / "stderr.txt").read_text(encoding="utf-8")
    assert code == 0, stderr
    assert outputs(tmp_path) == {"csv": 2, "history": 2, "json": 2}
    assert server_counts(fresh_target)["by_route"] == {"GET /delay/{ms}": 2}
