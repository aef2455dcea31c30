"""A throwaway PostgreSQL cluster (Debian's postgresql package) for the tests.

``initdb`` refuses to run as root, so as root the cluster belongs to the ``postgres`` system
user (``runuser``). Trust authentication on 127.0.0.1 only, fsync off, room for 100 users. The
server cannot report a port it chose, so it takes a free one (:func:`conftest.free_port`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import free_port
from protocol_servers import Shared


def _bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    assert found, f"{name} not found: apt-get install postgresql (scripts/test.sh does)"
    return str(found[-1])


@contextmanager
def postgres_cluster() -> Iterator[str]:
    """Yields the conninfo ``postgresql://horde@127.0.0.1:PORT/postgres``."""
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    root = Path(tempfile.mkdtemp(prefix="horde-pg-"))
    data = root / "data"
    if as_postgres:
        shutil.chown(root, "postgres")
    port = free_port()
    run = {"check": True, "capture_output": True, "timeout": 60}
    subprocess.run(  # noqa: PLW1510 - check=True is in **run
        [
            *as_postgres,
            _bin("initdb"),
            "-D",
            str(data),
            "-U",
            "horde",
            "--auth=trust",
            "-E",
            "UTF8",
        ],
        **run,  # type: ignore[call-overload]
    )
    options = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=130 "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )
    ctl = [*as_postgres, _bin("pg_ctl"), "-D", str(data), "-l", str(root / "log")]
    subprocess.run([*ctl, "-o", options, "-w", "-t", "30", "start"], **run)  # type: ignore[call-overload]  # noqa: PLW1510
    try:
        yield f"postgresql://horde@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*ctl, "-m", "immediate", "-w", "stop"], **run)  # type: ignore[call-overload]  # noqa: PLW1510
        shutil.rmtree(root, ignore_errors=True)


CLUSTER = Shared(postgres_cluster)


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """One cluster for the whole session, however many modules use it (creating one takes
    seconds)."""
    with CLUSTER.use() as conninfo:
        yield conninfo
