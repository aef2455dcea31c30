"""What a browser polling the web UI every 2 s costs the load generator, in CPU.

    python benchmarks/web_poll_cost.py [--polls 20] [--rps 10000]

The UI's page polls ``/api/v1/stats``, ``/api/v1/history`` and ``/api/v1/status`` every 2 s.
All three are served by the load generator's own process, between the users' greenlets, so
their CPU time is taken from the users. This script measures that time per poll at 10, 100
and 1,000 request names, with the statistics fed as a 10,000 req/s test would feed them:

1. An Environment on a fake clock gets, before each poll, ``rps x 2`` requests spread over the
   names (log-normal response times with microsecond precision, 2 % failures) and two
   once-a-second ticks, as the runner would do. None of this is measured: it is the cost of
   the load itself, UI or not.
2. Each poll is measured with ``time.process_time()``: the three requests through the Flask
   app (the WSGI path the server calls). The snapshot cache works as in a real run: a poll
   every 2 s finds the 1 s cache stale and recomputes it, unless the last snapshot was so
   expensive that it is kept longer (at most 5 % of the time goes to snapshots). Polls that
   computed a snapshot and polls served from the cache are reported apart.
3. The HTTP server's own work per request (gevent's pywsgi: socket, parsing, writing) is
   measured once with a real server and a client in another process, and added.

The share of one core is ``per-poll CPU / 2 s``. The snapshot also blocks the event loop for
its duration: that is the most a poll can delay a user's request (response times measured
during it can be inflated by up to that much).
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

import gevent

from horde.env import Environment
from horde.testing import FakeClock
from horde.user import User, task
from horde.web import WebUI

POLL = ("/api/v1/stats", "/api/v1/history", "/api/v1/status")
PERIOD = 2.0


class Idle(User):
    @task
    def nothing(self) -> None:
        """Never runs: the statistics are fed directly."""


def feed(env: Environment, clock: FakeClock, names: int, rps: int, rng: random.Random) -> None:
    """One polling period of a test running at ``rps``: requests, then two ticks."""
    report = env.events.request.report
    for i in range(int(rps * PERIOD)):
        latency = round(rng.lognormvariate(1.6, 0.6), 3)
        failed = "HTTP 503" if rng.random() < 0.02 else None
        report("GET", f"/item/{i % names}", latency, 512, exception=failed)
    for _ in range(int(PERIOD)):
        clock.advance(1.0)
        env.stats.tick(0)


def measure(names: int, polls: int, rps: int) -> dict[str, Any]:
    """Poll every 2 s of (fake) time for ``polls`` polls; the snapshot cache behaves as in a
    real run (recomputed when stale, kept longer when expensive)."""
    clock = FakeClock()
    env = Environment(user_classes=[Idle], clock=clock)
    env.create_local_runner()
    ui = WebUI(env, "127.0.0.1", 0)
    client = ui.app.test_client()
    rng = random.Random(names)
    for _ in range(15):  # 30 s of history before measuring
        feed(env, clock, names, rps, rng)
    fresh, cached, costs, stats_bytes = [], [], [], 0
    for _ in range(polls):
        feed(env, clock, names, rps, rng)
        computed = ui.cache.computed
        start = time.process_time()
        for path in POLL:
            response = client.get(path)
            assert response.status_code == 200, path
            stats_bytes = max(stats_bytes, len(response.data))
        spent = time.process_time() - start
        if ui.cache.computed > computed:
            fresh.append(spent)
            costs.append(ui.cache.last_cost)
        else:
            cached.append(spent)
    return {
        "names": names,
        "fresh_ms": statistics.median(fresh) * 1000,
        "cached_ms": statistics.median(cached) * 1000 if cached else None,
        "snapshot_ms": statistics.median(costs) * 1000,
        "snapshots_per_poll": len(fresh) / polls,
        "total_s": sum(fresh) + sum(cached),
        "polls": polls,
        "stats_kib": stats_bytes / 1024,
    }


CLIENT = """
import sys, requests
http = requests.Session()
for _ in range(int(sys.argv[2])):
    assert http.get(sys.argv[1]).status_code == 200
"""


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def server_overhead_ms(requests_count: int = 2000) -> float:
    """Server-process CPU per GET /api/v1/status over real HTTP, minus the same request
    through the test client: what pywsgi adds to each request."""
    env = Environment(user_classes=[Idle])
    env.create_local_runner()
    ui = WebUI(env, "127.0.0.1", 0)
    client = ui.app.test_client()
    start = time.process_time()
    for _ in range(requests_count):
        client.get("/api/v1/status")
    in_app = (time.process_time() - start) / requests_count
    ui.start()
    try:
        url = f"{ui.url}api/v1/status"
        child = subprocess.Popen([sys.executable, "-c", CLIENT, url, str(requests_count)])
        before = cpu()
        deadline = time.monotonic() + 120
        while child.poll() is None and time.monotonic() < deadline:
            gevent.sleep(0.01)
        served = (cpu() - before) / requests_count
        assert child.wait(timeout=10) == 0
    finally:
        ui.stop()
    return max(served - in_app, 0.0) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--polls", type=int, default=20)
    parser.add_argument("--rps", type=int, default=10_000)
    args = parser.parse_args()
    overhead = server_overhead_ms()
    http = overhead * len(POLL)
    print(f"pywsgi: {overhead:.2f} ms CPU per request, {http:.1f} ms per poll (added below)\n")
    print(
        "| Names | CPU per poll, fresh snapshot (ms) | of which the snapshot (ms, loop blocked) "
        "| CPU per poll, cached (ms) | Snapshots per poll | /api/v1/stats (KiB) "
        "| Share of one core at 1 poll / 2 s |"
    )
    print("|---|---|---|---|---|---|---|")
    for names in (10, 100, 1000):
        row = measure(names, args.polls, args.rps)
        cached = "-" if row["cached_ms"] is None else f"{row['cached_ms'] + http:.1f}"
        share = (row["total_s"] * 1000 + http * row["polls"]) / (row["polls"] * PERIOD * 1000)
        print(
            f"| {names:,} | {row['fresh_ms'] + http:.1f} | {row['snapshot_ms']:.1f} | {cached} "
            f"| {row['snapshots_per_poll']:.2f} | {row['stats_kib']:.0f} | {share * 100:.2f} % |"
        )


if __name__ == "__main__":
    main()
