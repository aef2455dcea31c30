"""The horde command against a misbehaving target: nothing lost, nothing raised, no false
timeouts. The fault server runs in a process of its own and counts what reached it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_horde
from faultserver import FaultServerProcess

LOCUSTFILE = Path(__file__).parent / "locustfiles" / "hostile.py"

pytestmark = pytest.mark.slow


def test_every_request_to_a_hostile_target_is_recorded_once(tmp_path: Path) -> None:
    # -s: users still in their round when -t ends finish it, so every request that reached
    # the server is either recorded or was never sent
    with FaultServerProcess() as server:
        args = ["-f", str(LOCUSTFILE), "--headless", "-H", server.url, "-u", "4", "-r", "4"]
        args += ["-t", "6s", "-s", "30s", "--json", "--only-summary"]
        result = run_horde(args, cwd=tmp_path, timeout=90)
        counts = server.fetch_counts()
    # urllib3 logs some broken responses with a traceback of its own (its logger, not horde)
    assert "Exceptions in user code: none" in result.stderr, result.stderr
    report = json.loads(result.stdout)
    stats = report["stats"] if isinstance(report, dict) else report  # versioned report or list
    entries = {(e["method"], e["name"]): e for e in stats}
    recorded = sum(e["num_requests"] for e in entries.values())
    assert recorded == counts["total"], (counts, entries.keys())
    by_path = counts["by_path"]
    assert isinstance(by_path, dict)
    assert by_path["/stall"] == 3, "one per client"
    delay = entries[("GET", "/delay")]
    assert delay["num_requests"] == 10
    assert delay["num_failures"] == 0, "no false 'timed out' on a long keep-alive connection"
    assert entries[("GET", "/ok")]["num_failures"] == 0
    assert entries[("GET", "/stall")]["num_failures"] == 3


SILENT = """\
from locust import FastHttpUser, HttpUser, constant, task


class Fast(FastHttpUser):
    wait_time = constant(0.1)

    @task
    def stall(self):
        self.client.get("/stall")


class Plain(HttpUser):
    wait_time = constant(0.1)

    @task
    def stall(self):
        self.client.get("/stall")
"""


def test_a_target_that_never_answers_fails_the_run_and_says_so(tmp_path: Path) -> None:
    """The run ends by its time limit while every request waits: each is recorded (cancelled
    after the stop grace), the run exits 1, and the summary says no request got an answer."""
    (tmp_path / "silent.py").write_text(SILENT, encoding="utf-8")
    with FaultServerProcess() as server:
        args = ["-f", "silent.py", "--headless", "-H", server.url, "-u", "4", "-r", "100"]
        args += ["-t", "1s", "--stop-grace", "0.5", "--only-summary"]
        result = run_horde(args, cwd=tmp_path, timeout=90)
        counts = server.fetch_counts()
    assert result.returncode == 1, result.stderr
    assert f"{counts['total']} requests in" in result.stdout
    assert f"the target answered none of the {counts['total']} requests" in result.stdout
    assert "cancelled at stop" in result.stdout
