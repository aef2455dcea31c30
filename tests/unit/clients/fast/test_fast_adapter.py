"""HttpSession on FastAdapter (HttpUser's default) and on urllib3: the same observable results.

Every test here runs twice through the ``http_session`` fixture, once with
``fast_transport=True`` and once with ``fast_transport=False``, and asserts one expectation.
"""

from __future__ import annotations

import base64
import gzip
import threading
from typing import Any

import pytest
import requests
from requests.adapters import HTTPAdapter
from requests.exceptions import (
    ChunkedEncodingError,
    ConnectTimeout,
    ContentDecodingError,
    ReadTimeout,
)

from horde.clients.fast.adapter import FastAdapter
from horde.clients.http import HttpSession
from horde.clients.response import HordeResponse
from horde.demo.process import server_counts
from horde.event import Events

pytest_plugins = ["fast_kit"]

WAIT = 10.0


def test_the_default_transport_is_the_fast_adapter(events: Events) -> None:
    with HttpSession("http://127.0.0.1:1", request_event=events.request) as session:
        assert isinstance(session.get_adapter("http://x/"), FastAdapter)
        assert isinstance(session.get_adapter("https://x/"), FastAdapter)
    with HttpSession("http://h", request_event=events.request, fast_transport=False) as session:
        adapter = session.get_adapter("http://x/")
        assert isinstance(adapter, HTTPAdapter)
        assert not isinstance(adapter, FastAdapter)


# -- the demo target -------------------------------------------------------------------------------


def test_responses_are_requests_responses(
    http_session: Any, fast_target: str, recorder: Any
) -> None:
    session = http_session(fast_target)
    response = session.get("/api/items/1")
    assert isinstance(response, requests.Response)
    assert isinstance(response, HordeResponse)
    assert response.status_code == 200
    assert response.json()["id"] == 1
    assert response.headers["content-type"] == "application/json"
    assert response.encoding is None or response.encoding.lower() == "utf-8"
    assert response.url == f"{fast_target}/api/items/1"
    assert response.elapsed.total_seconds() > 0
    assert response.request.method == "GET"
    assert response.raw.read() == b"", "the body was read already; raw.read() must not crash"
    assert recorder.last["name"] == "/api/items/1"
    assert recorder.last["response_length"] == len(response.content)


def test_counts_match_the_server(http_session: Any, fast_target: str, recorder: Any) -> None:
    session = http_session(fast_target)
    for index in range(20):
        session.get(f"/json/{index % 4 + 1}", name="/json/[n]")
    for _ in range(3):
        session.get("/api/fail")
    session.head("/bytes/100")
    session.post("/contact_us", data={"email": "a@b.c"})
    session.get("/gzip")
    session.get("/chunked")
    counts = server_counts(fast_target)
    assert counts["total"] == len(recorder.calls) == 27
    assert len(recorder.failures()) == 3


def test_cookies_live_in_the_session_jar(http_session: Any, fast_target: str) -> None:
    alice, bob = http_session(fast_target), http_session(fast_target)
    login = alice.post("/login", json={"username": "alice", "password": "pw"})
    assert login.cookies["session"] == alice.cookies["session"]
    assert alice.get("/api/me").json() == {"username": "alice"}
    assert bob.get("/api/me").status_code == 401
    alice.post("/logout")
    assert "session" not in alice.cookies, "Max-Age=0 removes it from the jar"
    assert alice.get("/api/me").status_code == 401


def test_redirects_go_through_requests(http_session: Any, fast_target: str, recorder: Any) -> None:
    session = http_session(fast_target)
    response = session.get("/redirect?to=/api/items/2")
    assert response.json()["id"] == 2
    assert [r.status_code for r in response.history] == [302]
    assert recorder.last["name"] == "/redirect?to=/api/items/2"
    held = session.get("/redirect?to=/api/items/2", allow_redirects=False)
    assert held.status_code == 302
    assert held.is_redirect
    assert held.headers["Location"] == "/api/items/2"
    assert server_counts(fast_target)["total"] == 3


def test_gzip_and_stream(http_session: Any, fast_target: str, recorder: Any) -> None:
    session = http_session(fast_target)
    assert session.get("/gzip").json()["gzipped"] is True
    streamed = session.get("/chunked", stream=True)
    assert list(streamed.iter_lines()) == [b"chunk %d" % index for index in range(5)]
    sized = session.get("/bytes/2048", stream=True)
    assert recorder.last["response_length"] == 2048
    assert len(b"".join(sized.iter_content(512))) == 2048


def test_a_read_timeout_is_a_status_0_failure(
    http_session: Any, fast_target: str, recorder: Any
) -> None:
    session = http_session(fast_target)
    response = session.get("/delay/3000", timeout=0.2)
    assert response.status_code == 0
    assert isinstance(response.error, ReadTimeout)
    assert str(recorder.last["exception"]).startswith("ReadTimeout: ")
    assert session.get("/api/items/1", timeout=(5, 5)).status_code == 200


