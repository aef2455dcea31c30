"""A CI script written against Locust's web UI drives horde unchanged: swarm, poll
``/stats/requests`` until requests come in, stop, download the CSV, reset. Scripts for Locust
2.46 and earlier stop and reset with GET, those for 2.47 with POST; with a login set, horde
changes state only by POST (docs/design.md, "State changes and CSRF")."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from web_proc import WAIT, serving

from horde.demo.process import server_counts

pytestmark = pytest.mark.slow

LOCUSTFILE = """
from locust import HttpUser, between, task


class Visitor(HttpUser):
    host = "http://127.0.0.1:9"  # replaced by the host the script sends
    wait_time = between(0.01, 0.05)

    @task(3)
    def items(self):
        self.client.get("/api/items")

    @task
    def missing(self):
        self.client.get("/status/404", name="/status/[code]")
"""

SCRIPT = '''
"""Start a Locust test through its web UI, wait for traffic, stop it (as written for Locust)."""
import os
import sys
import time

import requests

base = sys.argv[1].rstrip("/")
target = sys.argv[2]
auth = tuple(os.environ["UI_AUTH"].split(":", 1)) if os.environ.get("UI_AUTH") else None
http = requests.Session()
http.auth = auth
change = http.post if os.environ.get("LOCUST_2_47") else http.get  # POST-only since 2.47

response = http.post(
    base + "/swarm",
    data={"user_count": 4, "spawn_rate": 4, "host": target, "run_time": "5m"},
)
response.raise_for_status()
assert response.json()["success"], response.text

deadline = time.time() + 30
while True:
    stats = http.get(base + "/stats/requests").json()
    total = [s for s in stats["stats"] if s["name"] == "Aggregated"][0]
    if total["num_requests"] >= 20 and stats["errors"]:
        break
    if time.time() > deadline:
        sys.exit("no traffic after 30 s")
    time.sleep(0.25)

print("state", stats["state"], "users", stats["user_count"])
print("total_rps", stats["total_rps"] > 0, "fail_ratio", 0 < stats["fail_ratio"] < 1)
print("p95", "response_time_percentile_0.95" in stats["current_response_time_percentiles"])
for entry in stats["stats"]:
    print("entry", entry["method"], entry["name"], entry["num_requests"] > 0,
          entry["avg_response_time"] > 0, "current_rps" in entry)
for error in stats["errors"]:
    print("error", error["method"], error["name"], error["occurrences"] > 0)

change(base + "/stop").raise_for_status()
while http.get(base + "/stats/requests").json()["state"] != "stopped":
    if time.time() > deadline + 30:
        sys.exit("did not stop")
    time.sleep(0.25)
print("stopped")

print("csv", http.get(base + "/stats/requests/csv").text.splitlines()[0].split(",")[:4])
print("reset", change(base + "/stats/reset").text)
after = http.get(base + "/stats/requests").json()
print("after reset", after["stats"][-1]["num_requests"])
'''

EXPECTED = """\
state running users 4
total_rps True fail_ratio True
p95 True
entry GET /api/items True True True
entry GET /status/[code] True True True
entry  Aggregated True True True
error GET /status/[code] True
stopped
csv ['Type', 'Name', 'Request Count', 'Failure Count']
reset ok
after reset 0
"""


def run_script(url: str, target: str, tmp_path: Path, auth: str, post: bool) -> str:
    script = tmp_path / "drive_locust.py"
    script.write_text(SCRIPT, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script), url, target],
        capture_output=True,
        text=True,
        timeout=WAIT * 3,
        env={"UI_AUTH": auth, "PATH": "/usr/bin:/bin", "LOCUST_2_47": "1" if post else ""},
        check=False,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout


@pytest.mark.parametrize(
    ("login", "post"),
    [("", False), ("", True), ("ci:ci-pass", True)],
    ids=["open, GET /stop (Locust 2.46)", "open, POST /stop (Locust 2.47)", "basic auth, POST"],
)
def test_a_locust_ci_script_works_unchanged(
    tmp_path: Path, fresh_target: str, login: str, post: bool
) -> None:
    (tmp_path / "locustfile.py").write_text(LOCUSTFILE, encoding="utf-8")
    args = ["-f", str(tmp_path / "locustfile.py")]
    if login:
        args += ["--web-login", login]
    with serving(args, tmp_path) as ui:
        assert run_script(ui.url, fresh_target, tmp_path, login, post) == EXPECTED
        assert ui.stop() == 0, "the script reset the statistics: no failure is left"
    assert server_counts(fresh_target)["total"] >= 20
