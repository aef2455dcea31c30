"""Every file in examples/ runs as documented, without failures: the HTTP ones against the demo
target, those in examples/protocols/ each against the real server it needs, started here."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from conftest import REPO, run_horde
from mqtt_broker import broker
from postgres_server import postgres
from protocol_servers import LoopThread, loop, tcp_echo, websocket_server

__all__ = ["broker", "loop", "postgres"]  # fixtures

EXAMPLES = sorted((REPO / "examples").glob("*.py"))


@pytest.mark.slow
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_runs_cleanly(path: Path, fresh_target: str, tmp_path: Path) -> None:
    result = run_horde(
        [
            "-f",
            str(path),
            "--headless",
            "-u",
            "4",
            "-r",
            "4",
            "-t",
            "3s",
            "-H",
            fresh_target,
            "--json",
            "--only-summary",
        ],
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    entries = json.loads(result.stdout)["stats"]
    assert sum(e["num_requests"] for e in entries) > 0
    assert sum(e["num_failures"] for e in entries) == 0
    assert "Traceback" not in result.stderr


# -- examples/protocols: each against the real server it needs, started here -------------------

PROTOCOL_EXAMPLES: dict[str, set[str]] = {
    # example -> names that must be recorded (and nothing may fail)
    "websocket_echo.py": {"connect", "echo", "chat send", "chat"},
    "tcp_lines.py": {"connect", "GET", "SET"},
    "grpc_greeter.py": {"/greeter.Greeter/SayHello", "/greeter.Greeter/SayHellos"},
    "postgres_queries.py": {"connect", "create table", "browse", "add"},
    "mqtt_sensors.py": {"connect", "publish:1:sensors/"},
    "test_api_as_load.py": {"/api/items", "/api/items/[id]"},
}


def test_every_protocol_example_is_run() -> None:
    on_disk = {p.name for p in (REPO / "examples" / "protocols").glob("*.py")}
    assert on_disk == set(PROTOCOL_EXAMPLES)


@contextmanager
def greeter_server() -> Iterator[str]:
    """The gRPC example's own greeter service (``serve()`` in the example), on port 0."""
    spec = importlib.util.spec_from_file_location(
        "grpc_greeter_example", REPO / "examples" / "protocols" / "grpc_greeter.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    server, port = module.serve(0)
    try:
        yield f"grpc://127.0.0.1:{port}"
    finally:
        server.stop(grace=None).wait(10)


@pytest.fixture
def protocol_host(
    request: pytest.FixtureRequest, loop: LoopThread, fresh_target: str
) -> Iterator[str]:
    """Starts what the example ``request.param`` needs; yields its ``-H``."""
    name = request.param
    with ExitStack() as stack:
        if name == "websocket_echo.py":
            yield stack.enter_context(websocket_server(loop))
        elif name == "tcp_lines.py":
            yield f"tcp://127.0.0.1:{stack.enter_context(tcp_echo(loop))}"
        elif name == "grpc_greeter.py":
            yield stack.enter_context(greeter_server())
        elif name == "postgres_queries.py":
            yield request.getfixturevalue("postgres")
        elif name == "mqtt_sensors.py":
            yield f"mqtt://127.0.0.1:{request.getfixturevalue('broker')}"
        else:
            yield fresh_target


@pytest.mark.slow
@pytest.mark.parametrize("protocol_host", sorted(PROTOCOL_EXAMPLES), indirect=True)
def test_protocol_example_runs_against_its_server(
    protocol_host: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    name = request.node.callspec.params["protocol_host"]
    result = run_horde(
        [
            "-f",
            str(REPO / "examples" / "protocols" / name),
            *("--headless", "-u", "4", "-r", "4", "-t", "2s"),
            *("-H", protocol_host, "--json", "--only-summary"),
        ],
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    entries = json.loads(result.stdout)["stats"]
    recorded = {e["name"] for e in entries}
    for expected in PROTOCOL_EXAMPLES[name]:
        assert any(n == expected or n.startswith(expected) for n in recorded), (expected, recorded)
    assert sum(e["num_failures"] for e in entries) == 0, result.stdout
