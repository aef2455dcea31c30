"""FastHttpSession against scripted servers: the framing cases a load generator meets.

Chunked bodies with extensions and trailers, ``Connection: close``, a pooled connection the
server closed meanwhile, a close in the middle of a body, bodyless responses, interim 1xx
responses, large bodies, bodies ended by the close, HTTP/1.0, slow and broken servers.
"""

from __future__ import annotations

import gzip
import threading
import time
import zlib
from typing import Any

import pytest

from horde.clients.fast.wire import ProtocolViolationError, RemoteClosedError

pytest_plugins = ["fast_kit"]

WAIT = 10.0


@pytest.fixture
def client(fast_session: Any) -> Any:
    """``client(server, **options)``: a FastHttpSession for a scripted server."""

    def make(server: Any, **options: Any) -> Any:
        return fast_session(server.url, **options)

    return make


def answer_once_then(close: str) -> Any:
    """A scenario: answer one request with a keep-alive 200, then close (FIN or RST)."""

    def scenario(peer: Any) -> None:
        if peer.read_request() is None:
            return
        peer.send(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        if close == "rst":
            peer.reset()

    return scenario


# -- keep-alive and closing -----------------------------------------------------------------------


def test_one_connection_carries_many_requests(scripted: Any, client: Any, recorder: Any) -> None:
    server = scripted.keep_alive(lambda request: scripted.ok(request.target.encode()))
    session = client(server)
    bodies = [session.get(f"/r/{index}").content for index in range(20)]
    assert bodies == [f"/r/{index}".encode() for index in range(20)]
    assert server.connections == 1
    assert recorder.failures() == []


def test_connection_close_responses_open_a_new_connection_each(
    scripted: Any, client: Any, recorder: Any
) -> None:
    server = scripted.keep_alive(lambda _: scripted.ok(b"bye", "Connection: close"))
    # keep_alive's loop ends when the client closes: the client must close after each answer
    session = client(server)
    assert [session.get("/a").content for _ in range(3)] == [b"bye"] * 3
    assert server.connections == 3
    assert recorder.failures() == []


@pytest.mark.parametrize("close", ["fin", "rst"])
def test_a_pooled_connection_closed_by_the_server_is_replaced_silently(
    scripted: Any, client: Any, recorder: Any, close: str
) -> None:
    server = scripted(answer_once_then(close))
    session = client(server)
    for _ in range(3):
        assert session.get("/again").status_code == 200
        server.wait_closed()  # the server has closed the idle pooled connection
    assert server.connections == 3
    assert len(recorder.calls) == 3
    assert recorder.failures() == []


def test_a_server_that_closes_in_the_middle_of_the_body_fails_the_request(
    scripted: Any, client: Any, recorder: Any
) -> None:
    def scenario(peer: Any) -> None:
        while peer.read_request() is not None:
            if peer.index == 0:
                peer.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part")
                return
            peer.send(scripted.ok())

    server = scripted(scenario)
    session = client(server)
    broken = session.get("/partial", name="partial")
    assert broken.status_code == 0
    assert isinstance(broken.error, RemoteClosedError)
    assert str(recorder.last["exception"]) == (
        "RemoteClosedError: connection closed by the server in the middle of the body"
    )
    assert session.get("/next").content == b"ok"
    assert server.connections == 2, "the broken connection was not reused"


def test_a_close_inside_a_chunked_body_fails_the_request(
    scripted: Any, client: Any, recorder: Any
) -> None:
    def scenario(peer: Any) -> None:
        if peer.read_request() is not None:
            peer.send(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n8\r\nwor"
            )

    session = client(scripted(scenario))
    assert session.get("/chunks").status_code == 0
    assert "RemoteClosedError" in str(recorder.last["exception"])


# -- bodies and framing ----------------------------------------------------------------------------


def test_chunked_bodies_with_extensions_and_trailers(
    scripted: Any, client: Any, recorder: Any
) -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n"
        b"5;name=value\r\nhello\r\n"
        b'1 ; quoted="x"\r\n \r\n'
        b"A\r\n0123456789\r\n"
        b"0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n"
    )
    server = scripted.keep_alive(lambda _: chunked)
    session = client(server)
    for _ in range(3):  # the trailers were consumed: the next response parses on the same socket
        assert session.get("/c").content == b"hello 0123456789"
    assert server.connections == 1
    assert recorder.last["response_length"] == 16


def test_a_response_arriving_in_tiny_pieces(scripted: Any, client: Any) -> None:
    message = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"4\r\nslow\r\n6\r\n, slow\r\n0\r\n\r\n"
    )

    def scenario(peer: Any) -> None:
        while peer.read_request() is not None:
            for at in range(0, len(message), 3):
                peer.send(message[at : at + 3])
                time.sleep(0.001)  # separate packets; nothing is timed

    server = scripted(scenario)
    session = client(server)
    assert session.get("/slow").content == b"slow, slow"
    assert session.get("/slow").content == b"slow, slow"
    assert server.connections == 1


