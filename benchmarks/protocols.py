"""WebSocket echo and gRPC unary, horde vs Locust side by side: operations/s per core.

    python benchmarks/protocols.py [--quick] [--pairs N] [--duration S] [--users N] [--rate R]
                                   [--only ws,ws-same,grpc,grpc-same] [--locust PATH]

Starts each protocol's server (benchmarks/protocol_server.py) on the first core and runs the
generators on the second, alternating horde and Locust run by run. Users run with
``constant(0)`` (as fast as they can), or with ``--rate R`` at a fixed R operations/s in all
(``constant_throughput``), so that both tools do the same work and only their CPU differs:
a generator that is not saturated spends more CPU per operation (fewer operations per wake-up),
so comparing tools at different rates mixes that in. The server counts the operations it
answered; the harness samples that counter and the generator's CPU time and prints a table of
medians: operations/s, the generator's CPU, their quotient (operations per second per core) and
the ratio horde / Locust. Results go to ``results/protocols.md`` and ``results/protocols.json``.

Locust is ``--locust PATH`` (or ``$HORDE_BENCH_LOCUST``), else Locust 2.47 in
benchmarks/.venv-locust as benchmarks/run.py provisions it; websocket-client, grpcio,
grpc-interceptor (Locust's gRPC example imports it) and protobuf are installed into Locust's
environment if missing. horde runs from the repo's .venv (``pip install -e '.[dev]'``).
"""

from __future__ import annotations

