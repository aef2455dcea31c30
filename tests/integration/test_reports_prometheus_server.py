"""A real Prometheus server (Debian's ``prometheus`` package, installed by scripts/test.sh)
scrapes ``--prometheus-port`` of a running headless test; its query API then answers with
horde's counters and histogram quantiles."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, free_port

LOCUSTFILE = str(Path(__file__).parent / "locustfiles" / "reports_target.py")
PROMETHEUS = "/usr/bin/prometheus"
pytestmark = pytest.mark.slow


def start_horde(target: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HORDE_", "LOCUST_"))}
    env["PYTHONPATH"] = str(REPO / "src")
    args = ["-f", LOCUSTFILE, "--headless", "-H", target, "-u", "2", "-r", "100", "-t", "90s",
            "--exit-code-on-error", "0", "--only-summary", "--prometheus-port", "0"]  # fmt: skip
    return subprocess.Popen(
        [sys.executable, "-m", "horde", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def metrics_address(proc: subprocess.Popen[str], timeout: float = 30) -> str:
    """``HOST:PORT`` from horde's "Prometheus metrics at http://HOST:PORT/metrics" line."""
    assert proc.stderr is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if "Prometheus metrics at http://" in line:
            return line.rsplit("http://", 1)[1].split("/", 1)[0]
        if not line and proc.poll() is not None:
            break
    raise AssertionError("horde never said where its metrics are")


def query(port: int, expression: str) -> list[Any]:
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": expression})
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            answer = json.loads(response.read())
    except OSError:
        return []  # not listening yet
    result: list[Any] = answer["data"]["result"]
    return result


def wait_for(port: int, expression: str, timeout: float = 40) -> list[Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = query(port, expression)
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"Prometheus never answered {expression!r}")


def test_a_real_prometheus_scrapes_horde(demo_target: str, tmp_path: Path) -> None:
    assert Path(PROMETHEUS).is_file(), "install Debian's prometheus (scripts/test.sh does)"
    horde = start_horde(demo_target)
    prometheus = None
    try:
        address = metrics_address(horde)
        config = tmp_path / "prometheus.yml"
        config.write_text(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
            "scrape_configs:\n  - job_name: horde\n"
            f"    static_configs:\n      - targets: ['{address}']\n"
        )
        port = free_port()
        prometheus = subprocess.Popen(
            [
                PROMETHEUS,
                f"--config.file={config}",
                f"--storage.tsdb.path={tmp_path / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        up = wait_for(port, 'up{job="horde"} == 1')
        assert up[0]["metric"]["instance"] == address
        names = wait_for(port, "sum by (name) (horde_requests_total)")
        assert {r["metric"]["name"] for r in names} >= {"/api/items", "/delay"}
        buckets = 'horde_request_duration_seconds_bucket{name="/delay"}'
        median = wait_for(port, f"histogram_quantile(0.5, sum by (le) ({buckets}))")
        assert 0 < float(median[0]["value"][1]) < 1.0
    finally:
        if prometheus is not None:
            prometheus.terminate()
            prometheus.wait(timeout=20)
        horde.send_signal(signal.SIGINT)
        horde.communicate(timeout=30)
    assert horde.returncode == 0
