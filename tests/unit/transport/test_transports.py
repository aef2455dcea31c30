"""Both transports keep the contract of horde.transport: frames round-trip with the peer's
identity, a receive times out with None, the server drops what it cannot deliver, closing is
idempotent. The ZeroMQ ones use real sockets on 127.0.0.1."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest

from horde.exceptions import TransportError
from horde.transport.inproc import InprocServer
from horde.transport.zmq import ZmqClient, ZmqServer, tcp_endpoint


@pytest.fixture
def zmq_pair() -> Iterator[tuple[ZmqServer, ZmqClient]]:
    server = ZmqServer("tcp://127.0.0.1:0")
    client = ZmqClient(server.endpoint, b"worker-1")
    try:
        yield server, client
    finally:
        client.close()
        server.close()


def test_zmq_frames_round_trip_with_the_identity(zmq_pair: tuple[ZmqServer, ZmqClient]) -> None:
    server, client = zmq_pair
    assert server.endpoint.startswith("tcp://127.0.0.1:")
    client.send([b"hello", b"\x00\xff"])
    peer, frames = server.recv()
    assert (peer, frames) == (b"worker-1", [b"hello", b"\x00\xff"])
    server.send(peer, [b"welcome"])
    assert client.recv(5.0) == [b"welcome"]
    assert client.recv(0.05) is None
    server.send(b"nobody", [b"dropped"])  # an unknown peer: dropped, no error


def test_a_receive_timeout_works_past_file_descriptor_1023() -> None:
    """zmq.green's poll() is select(): it failed for a descriptor above 1023, which a worker
    with a thousand users reaches (found by benchmarks/distributed_scale.py)."""
    spare = [socket.socket() for _ in range(1100)]
    try:
        server = ZmqServer("tcp://127.0.0.1:0")
        client = ZmqClient(server.endpoint, b"high")
        try:
            assert max(s.fileno() for s in spare) > 1023
            assert client.recv(0.05) is None
            client.send([b"ping"])
            assert server.recv() == (b"high", [b"ping"])
        finally:
            client.close()
            server.close()
    finally:
        for sock in spare:
            sock.close()


def test_a_port_in_use_is_a_transport_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(TransportError, match=f"cannot listen on tcp://127.0.0.1:{port}"):
            ZmqServer(tcp_endpoint("127.0.0.1", port))


def test_ipc_endpoints_and_ipv6_addresses(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert tcp_endpoint("::1", 5557) == "tcp://[::1]:5557"
    path = f"ipc://{tmp_path}/master.sock"
    server = ZmqServer(path)
    client = ZmqClient(path, b"w")
    try:
        client.send([b"x"])
        assert server.recv() == (b"w", [b"x"])
        assert os.path.exists(f"{tmp_path}/master.sock")
    finally:
        client.close()
        server.close()
        server.close()  # idempotent


def test_inproc_keeps_the_same_contract() -> None:
    server = InprocServer()
    client = server.connect(b"w")
    client.send([b"a"])
    assert server.recv() == (b"w", [b"a"])
    server.send(b"w", [b"b"])
    assert client.recv(1.0) == [b"b"]
    assert client.recv(0.01) is None
    with pytest.raises(TransportError, match="already connected"):
        server.connect(b"w")
    client.close()
    server.send(b"w", [b"gone"])  # dropped
    with pytest.raises(TransportError):
        client.send([b"late"])
    server.close()
    with pytest.raises(TransportError):
        server.recv()
