"""Soak: horde's memory over a long run with many distinct request names, sampled as it goes.

    python benchmarks/soak.py                                  # 3 min, 50,000 names, nginx
    python benchmarks/soak.py --names 1                        # the same load, one name
    python benchmarks/soak.py --src /path/to/other/checkout/src   # another horde, same load
    python benchmarks/soak.py --quick                          # 8 s, 2,000 names (a smoke run)

One ``horde --headless`` process (``FastHttpUser``, ``constant(0)``) requests ``/item/0``,
``/item/1``, ... ``/item/{names - 1}`` and round again, so every name exists after ``names``
requests and is then hit again and again: memory should grow while names appear and stay flat
afterwards. The target is the benchmark's nginx (``bench/nginx.py``, on the first core; horde
on the second) or, without nginx, horde's demo target (``/search?search=N``, slower). Every
``--interval`` seconds the harness reads horde's RSS and CPU time from ``/proc`` and the
server's request counter. At the end it prints a markdown table (also written to
``--output``) with the end-of-run summary's line count. The run is bounded: ``-t`` plus 60 s.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from bench import nginx, procs

REPO = Path(__file__).resolve().parents[1]
LOCUSTFILE = """\
import itertools

from locust import FastHttpUser, constant, task

NAMES = {names}
PATH = {path!r}
_next = itertools.count()


class Soak(FastHttpUser):
    wait_time = constant(0)

    @task
    def fetch(self) -> None:
        self.client.get(PATH.format(next(_next) % NAMES))
"""


@dataclass(frozen=True)
class Point:
    seconds: float
    rss_mb: float
    cpu_seconds: float
    server_requests: int


@dataclass(frozen=True)
class Target:
    base_url: str
    path: str
    requests: Callable[[], int | None]
    kind: str


def proc_rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def proc_cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def target(kind: str, scratch: Path) -> Iterator[Target]:
    """nginx when asked for (or available), else horde's demo target."""
    use_nginx = kind == "nginx" or (
        kind == "auto" and shutil.which("nginx") and nginx.ECHO_MODULE.exists()
    )
    if use_nginx:
        server = nginx.start(scratch / "nginx", core=0)
        try:
            yield Target(server.base_url, "/item/{}", lambda: _first(server.counters()), "nginx")
        finally:
            procs.stop(server.process)
        return
    from horde.demo.process import running_demo_target

    with running_demo_target() as url:
        yield Target(url, "/search?search={}", lambda: _demo_total(url), "demo target")


def _first(counters: tuple[int, int] | None) -> int | None:
    return None if counters is None else counters[0]


def _demo_total(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url + "/__horde/stats", timeout=2) as answer:  # noqa: S310
            return int(json.load(answer)["total"])
    except OSError:
        return None


def horde_command(args: argparse.Namespace, locustfile: Path, base_url: str) -> list[str]:
    command = ["taskset", "-c", "1"] if shutil.which("taskset") and os.cpu_count() != 1 else []
    command += [sys.executable, "-m", "horde", "-f", str(locustfile), "--headless"]
    command += ["--only-summary", "-u", str(args.users), "-r", str(args.users)]
    command += ["-t", f"{args.duration:g}s", "-H", base_url]
    if args.csv:
        command += ["--csv", str(locustfile.parent / "soak")]
    return command


def child_env(src: str | None) -> dict[str, str]:
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))
    return env


def soak(args: argparse.Namespace, server: Target, scratch: Path) -> dict[str, object]:
    """Run horde against ``server``, sampling it every ``--interval`` seconds until it ends."""
    locustfile = scratch / "locustfile.py"
    locustfile.write_text(LOCUSTFILE.format(names=args.names, path=server.path), encoding="utf-8")
    out, err = scratch / "horde.out", scratch / "horde.err"
    command = horde_command(args, locustfile, server.base_url)
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        proc = subprocess.Popen(
            command, stdout=stdout, stderr=stderr, env=child_env(args.src), cwd=scratch,
            start_new_session=True,
        )  # fmt: skip
    try:
        points = sample(proc, server, args)
    finally:
        procs.stop(proc, grace=10.0)  # already ended, unless the deadline passed or Ctrl-C
    summary = out.read_text(encoding="utf-8", errors="replace")
    return {
        "exit_code": proc.returncode,
        "points": [asdict(p) for p in points],
        "summary_lines": len(summary.splitlines()),
        "summary_head": next((ln for ln in summary.splitlines() if ln.startswith("Summary:")), ""),
        "hidden_names_note": next((ln for ln in summary.splitlines() if "more names" in ln), ""),
        "stderr_tail": err.read_text(errors="replace")[-2000:],
    }


