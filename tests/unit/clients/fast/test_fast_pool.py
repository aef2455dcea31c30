"""FastHttpSession's connections: pools, concurrency, retries, timeouts, streaming, redirects."""

from __future__ import annotations

import socket
import threading
from typing import Any

import gevent
import pytest
from gevent import socket as gsocket
from gevent.pool import Pool

from horde.clients.fast import FastHttpSession, HTTPClientPool
from horde.clients.fast.connection import ConnectTimeoutError
from horde.clients.fast.session import TooManyRedirectsError
from horde.event import Events

pytest_plugins = ["fast_kit"]

WAIT = 10.0


# -- concurrency and sharing ----------------------------------------------------------------------


def test_greenlets_of_one_session_share_at_most_concurrency_connections(
    scripted: Any, fast_session: Any, recorder: Any
) -> None:
    both = threading.Barrier(2, timeout=WAIT)

    def scenario(peer: Any) -> None:
        first = True
        while (request := peer.read_request()) is not None:
            if first:  # answer nothing until two connections carry a request at once
                both.wait()
                first = False
            peer.send(scripted.ok(request.target.encode()))

    server = scripted(scenario)
    session = fast_session(server.url, concurrency=2)
    pool = Pool(6)
    bodies = pool.map(lambda index: session.get(f"/{index}").content, range(30))
    assert bodies == [f"/{index}".encode() for index in range(30)]
    assert server.connections == 2, "two in parallel, the other greenlets wait and reuse them"
    assert server.most_open == 2
    assert len(recorder.calls) == 30
    assert recorder.failures() == []


def test_a_shared_client_pool_shares_connections_but_not_cookies(
    scripted: Any, events: Events
) -> None:
    def respond(request: Any) -> bytes:
        if request.target.startswith("/login/"):
            name = request.target.rsplit("/", 1)[1]
            return scripted.ok(b"in", f"Set-Cookie: who={name}")
        return scripted.ok(request.headers.get("cookie", "").encode())

    server = scripted.keep_alive(respond)
    shared = HTTPClientPool(concurrency=4)
    alice = FastHttpSession(server.url, events.request, client_pool=shared)
    bob = FastHttpSession(server.url, events.request, client_pool=shared)
    try:
        alice.get("/login/alice")
        bob.get("/login/bob")
        assert alice.get("/whoami").text == "who=alice"
        assert bob.get("/whoami").text == "who=bob"
        assert alice.pool is bob.pool is shared
        assert server.connections == 1
    finally:
        shared.close()


def test_max_retries_retries_a_new_connection_that_failed(
    scripted: Any, fast_session: Any, recorder: Any
) -> None:
    def scenario(peer: Any) -> None:
        while peer.read_request() is not None:
            if peer.index == 0:
                return  # the first connection dies before answering
            peer.send(scripted.ok(b"second try"))

    no_retry = scripted(scenario)
    response = fast_session(no_retry.url).get("/flaky")
    assert response.status_code == 0
    assert "before the response headers" in str(recorder.last["exception"])
    retried = scripted(scenario)
    response = fast_session(retried.url, max_retries=1).get("/flaky")
    assert response.content == b"second try"
    assert recorder.last["exception"] is None
    assert retried.connections == 2
    assert len(recorder.calls) == 2, "a retried request is recorded once"


def test_connecting_longer_than_connection_timeout_is_a_status_0_failure(
    black_hole: str, fast_session: Any, recorder: Any
) -> None:
    session = fast_session(black_hole, connection_timeout=0.2)
    response = session.get("/never", name="never")
    assert response.status_code == 0
    assert isinstance(response.error, ConnectTimeoutError)
    assert isinstance(response.error, TimeoutError)
    assert str(recorder.last["exception"]) == "ConnectTimeoutError: connect timed out (0.2 s)"
    assert black_hole.rsplit(":", 1)[1] not in str(recorder.last["exception"])


# -- streaming -------------------------------------------------------------------------------------


def line_by_line(lines: list[bytes], received: list[threading.Event]) -> Any:
    """A chunked response that sends each line only once the client has seen the previous one."""

    def scenario(peer: Any) -> None:
        if peer.read_request() is None:
            return
        peer.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        for line, seen in zip(lines, received, strict=True):
            peer.send(b"%x\r\n%s\r\n" % (len(line), line))
            assert seen.wait(WAIT), f"the client did not get {line!r} before the next line"
        peer.send(b"0\r\n\r\n")

    return scenario


def test_stream_iter_lines_yields_each_line_as_the_server_sends_it(
    scripted: Any, fast_session: Any, recorder: Any
) -> None:
    lines = [b"event: one\n", b"event: two\r\n", b"event: three\n"]
    received = [threading.Event() for _ in lines]
    server = scripted(line_by_line(lines, received))
    response = fast_session(server.url).get("/events", stream=True)
    assert recorder.last["response_length"] == 0, "no Content-Length, nothing read yet"
    got = []
    for index, line in enumerate(response.iter_lines()):
        got.append(line)
        received[index].set()
    assert got == [b"event: one", b"event: two", b"event: three"]


def test_client_iter_lines_streams_decoded_lines(scripted: Any, fast_session: Any) -> None:
    lines = [b"caf\xc3\xa9\n", b"second\n"]
    received = [threading.Event() for _ in lines]
    server = scripted(line_by_line(lines, received))
    got = []
    for index, line in enumerate(fast_session(server.url).iter_lines("/lines")):
        got.append(line)
        received[index].set()
    assert got == ["café", "second"]


