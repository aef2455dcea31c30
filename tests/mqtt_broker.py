"""A Mosquitto broker (Debian's mosquitto package) on 127.0.0.1 for the tests.

Mosquitto cannot report a port it chose, so it takes a free one; the fixture waits (bounded)
until the port accepts connections.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import free_port
from protocol_servers import Shared


@contextmanager
def mosquitto() -> Iterator[int]:
    """Yields the broker's port (anonymous access, loopback only)."""
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    assert Path(binary).exists(), "mosquitto missing: apt-get install mosquitto (scripts/test.sh)"
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="horde-mqtt-") as directory:
        config = Path(directory) / "mosquitto.conf"
        config.write_text(
            f"listener {port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 100000\n"
        )
        proc = subprocess.Popen(
            [binary, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            deadline = time.monotonic() + 15
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                    assert time.monotonic() < deadline, "mosquitto did not start in 15 s"
                    time.sleep(0.05)
            yield port
        finally:
            proc.terminate()
            proc.wait(10)
            if proc.stderr:
                proc.stderr.close()


BROKER = Shared(mosquitto)


@pytest.fixture(scope="session")
def broker() -> Iterator[int]:
    """One broker for the whole session, however many modules use it."""
    with BROKER.use() as port:
        yield port
