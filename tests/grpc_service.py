"""A gRPC test service with every call shape, compiled from its .proto when the tests start.

``Echo`` (unary; ``hold`` waits at a barrier shared by concurrent calls), ``Count`` (server
streaming), ``Sum`` (client streaming), ``Chat`` (bidirectional) and ``Fail`` (aborts with the
status code it is asked for, details and trailing metadata). The server is grpcio's own, on
127.0.0.1 port 0, with threads enough for every held call.
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Iterator
from concurrent import futures
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import grpc
from grpc_tools import protoc

PROTO = """
syntax = "proto3";
package horde.test;

message Msg { string text = 1; int32 number = 2; bool hold = 3; }

service Probe {
  rpc Echo (Msg) returns (Msg) {}
  rpc Count (Msg) returns (stream Msg) {}
  rpc Sum (stream Msg) returns (Msg) {}
  rpc Chat (stream Msg) returns (stream Msg) {}
  rpc Fail (Msg) returns (Msg) {}
}
"""


def compile_service(directory: Path) -> tuple[ModuleType, ModuleType]:
    """Generate probe_pb2 / probe_pb2_grpc into ``directory`` and import them."""
    (directory / "probe.proto").write_text(PROTO)
    status = protoc.main(
        [
            "protoc",
            f"-I{directory}",
            f"--python_out={directory}",
            f"--grpc_python_out={directory}",
            str(directory / "probe.proto"),
        ]
    )
    assert status == 0, "protoc failed"
    sys.path.insert(0, str(directory))
    try:
        return importlib.import_module("probe_pb2"), importlib.import_module("probe_pb2_grpc")
    finally:
        sys.path.remove(str(directory))


def servicer(pb2: ModuleType, pb2_grpc: ModuleType, barrier: threading.Barrier | None) -> Any:
    class Probe(pb2_grpc.ProbeServicer):  # type: ignore[misc, name-defined]
        def Echo(self, request: Any, context: Any) -> Any:  # noqa: N802
            if request.hold and barrier is not None:
                try:
                    barrier.wait()
                except threading.BrokenBarrierError:
                    context.abort(grpc.StatusCode.DEADLINE_EXCEEDED, "barrier not reached")
            return pb2.Msg(text=request.text, number=request.number)

        def Count(self, request: Any, context: Any) -> Iterator[Any]:  # noqa: N802
            for i in range(request.number):
                yield pb2.Msg(text=f"{request.text}{i}", number=i)
            if request.text == "break":
                context.abort(grpc.StatusCode.INTERNAL, "stream broke")

        def Sum(self, requests: Iterator[Any], context: Any) -> Any:  # noqa: N802
            return pb2.Msg(number=sum(r.number for r in requests))

        def Chat(self, requests: Iterator[Any], context: Any) -> Iterator[Any]:  # noqa: N802
            for r in requests:
                yield pb2.Msg(text=r.text.upper())

        def Fail(self, request: Any, context: Any) -> Any:  # noqa: N802
            context.set_trailing_metadata((("retry-after", "7"),))
            context.abort(grpc.StatusCode[request.text], f"asked to fail with {request.text}")

    return Probe()


@contextmanager
def probe_server(
    pb2: ModuleType, pb2_grpc: ModuleType, hold: int | None = None
) -> Iterator[tuple[int, threading.Barrier | None]]:
    """Serve the probe service; yields (port, barrier of ``hold`` parties or None)."""
    barrier = threading.Barrier(hold, timeout=30) if hold else None
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=(hold or 0) + 8))
    pb2_grpc.add_ProbeServicer_to_server(servicer(pb2, pb2_grpc, barrier), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield port, barrier
    finally:
        server.stop(grace=None).wait(10)
