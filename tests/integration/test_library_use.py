"""horde as a library: Environment + LocalRunner in a plain script; no import-time patching."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import REPO

SCRIPT = """\
from gevent import monkey

monkey.patch_all()  # first, as src/horde/env.py documents

import json
import sys

import gevent

from horde import Environment, HttpUser, constant, task


class Visitor(HttpUser):
    host = sys.argv[1]
    wait_time = constant(0.05)

    @task
    def items(self):
        self.client.get("/api/items")

    @task
    def fail(self):
        self.client.get("/api/fail")


env = Environment(user_classes=[Visitor])
runner = env.create_local_runner()
runner.start(2, spawn_rate=20)
gevent.spawn_later(1.5, runner.quit)
runner.greenlet.join()
print(json.dumps({
    "total": env.stats.total.num_requests,
    "failures": env.stats.total.num_failures,
    "names": sorted(name for name, _ in env.stats.entries),
    "state": runner.state,
}))
"""

QUIT_FROM_TASK = (
    SCRIPT.replace(
        '        self.client.get("/api/fail")',
        '        self.client.get("/api/fail")\n        self.environment.runner.quit()',
    )
    .replace("gevent.spawn_later(1.5, runner.quit)\n", "")
    .replace("runner.start(2,", "runner.start(1,")
)

NO_PATCH = """\
import gevent.monkey

import horde
from horde import HttpUser, User, task
from horde.env import Environment

print(gevent.monkey.is_anything_patched())
"""


def run_python(code: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(code), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HORDE_", "LOCUST_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, str(script), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.slow
def test_environment_and_local_runner(demo_target: str, tmp_path: Path) -> None:
    proc = run_python(SCRIPT, tmp_path, demo_target)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["total"] > 0
    assert 0 < report["failures"] < report["total"]
    assert report["names"] == ["/api/fail", "/api/items"]
    assert report["state"] == "stopped"
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_quit_called_from_a_task_ends_the_join(demo_target: str, tmp_path: Path) -> None:
    proc = run_python(QUIT_FROM_TASK, tmp_path, demo_target)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["failures"] == 1  # the first /api/fail request, then quit()
    assert report["state"] == "stopped"
    assert "Traceback" not in proc.stderr


def test_importing_horde_does_not_monkey_patch(tmp_path: Path) -> None:
    proc = run_python(NO_PATCH, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"