@pytest.mark.parametrize("size", [0, 1, 65535, 65536, 65537, 6 * 1024 * 1024 + 3])
def test_content_length_bodies_of_any_size_arrive_exactly(
    scripted: Any, client: Any, recorder: Any, size: int
) -> None:
    body = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    server = scripted.keep_alive(lambda _: scripted.ok(body))
    session = client(server)
    assert session.get("/big").content == body
    assert session.get("/big").content == body
    assert recorder.last["response_length"] == size
    assert server.connections == 1


def test_a_large_chunked_body(scripted: Any, client: Any) -> None:
    piece = bytes(range(256)) * 256  # 64 KiB
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for _ in range(48))
    message = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n"
    server = scripted.keep_alive(lambda _: message)
    assert client(server).get("/big").content == piece * 48


def test_a_body_without_length_ends_when_the_server_closes(
    scripted: Any, client: Any, recorder: Any
) -> None:
    def scenario(peer: Any) -> None:
        if peer.read_request() is not None:
            peer.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")
            peer.send(b"all of ")
            peer.send(b"it")

    server = scripted(scenario)
    session = client(server)
    assert session.get("/stream").content == b"all of it"
    assert session.get("/stream").content == b"all of it"
    assert server.connections == 2
    assert recorder.failures() == []


@pytest.mark.parametrize(
    ("response", "connections"),
    [
        (b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", 2),
        (b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok", 1),
    ],
    ids=["close", "keep-alive"],
)
def test_http_1_0_responses(
    scripted: Any, client: Any, recorder: Any, response: bytes, connections: int
) -> None:
    server = scripted.keep_alive(lambda _: response)
    session = client(server)
    assert session.get("/old").content == b"ok"
    assert session.get("/old").content == b"ok"
    assert server.connections == connections
    assert recorder.failures() == []


def test_http_1_0_without_a_length_reads_to_the_close(scripted: Any, client: Any) -> None:
    def scenario(peer: Any) -> None:
        if peer.read_request() is not None:
            peer.send(b"HTTP/1.0 200 OK\r\n\r\nold school")

    assert client(scripted(scenario)).get("/old").text == "old school"


@pytest.mark.parametrize(
    ("method", "status_line", "headers"),
    [
        ("HEAD", "200 OK", "Content-Length: 1000\r\n"),
        ("HEAD", "200 OK", "Transfer-Encoding: chunked\r\n"),
        ("GET", "204 No Content", ""),
        ("GET", "304 Not Modified", "Content-Length: 1000\r\n"),
        ("GET", "304 Not Modified", "Transfer-Encoding: chunked\r\n"),
    ],
)
def test_responses_without_a_body_do_not_wait_for_one(
    scripted: Any, client: Any, recorder: Any, method: str, status_line: str, headers: str
) -> None:
    bodyless = f"HTTP/1.1 {status_line}\r\n{headers}\r\n".encode()

    def respond(request: Any) -> bytes:
        return scripted.ok(b"next") if request.target == "/next" else bodyless

    server = scripted.keep_alive(respond)
    session = client(server)
    response = session.request(method, "/nobody")
    assert response.status_code == int(status_line[:3])
    assert response.content == b""
    assert session.get("/next").content == b"next", "the connection is still in step"
    assert server.connections == 1
    assert recorder.calls[0]["response_length"] == 0
    assert recorder.failures() == []


def test_interim_1xx_responses_are_skipped(scripted: Any, client: Any) -> None:
    server = scripted.keep_alive(
        lambda _: (
            b"HTTP/1.1 100 Continue\r\n\r\n"
            b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
            + scripted.ok(b"final", "X-Final: yes")
        )
    )
    session = client(server)
    response = session.post("/upload", data=b"payload")
    assert response.status_code == 200
    assert response.content == b"final"
    assert response.headers["X-Final"] == "yes"
    assert "Link" not in response.headers
    assert session.get("/again").content == b"final"
    assert server.connections == 1


# -- content coding --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("coding", "encode"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, as some servers send
    ],
    ids=["gzip", "x-gzip", "zlib-deflate", "raw-deflate"],
)
def test_gzip_and_deflate_bodies_are_decoded(
    scripted: Any, client: Any, coding: str, encode: Any
) -> None:
    text = b"squeeze me " * 1000
    server = scripted.keep_alive(lambda _: scripted.ok(encode(text), f"Content-Encoding: {coding}"))
    session = client(server)
    assert session.get("/z").content == text
    assert session.get("/z", stream=True).content == text


