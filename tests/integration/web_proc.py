"""The ``horde`` command serving its web UI, as a subprocess the tests talk to over HTTP.

:func:`serving` starts ``python -m horde ARGS`` (``-P 0`` unless a port is given), reads the
"web UI at URL" line from its log, and always ends the process (SIGTERM, then SIGKILL). Every
wait is bounded; nothing measures time.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import requests

SRC = Path(__file__).resolve().parents[2] / "src"
WAIT = 30.0
"""Upper bound of any wait on the child (never reached when things work)."""


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HORDE_", "LOCUST_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")])
    env.update(extra or {})
    return env


@dataclass
class Served:
    proc: subprocess.Popen[str]
    url: str
    """The UI's root, e.g. ``http://127.0.0.1:PORT/`` (with the base path)."""
    stderr_lines: list[str] = field(default_factory=list)
    stdout_lines: list[str] = field(default_factory=list)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.get(self.url + path.lstrip("/"), timeout=WAIT, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.post(self.url + path.lstrip("/"), timeout=WAIT, **kwargs)

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Signal the process and wait for it to exit; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(timeout=WAIT)

    @property
    def stdout(self) -> str:
        return "".join(self.stdout_lines)

    @property
    def stderr(self) -> str:
        return "".join(self.stderr_lines)


def _pump(stream: IO[str], lines: list[str], found: queue.Queue[str | None] | None) -> None:
    for line in stream:
        lines.append(line)
        if found is not None and "web UI at " in line:
            found.put(line.split("web UI at ", 1)[1].strip())
    if found is not None:
        found.put(None)


@contextlib.contextmanager
def serving(args: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> Iterator[Served]:
    """Run ``horde ARGS`` until its web UI answers; end it on exit, whatever happened."""
    if "-P" not in args and "--web-port" not in args:
        args = [*args, "-P", "0"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "horde", *args],
        cwd=cwd,
        env=child_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    found: queue.Queue[str | None] = queue.Queue()
    served = Served(proc, "")
    pumps = [
        threading.Thread(target=_pump, args=(proc.stderr, served.stderr_lines, found)),
        threading.Thread(target=_pump, args=(proc.stdout, served.stdout_lines, None)),
    ]
    for pump in pumps:
        pump.daemon = True
        pump.start()
    try:
        try:
            url = found.get(timeout=WAIT)
        except queue.Empty:
            url = None
        if url is None:
            raise AssertionError(f"horde did not serve its web UI:\n{served.stderr}")
        served.url = url
        yield served
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=WAIT)
        for pump in pumps:
            pump.join(WAIT)
        proc.stdout.close()
        proc.stderr.close()


def poll_until(
    predicate: Callable[[], object], what: str, proc: subprocess.Popen[str] | None = None
) -> None:
    """Check ``predicate`` every 0.1 s until it holds (at most :data:`WAIT` s)."""
    deadline = time.monotonic() + WAIT
    while not predicate():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"horde exited ({proc.returncode}) while waiting for {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)
