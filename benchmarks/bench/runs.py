"""One measured run of a generator (horde or Locust) or of wrk, turned into a :class:`RunResult`.

A run that fails in any way (tool missing a feature, timeout, no usable window) becomes a result
with ``ok=False`` and the reason, never an exception.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench import measure, procs
from bench.nginx import Nginx
from bench.scenarios import Scenario
from bench.templates import render

START_ALLOWANCE = 60  # seconds a run may take beyond its -t (startup, 10,000 users stopping)
WRK_RPS = re.compile(r"^Requests/sec:\s*([\d.]+)", re.MULTILINE)
ERROR_LINE = re.compile(r"Error\b|Exception\b|error:")


@dataclass(frozen=True)
class Generator:
    """A Locust-compatible command: ``horde`` or ``locust``."""

    name: str
    executable: Path


@dataclass
class RunResult:
    """Everything measured in one run (``metrics``) and how (``details``)."""

    scenario: str
    tool: str
    pair: int
    ok: bool = True
    reason: str = ""
    metrics: dict[str, float] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)

    def fail(self, reason: str) -> RunResult:
        self.ok, self.reason = False, reason
        return self

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Bench:
    """Where runs go: the target, a scratch directory, which core runs what."""

    server: Nginx
    workdir: Path
    placement: procs.Placement

    def run_generator(self, scenario: Scenario, tool: Generator, pair: int) -> RunResult:
        result = RunResult(scenario.key, tool.name, pair)
        run_dir = self._run_dir(result)
        locustfile = run_dir / "locustfile.py"
        locustfile.write_text(_locustfile(scenario), encoding="utf-8")
        delay_offset = self.server.delay_log_offset()
        args = self._pinned(str(tool.executable), *_generator_args(scenario, self.server.base_url))
        finished = self._watch(args, run_dir, scenario)
        _record_process(result, finished)
        if finished.timed_out:
            return result.fail(f"timed out after {finished.wall_seconds:.0f} s")
        stats = _load_stats(run_dir / "stats.json", scenario.path)
        if stats is None:
            return result.fail(_failure_reason(run_dir, finished.exit_code, scenario.path))
        _record_stats(result, stats)
        if scenario.path == "/delay":
            _record_server_latency(result, self.server.delay_times_ms(delay_offset))
        return _record_window(result, finished, scenario)

    def run_wrk(self, scenario: Scenario, pair: int) -> RunResult:
        result = RunResult(scenario.key, "wrk", pair)
        run_dir = self._run_dir(result)
        n = str(scenario.users)
        url = self.server.base_url + scenario.path
        args = self._pinned("wrk", "-t1", f"-c{n}", f"-d{scenario.run_time}s", url)
        finished = self._watch(args, run_dir, scenario)
        _record_process(result, finished)
        reported = WRK_RPS.search((run_dir / "stdout.txt").read_text(errors="replace"))
        if finished.timed_out or reported is None:
            return result.fail(_failure_reason(run_dir, finished.exit_code, "/"))
        result.metrics["tool_reported_rps"] = float(reported.group(1))
        return _record_window(result, finished, scenario)

    def _run_dir(self, result: RunResult) -> Path:
        """An empty directory for this run (a repeated run must not read its predecessor's)."""
        run_dir = self.workdir / f"{result.scenario}-{result.tool}-{result.pair}"
        shutil.rmtree(run_dir, ignore_errors=True)
        run_dir.mkdir(parents=True)
        return run_dir

    def _pinned(self, *command: str) -> list[str]:
        return ["taskset", "-c", str(self.placement.generator_core), *command]

    def _watch(self, args: list[str], run_dir: Path, scenario: Scenario) -> procs.Finished:
        return procs.run_watched(
            args,
            out=run_dir / "stdout.txt",
            err=run_dir / "stderr.txt",
            timeout=scenario.run_time + START_ALLOWANCE,
            probe=self.server.counters,
            placement=self.placement,
            cwd=run_dir,
        )


def _locustfile(scenario: Scenario) -> str:
    values = {
        "user_class": scenario.user_class,
        "wait_function": scenario.wait_function,
        "wait_args": scenario.wait_args,
        "path": scenario.path,
    }
    return render("locustfile.py.template", values)


def _generator_args(scenario: Scenario, host: str) -> list[str]:
    return [
        *("-f", "locustfile.py", "--headless", "--only-summary"),
        *("-u", str(scenario.users), "-r", f"{scenario.spawn_rate:g}"),
        *("-t", f"{scenario.run_time}s", "-H", host, "--json-file", "stats"),
    ]


def _record_process(result: RunResult, finished: procs.Finished) -> None:
    result.metrics.update(
        wall_seconds=round(finished.wall_seconds, 3),
        cpu_seconds_total=round(finished.cpu_seconds, 3),
        peak_rss_mib=round(finished.max_rss_kib / 1024, 1),
    )
    origin = finished.samples[0].mono if finished.samples else 0.0
    result.details.update(
        exit_code=finished.exit_code,
        sample_fields=procs.Sample.row_fields(),
        samples=[s.row(origin) for s in finished.samples],
    )


def _record_window(result: RunResult, finished: procs.Finished, scenario: Scenario) -> RunResult:
    try:
        steady = measure.steady_window(
            finished.samples,
            scenario.users,
            scenario.nominal_ramp,
            scenario.settle,
            scenario.run_time,
        )
    except measure.MeasureError as exc:
        return result.fail(str(exc))
    result.metrics.update(
        requests_per_second=round(steady.requests_per_second, 1),
        cpu_percent=round(steady.cpu_percent, 1),
        foreign_cpu_percent=round(steady.foreign_cpu_percent, 1),
        server_foreign_cpu_percent=round(steady.server_foreign_cpu_percent, 1),
    )
    if scenario.offered_rps:
        result.metrics["offered_percent"] = round(
            100 * steady.requests_per_second / scenario.offered_rps, 1
        )
    result.details["window"] = {
        "start_s": round(steady.start_offset, 2),
        "seconds": round(steady.seconds, 2),
        "ready_by": steady.ready_by,
    }
    return result


def _load_stats(path: Path, name: str) -> dict[str, Any] | None:
    """The ``--json-file`` entry for ``name``, or None if the tool wrote no usable file."""
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(entries, dict):  # horde's versioned report: Locust's list is its "stats"
        entries = entries.get("stats", [])
    found: dict[str, Any] | None = next((e for e in entries if e.get("name") == name), None)
    return found


def _record_stats(result: RunResult, stats: dict[str, Any]) -> None:
    """The tool's own view: counts, its reported rate and percentiles."""
    num = stats["num_requests"]
    span = (stats.get("last_request_timestamp") or 0) - stats["start_time"]
    result.metrics.update(
        num_requests=num,
        num_failures=stats["num_failures"],
        tool_reported_rps=round(num / span, 1) if span > 0 else 0.0,
        p50_ms=_reported_percentile(stats, 0.5),
        p99_ms=_reported_percentile(stats, 0.99),
    )


def _reported_percentile(stats: dict[str, Any], fraction: float) -> float:
    """horde's exact ``percentiles`` when present, else Locust's own rounded-histogram method."""
    exact = stats.get("percentiles", {}).get(repr(fraction))
    if exact is not None:
        return round(float(exact), 3)
    return measure.locust_percentile(stats.get("response_times", {}), fraction)


def _record_server_latency(result: RunResult, times_ms: list[float]) -> None:
    if not times_ms:
        return
    for label, fraction in (("p50", 0.5), ("p99", 0.99)):
        truth = measure.nearest_rank(times_ms, fraction)
        result.metrics[f"server_{label}_ms"] = truth
        result.metrics[f"{label}_diff_ms"] = round(result.metrics[f"{label}_ms"] - truth, 3)


def _failure_reason(run_dir: Path, exit_code: int, path: str) -> str:
    """Why a run gave no figures: its last error line, else its last line of output."""
    try:
        lines = (run_dir / "stderr.txt").read_text(errors="replace").splitlines()
    except OSError:
        lines = []
    lines = [line.strip() for line in lines if line.strip()]
    errors = [line for line in lines if ERROR_LINE.search(line)]
    detail = (errors or lines or [f"exit code {exit_code}, no output"])[-1][:200]
    if (run_dir / "stats.json").exists():
        return f"no requests to {path} in its stats; {detail}"
    return detail
