"""100 users of each protocol in one ``horde`` process make progress together.

Every server holds its replies until 100 requests are in flight at once. A client that blocked
the event loop (a real blocking socket, grpcio without its gevent integration, psycopg's C wait)
would hold the first request forever; one that serialised its users would never fill the
barrier. Either way the held users never finish, and the run ends on its time limit with
failures instead of stopping itself after the 100th reply.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from conftest import Result, run_horde
from grpc_service import compile_service, probe_server
from mqtt_broker import broker
from postgres_server import postgres
from protocol_servers import Barrier, LoopThread, WsBehaviour, loop, tcp_echo, websocket_server

__all__ = ["broker", "loop", "postgres"]  # fixtures

LOCUSTFILES = Path(__file__).parent / "locustfiles"


def run_horde_held(
    locustfile: str, host: str, env: dict[str, str] | None = None, users: int = 100, limit: int = 60
) -> Result:
    return run_horde(
        [
            "-f",
            str(LOCUSTFILES / locustfile),
            "--headless",
            "-u",
            str(users),
            "-r",
            "100",
            "-t",
            f"{limit}s",
            "-H",
            host,
            "--json",
            "--only-summary",
        ],
        env={"HELD_USERS": str(users), **(env or {})},
    )


def run_held(
    locustfile: str, host: str, env: dict[str, str] | None = None, name: str = "held"
) -> dict[str, int]:
    result = run_horde_held(locustfile, host, env)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stderr
    entries = json.loads(result.stdout)["stats"]
    held = next(e for e in entries if e["name"] == name)
    return {"requests": held["num_requests"], "failures": held["num_failures"]}


@pytest.mark.slow
def test_tcp(loop: LoopThread) -> None:
    barrier = Barrier(100, limit=40)
    with tcp_echo(loop, barrier) as port:
        outcome = run_held("held_tcp.py", f"tcp://127.0.0.1:{port}")
    assert outcome == {"requests": 100, "failures": 0}
    assert barrier.peak == 100


@pytest.mark.slow
def test_websocket(loop: LoopThread) -> None:
    barrier = Barrier(100, limit=40)
    with websocket_server(loop, WsBehaviour(barrier)) as url:
        outcome = run_held("held_websocket.py", url)
    assert outcome == {"requests": 100, "failures": 0}
    assert barrier.peak == 100


@pytest.fixture(scope="module")
def probe(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Path, ModuleType, ModuleType]]:
    directory = tmp_path_factory.mktemp("probe")
    pb2, pb2_grpc = compile_service(directory)
    yield directory, pb2, pb2_grpc


@pytest.mark.slow
def test_grpc(probe: tuple[Path, ModuleType, ModuleType]) -> None:
    directory, pb2, pb2_grpc = probe
    with probe_server(pb2, pb2_grpc, hold=100) as (port, barrier):
        outcome = run_held(
            "held_grpc.py",
            f"grpc://127.0.0.1:{port}",
            env={"PROBE_DIR": str(directory)},
            name="/horde.test.Probe/Echo",
        )
        assert barrier is not None
        assert not barrier.broken
    assert outcome == {"requests": 100, "failures": 0}


@pytest.mark.slow
def test_postgres_through_locust_contrib_names(postgres: str) -> None:
    import psycopg

    with psycopg.connect(postgres, autocommit=True) as admin:
        admin.execute("CREATE SEQUENCE IF NOT EXISTS arrivals")
        admin.execute("ALTER SEQUENCE arrivals RESTART")
        outcome = run_held(
            "held_postgres.py",
            "postgresql://unused",
            env={"CONNINFO": postgres, "ARRIVALS": "arrivals"},
            name="execute_query",
        )
        arrived = admin.execute("SELECT last_value FROM arrivals").fetchone()
    assert outcome == {"requests": 100, "failures": 0}
    assert arrived == (100,)


@pytest.mark.slow
def test_postgres_barrier_catches_a_blocking_wait(postgres: str) -> None:
    """The negative control: with psycopg's C wait function (``PSYCOPG_WAIT_FUNC=wait_c``, what
    psycopg picks when ``select`` is not patched) each query blocks the whole process, so the
    users reach the barrier one at a time. With 3 users and a 1 s limit the first two give up
    (one failure each) and the third gets through alone: the barrier test above can fail.
    (With 100 users and the 40 s limit the same blocking made that test time out after 90 s.)
    """
    import psycopg

    with psycopg.connect(postgres, autocommit=True) as admin:
        admin.execute("CREATE SEQUENCE IF NOT EXISTS blocked_arrivals")
        admin.execute("ALTER SEQUENCE blocked_arrivals RESTART")
        result = run_horde_held(
            "held_postgres.py",
            "postgresql://unused",
            env={
                "CONNINFO": postgres,
                "ARRIVALS": "blocked_arrivals",
                "HELD_LIMIT": "1",
                "PSYCOPG_WAIT_FUNC": "wait_c",
            },
            users=3,
            limit=5,
        )
        arrived = admin.execute("SELECT last_value FROM blocked_arrivals").fetchone()
    entries = json.loads(result.stdout)["stats"]
    held = next(e for e in entries if e["name"] == "execute_query")
    assert (held["num_requests"], held["num_failures"]) == (3, 2), result.stderr
    assert arrived == (3,)
    assert "P0001 RaiseException: barrier not reached" in result.stdout + result.stderr


@pytest.mark.slow
def test_mqtt_through_locust_contrib_names(broker: int) -> None:
    import uuid

    run = uuid.uuid4().hex
    result = run_horde(
        [
            "-f",
            str(LOCUSTFILES / "held_mqtt.py"),
            "--headless",
            "-u",
            "100",
            "-r",
            "100",
            "-t",
            "60s",
            "-H",
            f"mqtt://127.0.0.1:{broker}",
            "--json",
            "--only-summary",
        ],
        env={"RUN": run},
    )
    assert result.returncode == 0, result.stderr
    entries = {e["name"]: e for e in json.loads(result.stdout)["stats"]}
    assert entries["connect"]["num_requests"] == 100
    published = [e for name, e in entries.items() if name.startswith(f"publish:1:held/{run}/")]
    assert len(published) == 100
    assert sum(e["num_failures"] for e in entries.values()) == 0
    received = sum(e["num_requests"] for n, e in entries.items() if n.startswith("message:1:"))
    assert received == 100 * 100
