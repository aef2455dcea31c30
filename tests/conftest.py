"""Shared fixtures: a real demo target on loopback, and a helper to run the horde command."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from horde.demo.process import reset_counts, running_demo_target
from horde.event import Events

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


class Recorder:
    """A ``request`` listener keeping every call's keyword arguments."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)

    @property
    def last(self) -> dict[str, Any]:
        """The latest call (there must be one)."""
        assert self.calls, "no request was recorded"
        return self.calls[-1]

    @property
    def only(self) -> dict[str, Any]:
        """The one call (there must be exactly one)."""
        assert len(self.calls) == 1, f"expected one recorded request, got {len(self.calls)}"
        return self.calls[0]

    def names(self) -> list[str]:
        return [call["name"] for call in self.calls]

    def failures(self) -> list[dict[str, Any]]:
        return [call for call in self.calls if call["exception"] is not None]


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def events(recorder: Recorder) -> Events:
    """Events whose ``request`` listener is ``recorder``."""
    events = Events()
    events.request.add_listener(recorder)
    return events
