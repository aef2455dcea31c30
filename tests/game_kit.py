"""Fixtures for the endpoint tests (a plugin: ``pytest_plugins = ["game_kit"]``): the game
server of ``game_server.py`` in a subprocess, and its request counters."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest

SERVER = Path(__file__).with_name("game_server.py")
STARTUP_TIMEOUT = 15.0


def _pump(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    with stream:
        for line in stream:
            lines.put(line)
    lines.put(None)


@pytest.fixture(scope="session")
def game_server() -> Iterator[str]:
    """Base URL of one game server subprocess for the whole session."""
    proc = subprocess.Popen(
        [sys.executable, str(SERVER), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True).start()
    try:
        line = lines.get(timeout=STARTUP_TIMEOUT)
        assert line is not None, "the game server exited before it listened"
        assert "listening on " in line, f"the game server did not start: {line!r}"
        yield line.rsplit(" ", 1)[1].strip()
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def game_call(base_url: str, path: str, method: str = "GET") -> Any:
    request = urllib.request.Request(base_url + path, method=method)  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
        return json.loads(response.read())


def _stats(base_url: str) -> dict[str, Any]:
    stats: dict[str, Any] = game_call(base_url, "/__game/stats")
    return stats


@pytest.fixture
def game_stats() -> Callable[[str], dict[str, Any]]:
    """``game_stats(url)``: the server's own counters (by_route, total, mismatches, players,
    events). A fixture, not an import: importing this plugin module would stop pytest from
    rewriting its asserts."""
    return _stats


@pytest.fixture
def game(game_server: str) -> str:
    """The game server with its counters zeroed."""
    game_call(game_server, "/__game/reset", "POST")
    return game_server
