"""How many workers one master handles: the real master against simulated workers.

    python benchmarks/distributed_scale.py [--workers 10,100,500,1000] [--seconds 20]
                                           [--names 20] [--simulators 4]

For each worker count, this process runs the real MasterRunner (ZeroMQ on 127.0.0.1, the real
protocol, the real merge) pinned to core 0; ``--simulators`` child processes on the other
core(s) run the workers as greenlets, each with its own ZeroMQ socket, doing what a worker does:
the handshake, a heartbeat and a statistics report every second. A report carries ``--names``
request names, each with about 60 occupied histogram buckets and a second of per-second counts
(a busy worker's report; a report holds only the names used since the previous one).

Measured over ``--seconds`` after every worker connected, on the master:

* CPU: the master process's CPU time per wall second (100 % = one core), and per report;
* merge: time spent validating and merging reports (``parse_report`` + ``merge_report``);
* report latency: from the worker's send to the master's ``worker_report`` event (p50, p99, max);
* memory: the master's resident set size at the end;
* exactness: the master's merged request count equals what the workers sent.

Results go to stdout as a Markdown table (docs/benchmarks.md has the recorded numbers).
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402 - gevent patches first
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402
import psutil  # noqa: E402

from horde.env import Environment  # noqa: E402
from horde.runners import master_messages as master_module  # noqa: E402
from horde.runners.link import WorkerLink, connect  # noqa: E402
from horde.runners.protocol import Heartbeat, Report  # noqa: E402
from horde.stats import RequestStats  # noqa: E402
from horde.stats.wire import ReportTracker, take_report  # noqa: E402
from horde.testing.clock import FakeClock  # noqa: E402
from horde.user import User, constant, task  # noqa: E402

INTERVAL = 1.0


class Idle(User):
    wait_time = constant(1)

    @task
    def nothing(self) -> None:
        pass


# -- the simulated workers (child processes) ----------------------------------------------------


def one_report(names: int, rng: random.Random) -> tuple[dict[str, Any], int]:
    """A busy worker's statistics for one second: ``names`` names, ~60 buckets each."""
    clock = FakeClock(time.time())
    stats = RequestStats(clock)
    count = 0
    for i in range(names):
        for _ in range(60):
            stats.log_request("GET", f"/api/resource/{i}", rng.lognormvariate(3, 1), 512)
            count += 1
    return take_report(stats, ReportTracker()), count


def simulate(endpoint: str, workers: int, names: int, first: int) -> None:
    rng = random.Random(first)
    payloads = [one_report(names, rng) for _ in range(8)]

    def worker(number: int) -> None:
        client_id = f"sim-{number}"
        link = WorkerLink(connect(endpoint, client_id.encode()), endpoint, None, 120.0)
        link.handshake(client_id)
        gevent.sleep(rng.random() * INTERVAL)  # spread the workers over the second
        tick = 0
        while True:
            stats, count = payloads[tick % len(payloads)]
            tick += 1
            data = {"sent": time.time(), "requests": count}
            link.send(Report(1, 1, "running", 10, {"Idle": 10}, stats, False, False, data))
            link.send(Heartbeat("running", 5.0, 50_000_000))
            while link.receive(0) is not None:
                pass
            gevent.sleep(INTERVAL)

    greenlets = [gevent.spawn(worker, first + i) for i in range(workers)]
    gevent.joinall(greenlets, raise_error=True)


# -- the master (this process) --------------------------------------------------------------------


