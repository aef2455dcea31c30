"""Run horde and Locust side by side against nginx; print medians, ratios and shares of wrk.

    python benchmarks/run.py [--quick] [--pairs N] [--duration S] [--only SCENARIO,...]

Sets up what it needs (Debian's nginx, its echo module and wrk; Locust pinned in its own
virtualenv; horde in the repo's .venv), starts nginx on the first core, runs every generator on
the second, alternating horde and Locust run by run, and writes ``results/latest.md`` and
``results/latest.json``. See benchmarks/README.md for the method.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import os
import shlex
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import machine, nginx, procs, provision, report, scenarios
from bench.measure import FOREIGN_CPU_LIMIT, FOREIGN_METRICS
from bench.runs import Bench, Generator, RunResult
from bench.scenarios import Scenario

RESULTS_DIR = Path(__file__).resolve().parent / "results"
QUIET_PERCENT = 10  # the generator core counts as idle below this


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny runs, 1 pair (what CI runs)")
    parser.add_argument(
        "--pairs", type=_positive, help="horde/Locust run pairs per scenario (3; quick 1)"
    )
    parser.add_argument(
        "--duration",
        type=_positive,
        help="seconds of load per run, plus ramp-up where needed (12; quick 2)",
    )
    parser.add_argument("--only", help="comma-separated scenario keys or groups (rps, idle, ...)")
    parser.add_argument("--output", type=Path, default=RESULTS_DIR, help="where latest.md/.json go")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory and logs")
    options = parser.parse_args(argv)
    sizes = scenarios.QUICK if options.quick else scenarios.FULL
    if options.duration:
        sizes = dataclasses.replace(sizes, duration=options.duration)
    try:
        options.scenarios = scenarios.select(scenarios.build(sizes), options.only)
    except ValueError as exc:
        parser.error(str(exc))
    options.pairs = options.pairs or (1 if options.quick else 3)
    return options


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def say(text: str) -> None:
    print(text, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    procs.install_signal_handlers()
    try:
        tools = provision.ensure_all(say)
        return run(options, tools)
    except provision.SetupError as exc:
        print(f"setup failed: {exc}", file=sys.stderr)
        return 2
    except nginx.NginxError as exc:
        print(f"cannot start nginx: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted: stopped nginx and the generators", file=sys.stderr)
        return 130
    finally:
        procs.stop_all()


def run(options: argparse.Namespace, tools: provision.Tools) -> int:
    server_core, generator_core = _cores()
    procs.raise_open_files_limit()
    meta = _meta(options, tools, server_core, generator_core)
    scratch = Path(tempfile.mkdtemp(prefix="horde-bench-"))
    try:
        server = nginx.start(scratch / "nginx", server_core)
        os.sched_setaffinity(0, {server_core})  # keep the harness's sampling off the generators
        say(
            f"nginx on core {server_core} at {server.base_url}; generators on core {generator_core}"
        )
        placement = procs.Placement(generator_core, server_core, server.process.pid)
        bench = Bench(server=server, workdir=scratch, placement=placement)
        results = _run_all(bench, tools, options, meta)
    finally:
        procs.stop_all()
        _clean(scratch, keep=options.keep)
    say("\n" + report.write(options.output, meta, options.scenarios, results))
    say(f"written to {options.output / 'latest.md'} and latest.json")
    return 0


@dataclass
class Session:
    """The runs so far and how the next ones are made."""

    bench: Bench
    generators: list[Generator]
    pairs: int
    total_runs: int
    quiet_wait: float  # seconds to wait for an idle generator core before each run
    retries: int  # extra attempts for a run that shared its core with other work
    results: list[RunResult] = field(default_factory=list)

    def run_scenario(self, scenario: Scenario) -> None:
        """``pairs`` runs of wrk, or ``pairs`` alternating horde/Locust pairs."""
        for pair in range(1, self.pairs + 1):
            for generator in [None] if scenario.is_wrk else self.generators:
                result = self._run_on_quiet_core(scenario, generator, pair)
                self.results.append(result)
                say(_progress(len(self.results), self.total_runs, result, self.pairs))

    def _run_on_quiet_core(
        self, scenario: Scenario, generator: Generator | None, pair: int
    ) -> RunResult:
        """One run; repeated (up to ``retries`` times) if other work shared the generator core."""
        attempt = 1
        while True:
            self._wait_for_quiet_core()
            if generator is None:
                result = self.bench.run_wrk(scenario, pair)
            else:
                result = self.bench.run_generator(scenario, generator, pair)
            result.details["attempts"] = attempt
            foreign = max(result.metrics.get(m, 0.0) for m in FOREIGN_METRICS)
            if foreign <= FOREIGN_CPU_LIMIT or attempt > self.retries:
                return result
            say(f"{scenario.key} {result.tool}: other work took {foreign:.0f} % of a core; again")
            attempt += 1

    def _wait_for_quiet_core(self) -> None:
        """Let other work on the two cores finish first (up to ``quiet_wait`` seconds)."""
        placement = self.bench.placement
        cores = sorted({placement.server_core, placement.generator_core})
        busy = procs.busiest_core_percent(cores, 0.3)
        if busy <= QUIET_PERCENT:
            return
        say(f"a core is {busy:.0f} % busy with other work; waiting up to {self.quiet_wait} s")
        deadline = time.monotonic() + self.quiet_wait
        while busy > QUIET_PERCENT and time.monotonic() < deadline:
            busy = procs.busiest_core_percent(cores, 1.0)


def _run_all(
    bench: Bench, tools: provision.Tools, options: argparse.Namespace, meta: dict[str, Any]
) -> list[RunResult]:
    """Every scenario in order; the report files are rewritten after each one."""
    session = Session(
        bench=bench,
        generators=[Generator("horde", tools.horde), Generator("locust", tools.locust)],
        pairs=options.pairs,
        total_runs=meta["total_runs"],
        quiet_wait=5 if options.quick else 120,
        retries=0 if options.quick else 2,
    )
    for scenario in options.scenarios:
        session.run_scenario(scenario)
        report.write(options.output, meta, options.scenarios, session.results)
    return session.results


def _progress(index: int, total: int, result: RunResult, pairs: int) -> str:
    head = f"[{index:>3}/{total}] {result.scenario:<16} {result.tool:<6} run {result.pair}/{pairs}:"
    m = result.metrics
    if not result.ok:
        return f"{head} n/a: {result.reason}"
    text = f"{head} {m['requests_per_second']:>9,.0f} req/s, CPU {m['cpu_percent']:>3.0f} %"
    text += f", peak RSS {m['peak_rss_mib']:.0f} MiB"
    if "server_p50_ms" in m:
        text += f", p50/p99 {m['p50_ms']:.1f}/{m['p99_ms']:.1f} ms"
        text += f" (nginx {m['server_p50_ms']:.1f}/{m['server_p99_ms']:.1f})"
    return text


def _cores() -> tuple[int, int]:
    """The first allowed core for nginx, the second for the generators (the same if only one)."""
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) < 2:
        say("warning: one core only; nginx and the generators share it")
        return allowed[0], allowed[0]
    return allowed[0], allowed[1]


def _meta(
    options: argparse.Namespace, tools: provision.Tools, server_core: int, generator_core: int
) -> dict[str, Any]:
    per_pair = sum(1 if s.is_wrk else 2 for s in options.scenarios)
    versions = [
        machine.command_version([str(tools.horde), "--version"]),
        machine.command_version([str(tools.locust), "--version"]).split(" from ")[0],
        machine.command_version(["nginx", "-v"]).removeprefix("nginx version: "),
        machine.command_version(["wrk", "--version"]).split(" [")[0],
        f"Python {sys.version.split()[0]}",
    ]
    return {
        "command": shlex.join(["python", "benchmarks/run.py", *sys.argv[1:]]),
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine.describe(),
        "versions": ", ".join(versions),
        "cores": {"nginx": server_core, "generators": generator_core},
        "pairs": options.pairs,
        "total_runs": per_pair * options.pairs,
        "scenarios": [dataclasses.asdict(s) for s in options.scenarios],
    }


def _clean(scratch: Path, *, keep: bool) -> None:
    if keep:
        say(f"logs kept in {scratch}")
    else:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