def test_stream_iter_content_and_the_demo_chunked_endpoint(
    fast_target: str, fast_session: Any, recorder: Any
) -> None:
    session = fast_session(fast_target)
    response = session.get("/chunked", stream=True)
    pieces = list(response.iter_content(chunk_size=None))
    assert b"".join(pieces) == b"".join(b"chunk %d\n" % index for index in range(5))
    assert response.content == b"".join(pieces), "content stays readable after the stream"
    assert list(session.get("/chunked", stream=True).iter_lines(decode_unicode=True)) == [
        f"chunk {index}" for index in range(5)
    ]
    sized = session.get("/bytes/1000", stream=True)
    assert recorder.last["response_length"] == 1000, "the declared length of a stream"
    assert len(sized.content) == 1000


def test_a_closed_stream_gives_its_connection_back(scripted: Any, fast_session: Any) -> None:
    server = scripted.keep_alive(lambda _: scripted.ok(b"x" * 100_000))
    session = fast_session(server.url, concurrency=1)
    with gevent.Timeout(WAIT):  # a leaked slot would block the next request forever
        for _ in range(3):
            response = session.get("/big", stream=True)
            assert next(response.iter_content(10)) == b"x" * 10
            response.close()
        assert session.get("/big").content == b"x" * 100_000
    assert server.connections == 4, "an abandoned stream's connection is not reused"


def test_stream_with_keep_alive_reuses_the_connection_once_read(
    scripted: Any, fast_session: Any
) -> None:
    server = scripted.keep_alive(lambda _: scripted.ok(b"streamed"))
    session = fast_session(server.url, concurrency=1)
    with gevent.Timeout(WAIT):
        for _ in range(3):
            assert session.get("/s", stream=True).content == b"streamed"
    assert server.connections == 1


# -- redirects -------------------------------------------------------------------------------------


def redirecting(scripted: Any, status: int = 302, location: str = "/final") -> Any:
    def respond(request: Any) -> bytes:
        if request.target == "/final":
            answer = scripted.ok(f"{request.method} {request.body.decode()}".encode())
        else:
            answer = (
                f"HTTP/1.1 {status} Moved\r\nLocation: {location}\r\nContent-Length: 5\r\n\r\nmoved"
            ).encode()
        return answer.split(b"\r\n\r\n")[0] + b"\r\n\r\n" if request.method == "HEAD" else answer

    return scripted.keep_alive(respond)


@pytest.mark.parametrize(
    ("status", "method", "expected"),
    [
        (301, "GET", "GET "),
        (301, "POST", "GET "),
        (301, "PUT", "PUT "),
        (302, "POST", "GET "),
        (302, "HEAD", ""),
        (303, "POST", "GET "),
        (303, "PUT", "GET "),
        (307, "POST", "POST data"),
        (308, "PUT", "PUT data"),
    ],
)
def test_redirects_change_the_method_as_browsers_do(
    scripted: Any, fast_session: Any, recorder: Any, status: int, method: str, expected: str
) -> None:
    server = redirecting(scripted, status)
    headers = {"Content-Type": "text/plain", "X-Kept": "1"}
    response = fast_session(server.url).request(method, "/start", data=b"data", headers=headers)
    assert response.text == expected
    final = server.requests[-1]
    assert final.headers["x-kept"] == "1"
    assert ("content-type" in final.headers) == (status in (307, 308)), "it describes the body"
    assert [r.status_code for r in response.history] == [status]
    assert response.history[0].content == (b"" if method == "HEAD" else b"moved")
    assert recorder.last["request_type"] == method
    assert recorder.last["name"] == "/start"
    assert server.connections == 1


def test_a_redirect_to_another_origin(scripted: Any, fast_session: Any) -> None:
    final = scripted.keep_alive(lambda _: scripted.ok(b"elsewhere"))
    first = redirecting(scripted, 302, f"{final.url}/landing")
    response = fast_session(first.url).get("/go")
    assert response.text == "elsewhere"
    assert response.url == f"{final.url}/landing"
    assert final.requests[0].headers["host"] == f"127.0.0.1:{final.port}"


def test_too_many_redirects_is_a_status_0_failure(
    scripted: Any, fast_session: Any, recorder: Any
) -> None:
    server = scripted.keep_alive(
        lambda _: b"HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n"
    )
    response = fast_session(server.url, max_redirects=3).get("/loop")
    assert response.status_code == 0
    assert isinstance(response.error, TooManyRedirectsError)
    assert str(recorder.last["exception"]) == "TooManyRedirectsError: Exceeded 3 redirects."
    assert len(server.requests) == 4, "the first request and three redirects"


def test_redirects_of_a_stream_do_not_hold_connections(scripted: Any, fast_session: Any) -> None:
    server = redirecting(scripted, 302)
    session = fast_session(server.url, concurrency=1)
    with gevent.Timeout(WAIT):  # the redirect's connection must be free for the next hop
        response = session.get("/start", stream=True)
        assert response.text == "GET "
    assert server.connections == 1


# -- name resolution -------------------------------------------------------------------------------


def test_a_name_with_several_addresses_uses_the_one_that_answers(
    scripted: Any, fast_session: Any, refused_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As ``localhost`` resolving to ::1 first while the target listens on 127.0.0.1 only."""
    server = scripted(lambda peer: peer.read_request() and peer.send(scripted.ok()))
    refused_port = int(refused_url.rsplit(":", 1)[1])
    lookups: list[str] = []

    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        lookups.append(host)
        assert host == "several.test"
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", refused_port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", server.port)),
        ]

    monkeypatch.setattr(gsocket, "getaddrinfo", getaddrinfo)
    session = fast_session(f"http://several.test:{server.port}")
    for _ in range(3):  # each answer closes its connection: three connects
        assert session.get("/").content == b"ok"
        server.wait_closed()
    assert server.connections == 3
    assert lookups == ["several.test"], "resolved once; the address that answered is kept"
    assert server.requests[0].headers["host"] == f"several.test:{server.port}"
