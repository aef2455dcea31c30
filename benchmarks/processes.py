"""``--processes``: one process vs a master with 1 or 2 workers, horde next to Locust, on nginx.

    python benchmarks/processes.py [--users 50] [--duration 12] [--pairs 3]

Sets up nginx (core 0) and Locust 2.47 as benchmarks/run.py does, then runs the same no-wait
HttpUser locustfile (GET /) with these generators, alternating them run by run:

=====================  ====================================================================
single               ``horde --headless``, pinned to core 1 (what benchmarks/run.py measures)
horde --processes 1  a master and one worker process, both pinned to core 1
horde --processes 2  a master and two worker processes, not pinned: they share both cores
                     with nginx
locust --processes 2 the same with Locust 2.47
=====================  ====================================================================

Measured per run: requests nginx served during the run (its stub_status counter: the ground
truth), the requests the generator reported, req/s over the run, the CPU seconds of the whole
generator (master and workers), of the master alone, and of nginx. On this 2-core machine the
target shares the cores with two workers: req/s per CPU-second of the generator is the fair
comparison (per-core efficiency).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
from bench import nginx, procs, provision

LOCUSTFILE = """\
from locust import HttpUser, constant, task


class Bench(HttpUser):
    wait_time = constant(0)

    @task
    def fetch(self):
        self.client.get("/")
"""


def configurations(tools: provision.Tools) -> dict[str, tuple[list[str], str | None]]:
    """``{label: (command without load options, cores to pin to or None)}``."""
    horde, locust = str(tools.horde), str(tools.locust)
    return {
        "horde single": ([horde], "1"),
        "horde --processes 1": ([horde, "--processes", "1"], "1"),
        "horde --processes 2": ([horde, "--processes", "2"], None),
        "locust --processes 2": ([locust, "--processes", "2"], None),
    }


def leader_cpu(process: psutil.Process) -> float:
    """CPU seconds of the master alone (taskset execs the generator: same process)."""
    try:
        return float(sum(process.cpu_times()[:2]))
    except psutil.NoSuchProcess:
        return 0.0


def cpu_seconds(process: psutil.Process, *, tree: bool) -> float:
    try:
        members = [process, *process.children(recursive=True)] if tree else [process]
        return sum(sum(p.cpu_times()[:2]) for p in members)
    except psutil.NoSuchProcess:
        return 0.0


def one_run(
    command: list[str], cores: str | None, server: nginx.Nginx, folder: Path, options: Any
) -> dict[str, Any]:
    args = [*command, "-f", str(folder / "locustfile.py"), "--headless", "-H", server.base_url]
    args += ["-u", str(options.users), "-r", str(options.users), "-t", f"{options.duration}s"]
    args += ["--only-summary", "--json"]
    if cores is not None:
        args = ["taskset", "-c", cores, *args]
    before = server.counters()
    nginx_cpu = psutil.Process(server.process.pid)
    nginx_before = cpu_seconds(nginx_cpu, tree=True)
    started = time.monotonic()
    child = subprocess.Popen(args, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    process = psutil.Process(child.pid)
    master = 0.0
    out = b""
    while True:  # wait4: the generator's CPU including the worker processes it reaped
        pid, _, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        master = max(master, leader_cpu(process))
        time.sleep(0.2)
    total = usage.ru_utime + usage.ru_stime
    wall = time.monotonic() - started
    out = child.stdout.read() if child.stdout else b""
    after = server.counters()
    served = (after[0] - 1 - before[0]) if before and after else -1
    reported = max((requests_in(doc) for doc in json_documents(out.decode())), default=0)
    return {
        "served": served,
        "reported": reported,
        "rps": served / options.duration,
        "generator_cpu": total,
        "master_cpu": master,
        "nginx_cpu": cpu_seconds(nginx_cpu, tree=True) - nginx_before,
        "wall": wall,
    }


def json_documents(text: str) -> list[Any]:
    """Every JSON document printed (Locust's worker processes print theirs too)."""
    decoder, docs, position = json.JSONDecoder(), [], 0
    while (start := _next_document(text, position)) >= 0:
        try:
            doc, position = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            position = start + 1
            continue
        docs.append(doc)
    return docs


def _next_document(text: str, position: int) -> int:
    found = [i for i in (text.find("[", position), text.find("{", position)) if i >= 0]
    return min(found, default=-1)


def requests_in(doc: Any) -> int:
    entries = doc.get("stats", []) if isinstance(doc, dict) else doc  # horde's / Locust's
    if not isinstance(entries, list):
        return 0
    return sum(
        e.get("num_requests", 0)
        for e in entries
        if isinstance(e, dict) and e.get("name") != "Aggregated"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=12)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--locust", type=Path, help="a locust executable (default: set one up)")
    options = parser.parse_args()
    procs.install_signal_handlers()
    say = lambda text: print(text, flush=True)  # noqa: E731
    provision.ensure_apt_packages(say)
    locust = options.locust or provision.ensure_locust(say)
    tools = provision.Tools(horde=provision.ensure_horde(say), locust=locust)
    procs.raise_open_files_limit()
    folder = Path(tempfile.mkdtemp(prefix="horde-processes-"))
    (folder / "locustfile.py").write_text(LOCUSTFILE)
    server = nginx.start(folder / "nginx", 0)
    results: dict[str, list[dict[str, Any]]] = {}
    try:
        for pair in range(options.pairs):
            for label, (command, cores) in configurations(tools).items():
                result = one_run(command, cores, server, folder, options)
                results.setdefault(label, []).append(result)
                print(f"pair {pair + 1} {label}: {result}", flush=True)
    finally:
        procs.stop_all()
    print_table(results, options)
    return 0


def print_table(results: dict[str, list[dict[str, Any]]], options: Any) -> None:
    print(
        f"\n{options.users} users, no wait, GET /, {options.duration} s runs, median of "
        f"{options.pairs}\n"
    )
    print(
        "| generator | req/s (nginx) | reported = served | generator CPU | master CPU "
        "| nginx CPU | req per generator CPU-second |"
    )
    print("|---|---:|---|---:|---:|---:|---:|")
    for label, runs in results.items():
        median = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
        exact = all(r["served"] == r["reported"] for r in runs)
        per_cpu = median["served"] / median["generator_cpu"] if median["generator_cpu"] else 0
        print(
            f"| {label} | {median['rps']:,.0f} | {'yes' if exact else 'no'} | "
            f"{median['generator_cpu']:.1f} s | {median['master_cpu']:.1f} s | "
            f"{median['nginx_cpu']:.1f} s | {per_cpu:,.0f} |"
        )


if __name__ == "__main__":
    sys.exit(main())
