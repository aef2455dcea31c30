"""One run of a generator against a protocol server, and its steady-state figures.

The operations are counted by the server (benchmarks/protocol_server.py), read from its shared
counter every 0.2 s together with the generator's CPU ticks (bench.procs). The steady window
opens ``ramp + settle`` seconds after the first operation (every user spawned and warmed up)
and closes at the run-time limit, or one sample before the counter stopped rising if that comes
first (the stop phase is not steady state). Operations/s is the counter's rise over the window;
CPU is the generator process tree's user + system time over the same wall time, in cores; their
quotient is operations per second per core, the figure that does not depend on whether the
generator or the server was the bottleneck.
"""

from __future__ import annotations

import mmap
import shutil
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import procs

HELLO_DIR = Path(__file__).resolve().parents[2] / "tests/compat/locustfiles/locust_grpc_example"
HELLO_FILES = ("hello_pb2.py", "hello_pb2_grpc.py", "grpc_user.py")
MIN_WINDOW = 0.8
SPAWN_PER_USER = 10  # spawn rate = 10 x users: every user is running 0.1 s after the first
START_ALLOWANCE = 60

HORDE_WEBSOCKET = """
from horde import WebSocketUser, constant, constant_throughput, task


class Echo(WebSocketUser):
    host = "{url}"
    wait_time = {wait}

    @task
    def echo(self):
        self.client.request("{message}", name="echo")
"""

# Locust ships no plain WebSocket user: its documentation's way for another protocol is a client
# of your choice timed by events.request.measure. Here websocket-client, the library horde uses.
LOCUST_WEBSOCKET = """
import websocket
from locust import User, constant, constant_throughput, task


class Echo(User):
    host = "{url}"
    wait_time = {wait}

    def on_start(self):
        self.ws = websocket.create_connection(self.host)

    def on_stop(self):
        self.ws.close()

    @task
    def echo(self):
        with self.environment.events.request.measure("websocket", "echo"):
            self.ws.send("{message}")
            self.ws.recv()
"""

HORDE_GRPC = """
import hello_pb2
import hello_pb2_grpc
from horde import GrpcUser, constant, constant_throughput, task


class Hello(GrpcUser):
    host = "{target}"
    stub_class = hello_pb2_grpc.HelloServiceStub
    wait_time = {wait}

    @task
    def hello(self):
        self.stub.SayHello(hello_pb2.HelloRequest(name="{message}"))
"""

# Locust's examples/grpc user (grpc_user.py, copied unchanged), as its locustfile uses it, with
# the benchmark's wait time and without starting the example's own (one-second) server.
LOCUST_GRPC = """
import grpc_user
import hello_pb2
import hello_pb2_grpc
from locust import constant, constant_throughput, task


class HelloGrpcUser(grpc_user.GrpcUser):
    host = "{target}"
    stub_class = hello_pb2_grpc.HelloServiceStub
    wait_time = {wait}

    @task
    def sayHello(self):
        self.stub.SayHello(hello_pb2.HelloRequest(name="{message}"))
"""


@dataclass(frozen=True)
class ProtoScenario:
    """What runs: which server, and which locustfile each tool gets."""

    key: str
    protocol: str  # "websocket" or "grpc": the server to start
    files: dict[str, str]  # tool -> locustfile template
    title: str


SCENARIOS = [
    ProtoScenario(
        "ws",
        "websocket",
        {"horde": HORDE_WEBSOCKET, "locust": LOCUST_WEBSOCKET},
        "WebSocket echo: horde's WebSocketUser vs websocket-client timed by Locust's measure()",
    ),
    ProtoScenario(
        "ws-same",
        "websocket",
        {"horde": LOCUST_WEBSOCKET, "locust": LOCUST_WEBSOCKET},
        "WebSocket echo: the same Locust-style locustfile on both",
    ),
    ProtoScenario(
        "grpc",
        "grpc",
        {"horde": HORDE_GRPC, "locust": LOCUST_GRPC},
        "gRPC unary: horde's GrpcUser vs Locust's examples/grpc GrpcUser",
    ),
    ProtoScenario(
        "grpc-same",
        "grpc",
        {"horde": LOCUST_GRPC, "locust": LOCUST_GRPC},
        "gRPC unary: Locust's examples/grpc user on both",
    ),
]