def test_a_corrupt_gzip_body_is_a_failure_and_the_connection_stays_usable(
    scripted: Any, client: Any, recorder: Any
) -> None:
    def respond(request: Any) -> bytes:
        if request.target == "/bad":
            return scripted.ok(b"not gzip at all", "Content-Encoding: gzip")
        return scripted.ok(b"fine")

    server = scripted.keep_alive(respond)
    session = client(server)
    response = session.get("/bad")
    assert response.status_code == 0
    assert str(recorder.last["exception"]) == (
        "error: Error -3 while decompressing data: incorrect header check"
    )
    for _ in range(3):
        assert session.get("/good").content == b"fine"
    assert server.connections == 1
    assert len(recorder.failures()) == 1


# -- broken servers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "error", "message"),
    [
        (
            b"",
            RemoteClosedError,
            "RemoteClosedError: connection closed by the server before the response headers",
        ),
        (
            b"SSH-2.0-OpenSSH\r\n\r\n",
            ProtocolViolationError,
            "ProtocolViolationError: not an HTTP response (got b'SSH-2.0-OpenSSH')",
        ),
        (
            b"HTTP/1.1 abc OK\r\n\r\n",
            ProtocolViolationError,
            "ProtocolViolationError: bad status line (got b'HTTP/1.1 abc OK')",
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            ProtocolViolationError,
            "ProtocolViolationError: bad chunk size b'zz'",
        ),
    ],
    ids=["empty", "not-http", "bad-status", "bad-chunk"],
)
def test_broken_responses_are_status_0_failures(
    scripted: Any, client: Any, recorder: Any, payload: bytes, error: type, message: str
) -> None:
    def scenario(peer: Any) -> None:
        if peer.read_request() is not None:
            peer.send(payload)

    response = client(scripted(scenario)).get("/broken", name="broken")
    assert response.status_code == 0
    assert isinstance(response.error, error)
    assert recorder.last["name"] == "broken"
    assert str(recorder.last["exception"]) == message


def test_a_server_error_is_a_failure_named_after_the_request(
    scripted: Any, client: Any, recorder: Any
) -> None:
    server = scripted.keep_alive(
        lambda _: b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy"
    )
    response = client(server).get("/items/7", name="/items/[id]")
    assert response.status_code == 503
    assert response.text == "busy"
    assert str(recorder.last["exception"]) == (
        "503 Server Error: Service Unavailable for url: /items/[id]"
    )


def test_a_server_that_stalls_mid_body_times_out(scripted: Any, client: Any, recorder: Any) -> None:
    release = threading.Event()

    def scenario(peer: Any) -> None:
        while peer.read_request() is not None:
            if peer.index == 0:
                peer.send(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf")
                release.wait(WAIT)
                return
            peer.send(scripted.ok())

    server = scripted(scenario)
    session = client(server, network_timeout=0.2)
    response = session.get("/stall")
    release.set()
    assert response.status_code == 0
    assert str(recorder.last["exception"]) == "TimeoutError: timed out"
    assert session.get("/after").content == b"ok"
    assert server.connections == 2


# -- response details -----------------------------------------------------------------------------


def test_repeated_headers_cookies_and_charset(scripted: Any, client: Any) -> None:
    server = scripted.keep_alive(
        lambda _: scripted.ok(
            "café".encode("latin-1"),
            "Content-Type: text/plain; charset=ISO-8859-1",
            "X-Multi: a",
            "x-multi: b",
            "Set-Cookie: first=1; Path=/",
            "Set-Cookie: second=2; HttpOnly",
        )
    )
    response = client(server).get("/h")
    assert response.text == "café"
    assert response.headers["X-MULTI"] == "a, b"
    assert response.headers.get_all("set-cookie") == ["first=1; Path=/", "second=2; HttpOnly"]
    assert response.cookies == {"first": "1", "second": "2"}


def test_a_repeated_content_length_in_a_stream(scripted: Any, client: Any, recorder: Any) -> None:
    server = scripted.keep_alive(
        lambda _: b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\nbody"
    )
    response = client(server).get("/twice", stream=True)
    assert recorder.last["response_length"] == 4
    assert response.content == b"body"


def test_what_goes_on_the_wire(scripted: Any, client: Any) -> None:
    server = scripted.keep_alive(lambda _: scripted.ok())
    session = client(server)
    session.get("/plain?x=1", params={"y": ["2", "3"]})
    session.post("/bytes", data=b"\x00\x01binary")
    session.put("/text", data="héllo")
    session.patch("/empty")
    session.delete("/gone", headers={"X-Why": "because"})
    plain, binary, text, empty, gone = server.requests
    assert plain.target == "/plain?x=1&y=2&y=3"
    assert plain.headers["host"] == f"127.0.0.1:{server.port}"
    assert "content-length" not in plain.headers
    assert plain.body == b""
    assert (binary.method, binary.body) == ("POST", b"\x00\x01binary")
    assert binary.headers["content-length"] == "8"
    assert (text.method, text.body) == ("PUT", "héllo".encode())
    assert text.headers["content-length"] == "6"
    assert (empty.method, empty.headers["content-length"]) == ("PATCH", "0")
    assert (gone.method, gone.headers["x-why"]) == ("DELETE", "because")
