"""The reports as a user gets them from the ``horde`` command: HTML, JSON, the archive, the
Prometheus port, ``--baseline`` and ``horde compare`` on real runs against the demo target."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import jsonschema
import pytest
from prometheus_client.parser import text_string_to_metric_families

from conftest import REPO, run_horde
from horde.reports.json import schema

LOCUSTFILE = str(Path(__file__).parent / "locustfiles" / "reports_target.py")
pytestmark = pytest.mark.slow


def headless(target: str, *extra: str, seconds: str = "3s") -> list[str]:
    return ["-f", LOCUSTFILE, "--headless", "-H", target, "-u", "4", "-r", "100", "-t", seconds,
            "--exit-code-on-error", "0", "--only-summary", *extra]  # fmt: skip


def test_html_json_and_archive_from_one_headless_run(demo_target: str, tmp_path: Path) -> None:
    args = headless(demo_target, "--html", "out/report_{u}.html", "--json-file", "out/result",
                    "--csv", "out/run", "--archive", "saved", "--archive-zip")  # fmt: skip
    result = run_horde(args, cwd=tmp_path, timeout=90)
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "out" / "report_4.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
    assert "<script>window.__pwned" not in page
    document = json.loads((tmp_path / "out" / "result.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, schema(), cls=jsonschema.Draft202012Validator)
    assert document["metadata"]["locustfile"] == "reports_target.py"
    assert "4 users" in document["metadata"]["load"]
    assert len(document["metadata"]["locustfile_sha256"]) == 64
    with open(tmp_path / "out" / "run_stats.csv", encoding="utf-8") as handle:
        rows = {row["Name"]: row for row in csv.DictReader(handle)}
    aggregated = document["aggregated"]
    assert str(aggregated["num_requests"]) == rows["Aggregated"]["Request Count"]
    assert f"{aggregated['median_response_time']:g}" == rows["Aggregated"]["Median Response Time"]
    (folder,) = [p for p in (tmp_path / "saved").iterdir() if p.is_dir()]
    for name in ("report.html", "report.json", "horde_stats.csv", "plots/percentiles.png",
                 "locustfile/reports_target.py", "settings.json"):  # fmt: skip
        assert (folder / name).is_file(), name
    history = (folder / "horde_stats_history.csv").read_text(encoding="utf-8").splitlines()
    assert any(",/delay," in line for line in history)  # a row per name each second
    with zipfile.ZipFile(folder.with_suffix(".zip")) as bundle:
        assert f"{folder.name}/plots/latency_distribution.png" in bundle.namelist()


def test_prometheus_port_serves_metrics_during_a_headless_run(demo_target: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HORDE_", "LOCUST_"))}
    env["PYTHONPATH"] = str(REPO / "src")
    args = headless(demo_target, "--prometheus-port", "0", seconds="60s")
    proc = subprocess.Popen(
        [sys.executable, "-m", "horde", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = wait_for_line(proc, "Prometheus metrics at ").rsplit(" ", 1)[-1]
        families = scrape_until(url, lambda f: f.get("horde_requests", 0) > 0)
        assert families["horde_users"] >= 1
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    assert proc.returncode == 0


def wait_for_line(proc: subprocess.Popen[str], marker: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    assert proc.stderr is not None
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if marker in line:
            return line.strip()
        if not line and proc.poll() is not None:
            break
    raise AssertionError(f"no {marker!r} line from horde")


def scrape_until(url: str, ready: object, timeout: float = 20) -> dict[str, float]:
    """Scrape ``url`` (bounded polling) until ``ready(totals)``; totals sum each family."""
    deadline = time.monotonic() + timeout
    while True:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
            text = response.read().decode()
        totals: dict[str, float] = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name in (family.name, family.name + "_total"):
                    totals[family.name] = totals.get(family.name, 0.0) + sample.value
        if ready(totals) or time.monotonic() > deadline:  # type: ignore[operator]
            return totals
        time.sleep(0.2)


def test_compare_flags_a_deliberately_slowed_endpoint(demo_target: str, tmp_path: Path) -> None:
    fast = run_horde([*headless(demo_target, "--json-file", "fast")], cwd=tmp_path,
                     env={"SLOW_MS": "2"})  # fmt: skip
    assert fast.returncode == 0, fast.stderr
    args = headless(
        demo_target, "--json-file", "slow", "--baseline", "fast.json", "--html", "s.html"
    )
    slow = run_horde(args, cwd=tmp_path, env={"SLOW_MS": "40"})
    assert slow.returncode == 7, slow.stderr  # --baseline turns the regression into exit 7
    assert "Compared with baseline fast.json" in slow.stdout
    assert "Compared with baseline fast.json" in (tmp_path / "s.html").read_text()
    result = run_horde(["compare", "fast.json", "slow.json"], cwd=tmp_path)
    assert result.returncode == 7, result.stdout + result.stderr
    regressed = [line for line in result.stdout.splitlines() if "REGRESSED" in line]
    assert any("/delay" in line for line in regressed), result.stdout
    # Closed model: every name loses throughput when one slows down. Judging latency alone,
    # with a 10 ms floor, only the slowed endpoint (and the total) regressed.
    latency_only = ["--rps-tolerance", "100", "--min-ms", "10", "--json"]
    judged = run_horde(["compare", "fast.json", "slow.json", *latency_only], cwd=tmp_path)
    assert judged.returncode == 7
    rows = {r["name"]: r for r in json.loads(judged.stdout)["names"]}
    assert [d["metric"] for d in rows["/delay"]["deltas"] if d["regressed"]] == [
        "p50",
        "p95",
        "p99",
    ]
    assert rows["/api/items"]["regressed"] is False
    same = run_horde(["compare", "fast.json", "fast.json", "--json"], cwd=tmp_path)
    assert same.returncode == 0
    assert json.loads(same.stdout)["regressed"] is False


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["compare", "missing.json", "x.json"], 2, "cannot read missing.json"),
        (["compare", "not.json", "not.json"], 2, "not.json is not JSON"),
        (["compare", "a.json"], 2, "the following arguments are required"),
        (["--headless", "--baseline", "missing.json"], 2, "cannot read --baseline missing.json"),
        (["--headless", "--html", "file.txt/report.html"], 5, "cannot write the HTML report"),
        (["--headless", "--archive-zip"], 2, "--archive-zip goes with --archive"),
        (["--headless", "--prometheus-port", "70000"], 2, "--prometheus-port must be a port"),
    ],
)
def test_bad_report_options_are_one_line_and_a_code(
    tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    (tmp_path / "not.json").write_text("{nope")
    (tmp_path / "file.txt").write_text("a file, not a folder")
    full = args if args[0] == "compare" else ["-f", LOCUSTFILE, "-H", "http://127.0.0.1:9", *args]
    result = run_horde(full, cwd=tmp_path, timeout=60)
    assert result.returncode == code, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


PLUGIN = """
from horde.reports.output import BaseOutput


class Marker(BaseOutput):
    name = "marker"

    def finish(self, report):
        with open("marker.txt", "w") as handle:
            handle.write(f"{report.snapshot.total.num_requests} {report.metadata.locustfile}")


def make(settings):
    return Marker()
"""


def test_an_installed_output_plugin_is_found_by_its_entry_point(
    demo_target: str, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    (site / "marker_plugin-1.0.dist-info").mkdir(parents=True)
    (site / "marker_plugin.py").write_text(PLUGIN)
    (site / "marker_plugin-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: marker-plugin\nVersion: 1.0\n"
    )
    (site / "marker_plugin-1.0.dist-info" / "entry_points.txt").write_text(
        "[horde.outputs]\nmarker = marker_plugin:make\n"
    )
    env = {"PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(site)])}
    result = run_horde(headless(demo_target, seconds="1s"), cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    count, locustfile = (tmp_path / "marker.txt").read_text().split()
    assert int(count) > 0
    assert locustfile == "reports_target.py"
