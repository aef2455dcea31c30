"""Shared fixtures: a real demo target on loopback, and a helper to run the horde command."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from horde.demo.process import reset_counts, running_demo_target

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released): for a server to take, or
    to see a connection refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture(scope="session")
def demo_target() -> Iterator[str]:
    """Base URL of one demo target subprocess shared by the whole session."""
    with running_demo_target() as url:
        yield url


@pytest.fixture
def fresh_target(demo_target: str) -> str:
    """The shared demo target with its request counters zeroed."""
    reset_counts(demo_target)
    return demo_target


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def run_horde(
    args: Sequence[str],
    *,
    cwd: Path | str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 90,
) -> Result:
    """Run ``python -m horde ARGS`` as a subprocess (bounded by ``timeout``)."""
    child_env = {k: v for k, v in os.environ.items() if not k.startswith(("HORDE_", "LOCUST_"))}
    child_env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), child_env.get("PYTHONPATH", "")])
    child_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "horde", *args],
        cwd=cwd,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def horde_cmd():  # type: ignore[no-untyped-def]
    """The :func:`run_horde` helper as a fixture."""
    return run_horde
