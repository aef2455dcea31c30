"""Arrival-rate accuracy: horde's open model next to Locust's closed-model pacing, against nginx.

    python benchmarks/arrival.py [--rates 1000,10000] [--duration 20] [--quick]

For each target rate (iterations per second, one GET each) on one generator core:

* horde: ``--arrival-rate R`` with a user pool large enough for the rate (``-u``); the achieved
  rate, nginx's own count, the start lateness of iterations (p50/p99/max, from horde's summary)
  and the generator's CPU.
* Locust 2.47: the closest it has, ``constant_throughput(10)`` on R/10 users (each user starts a
  task every 100 ms; a closed model, so a slow target slows it down); achieved rate, nginx's count
  and CPU. Locust has no notion of an iteration's due time, so it has no lateness figure.
* wrk2 (the open-model reference) is not packaged by Debian or PyPI, so it is not run.

nginx runs on core 0 and the generator on core 1 (``taskset``), as in benchmarks/run.py. The
achieved rate is nginx's count of requests that arrived during the run divided by the run time.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import nginx, procs, provision

HORDE_FILE = """\
from locust import FastHttpUser, task


class Visitor(FastHttpUser):
    @task
    def home(self):
        self.client.get("/")
"""
LOCUST_FILE = """\
from locust import FastHttpUser, constant_throughput, task


class Visitor(FastHttpUser):
    wait_time = constant_throughput(10)

    @task
    def home(self):
        self.client.get("/")
"""
LATENESS = re.compile(
    r"Arrival rate: (\d+) iterations started, (\d+) dropped; start lateness p50 ([\d.e+-]+) ms, "
    r"p99 ([\d.e+-]+) ms, max ([\d.e+-]+) ms"
)


def run_one(
    tool: str, binary: Path, rate: int, duration: int, server: nginx.Nginx, work: Path
) -> dict[str, object]:
    locustfile = work / f"{tool}.py"
    locustfile.write_text(HORDE_FILE if tool == "horde" else LOCUST_FILE, encoding="utf-8")
    if tool == "horde":
        users = max(50, rate // 20)
        args = ["--arrival-rate", str(rate), "-u", str(users), "--pre-allocated-users", str(users)]
    else:
        users = max(1, rate // 10)
        args = ["-u", str(users), "-r", str(users)]
    before = server.counters()
    cpu_before = os.times()
    started = time.monotonic()
    command = ["taskset", "-c", "1", str(binary), "-f", str(locustfile), "--headless"]
    command += ["-H", server.base_url, "-t", f"{duration}s", "--only-summary", *args]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=duration + 120, check=False
    )
    wall = time.monotonic() - started
    cpu_after = os.times()
    after = server.counters()
    if before is None or after is None:
        raise RuntimeError("nginx stopped answering its status page")
    arrived = after[0] - before[0] - 1  # stub_status counts its own request
    cpu = (cpu_after.children_user - cpu_before.children_user) + (
        cpu_after.children_system - cpu_before.children_system
    )
    row: dict[str, object] = {
        "tool": tool,
        "target": rate,
        "users": users,
        "arrived": arrived,
        "achieved": arrived / duration,
        "cpu_percent": 100.0 * cpu / wall,
        "exit": result.returncode,
    }
    found = LATENESS.search(result.stdout + result.stderr)
    if found:
        row.update(
            started=int(found[1]),
            dropped=int(found[2]),
            lateness_p50=float(found[3]),
            lateness_p99=float(found[4]),
            lateness_max=float(found[5]),
        )
    return row


def table(rows: list[dict[str, object]]) -> str:
    head = (
        "| target it/s | tool | users | arrived (nginx) | achieved it/s | of target | "
        "start lateness p50 / p99 / max (ms) | dropped | generator CPU |"
    )
    lines = [head, "|" + "---|" * 9]
    for row in rows:
        target = float(row["target"])  # type: ignore[arg-type]
        achieved = float(row["achieved"])  # type: ignore[arg-type]
        late = (
            f"{row['lateness_p50']:.2f} / {row['lateness_p99']:.2f} / {row['lateness_max']:.1f}"
            if "lateness_p50" in row
            else "n/a (closed model)"
        )
        lines.append(
            f"| {target:,.0f} | {row['tool']} | {row['users']} | {row['arrived']:,} | "
            f"{achieved:,.1f} | {100 * achieved / target:.2f} % | {late} | "
            f"{row.get('dropped', 'n/a')} | {float(row['cpu_percent']):.0f} % |"  # type: ignore[arg-type]
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", default="1000,10000")
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="one 3-second run at 200 it/s")
    parser.add_argument("--horde-only", action="store_true")
    options = parser.parse_args()
    rates = [200] if options.quick else [int(r) for r in options.rates.split(",")]
    duration = 3 if options.quick else options.duration
    tools = provision.ensure_all(print)
    procs.install_signal_handlers()
    with tempfile.TemporaryDirectory(prefix="horde-arrival-") as scratch:
        work = Path(scratch)
        server = nginx.start(work / "nginx", core=0)
        try:
            rows = []
            for rate in rates:
                rows.append(run_one("horde", tools.horde, rate, duration, server, work))
                if not options.horde_only:
                    rows.append(run_one("locust", tools.locust, rate, duration, server, work))
        finally:
            procs.stop_all()
    print(table(rows))
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
