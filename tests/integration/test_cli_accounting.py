"""Exact accounting at every way out: the target's own count equals horde's, with users stopped
while their requests are on the wire.

Every user spends most of its time inside a 300 ms request (``/delay/300`` on the demo target,
which counts each request as it arrives), so whatever ends the run catches several of them
mid-request. The time limit, ``StopTest``, a shape returning None, Ctrl-C, SIGTERM, a second
Ctrl-C (users stopped at once) and the web UI's Stop all end with ``horde's count == the
target's count``: requests in flight finish within ``--stop-grace`` (or are recorded as
cancelled after it), none is dropped. Nothing here measures time; waits are bounded polls.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from web_proc import child_env, serving

from conftest import run_horde
from horde.testing import server_counts

pytestmark = pytest.mark.slow

SLOW = """\
from locust import FastHttpUser, HttpUser, LoadTestShape, constant, task
from locust.exception import StopTest


class Reader(FastHttpUser):
    wait_time = constant(0.01)

    @task
    def slow(self):
        self.client.get("/delay/300")


class Browser(HttpUser):
    wait_time = constant(0.01)

    @task
    def slow(self):
        self.client.get("/delay/300")
"""
STOP_TEST = SLOW.replace(
    '        self.client.get("/delay/300")\n',
    '        self.client.get("/delay/300")\n        Reader.done = getattr(Reader, "done", 0) + 1\n'
    "        if Reader.done >= 30:\n            raise StopTest()\n",
    1,
)
SHAPE = (
    SLOW
    + """

class TwoSeconds(LoadTestShape):
    def tick(self):
        return (8, 100) if self.get_run_time() < 2 else None
"""
)


def horde_count(document_path: Path) -> int:
    document = json.loads(document_path.read_text(encoding="utf-8"))
    return sum(entry["num_requests"] for entry in document["stats"])


def served(target: str) -> int:
    counts = server_counts(target)["by_path"]
    return int(counts.get("GET /delay/300", 0))


def wait_for_requests(target: str, at_least: int, proc: subprocess.Popen[str]) -> None:
    """Poll the target (bounded) until ``at_least`` requests arrived or the process ended."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        if served(target) >= at_least:
            return
        time.sleep(0.05)
    raise AssertionError(f"only {served(target)} requests reached the target")


def write(tmp_path: Path, source: str) -> Path:
    path = tmp_path / "locustfile.py"
    path.write_text(source, encoding="utf-8")
    return path


def run_to_end(tmp_path: Path, target: str, source: str, *args: str) -> int:
    write(tmp_path, source)
    result = run_horde(
        ["--headless", "-H", target, "-u", "8", "-r", "100", "--json-file", "out",
         "--only-summary", *args],
        cwd=tmp_path,
        timeout=60,
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    return horde_count(tmp_path / "out.json")


def test_time_limit(fresh_target: str, tmp_path: Path) -> None:
    counted = run_to_end(tmp_path, fresh_target, SLOW, "-t", "2s")
    assert counted == served(fresh_target) > 0


def test_stop_test(fresh_target: str, tmp_path: Path) -> None:
    counted = run_to_end(tmp_path, fresh_target, STOP_TEST, "-t", "30s")
    assert counted == served(fresh_target) >= 30


def test_a_shape_returning_none(fresh_target: str, tmp_path: Path) -> None:
    counted = run_to_end(tmp_path, fresh_target, SHAPE)
    assert counted == served(fresh_target) > 0


def test_a_grace_shorter_than_the_requests_cancels_and_still_counts(
    fresh_target: str, tmp_path: Path
) -> None:
    write(tmp_path, SLOW.replace("/delay/300", "/delay/3000"))
    result = run_horde(
        ["--headless", "-H", fresh_target, "-u", "8", "-r", "100", "-t", "1s",
         "--stop-grace", "0.2", "--json-file", "out", "--only-summary"],
        cwd=tmp_path,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    document = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    counted = sum(entry["num_requests"] for entry in document["stats"])
    assert counted == int(server_counts(fresh_target)["by_path"]["GET /delay/3000"]) == 8
    assert "cancelled at stop" in result.stdout


def signalled(tmp_path: Path, target: str, signals: list[signal.Signals]) -> tuple[int, str]:
    write(tmp_path, SLOW)
    args = ["-f", "locustfile.py", "--headless", "-H", target, "-u", "8", "-r", "100"]
    args += ["--json-file", "out", "--only-summary"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "horde", *args],
        cwd=tmp_path,
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_requests(target, 20, proc)
        for signum in signals:
            proc.send_signal(signum)
            time.sleep(0.05)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert "Traceback" not in stderr, stderr
    return horde_count(tmp_path / "out.json"), stderr


@pytest.mark.parametrize(
    "signals",
    [[signal.SIGINT], [signal.SIGTERM], [signal.SIGINT, signal.SIGINT]],
    ids=["ctrl-c", "sigterm", "ctrl-c-twice"],
)
def test_signals(signals: list[signal.Signals], fresh_target: str, tmp_path: Path) -> None:
    counted, _ = signalled(tmp_path, fresh_target, signals)
    assert counted == served(fresh_target) > 0


def test_the_web_ui_stop(fresh_target: str, tmp_path: Path) -> None:
    write(tmp_path, SLOW)
    args = ["-f", "locustfile.py", "-H", fresh_target, "--autostart", "-u", "8", "-r", "100"]
    args += ["--json-file", "out"]
    with serving(args, cwd=tmp_path) as web:
        wait_for_requests(fresh_target, 20, web.proc)
        answer = requests.post(web.url + "api/v1/stop", timeout=30)
        assert answer.status_code < 300, answer.text
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            state = requests.get(web.url + "api/v1/status", timeout=30).json()
            if state.get("state") == "stopped":
                break
            time.sleep(0.05)
        assert web.stop(signal.SIGTERM) in (0, 1)
    assert horde_count(tmp_path / "out.json") == served(fresh_target) > 0
