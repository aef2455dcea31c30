"""Real master and worker processes on 127.0.0.1 for the distributed-mode tests.

A master binds port 0 (``--master-bind-port 0``); :func:`start_master` reads the port back from
its "master listening on tcp://127.0.0.1:PORT" log line. Every wait is bounded.
"""

from __future__ import annotations

import os
import re
import selectors
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from conftest import REPO

LISTENING = re.compile(r"master listening on tcp://127\.0\.0\.1:(\d+)")
SECRET = "a-shared-secret-for-the-tests-0123456789"  # noqa: S105 - a test secret
FAST = ["--heartbeat-interval", "0.2", "--heartbeat-liveness", "3"]
"""Master options for quick reports and a missing worker noticed within a second."""


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HORDE_", "LOCUST_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), env.get("PYTHONPATH", "")])
    env.update(extra or {})
    return env


@dataclass
class Proc:
    """A horde process whose stdout and stderr are collected as it runs."""

    popen: subprocess.Popen[bytes]
    out: bytearray = field(default_factory=bytearray)
    err: bytearray = field(default_factory=bytearray)

    @property
    def stdout(self) -> str:
        return self.out.decode("utf-8", "replace")

    @property
    def stderr(self) -> str:
        return self.err.decode("utf-8", "replace")

    def pump(self, seconds: float) -> None:
        """Collect output for at most ``seconds`` (returns early at the end of both streams)."""
        selector = selectors.DefaultSelector()
        streams = {self.popen.stdout: self.out, self.popen.stderr: self.err}
        for stream in streams:
            if stream is not None and not stream.closed:
                os.set_blocking(stream.fileno(), False)
                selector.register(stream, selectors.EVENT_READ)
        deadline = time.monotonic() + seconds
        try:
            while selector.get_map() and (left := deadline - time.monotonic()) > 0:
                for key, _ in selector.select(left):
                    chunk = key.fileobj.read(65536)  # type: ignore[union-attr]
                    if not chunk:
                        selector.unregister(key.fileobj)
                        continue
                    streams[key.fileobj].extend(chunk)  # type: ignore[index]
        finally:
            selector.close()

    def wait_for(self, pattern: str | re.Pattern[str], timeout: float = 30.0) -> re.Match[str]:
        """Collect stderr until ``pattern`` appears in it (bounded by ``timeout``)."""
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        while (found := regex.search(self.stderr)) is None:
            left = deadline - time.monotonic()
            if left <= 0 or (self.popen.poll() is not None and not self._more()):
                raise AssertionError(f"{regex.pattern!r} never appeared:\n{self.stderr}")
            self.pump(min(0.2, left))
        return found

    def _more(self) -> bool:
        before = len(self.out) + len(self.err)
        self.pump(0.2)
        return len(self.out) + len(self.err) > before

    def finish(self, timeout: float = 60.0) -> int:
        """Collect everything until the process exits (bounded; killed after ``timeout``)."""
        deadline = time.monotonic() + timeout
        while self.popen.poll() is None and time.monotonic() < deadline:
            self.pump(0.2)
        if self.popen.poll() is None:
            self.popen.kill()
        self.pump(5.0)
        return self.popen.wait(timeout=10)


def spawn(args: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> Proc:
    popen = subprocess.Popen(
        [sys.executable, "-m", "horde", *args],
        cwd=cwd,
        env=child_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    return Proc(popen)


def start_master(
    args: Sequence[str], cwd: Path, env: dict[str, str] | None = None
) -> tuple[Proc, int]:
    """A master on a free port (read back from its log); ``args`` must include ``--master``."""
    proc = spawn([*args, "--master-bind-port", "0"], cwd, env)
    try:
        port = int(proc.wait_for(LISTENING).group(1))
    except BaseException:
        stop_all(proc)
        raise
    return proc, port


def start_worker(
    locustfile: str, port: int, cwd: Path, *args: str, env: dict[str, str] | None = None
) -> Proc:
    return spawn(["-f", locustfile, "--worker", "--master-port", str(port), *args], cwd, env)


def stop_all(*procs: Proc) -> None:
    """Kill whatever is still running (test cleanup)."""
    for proc in procs:
        if proc.popen.poll() is None:
            proc.popen.kill()
            proc.popen.wait(timeout=10)
        for stream in (proc.popen.stdout, proc.popen.stderr):
            if stream is not None:
                stream.close()
