"""horde alone against the benchmark's nginx: req/s and CPU over a steady window, for A/B work.

    python benchmarks/steady.py --users 10 [--user-class FastHttpUser] [--runs 3]
    python benchmarks/steady.py --users 10000 --wait "between(1, 2)" --spawn-rate 2500

The quick loop for trying a change (run it before and after, on a quiet machine): nginx on the
first core as in ``run.py`` (same template), horde on the second, each run's rate counted by
nginx's ``stub_status`` between ``--settle`` seconds after the start and one second before the
end, and horde's CPU from ``/proc`` over the same window. No Locust, no wrk: ratios and the
published figures come from ``run.py``. Needs nginx and its echo module (``run.py`` installs
them).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import nginx, procs

REPO = Path(__file__).resolve().parents[1]
LOCUSTFILE = """\
from locust import {cls}, task, between, constant


class Bench({cls}):
    wait_time = {wait}

    @task
    def fetch(self) -> None:
        self.client.get("/")
"""


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_run(server: nginx.Nginx, locustfile: Path, args: argparse.Namespace) -> tuple[float, float]:
    horde = REPO / ".venv" / "bin" / "horde"
    command = ["taskset", "-c", "1", str(horde), "-f", str(locustfile), "--headless"]
    command += ["--only-summary", "-u", str(args.users), "-r", str(args.spawn_rate or args.users)]
    command += ["-t", f"{args.settle + args.window + 1:g}s", "-H", server.base_url]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(args.settle)
        first, started, cpu0 = server.counters(), time.monotonic(), cpu_seconds(proc.pid)
        time.sleep(args.window)
        last, ended, cpu1 = server.counters(), time.monotonic(), cpu_seconds(proc.pid)
        proc.wait(timeout=120)
    finally:
        procs.stop(proc)
    if first is None or last is None:
        raise SystemExit("nginx stopped answering")
    seconds = ended - started
    return (last[0] - first[0] - 1) / seconds, (cpu1 - cpu0) / seconds * 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--spawn-rate", type=float, default=0)
    parser.add_argument("--user-class", default="FastHttpUser")
    parser.add_argument("--wait", default="constant(0)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--settle", type=float, default=2.5, help="seconds before the window")
    parser.add_argument("--window", type=float, default=5.0, help="seconds measured")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="horde-steady-") as scratch:
        directory = Path(scratch)
        locustfile = directory / "locustfile.py"
        text = LOCUSTFILE.format(cls=args.user_class, wait=args.wait)
        locustfile.write_text(text, encoding="utf-8")
        procs.raise_open_files_limit()  # nginx takes its connection limit from it
        server = nginx.start(directory / "nginx", core=0)
        try:
            results = [one_run(server, locustfile, args) for _ in range(args.runs)]
        finally:
            procs.stop(server.process)
    for rate, cpu in results:
        print(f"{rate:>10,.0f} req/s  CPU {cpu:3.0f} %")
    print(f"median {statistics.median(r for r, _ in results):,.0f} req/s", file=sys.stdout)


if __name__ == "__main__":
    main()