import argparse
import datetime
import json
import mmap
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import machine, procs, provision
from bench.measure import median
from bench.proto_runs import (
    SCENARIOS,
    START_ALLOWANCE,
    ProtoResult,
    ProtoScenario,
    Server,
    failure_reason,
    generator_args,
    measure,
    wait_time,
    write_locustfile,
)

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
LOCUST_EXTRAS = {  # module -> package; grpcio does not bring protobuf, which the stubs need
    "websocket": "websocket-client",
    "grpc": "grpcio",
    "google.protobuf": "protobuf",
    "grpc_interceptor": "grpc-interceptor",
}
QUIET_PERCENT = 10
FOREIGN = ("foreign_cpu_percent", "server_foreign_cpu_percent")
FOREIGN_LIMIT = 5.0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 s runs, 1 pair (the smoke test)")
    parser.add_argument("--pairs", type=int, help="horde/Locust pairs per scenario (3; quick 1)")
    parser.add_argument("--duration", type=int, help="seconds of load per run (12; quick 4)")
    parser.add_argument("--users", type=int, default=10, help="users per run (10)")
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="operations/s to offer in all (constant_throughput); 0: as fast as possible",
    )
    parser.add_argument("--only", help=f"scenarios: {','.join(s.key for s in SCENARIOS)}")
    parser.add_argument("--locust", type=Path, default=os.environ.get("HORDE_BENCH_LOCUST"))
    parser.add_argument(
        "--quiet-wait", type=int, default=120, help="seconds to wait for idle cores per run (120)"
    )
    parser.add_argument(
        "--retries", type=int, default=2, help="repeats of a run that shared its cores (2)"
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    options = parser.parse_args(argv)
    keys = {s.key for s in SCENARIOS}
    wanted = options.only.split(",") if options.only else [s.key for s in SCENARIOS]
    if unknown := [k for k in wanted if k not in keys]:
        parser.error(f"unknown scenario {unknown[0]!r}; choose from {', '.join(sorted(keys))}")
    options.scenarios = [s for s in SCENARIOS if s.key in wanted]
    options.pairs = options.pairs or (1 if options.quick else 3)
    options.duration = options.duration or (4 if options.quick else 12)
    if min(options.pairs, options.duration, options.users) < 1:
        parser.error("--pairs, --duration and --users must be at least 1")
    if min(options.retries, options.quiet_wait) < 0 or not options.rate >= 0:
        parser.error("--retries, --quiet-wait and --rate cannot be negative")
    return options


def say(text: str) -> None:
    print(text, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    procs.install_signal_handlers()
    try:
        horde = provision.ensure_horde(say)
        locust = options.locust or provision.ensure_locust(say)
        ensure_locust_extras(Path(locust))
        return run(options, {"horde": Path(horde), "locust": Path(locust)})
    except provision.SetupError as exc:
        print(f"setup failed: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted: stopped the servers and the generators", file=sys.stderr)
        return 130
    finally:
        procs.stop_all()


def ensure_locust_extras(locust: Path) -> None:
    """The protocol libraries in Locust's environment (its own virtualenv, never horde's)."""
    python = str(locust.parent / "python")
    missing = [
        package
        for module, package in LOCUST_EXTRAS.items()
        if subprocess.run(
            [python, "-c", f"import {module}"], capture_output=True, check=False
        ).returncode
    ]
    if missing:
        say(f"setup: {' '.join(missing)} into Locust's environment")
        pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        done = subprocess.run(
            [*pip, *missing], capture_output=True, text=True, timeout=900, check=False
        )
        if done.returncode:
            raise provision.SetupError(f"pip install {' '.join(missing)}: {done.stderr[-500:]}")


def run(options: argparse.Namespace, tools: dict[str, Path]) -> int:
    allowed = sorted(os.sched_getaffinity(0))
    server_core, generator_core = allowed[0], allowed[-1]
    os.sched_setaffinity(0, {server_core})  # the harness's sampling stays off the generators
    scratch = Path(tempfile.mkdtemp(prefix="horde-proto-bench-"))
    results: list[ProtoResult] = []
    try:
        for scenario in options.scenarios:
            with running_server(scenario.protocol, scratch, server_core, tools["horde"]) as server:
                placement = procs.Placement(generator_core, server_core, server.process.pid)
                for pair in range(1, options.pairs + 1):
                    for tool in ("horde", "locust"):
                        result = quiet_run(scenario, tool, tools[tool], pair, server, placement,
                                           options, scratch)  # fmt: skip
                        results.append(result)
                        say(progress(result))
    finally:
        procs.stop_all()
        shutil.rmtree(scratch, ignore_errors=True)
    meta = describe(options, tools, server_core, generator_core)
    table = write_report(options.output, meta, options.scenarios, results)
    say("\n" + table)
    say(f"written to {options.output / 'protocols.md'} and protocols.json")
    return 0


class running_server:  # noqa: N801 - used as a context manager, reads as one
    """Start protocol_server.py pinned to ``core``; stop it (its process group) on exit."""

    def __init__(self, protocol: str, scratch: Path, core: int, horde: Path) -> None:
        self.protocol, self.scratch, self.core = protocol, scratch, core
        self.python = str(horde.parent / "python")

    def __enter__(self) -> Server:
        counter, port_file = self.scratch / f"{self.protocol}.count", self.scratch / "port"
        counter.write_bytes(bytes(8))
        port_file.unlink(missing_ok=True)
        script = str(HERE / "protocol_server.py")
        args = ["taskset", "-c", str(self.core), self.python, script, self.protocol]
        args += ["--counter", str(counter), "--port-file", str(port_file)]
        log = self.scratch / f"{self.protocol}-server.log"
        self.process = procs.spawn(args, out=log)
        deadline = time.monotonic() + 30
        while not port_file.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise provision.SetupError(f"{self.protocol} server: {log.read_text()[-500:]}")
            time.sleep(0.05)
        port = int(port_file.read_text())
        with open(counter, "r+b") as file:
            mapped = mmap.mmap(file.fileno(), 8)
        prefix = "ws://" if self.protocol == "websocket" else ""
        return Server(self.process, f"{prefix}127.0.0.1:{port}", mapped)

    def __exit__(self, *exc: object) -> None:
        procs.stop(self.process)


def wait_for_quiet_cores(cores: list[int], seconds: float) -> None:
    """Let other work on the two cores finish first (up to ``seconds``; none with --quick,
    whose figures mean nothing anyway)."""
    if seconds <= 0:
        return
    deadline = time.monotonic() + seconds
    while procs.busiest_core_percent(cores, 0.3) > QUIET_PERCENT:
        if time.monotonic() > deadline:
            return
        time.sleep(0.5)


def quiet_run(
    scenario: ProtoScenario,
    tool: str,
    executable: Path,
    pair: int,
    server: Server,
    placement: procs.Placement,
    options: argparse.Namespace,
    scratch: Path,
) -> ProtoResult:
    """One run on quiet cores; repeated (``--retries`` times at most, not with --quick) if
    other work took more than 5 % of either core during its window."""
    cores = [placement.server_core, placement.generator_core]
    for attempt in range(1, options.retries + 2):
        wait_for_quiet_cores(cores, 0 if options.quick else options.quiet_wait)
        result = one_run(scenario, tool, executable, pair, server, placement, options, scratch)
        foreign = max(result.metrics.get(m, 0.0) for m in FOREIGN)
        result.details["attempts"] = attempt
        if foreign <= FOREIGN_LIMIT or options.quick or attempt > options.retries:
            return result
        say(f"{scenario.key} {tool}: other work took {foreign:.0f} % of a core; again")
    return result


def one_run(
    scenario: ProtoScenario,
    tool: str,
    executable: Path,
    pair: int,
    server: Server,
    placement: procs.Placement,
    options: argparse.Namespace,
    scratch: Path,
) -> ProtoResult:
    result = ProtoResult(scenario.key, tool, pair)
    run_dir = scratch / f"{scenario.key}-{tool}-{pair}"
    shutil.rmtree(run_dir, ignore_errors=True)  # a repeated run must not read the last one's
    run_dir.mkdir()
    write_locustfile(run_dir, scenario, tool, server, wait_time(options.users, options.rate))
    args = ["taskset", "-c", str(placement.generator_core)]
    args += generator_args(executable, options.users, options.duration)
    finished = procs.run_watched(
        args,
        out=run_dir / "stdout.txt",
        err=run_dir / "stderr.txt",
        timeout=options.duration + START_ALLOWANCE,
        probe=server.probe,
        placement=placement,
        cwd=run_dir,
    )
    if finished.timed_out:
        result.ok, result.reason = False, f"timed out after {finished.wall_seconds:.0f} s"
        return result
    settle = 0.5 if options.quick else 2.0
    result = measure(result, finished, ramp=0.1, settle=settle, run_time=options.duration)
    result.metrics.update(_tool_counts(run_dir / "stats.json"))
    if not result.ok:  # say why the generator did nothing, from its own output
        result.reason += f"; {failure_reason(run_dir, finished.exit_code)}"
    elif finished.exit_code not in (0, 1):
        result.ok, result.reason = False, failure_reason(run_dir, finished.exit_code)
    return result


def _tool_counts(path: Path) -> dict[str, float]:
    """What the tool itself recorded (requests, failures), as a cross-check."""
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if isinstance(entries, dict):
        entries = entries.get("stats", [])
    return {
        "tool_requests": sum(e.get("num_requests", 0) for e in entries),
        "tool_failures": sum(e.get("num_failures", 0) for e in entries),
    }


def progress(result: ProtoResult) -> str:
    head = f"{result.scenario:<10} {result.tool:<6} run {result.pair}:"
    if not result.ok:
        return f"{head} n/a: {result.reason}"
    m = result.metrics
    return (
        f"{head} {m['ops_per_second']:>8,.0f} ops/s, CPU {m['cpu_percent']:>3.0f} %, "
        f"{m['ops_per_core']:>8,.0f} ops/s per core, server {m['server_cpu_percent']:.0f} %, "
        f"other work {m['foreign_cpu_percent']:.0f} / {m['server_foreign_cpu_percent']:.0f} %, "
        f"failures {m.get('tool_failures', 0):.0f}"
    )


def describe(
    options: argparse.Namespace, tools: dict[str, Path], server_core: int, generator_core: int
) -> dict[str, Any]:
    versions = [
        machine.command_version([str(tools["horde"]), "--version"]),
        machine.command_version([str(tools["locust"]), "--version"]).split(" from ")[0],
        f"Python {sys.version.split()[0]}",
    ]
    return {
        "command": shlex.join(["python", "benchmarks/protocols.py", *sys.argv[1:]]),
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine.describe(),
        "versions": ", ".join(versions),
        "cores": {"server": server_core, "generators": generator_core},
        "users": options.users,
        "load": f"{options.rate:g} ops/s offered" if options.rate else "constant(0)",
        "duration": options.duration,
        "pairs": options.pairs,
    }


def write_report(
    output: Path, meta: dict[str, Any], scenarios: list[ProtoScenario], results: list[ProtoResult]
) -> str:
    header = [
        "Scenario", "horde ops/s", "Locust ops/s", "horde CPU", "Locust CPU",
        "horde ops/s/core", "Locust ops/s/core", "ratio (per core)", "server CPU (h / L)",
    ]  # fmt: skip
    rows = [_row(s, results) for s in scenarios]
    lines = [
        f"{meta['date']}; {meta['machine']}; {meta['versions']}",
        f"`{meta['command']}`: {meta['users']} users, {meta['load']}, {meta['duration']} s runs, "
        f"{meta['pairs']} pair(s), medians",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(row) + " |" for row in rows),
        "",
        *(f"- `{s.key}`: {s.title}" for s in scenarios),
        f"- other work on the machine during the windows (median over runs): "
        f"{_overall(results, 'foreign_cpu_percent')} of the generators' core, "
        f"{_overall(results, 'server_foreign_cpu_percent')} of the server's",
        *(f"- {r.scenario} {r.tool} run {r.pair}: n/a, {r.reason}" for r in results if not r.ok),
    ]
    table = "\n".join(lines) + "\n"
    output.mkdir(parents=True, exist_ok=True)
    (output / "protocols.md").write_text(table, encoding="utf-8")
    raw = {"meta": meta, "runs": [r.__dict__ for r in results]}
    (output / "protocols.json").write_text(json.dumps(raw, indent=1), encoding="utf-8")
    return table


def _overall(results: list[ProtoResult], metric: str) -> str:
    values = [r.metrics[metric] for r in results if r.ok and metric in r.metrics]
    return f"{median(values):.0f} %" if values else "n/a"


def _row(scenario: ProtoScenario, results: list[ProtoResult]) -> list[str]:
    def med(tool: str, metric: str) -> float | None:
        values = [r.metrics[metric] for r in results
                  if r.ok and r.scenario == scenario.key and r.tool == tool]  # fmt: skip
        return median(values) if values else None

    def num(value: float | None, unit: str = "") -> str:
        return "n/a" if value is None else f"{value:,.0f}{unit}"

    h_core, l_core = med("horde", "ops_per_core"), med("locust", "ops_per_core")
    ratio = f"{h_core / l_core:.2f}x" if h_core and l_core else "n/a"
    server = f"{num(med('horde', 'server_cpu_percent'), ' %')} / "
    server += num(med("locust", "server_cpu_percent"), " %")
    return [
        scenario.key,
        num(med("horde", "ops_per_second")),
        num(med("locust", "ops_per_second")),
        num(med("horde", "cpu_percent"), " %"),
        num(med("locust", "cpu_percent"), " %"),
        num(h_core),
        num(l_core),
        ratio,
        server,
    ]


if __name__ == "__main__":
    sys.exit(main())