def test_a_connect_timeout_is_a_status_0_failure(
    http_session: Any, black_hole: str, recorder: Any
) -> None:
    response = http_session(black_hole).get("/never", timeout=(0.2, 5))
    assert response.status_code == 0
    assert isinstance(response.error, ConnectTimeout)
    assert str(recorder.last["exception"]).startswith("ConnectTimeout: ")


def test_basic_auth_from_the_host_and_from_auth(http_session: Any, fast_target: str) -> None:
    session = http_session(fast_target.replace("http://", "http://bob:pw@"))
    sent = session.get("/headers").json()["headers"]
    assert sent["Authorization"] == "Basic " + base64.b64encode(b"bob:pw").decode()
    sent = session.get("/headers", auth=("carol", "x")).json()["headers"]
    assert sent["Authorization"] == "Basic " + base64.b64encode(b"carol:x").decode()


# -- what goes on the wire -------------------------------------------------------------------------


def test_request_bodies(http_session: Any, scripted: Any) -> None:
    server = scripted.keep_alive(lambda _: scripted.ok())
    session = http_session(server.url)
    session.post("/form", data={"a": "1", "b": "two words"})
    session.post("/json", json={"k": [1, 2]})
    session.put("/bytes", data=b"\x00\xff")
    session.patch("/text", data="héllo")
    session.post("/empty")
    session.post("/file", files={"f": ("a.txt", b"content")})
    form, as_json, raw, text, empty, upload = server.requests
    assert form.body == b"a=1&b=two+words"
    assert form.headers["content-type"] == "application/x-www-form-urlencoded"
    assert form.headers["content-length"] == str(len(form.body))
    assert as_json.body == b'{"k": [1, 2]}'
    assert as_json.headers["content-type"] == "application/json"
    assert (raw.method, raw.body, raw.headers["content-length"]) == ("PUT", b"\x00\xff", "2")
    assert (text.body, text.headers["content-length"]) == ("héllo".encode(), "6")
    assert (empty.body, empty.headers["content-length"]) == (b"", "0")
    assert upload.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert b'name="f"; filename="a.txt"' in upload.body
    assert upload.headers["content-length"] == str(len(upload.body))
    assert {request.headers["host"] for request in server.requests} == {f"127.0.0.1:{server.port}"}
    assert server.connections == 1, "keep-alive"


def test_a_303_turns_a_post_into_a_get(http_session: Any, scripted: Any) -> None:
    def respond(request: Any) -> bytes:
        if request.target == "/submit":
            return b"HTTP/1.1 303 See Other\r\nLocation: /done\r\nContent-Length: 0\r\n\r\n"
        return scripted.ok(f"{request.method} {request.body!r}".encode())

    server = scripted.keep_alive(respond)
    response = http_session(server.url).post("/submit", data=b"payload")
    assert response.text == "GET b''"
    assert [r.status_code for r in response.history] == [303]


# -- awkward servers -------------------------------------------------------------------------------


def test_chunked_extensions_and_trailers(http_session: Any, scripted: Any) -> None:
    server = scripted.keep_alive(
        lambda _: (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n"
        )
    )
    session = http_session(server.url)
    assert [session.get("/c").content for _ in range(3)] == [b"abcde"] * 3
    assert server.connections == 1


def test_connection_close_responses(http_session: Any, scripted: Any, recorder: Any) -> None:
    server = scripted.keep_alive(lambda _: scripted.ok(b"bye", "Connection: close"))
    session = http_session(server.url)
    assert [session.get("/a").text for _ in range(3)] == ["bye"] * 3
    assert server.connections == 3
    assert recorder.failures() == []


@pytest.mark.parametrize("close", ["fin", "rst"])
def test_a_pooled_connection_the_server_closed_is_replaced_silently(
    http_session: Any, scripted: Any, recorder: Any, close: str
) -> None:
    def scenario(peer: Any) -> None:
        if peer.read_request() is not None:
            peer.send(scripted.ok())
            if close == "rst":
                peer.reset()

    server = scripted(scenario)
    session = http_session(server.url)
    for _ in range(3):
        assert session.get("/again").status_code == 200
        server.wait_closed()
    assert server.connections == 3
    assert recorder.failures() == []


