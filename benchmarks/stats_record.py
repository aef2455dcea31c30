"""CPU cost of recording one request in the statistics, by shape of the load.

    python benchmarks/stats_record.py [--n 200000]
    PYTHONPATH=/other/checkout/src python benchmarks/stats_record.py   # another horde

``RequestStats.on_request`` (the ``request`` listener: the entry, the Aggregated total, their
rings and histograms) on a fake clock, in three shapes: one name and one constant response time
(what ``hotpath.py`` measures), one name with log-normal response times at microsecond precision
(what a real server produces), and 50,000 names (entry creation included). Best of three.
"""

from __future__ import annotations

import argparse
import logging
import random
import time

from horde.stats.registry import RequestStats
from horde.testing import FakeClock


def per_request_us(names: list[str], values: list[float]) -> float:
    stats = RequestStats(FakeClock())
    record = stats.on_request
    start = time.perf_counter()
    for name, value in zip(names, values, strict=True):
        record("GET", name, value, 17)
    return (time.perf_counter() - start) / len(values) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200_000)
    n = parser.parse_args().n
    logging.disable(logging.WARNING)  # the many-names warning
    rng = random.Random(1)
    varied = [rng.lognormvariate(3, 1) for _ in range(n)]
    shapes = [
        ("one name, constant 0.42 ms", ["/"] * n, [0.42] * n),
        ("one name, log-normal", ["/"] * n, varied),
        ("50,000 names, log-normal", [f"/item/{rng.randrange(50_000)}" for _ in range(n)], varied),
    ]
    print(f"{'shape':<30} {'µs/request':>10}")
    for label, names, values in shapes:
        best = min(per_request_us(names, values) for _ in range(3))
        print(f"{label:<30} {best:>10.2f}")


if __name__ == "__main__":
    main()