@dataclass
class ProtoResult:
    scenario: str
    tool: str
    pair: int
    ok: bool = True
    reason: str = ""
    metrics: dict[str, float] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Server:
    """A running protocol server: its process, address and counter."""

    process: Any
    address: str  # ws://127.0.0.1:PORT or 127.0.0.1:PORT
    counter: mmap.mmap

    def probe(self) -> tuple[int, int]:
        return struct.unpack_from("<Q", self.counter, 0)[0], 0


def wait_time(users: int, rate: float) -> str:
    """``constant(0)`` (as fast as it goes), or each user's share of ``rate`` operations/s."""
    return f"constant_throughput({rate / users!r})" if rate > 0 else "constant(0)"


def write_locustfile(
    run_dir: Path, scenario: ProtoScenario, tool: str, server: Server, wait: str
) -> None:
    values = {"url": server.address, "target": server.address, "message": "x" * 16, "wait": wait}
    (run_dir / "locustfile.py").write_text(
        scenario.files[tool].format(**values).lstrip(), encoding="utf-8"
    )
    if scenario.protocol == "grpc":
        for name in HELLO_FILES:
            shutil.copy(HELLO_DIR / name, run_dir / name)


def generator_args(executable: Path, users: int, run_time: int) -> list[str]:
    return [
        *(str(executable), "-f", "locustfile.py", "--headless", "--only-summary"),
        *("-u", str(users), "-r", str(users * SPAWN_PER_USER), "-t", f"{run_time}s"),
        *("--json-file", "stats"),
    ]


def measure(
    result: ProtoResult, finished: procs.Finished, ramp: float, settle: float, run_time: float
) -> ProtoResult:
    """Fill ``result.metrics`` from the samples' steady window (or mark the run failed)."""
    samples = finished.samples
    result.metrics["peak_rss_mib"] = round(finished.max_rss_kib / 1024, 1)
    active = [i for i in range(1, len(samples)) if samples[i].requests > samples[i - 1].requests]
    if not active:
        return _failed(result, "the server answered no operation")
    start = samples[active[0] - 1].mono
    end = min(active[-1] - 1, max(i for i, s in enumerate(samples) if s.mono <= start + run_time))
    begin = next((i for i in range(end) if samples[i].mono >= start + ramp + settle), end)
    a, b = samples[begin], samples[end]
    seconds = b.mono - a.mono
    if seconds < MIN_WINDOW:
        return _failed(result, f"steady window only {max(seconds, 0):.1f} s; use a longer run")
    cores = (b.cpu_ticks - a.cpu_ticks) / procs.CLOCK_TICKS / seconds
    ops = (b.requests - a.requests) / seconds
    server = (b.server_own_ticks - a.server_own_ticks) / procs.CLOCK_TICKS / seconds
    server_core = (b.server_core_ticks - a.server_core_ticks) / procs.CLOCK_TICKS / seconds
    other = (b.core_ticks - a.core_ticks) / procs.CLOCK_TICKS / seconds - cores
    result.metrics.update(
        ops_per_second=round(ops, 1),
        cpu_percent=round(100 * cores, 1),
        ops_per_core=round(ops / cores, 1) if cores > 0 else 0.0,
        server_cpu_percent=round(100 * server, 1),  # the server's process (and the harness)
        foreign_cpu_percent=round(max(0.0, 100 * other), 1),  # other work, generator core
        server_foreign_cpu_percent=round(max(0.0, 100 * (server_core - server)), 1),
    )
    result.details["window"] = {"start_s": round(a.mono - start, 2), "seconds": round(seconds, 2)}
    return result


def _failed(result: ProtoResult, reason: str) -> ProtoResult:
    result.ok, result.reason = False, reason
    return result


def failure_reason(run_dir: Path, exit_code: int) -> str:
    """The last line of the run's stderr that looks like an error, else its last line."""
    try:
        lines = [ln.strip() for ln in (run_dir / "stderr.txt").read_text().splitlines()]
    except OSError:
        lines = []
    lines = [ln for ln in lines if ln]
    errors = [ln for ln in lines if "rror" in ln or "xception" in ln]
    return (errors or lines or [f"exit code {exit_code}, no output"])[-1][:200]
