"""TcpClient / UdpClient / SocketUser against real echo servers on loopback."""

from __future__ import annotations

import ssl

import gevent
import pytest
import trustme

from conftest import Recorder
from horde.env import Environment
from horde.event import Events
from horde.exceptions import ConfigError, OperationFailed
from horde.protocols.framing import Delimited, LengthPrefixed
from horde.protocols.socket import SocketUser, TcpClient, UdpClient, parse_address
from protocol_servers import Barrier, LoopThread, ca, loop, server_tls, tcp_echo, udp_echo

__all__ = ["ca", "loop"]  # fixtures


def test_tcp_request_reply_with_length_prefix(
    loop: LoopThread, events: Events, recorder: Recorder
) -> None:
    with tcp_echo(loop) as port:
        with TcpClient(events.request, "127.0.0.1", port, framing=LengthPrefixed()) as client:
            assert client.request(b"hello", name="echo") == b"hello"
            assert client.request(b"x" * 200_000, name="big") == b"x" * 200_000
    assert recorder.names() == ["connect", "echo", "big"]
    assert [c["response_length"] for c in recorder.calls[1:]] == [5, 200_000]
    assert all(c["request_type"] == "tcp" and c["exception"] is None for c in recorder.calls)
    assert recorder.last["url"] == f"tcp://127.0.0.1:{port}"


def test_tcp_send_and_receive_halves(loop: LoopThread, events: Events, recorder: Recorder) -> None:
    with tcp_echo(loop) as port:
        with TcpClient(events.request, "127.0.0.1", port, framing=Delimited(b"\r\n")) as client:
            client.send(b"one")
            client.send(b"two")
            assert [client.receive(), client.receive()] == [b"one", b"two"]
    assert recorder.names() == ["connect", "send", "send", "receive", "receive"]
    assert recorder.calls[1]["response_length"] == len(b"one\r\n")


def test_refused_connection_is_a_failure_with_the_address(
    events: Events, recorder: Recorder
) -> None:
    from conftest import free_port

    port = free_port()
    with TcpClient(events.request, "127.0.0.1", port) as client:
        with pytest.raises(OperationFailed, match="connect: ConnectionRefusedError"):
            client.request(b"hi")
        call = recorder.only
        assert call["name"] == "connect"
        assert call["exception"] == "ConnectionRefusedError: [Errno 111] Connection refused"
        assert call["response"].url == f"tcp://127.0.0.1:{port}"


def test_peer_closing_mid_reply_fails_with_the_partial_reply_then_reconnects(
    loop: LoopThread, events: Events, recorder: Recorder
) -> None:
    with tcp_echo(loop, close_after=1) as port:
        with TcpClient(events.request, "127.0.0.1", port, framing=Delimited()) as client:
            assert client.request(b"first") == b"first"
            with pytest.raises(
                OperationFailed, match="connection closed by the peer after 3 bytes"
            ):
                client.request(b"second")
            assert client.request(b"third") == b"third"  # a new connection
    failure = recorder.failures()[0]
    assert failure["response"].content == b"sec"
    assert recorder.names() == ["connect", "request", "request", "connect", "request"]


def test_reply_timeout_is_a_failure(loop: LoopThread, events: Events, recorder: Recorder) -> None:
    with (
        tcp_echo(loop) as port,
        TcpClient(events.request, "127.0.0.1", port, framing=Delimited(), timeout=0.2) as client,
    ):
        client.connect()
        client.sock.sendall(b"partial")  # echoed without a delimiter: never a whole reply
        with pytest.raises(OperationFailed, match="timed out"):
            client.receive()
    assert recorder.last["exception"] == "TimeoutError: timed out"
    assert recorder.last["response"].content == b"partial"


def test_hostile_length_prefix_fails_fast(
    loop: LoopThread, events: Events, recorder: Recorder
) -> None:
    with (
        tcp_echo(loop) as port,
        TcpClient(
            events.request, "127.0.0.1", port, framing=LengthPrefixed(max_length=10)
        ) as client,
    ):
        client.connect()
        client.sock.sendall(b"\x7f\xff\xff\xffrest")  # the echo announces 2 GiB
        with pytest.raises(OperationFailed, match="announces 2147483647 bytes"):
            client.receive()
        assert client.sock is None  # closed: the stream is out of step


def test_tls_over_tcp(loop: LoopThread, ca: trustme.CA, events: Events, recorder: Recorder) -> None:
    import asyncio

    context = server_tls(ca)

    async def start() -> asyncio.Server:
        async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            while data := await reader.read(1000):
                writer.write(data)
            writer.close()

        return await asyncio.start_server(echo, "127.0.0.1", 0, ssl=context)

    server = loop.run(start())
    port = server.sockets[0].getsockname()[1]
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)
    try:
        with TcpClient(
            events.request, "localhost", port, framing=Delimited(), tls=client_context
        ) as client:
            assert client.request(b"secret") == b"secret"
        with TcpClient(events.request, "localhost", port, tls=True) as untrusting:
            with pytest.raises(OperationFailed, match="CERTIFICATE_VERIFY_FAILED"):
                untrusting.request(b"x")
    finally:
        loop.close_server(server)
    assert recorder.calls[0]["url"] == f"tls://localhost:{port}"


def test_udp_request_reply_and_lost_datagram(
    loop: LoopThread, events: Events, recorder: Recorder
) -> None:
    with udp_echo(loop, drop=b"lost") as port:
        with UdpClient(events.request, "127.0.0.1", port, timeout=0.2) as client:
            assert client.request(b"ping") == b"ping"
            with pytest.raises(OperationFailed, match="timed out"):
                client.request(b"lost one")
            assert client.request(b"again") == b"again"
    assert [c["request_type"] for c in recorder.calls] == ["udp"] * 3
    assert [c["exception"] is None for c in recorder.calls] == [True, False, True]


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("tcp://127.0.0.1:9000", ("tcp", "127.0.0.1", 9000)),
        ("udp://[::1]:53", ("udp", "::1", 53)),
        ("localhost:7", ("tcp", "localhost", 7)),
    ],
)
def test_parse_address(host: str, expected: tuple[str, str, int]) -> None:
    assert parse_address(host) == expected


@pytest.mark.parametrize("host", ["http://x:1", "tcp://nohost", "tcp://h:99999", "tcp://:5"])
def test_bad_addresses_are_config_errors(host: str) -> None:
    with pytest.raises(ConfigError, match="tcp://HOST:PORT|bad port"):
        parse_address(host)


def test_hundred_users_wait_together_in_one_process(loop: LoopThread, events: Events) -> None:
    """Every reply is held until 100 requests are in flight: only concurrent users get one."""
    barrier = Barrier(100, limit=20)
    with tcp_echo(loop, barrier) as tcp_port, udp_echo(loop, barrier) as udp_port:

        class Tcp(SocketUser):
            host = f"tcp://127.0.0.1:{tcp_port}"
            framing = Delimited()

        class Udp(SocketUser):
            host = f"udp://127.0.0.1:{udp_port}"

        env = Environment(events=events)
        users = [Tcp(env) for _ in range(50)] + [Udp(env) for _ in range(50)]
        jobs = [gevent.spawn(user.client.request, b"hold") for user in users]
        gevent.joinall(jobs, timeout=30, raise_error=True)
        for user in users:
            user.client.close()
    assert [job.value for job in jobs] == [b"hold"] * 100
    assert barrier.peak == 100
