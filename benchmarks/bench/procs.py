"""Child processes: start them in their own process group, watch them, and always stop them.

Every child is started through :func:`spawn` and recorded, so :func:`stop_all` (called on normal
exit, on Ctrl-C and on SIGTERM) can end each one by its process group. Generators are watched by
:func:`run_watched`: it samples a probe (nginx's request counter) and the CPU time of the
generator's process tree a few times a second, and collects the exact CPU time and peak RSS from
``wait4`` when the process ends.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import resource
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

SAMPLE_INTERVAL = 0.2
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_LIVE: dict[int, subprocess.Popen[bytes]] = {}
Probe = Callable[[], tuple[int, int] | None]  # (requests, connections), None when unreadable


@dataclass(frozen=True)
class Sample:
    """One observation during a run: when, nginx's counters, the generator's CPU ticks."""

    mono: float
    wall: float
    requests: int  # nginx's total request counter
    connections: int  # nginx's open client connections
    cpu_ticks: int  # the generator's process tree
    core_ticks: int  # everything that ran on the generator's core (user + nice + system)
    server_core_ticks: int  # everything that ran on the server's core
    server_own_ticks: int  # what should run there: nginx's process tree and this harness

    def row(self, origin: float) -> list[float]:
        """For the raw JSON: seconds since ``origin``, then the counters (see row_fields)."""
        return [round(self.mono - origin, 3), *dataclasses.astuple(self)[2:]]

    @staticmethod
    def row_fields() -> list[str]:
        return ["seconds", *(f.name for f in dataclasses.fields(Sample)[2:])]


@dataclass(frozen=True)
class Placement:
    """Which core runs what, so work from other processes on either core can be measured."""

    generator_core: int
    server_core: int
    server_pid: int  # nginx's master process


@dataclass
class Finished:
    """How a watched process ended, with what it used."""

    exit_code: int
    wall_seconds: float
    cpu_seconds: float
    max_rss_kib: int
    timed_out: bool
    samples: list[Sample] = field(default_factory=list)


def spawn(
    args: Sequence[str], *, out: Path, err: Path | None = None, cwd: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start ``args`` in a new session, stdout to ``out`` and stderr to ``err`` (or ``out``)."""
    with open(out, "wb") as stdout, open(err or os.devnull, "wb") as stderr:
        proc = subprocess.Popen(
            list(args),
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr if err else subprocess.STDOUT,
            cwd=cwd,
            start_new_session=True,
        )
    _LIVE[proc.pid] = proc
    return proc


def stop(proc: subprocess.Popen[bytes], grace: float = 3.0) -> None:
    """SIGTERM the process group, then SIGKILL it if it is still there after ``grace`` seconds."""
    _LIVE.pop(proc.pid, None)
    if proc.returncode is not None:
        return
    _signal_group(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        _signal_group(proc.pid, signal.SIGKILL)
        proc.wait(timeout=grace)


def stop_all() -> None:
    """Stop every child still running (newest first)."""
    for proc in reversed(list(_LIVE.values())):
        stop(proc)


def install_signal_handlers() -> None:
    """Turn SIGTERM and SIGHUP into KeyboardInterrupt so the cleanup paths run."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGHUP, interrupt)


def _signal_group(pid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signum)


def run_watched(
    args: Sequence[str],
    *,
    out: Path,
    err: Path,
    timeout: float,
    probe: Probe,
    placement: Placement,
    cwd: Path | None = None,
) -> Finished:
    """Run ``args`` to completion (or ``timeout``), sampling ``probe`` and CPU as it goes."""
    proc = spawn(args, out=out, err=err, cwd=cwd)
    start = time.monotonic()
    samples: list[Sample] = []
    timed_out = False
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - start > timeout:
            timed_out = True
            _signal_group(proc.pid, signal.SIGKILL)
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        _append_sample(samples, proc.pid, probe, placement)
        time.sleep(SAMPLE_INTERVAL)
    proc.returncode = os.waitstatus_to_exitcode(status)
    _LIVE.pop(proc.pid, None)
    return Finished(
        exit_code=proc.returncode,
        wall_seconds=time.monotonic() - start,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        max_rss_kib=usage.ru_maxrss,
        timed_out=timed_out,
        samples=samples,
    )


def _append_sample(samples: list[Sample], pid: int, probe: Probe, placement: Placement) -> None:
    mono, wall = time.monotonic(), time.time()
    counters = probe()
    ticks = tree_cpu_ticks(pid)
    server = tree_cpu_ticks(placement.server_pid)
    if counters is None or ticks is None or server is None:
        return
    harness = os.times()
    samples.append(
        Sample(
            mono,
            wall,
            *counters,
            cpu_ticks=ticks,
            core_ticks=core_ticks(placement.generator_core),
            server_core_ticks=core_ticks(placement.server_core),
            server_own_ticks=server + round((harness.user + harness.system) * CLOCK_TICKS),
        )
    )


def core_ticks(core: int) -> int:
    """Clock ticks that ``core`` spent running tasks (user + nice + system), from /proc/stat."""
    prefix = f"cpu{core} "
    with open("/proc/stat", encoding="ascii") as stat:
        for line in stat:
            if line.startswith(prefix):
                return sum(int(value) for value in line.split()[1:4])
    return 0


def busiest_core_percent(cores: Sequence[int], seconds: float = 0.5) -> float:
    """How busy the busiest of ``cores`` is right now, measured over ``seconds``."""
    before = [core_ticks(core) for core in cores]
    time.sleep(seconds)
    after = [core_ticks(core) for core in cores]
    return max(100 * (b - a) / CLOCK_TICKS / seconds for a, b in zip(before, after, strict=True))


def tree_cpu_ticks(pid: int) -> int | None:
    """User + system clock ticks of ``pid``, its reaped children and its live descendants."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # After the command name: state is field 3, so utime..cstime (14..17) are at 11..14.
    total = sum(int(value) for value in fields[11:15])
    for child in _children(pid):
        total += tree_cpu_ticks(child) or 0
    return total


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            found.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def raise_open_files_limit() -> int:
    """Raise this process's (and so its children's) open-files soft limit to the hard limit."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = 1 << 20 if hard == resource.RLIM_INFINITY else hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target