def test_a_close_in_the_middle_of_the_body(http_session: Any, scripted: Any, recorder: Any) -> None:
    def scenario(peer: Any) -> None:
        while peer.read_request() is not None:
            if peer.index == 0:
                peer.send(b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\npartial")
                return
            peer.send(scripted.ok())

    server = scripted(scenario)
    session = http_session(server.url)
    broken = session.get("/partial")
    assert broken.status_code == 0
    assert isinstance(broken.error, ChunkedEncodingError)
    assert session.get("/next").text == "ok"
    assert server.connections == 2
    assert len(recorder.failures()) == 1


@pytest.mark.parametrize(
    ("method", "head"),
    [
        ("HEAD", b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"),
        ("GET", b"HTTP/1.1 204 No Content\r\n\r\n"),
        ("GET", b"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n"),
    ],
)
def test_bodyless_responses_do_not_hang(
    http_session: Any, scripted: Any, method: str, head: bytes
) -> None:
    server = scripted.keep_alive(
        lambda request: scripted.ok(b"next") if request.target == "/next" else head
    )
    session = http_session(server.url)
    assert session.request(method, "/nobody").content == b""
    assert session.get("/next").content == b"next"
    assert server.connections == 1


def test_interim_100_continue(http_session: Any, scripted: Any) -> None:
    server = scripted.keep_alive(lambda _: b"HTTP/1.1 100 Continue\r\n\r\n" + scripted.ok(b"done"))
    session = http_session(server.url)
    assert session.post("/upload", data=b"x" * 100).text == "done"
    assert session.get("/again").text == "done"


def test_a_large_body_and_a_body_ended_by_the_close(http_session: Any, scripted: Any) -> None:
    big = bytes(range(256)) * 16384  # 4 MiB

    def scenario(peer: Any) -> None:
        while (request := peer.read_request()) is not None:
            if request.target == "/big":
                peer.send(scripted.ok(big))
            else:
                peer.send(b"HTTP/1.1 200 OK\r\n\r\nuntil the end")
                return

    server = scripted(scenario)
    session = http_session(server.url)
    assert session.get("/big").content == big
    assert session.get("/to-close").text == "until the end"
    assert session.get("/big").content == big


def test_http_1_0_and_a_trickling_server(http_session: Any, scripted: Any) -> None:
    message = b"HTTP/1.0 200 OK\r\nContent-Length: 12\r\n\r\nslow but ok"  # 11 bytes + 1 below

    def scenario(peer: Any) -> None:
        if peer.read_request() is not None:
            for at in range(0, len(message), 4):
                peer.send(message[at : at + 4])
            peer.send(b"!")

    server = scripted(scenario)
    session = http_session(server.url)
    assert session.get("/old").text == "slow but ok!"
    assert session.get("/old").text == "slow but ok!"
    assert server.connections == 2, "HTTP/1.0 without keep-alive closes"


def test_stream_lines_arrive_as_sent(http_session: Any, scripted: Any) -> None:
    lines = [b"one\n", b"two\n", b"three\n"]
    seen = [threading.Event() for _ in lines]

    def scenario(peer: Any) -> None:
        if peer.read_request() is None:
            return
        peer.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        for line, event in zip(lines, seen, strict=True):
            peer.send(b"%x\r\n%s\r\n" % (len(line), line))
            assert event.wait(WAIT), f"{line!r} was not delivered before the next line was sent"
        peer.send(b"0\r\n\r\n")

    server = scripted(scenario)
    response = http_session(server.url).get("/events", stream=True)
    got = []
    for index, line in enumerate(response.iter_lines(chunk_size=1)):
        got.append(line)
        seen[index].set()
    assert got == [b"one", b"two", b"three"]


def test_failures_are_named_and_broken_gzip_is_status_0(
    http_session: Any, scripted: Any, recorder: Any
) -> None:
    def respond(request: Any) -> bytes:
        if request.target == "/gz":
            return scripted.ok(b"not gzip", "Content-Encoding: gzip")
        if request.target == "/good-gz":
            return scripted.ok(gzip.compress(b"fine"), "Content-Encoding: gzip")
        return b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n"

    session = http_session(scripted.keep_alive(respond).url)
    session.get("/items/3", name="/items/[id]")
    assert str(recorder.last["exception"]) == (
        "500 Server Error: Internal Server Error for url: /items/[id]"
    )
    broken = session.get("/gz")
    assert broken.status_code == 0
    assert isinstance(broken.error, ContentDecodingError)
    assert session.get("/good-gz").text == "fine"


# -- TLS -------------------------------------------------------------------------------------------

# urllib3 warns about every unverified request; FastAdapter does not (a load test asked for it)
unverified = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")


@unverified
def test_verify_false_accepts_a_self_signed_certificate(
    http_session: Any, tls_server: Any, recorder: Any
) -> None:
    session = http_session(tls_server.url)
    assert session.get("/", verify=False).text == "hello over tls"
    session.verify = False
    assert session.get("/").text == "hello over tls"
    assert recorder.failures() == []


@unverified
def test_verification_rejects_it_as_a_status_0_failure(
    http_session: Any, tls_server: Any, recorder: Any
) -> None:
    session = http_session(tls_server.url)
    response = session.get("/")
    assert response.status_code == 0
    assert isinstance(response.error, requests.exceptions.SSLError)
    assert "CERTIFICATE_VERIFY_FAILED" in str(recorder.last["exception"])
    assert session.get("/", verify=False).status_code == 200, "verify=False still works after"
    assert session.get("/", verify=str(tls_server.cert)).text == "hello over tls"
    assert session.get("/").status_code == 0, "and the default still verifies"


@unverified
def test_a_dropped_tls_connection_is_replaced_silently(
    http_session: Any, tls_server: Any, recorder: Any
) -> None:
    session = http_session(tls_server.url)
    session.verify = False
    for _ in range(3):
        assert session.get("/once").text == "hello over tls"
        tls_server.wait_closed()
    assert tls_server.handshakes == 3
    assert recorder.failures() == []