def measure(workers: int, seconds: float, names: int, simulators: int) -> dict[str, Any]:
    environment = Environment(user_classes=[Idle])
    master = environment.create_master_runner(
        "127.0.0.1", 0, heartbeat_interval=INTERVAL, heartbeat_liveness=10
    )
    master.test = 1  # the simulated reports belong to test 1
    latencies: list[float] = []
    received = [0, 0]
    merge_time = [0.0]
    real_merge, real_parse = master_module.merge_report, master_module.parse_report

    def timed_parse(data: Any) -> Any:
        start = time.perf_counter()
        try:
            return real_parse(data)
        finally:
            merge_time[0] += time.perf_counter() - start

    def timed_merge(*args: Any) -> None:
        start = time.perf_counter()
        try:
            real_merge(*args)
        finally:
            merge_time[0] += time.perf_counter() - start

    def on_report(client_id: str, data: dict[str, Any], **_: Any) -> None:
        latencies.append(time.time() - data["sent"])
        received[0] += 1
        received[1] += data["requests"]

    master_module.merge_report, master_module.parse_report = timed_merge, timed_parse
    environment.events.worker_report.add_listener(on_report)
    children = start_simulators(master.endpoint, workers, names, simulators)
    try:
        if not master.wait_for_workers(workers, timeout=120):
            raise SystemExit(f"only {master.worker_count} of {workers} workers connected")
        process = psutil.Process()
        gevent.sleep(2 * INTERVAL)  # let every worker settle into its rhythm
        latencies.clear()
        received[:] = [0, 0]
        merge_time[0] = 0.0
        counted_before = master.stats.total.num_requests
        cpu_before = sum(process.cpu_times()[:2])
        start = time.monotonic()
        gevent.sleep(seconds)
        wall = time.monotonic() - start
        cpu = sum(process.cpu_times()[:2]) - cpu_before
        counted = master.stats.total.num_requests - counted_before
        if not latencies:
            raise SystemExit(f"{workers} workers: no report arrived in {seconds:g} s")
        return {
            "workers": workers,
            "reports": received[0],
            "cpu_percent": 100 * cpu / wall,
            "cpu_per_report_us": 1e6 * cpu / max(received[0], 1),
            "merge_per_report_us": 1e6 * merge_time[0] / max(received[0], 1),
            "merge_percent": 100 * merge_time[0] / wall,
            "latency_p50_ms": 1000 * statistics.median(latencies),
            "latency_p99_ms": 1000 * quantile(latencies, 0.99),
            "latency_max_ms": 1000 * max(latencies),
            "rss_mb": process.memory_info().rss / 1e6,
            "exact": counted == received[1],
            "missing": len(master.clients.missing),
        }
    finally:
        for child in children:
            child.kill()
            child.wait()
        master.quit()
        master_module.merge_report, master_module.parse_report = real_merge, real_parse


def quantile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def start_simulators(
    endpoint: str, workers: int, names: int, simulators: int
) -> list[subprocess.Popen[bytes]]:
    count = max(1, min(simulators, workers))
    shares = [len(range(k, workers, count)) for k in range(count)]
    children, first = [], 0
    cores = sorted(os.sched_getaffinity(0))
    others = ",".join(str(c) for c in cores[1:]) or str(cores[0])
    for share in shares:
        args = [sys.executable, __file__, "--simulate", str(share), "--endpoint", endpoint]
        args += ["--names", str(names), "--first", str(first)]
        children.append(subprocess.Popen(["taskset", "-c", others, *args]))
        first += share
    return children


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", default="10,100,500,1000")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--names", type=int, default=20)
    parser.add_argument("--simulators", type=int, default=4)
    parser.add_argument("--simulate", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--endpoint", help=argparse.SUPPRESS)
    parser.add_argument("--first", type=int, default=0, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.simulate is not None:
        simulate(options.endpoint, options.simulate, options.names, options.first)
        return
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    rows = []
    for n in options.workers.split(","):
        rows.append(measure(int(n), options.seconds, options.names, options.simulators))
        print(f"{n} workers: {rows[-1]}", file=sys.stderr, flush=True)
    print(
        "| workers | reports/s | master CPU | CPU per report | merge per report | merge share "
        "| latency p50 / p99 / max | master RSS | exact |"
    )
    print("|---:|---:|---:|---:|---:|---:|---|---:|---|")
    for r in rows:
        print(
            f"| {r['workers']:,} | {r['reports'] / options.seconds:,.0f} | "
            f"{r['cpu_percent']:.0f} % | {r['cpu_per_report_us']:,.0f} µs | "
            f"{r['merge_per_report_us']:,.0f} µs | {r['merge_percent']:.1f} % | "
            f"{r['latency_p50_ms']:.1f} / {r['latency_p99_ms']:.1f} / {r['latency_max_ms']:.0f} ms"
            f" | {r['rss_mb']:.0f} MB | {'yes' if r['exact'] else 'NO'} |"
        )


if __name__ == "__main__":
    main()
