"""Run the demo target (``python -m horde.demo.target``) in a subprocess (``horde demo``, tests).

>>> with running_demo_target() as base_url:      # doctest: +SKIP
...     requests.get(base_url + "/api/items")
...     server_counts(base_url)["by_route"]

Only the standard library is used here, so this module is safe to import anywhere.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

STARTUP_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 5.0
_ANNOUNCE = re.compile(r"horde demo target listening on (http://\S+)")
_SRC_ROOT = Path(__file__).resolve().parents[2]  # the directory that holds the horde package


def _pump(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    """Forward every stdout line (so the child never blocks on a full pipe), then None."""
    with stream:
        for line in stream:
            lines.put(line)
    lines.put(None)


def _child_env() -> dict[str, str]:
    """The current environment, with this horde first on the path so the child runs it too."""
    env = dict(os.environ)
    paths = [str(_SRC_ROOT), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def _wait_for_url(lines: queue.Queue[str | None]) -> str | None:
    """The announced base URL, or None if the child exits or stays silent too long."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            return None
        if line is None:
            return None
        found = _ANNOUNCE.search(line)
        if found:
            return found.group(1)
    return None


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def running_demo_target(
    *, port: int = 0, seed: int = 1, extra_args: Sequence[str] = ()
) -> Iterator[str]:
    """Start the demo target in a subprocess and yield its base URL; stop it on exit.

    Raises RuntimeError (with the child's stderr) if it does not announce itself in 15 s.
    """
    command = [sys.executable, "-m", "horde.demo.target", "--port", str(port)]
    command += ["--seed", str(seed), *extra_args]
    lines: queue.Queue[str | None] = queue.Queue()
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as stderr:
        proc = subprocess.Popen(  # noqa: S603 - runs this interpreter on our own module
            command, stdout=subprocess.PIPE, stderr=stderr, text=True, env=_child_env()
        )
        assert proc.stdout is not None  # noqa: S101 - stdout=PIPE guarantees it; narrows the type
        pump = threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True)
        pump.start()
        try:
            url = _wait_for_url(lines)
            if url is None:
                _stop(proc)
                stderr.seek(0)
                message = f"the demo target did not start ({' '.join(command)}):\n{stderr.read()}"
                raise RuntimeError(message)
            yield url
        finally:
            _stop(proc)
            pump.join(STOP_TIMEOUT_S)


def server_counts(base_url: str) -> dict[str, Any]:
    """The target's request counters: {"total": N, "by_route": {...}, "by_path": {...}}."""
    result: dict[str, Any] = json.loads(_call(base_url, "/__horde/stats", "GET"))
    return result


def reset_counts(base_url: str) -> None:
    """Zero the target's request counters."""
    _call(base_url, "/__horde/reset", "POST")


def _call(base_url: str, path: str, method: str) -> bytes:
    if not base_url.startswith(("http://", "https://")):
        raise ValueError(f"not an http(s) URL: {base_url!r}")
    url = base_url.rstrip("/") + path
    request = urllib.request.Request(url, method=method)  # noqa: S310 - scheme checked above
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - same
        body: bytes = response.read()
    return body
