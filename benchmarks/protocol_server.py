"""The servers benchmarks/protocols.py measures against: WebSocket echo and gRPC unary hello.

    python benchmarks/protocol_server.py {websocket,grpc} --counter FILE --port-file FILE

Each listens on 127.0.0.1 port 0, writes the port it got to ``--port-file`` (then renames it
into place, so the harness never reads half a number) and counts every operation it answered
in the first 8 bytes of ``--counter`` (an unsigned 64-bit integer in a shared mapping), which the
harness reads as often as it likes without a request of its own. The WebSocket server is a
minimal asyncio protocol of its own (see :class:`WebSocketEcho`: the ``websockets`` package was
slower than one generator); the gRPC one is grpcio's. Where the server's core is still the limit,
the harness's figure per generator core stays comparable (it reports the server core's load).

The gRPC service is Locust's ``examples/grpc`` hello service (``hello_pb2*`` from
tests/compat/locustfiles/locust_grpc_example), so Locust's example user and horde's GrpcUser
call the same method with the same messages; the reply is immediate (no sleep).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import mmap
import os
import struct
import sys
from pathlib import Path
from typing import Any

HELLO_DIR = Path(__file__).resolve().parents[1] / "tests/compat/locustfiles/locust_grpc_example"
COUNTER = struct.Struct("<Q")
GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455's handshake constant


class Counter:
    """Operations answered, in a file the harness maps too."""

    def __init__(self, path: Path) -> None:
        with open(path, "r+b") as file:
            self.map = mmap.mmap(file.fileno(), COUNTER.size)
        self.value = 0

    def add(self) -> None:
        self.value += 1
        COUNTER.pack_into(self.map, 0, self.value)


def announce(port_file: Path, port: int) -> None:
    partial = port_file.with_suffix(".partial")
    partial.write_text(str(port), encoding="ascii")
    os.replace(partial, port_file)


class WebSocketEcho(asyncio.Protocol):
    """A WebSocket echo server written for speed, not completeness (RFC 6455's happy path).

    The ``websockets`` package answers about 7,000 messages/s on one core, less than one
    generator core sends: measuring generators needs a server that is not the bottleneck.
    This one does the opening handshake, then echoes every text or binary frame (unmasked, as
    a server sends), answers a ping with a pong and a close with a close. No fragmentation,
    no extensions; frames up to 64 KiB. Good for benchmarks, nothing else.
    """

    def __init__(self, counter: Counter) -> None:
        self.counter = counter
        self.buffer = bytearray()
        self.open = False
        self.transport: Any = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.open:
            self._handshake()
        if self.open:
            self._frames()

    def _handshake(self) -> None:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buffer[:end]).decode("latin-1")
        del self.buffer[: end + 4]
        key = next(
            (line.split(":", 1)[1].strip() for line in head.split("\r\n")
             if line.lower().startswith("sec-websocket-key:")),
            "",
        )  # fmt: skip
        accept = base64.b64encode(
            hashlib.sha1((key + GUID).encode(), usedforsecurity=False).digest()
        ).decode()
        self.transport.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept.encode() + b"\r\n\r\n"
        )
        self.open = True

    def _frames(self) -> None:
        buffer, out = self.buffer, bytearray()
        while len(buffer) >= 6:
            opcode, length, start = buffer[0] & 0x0F, buffer[1] & 0x7F, 2
            if length == 126:
                if len(buffer) < 8:
                    break
                length, start = int.from_bytes(buffer[2:4], "big"), 4
            elif length == 127:
                self.transport.close()  # larger than a benchmark sends
                return
            if len(buffer) < start + 4 + length:
                break
            mask = bytes(buffer[start : start + 4]) * (length // 4 + 1)
            body = start + 4
            payload = (int.from_bytes(buffer[body : body + length], "big") ^ int.from_bytes(
                mask[:length], "big")).to_bytes(length, "big")  # fmt: skip
            del buffer[: body + length]
            if opcode == 0x8:  # close: answer it, then hang up
                self.transport.write(b"\x88\x00")
                self.transport.close()
                return
            reply = 0xA if opcode == 0x9 else opcode  # ping -> pong, data -> same
            header = bytes([0x80 | reply, length]) if length < 126 else (
                bytes([0x80 | reply, 126]) + length.to_bytes(2, "big"))  # fmt: skip
            out += header + payload
            if opcode in (0x1, 0x2):
                self.counter.add()
        if out:
            self.transport.write(bytes(out))


async def websocket_echo(counter: Counter, port_file: Path) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: WebSocketEcho(counter), "127.0.0.1", 0)
    announce(port_file, server.sockets[0].getsockname()[1])
    await server.serve_forever()


async def grpc_hello(counter: Counter, port_file: Path) -> None:
    import grpc

    sys.path.insert(0, str(HELLO_DIR))
    import hello_pb2
    import hello_pb2_grpc

    class Hello(hello_pb2_grpc.HelloServiceServicer):  # type: ignore[misc]
        async def SayHello(self, request: Any, context: Any) -> Any:  # noqa: N802
            counter.add()
            return hello_pb2.HelloResponse(message=f"Hello, {request.name}!")

    server = grpc.aio.server()
    hello_pb2_grpc.add_HelloServiceServicer_to_server(Hello(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    announce(port_file, port)
    await server.wait_for_termination()


SERVERS = {"websocket": websocket_echo, "grpc": grpc_hello}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("protocol", choices=sorted(SERVERS))
    parser.add_argument("--counter", type=Path, required=True)
    parser.add_argument("--port-file", type=Path, required=True)
    options = parser.parse_args()
    serve = SERVERS[options.protocol]
    asyncio.run(serve(Counter(options.counter), options.port_file))


if __name__ == "__main__":
    main()
