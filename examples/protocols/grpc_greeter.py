"""GrpcUser: generated stubs, every call recorded as ``/package.Service/Method``.

The service is ``greeter.proto`` beside this file; its stubs are generated when the file is
loaded (grpcio-tools: ``pip install grpcio-tools``), so nothing generated is kept in the
repository. The same file serves the greeter, for trying it out:

    python examples/protocols/grpc_greeter.py 50051          # in one terminal
    horde -f examples/protocols/grpc_greeter.py --headless -u 10 -r 10 -t 30s -H grpc://127.0.0.1:50051

Recorded (request type ``grpc``): ``/greeter.Greeter/SayHello`` from the call to its reply, and
``/greeter.Greeter/SayHellos`` (server streaming) to the last message of the stream, with the
messages' sizes added up. A non-OK status is a failure named by its code (``UNAVAILABLE: ...``)
whose sample keeps the numeric code and trailing metadata. Under the ``horde`` command grpcio
runs on gevent (``init_gevent()`` is called for you), so users never block one another.
"""

import importlib
import sys
import tempfile
from concurrent import futures
from pathlib import Path
from types import ModuleType

import grpc
from grpc_tools import protoc

from horde import GrpcUser, between, task

HERE = Path(__file__).resolve().parent


def generate_stubs() -> tuple[ModuleType, ModuleType]:
    """Compile greeter.proto and import the generated ``greeter_pb2`` and ``greeter_pb2_grpc``."""
    with tempfile.TemporaryDirectory(prefix="greeter-") as out:
        status = protoc.main(
            [
                "protoc",
                f"-I{HERE}",
                f"--python_out={out}",
                f"--grpc_python_out={out}",
                str(HERE / "greeter.proto"),
            ]
        )
        if status != 0:
            raise RuntimeError(f"protoc could not compile greeter.proto (status {status})")
        sys.path.insert(0, out)
        try:
            return importlib.import_module("greeter_pb2"), importlib.import_module(
                "greeter_pb2_grpc"
            )
        finally:
            sys.path.remove(out)


greeter_pb2, greeter_pb2_grpc = generate_stubs()


class GreeterUser(GrpcUser):
    stub_class = greeter_pb2_grpc.GreeterStub  # self.stub is one on the recorded channel
    wait_time = between(0.05, 0.2)

    @task(3)
    def say_hello(self) -> None:
        self.stub.SayHello(greeter_pb2.HelloRequest(name="horde"), timeout=10)

    @task
    def say_hellos(self) -> None:
        # the stream is one operation, timed to its last message
        for _reply in self.stub.SayHellos(greeter_pb2.HelloRequest(name="horde"), timeout=10):
            pass


# -- the service, for trying the example out ----------------------------------------------------


class Greeter(greeter_pb2_grpc.GreeterServicer):
    def SayHello(self, request, context):  # noqa: N802 - the name is the RPC's
        return greeter_pb2.HelloReply(message=f"Hello, {request.name}!")

    def SayHellos(self, request, context):  # noqa: N802
        for greeting in ("Hello", "Bonjour", "Hallo"):
            yield greeter_pb2.HelloReply(message=f"{greeting}, {request.name}!")


def serve(port: int = 0) -> tuple[grpc.Server, int]:
    """Start the greeter on 127.0.0.1:``port`` (0: any free port); returns it and its port."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    greeter_pb2_grpc.add_GreeterServicer_to_server(Greeter(), server)
    bound = server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    return server, bound


if __name__ == "__main__":
    running, bound_port = serve(int(sys.argv[1]) if len(sys.argv) > 1 else 50051)
    print(f"greeter listening on 127.0.0.1:{bound_port}")
    running.wait_for_termination()