def sample(proc: subprocess.Popen[bytes], server: Target, args: argparse.Namespace) -> list[Point]:
    """Points every ``--interval`` seconds while horde runs (at most ``-t`` + 60 s)."""
    start = time.monotonic()
    deadline = start + args.duration + 60
    first_requests = server.requests() or 0
    points: list[Point] = []
    next_at = start
    while proc.poll() is None and time.monotonic() < deadline:
        if time.monotonic() >= next_at:
            rss, cpu = proc_rss_mb(proc.pid), proc_cpu_seconds(proc.pid)
            served = server.requests()
            if rss is not None and cpu is not None and served is not None:
                seconds = time.monotonic() - start
                points.append(Point(round(seconds, 1), rss, cpu, served - first_requests))
            next_at += args.interval
        time.sleep(0.1)
    return points


def table(result: dict[str, object], args: argparse.Namespace, kind: str) -> str:
    points = [Point(**p) for p in result["points"]]  # type: ignore[attr-defined]
    lines = [
        f"Soak: {args.names:,} names, {args.users} users, {args.duration:g} s against {kind}"
        f" (exit code {result['exit_code']}, summary {result['summary_lines']} lines)",
        "",
        "| t (s) | RSS (MB) | horde CPU (s) | requests served | names so far |",
        "|---:|---:|---:|---:|---:|",
    ]
    for p in points:
        names = min(p.server_requests, args.names)
        lines.append(
            f"| {p.seconds:.0f} | {p.rss_mb:.0f} | {p.cpu_seconds:.1f} "
            f"| {p.server_requests:,} | {names:,} |"
        )
    lines += ["", str(result["summary_head"])]
    if result["hidden_names_note"]:
        lines += [f"Summary note: {result['hidden_names_note']}"]
    return "\n".join(lines)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--names", type=int, default=50_000)
    parser.add_argument("--duration", type=float, default=180.0, help="seconds of load")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between samples")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--target", choices=["auto", "nginx", "demo"], default="auto")
    parser.add_argument("--csv", action="store_true", help="also write CSV files (--csv)")
    parser.add_argument("--src", help="run the horde found in this source directory instead")
    parser.add_argument("--output", type=Path, help="write the table (.md) and raw data (.json)")
    parser.add_argument("--quick", action="store_true", help="8 s, 2,000 names, 1 s samples")
    args = parser.parse_args()
    if args.quick:
        args.names, args.duration, args.interval, args.users = 2_000, 8.0, 1.0, 5
    return args


def main() -> None:
    args = parse_args()
    procs.install_signal_handlers()
    try:
        with tempfile.TemporaryDirectory(prefix="horde-soak-") as scratch:
            with target(args.target, Path(scratch)) as server:
                result = soak(args, server, Path(scratch))
            text = table(result, args, server.kind)
    finally:
        procs.stop_all()
    print(text)
    if args.output:
        args.output.with_suffix(".md").write_text(text + "\n", encoding="utf-8")
        raw = {"args": {k: str(v) for k, v in vars(args).items()}, **result}
        args.output.with_suffix(".json").write_text(json.dumps(raw, indent=2), encoding="utf-8")
    if result["exit_code"] not in (0, 1):  # 1: some requests failed; anything else is a crash
        print(result["stderr_tail"], file=sys.stderr)
        raise SystemExit(f"horde exited with {result['exit_code']}")


if __name__ == "__main__":
    main()
