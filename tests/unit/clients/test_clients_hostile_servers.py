"""All three HTTP clients against servers that misbehave (tests/faultserver.py).

Each test runs on FastHttpSession, HttpSession on horde's transport and HttpSession on urllib3
(``kind``), unless it says why not. The common rule: every request that reached the server is
recorded exactly once, as a success or a failure, and nothing is raised into the caller.
"""

from __future__ import annotations

import zlib
from typing import Any

import gevent
import pytest
from client_kinds import make_session

from conftest import Recorder
from faultserver import FaultServer, FaultServerProcess, Peer, Request, bomb
from horde.event import Events

pytest_plugins = ["hostile"]

MIB = 1024 * 1024


def only_failure(recorder: Recorder) -> str:
    call = recorder.only
    assert call["exception"] is not None, "the request should have failed"
    return str(call["exception"])


# -- 1. read timeouts apply to each read, not to the connection ----------------------------------


@pytest.mark.slow
def test_many_slow_answers_on_one_connection_never_time_out(
    client: Any, fault: FaultServer, recorder: Recorder
) -> None:
    # Each answer takes a quarter of the timeout; twelve in a row on one keep-alive connection
    # add up to three timeouts. A timeout that carries over between reads fails the fifth.
    session = client(timeout=1.0)
    for _ in range(12):
        session.get("/delay?s=0.25")
    assert [call["exception"] for call in recorder.calls] == [None] * 12
    assert fault.connections == 1, "all on one keep-alive connection"


def test_an_answer_slower_than_the_timeout_times_out(
    client: Any, fault: FaultServer, recorder: Recorder
) -> None:
    session = client(timeout=0.3)
    session.get("/ok")
    session.get("/stall")
    assert "timed out" in str(recorder.calls[1]["exception"]).lower()
    assert recorder.calls[1]["response"].status_code == 0


# -- 3. malformed framing: a protocol error, and the connection is never reused ------------------

FRAMING_ERRORS = [
    ("/length?declared=-5&send=5&then=stall", "bad Content-Length: b'-5'"),
    ("/length?declared=%2B5&send=5&then=stall", "bad Content-Length: b'+5'"),
    ("/length?declared=1_0&send=10&then=stall", "bad Content-Length: b'1_0'"),
    ("/lengths?a=5&b=6", "conflicting Content-Length values"),
    ("/length?declared=5,%206&send=6&then=stall", "conflicting Content-Length values"),
    ("/status?code=20000000000000000000", "bad status line"),
    ("/status?code=2000", "bad status line"),
    ("/status?code=20", "bad status line"),
    ("/status?code=%2B20", "bad status line"),
]


@pytest.mark.parametrize("kind", ["fast", "http"], indirect=True)
@pytest.mark.parametrize(("path", "message"), FRAMING_ERRORS)
def test_malformed_framing_is_a_protocol_error_and_the_next_request_gets_a_new_connection(
    client: Any, fault: FaultServer, recorder: Recorder, path: str, message: str
) -> None:
    session = client(timeout=2.0)
    session.get(path)
    after = session.get("/ok")
    failure = str(recorder.calls[0]["exception"])
    assert "ProtocolViolationError" in failure
    assert message in failure
    assert recorder.calls[1]["exception"] is None
    assert after.content == b"ok"
    assert fault.connections == 2, "the broken connection was closed, not reused"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/lengths?a=5&b=6", "Content-Length contained multiple unmatching values"),
        ("/status?code=20000000000000000000", "BadStatusLine"),
        ("/status?code=20", "BadStatusLine"),
    ],
)
def test_urllib3_refuses_the_same_framing_on_its_own(
    events: Any, fault: FaultServer, recorder: Recorder, path: str, message: str
) -> None:
    # What urllib3 does not refuse (a negative Content-Length is read as "until the close";
    # Content-Length beside chunked keeps the connection) is in docs/compatibility.md.
    with make_session("urllib3", fault.url, events, 2.0) as session:
        session.get(path)
    assert message in only_failure(recorder)


@pytest.mark.parametrize("kind", ["fast", "http"], indirect=True)
def test_identical_repeated_content_lengths_are_accepted(
    client: Any, fault: FaultServer, recorder: Recorder
) -> None:
    session = client()
    first = session.get("/lengths?a=5&b=5")
    session.get("/ok")
    assert first.content == b"yyyyy"
    assert [call["exception"] for call in recorder.calls] == [None, None]
    assert fault.connections == 1, "a well-framed answer keeps its connection"


@pytest.mark.parametrize("kind", ["fast", "http"], indirect=True)
def test_transfer_encoding_wins_over_content_length_and_the_connection_is_closed(
    client: Any, fault: FaultServer, recorder: Recorder
) -> None:
    session = client()
    first = session.get("/length-and-chunked")
    session.get("/ok")
    assert first.content == b"chunked-wins"
    assert [call["exception"] for call in recorder.calls] == [None, None]
    assert fault.connections == 2, "RFC 9112 6.3: close the connection after such a message"


# -- 4. nothing lost: every request that reached the server is recorded once -------------------

HOSTILE_PATHS = [
    "/ok",
    "/stall",
    "/close-in-headers",
    "/reset-in-body",
    "/length?declared=-5&send=5&then=close",
    "/length?declared=abc&send=3&then=close",
    "/length?declared=10000000000000&send=10&then=close",
    "/length?declared=10000000000000&send=10&then=reset",
    "/length?declared=100000000&send=10&then=stall",
    "/lengths?a=5&b=6",
    "/length-and-chunked",
    "/chunk?size=9184E72A000&send=10&then=close",
    "/chunk?size=FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF&send=10&then=close",
    "/chunk?size=0x10&send=16&then=close",
    "/status?code=20000000000000000000",
    "/gzip-bomb?mib=96",
    "/deflate-bomb?mib=96",
    "/redirect?to=file:///etc/passwd",
    "/redirect?to=ftp://127.0.0.1/file",
    "/redirect?to=http://%5Bbad",
]

URLLIB3_ACCEPTS = {
    "/length?declared=-5&send=5&then=close",
    "/length?declared=abc&send=3&then=close",
    "/close-in-headers",
}
"""urllib3 (http.client) reads a body with a negative or unreadable Content-Length until the
connection closes, and takes a header block cut short by the close as complete: successes
there (docs/compatibility.md)."""


@pytest.mark.slow
def test_every_request_that_reached_the_server_is_recorded_once(
    client: Any, kind: str, fault: FaultServer, recorder: Recorder
) -> None:
    bomb(96), bomb(96, zlib.MAX_WBITS)  # made before: making them takes longer than the timeout
    session = client(timeout=0.5)
    for path in HOSTILE_PATHS:
        session.get(path)  # never raises
    assert len(recorder.calls) == len(HOSTILE_PATHS) == fault.count
    assert [call["name"] for call in recorder.calls] == HOSTILE_PATHS
    assert recorder.calls[0]["exception"] is None
    failed = [call["name"] for call in recorder.failures()]
    succeeded = {"/ok", "/length-and-chunked"}
    if kind == "urllib3":
        succeeded |= URLLIB3_ACCEPTS
    assert set(HOSTILE_PATHS) - set(failed) == succeeded


def test_a_huge_content_length_is_a_recorded_failure_not_a_memory_error(
    client: Any, fault: FaultServer, recorder: Recorder
) -> None:
    session = client()
    session.get("/length?declared=10000000000000&send=10&then=close")
    assert "larger than 67108864 bytes" in only_failure(recorder)


@pytest.mark.parametrize("kind", ["fast", "http"], indirect=True)
def test_a_huge_chunk_is_a_recorded_failure_not_a_memory_error(
    client: Any, fault: FaultServer, recorder: Recorder
) -> None:
    session = client()
    session.get("/chunk?size=9184E72A000&send=10&then=close")
    assert "larger than 67108864 bytes" in only_failure(recorder)


@pytest.mark.parametrize("to", ["file:///etc/passwd", "ftp://127.0.0.1/file"])
def test_a_redirect_to_another_scheme_is_a_recorded_failure(
    client: Any, fault: FaultServer, recorder: Recorder, to: str
) -> None:
    session = client()
    response = session.get(f"/redirect?to={to}")
    message = only_failure(recorder)
    assert to in message
    assert response.status_code == 0
    assert fault.count == 1


# -- 7. decoded bodies are capped -------------------------------------------------------------


def test_a_gzip_bomb_fails_at_the_cap_and_the_connection_stays_usable(
    client: Any, kind: str, fault: FaultServer, recorder: Recorder
) -> None:
    session = client(max_body_size=4 * MIB)
    session.get("/gzip-bomb?mib=16")
    after = session.get("/ok")
    assert only_failure_of(recorder, 0).endswith(f"decoded body larger than {4 * MIB} bytes")
    assert after.content == b"ok"
    if kind != "urllib3":
        assert fault.connections == 1, "the body was read whole: its connection is reused"


def test_a_body_under_the_cap_is_decoded_whole(
    client: Any, fault: FaultServer, recorder: Recorder
) -> None:
    session = client(max_body_size=4 * MIB)
    response = session.get("/deflate-bomb?mib=3")
    assert recorder.only["exception"] is None
    assert response.content == bytes(3 * MIB)
    assert recorder.only["response_length"] == 3 * MIB


def test_the_default_cap_is_64_mib(client: Any, recorder: Recorder) -> None:
    session = client()
    assert session.session.max_body_size == 64 * MIB
    session.get("/gzip-bomb?mib=65")
    assert only_failure(recorder).endswith(f"decoded body larger than {64 * MIB} bytes")


def test_an_identity_body_over_the_cap_fails_before_it_is_read(
    client: Any, fault: FaultServer, recorder: Recorder
) -> None:
    session = client(max_body_size=1000)
    session.get("/length?declared=5000&send=5000&then=stall")
    session.get("/ok")
    assert only_failure_of(recorder, 0).endswith("larger than 1000 bytes")
    assert recorder.calls[1]["exception"] is None


def only_failure_of(recorder: Recorder, index: int) -> str:
    call = recorder.calls[index]
    assert call["exception"] is not None, f"request {index} should have failed"
    return str(call["exception"])


# -- bodies nobody reads are thrown away, not kept --------------------------------------------


def _endless_redirect(peer: Peer, request: Request) -> None:
    """A redirect whose body is announced as 10^13 bytes and never ends."""
    peer.send(b"HTTP/1.1 302 Found\r\nLocation: /ok\r\nContent-Length: 10000000000000\r\n\r\n")
    peer.send(b"x" * 100_000)
    peer.stall()


@pytest.mark.parametrize("kind", ["fast"], indirect=True)
def test_a_streamed_redirect_body_is_discarded_not_read(
    client: Any, fault: FaultServer, recorder: Recorder
) -> None:
    fault.route("/endless-redirect", _endless_redirect)
    response = client(timeout=2.0).get("/endless-redirect", stream=True)
    assert recorder.only["exception"] is None
    assert response.content == b"ok"
    assert fault.connections == 2, "the redirect's connection was closed, not drained"


@pytest.mark.parametrize("kind", ["fast"], indirect=True)
def test_closing_an_unread_stream_closes_its_connection(
    client: Any, fault: FaultServer, recorder: Recorder
) -> None:
    session = client(timeout=2.0)
    response = session.get("/gzip-bomb?mib=64", stream=True)
    response.close()
    assert response.content == b""
    assert session.get("/ok").content == b"ok"
    assert fault.connections == 2
    assert [call["exception"] for call in recorder.calls] == [None, None]


@pytest.mark.parametrize("kind", ["fast"], indirect=True)
def test_a_streamed_bomb_is_read_in_bounded_pieces(client: Any, fault: FaultServer) -> None:
    response = client(max_body_size=1024).get("/gzip-bomb?mib=8", stream=True)
    sizes = [len(piece) for piece in response.iter_content(None)]
    assert sum(sizes) == 8 * MIB, "a stream is the script's to read: no cap"
    assert max(sizes) <= 64 * 1024


@pytest.mark.parametrize("how", ["closed", "dropped"])
def test_an_unread_stream_gives_its_pool_slot_back(fault: FaultServer, how: str) -> None:
    # closed (or dropped) before its first read: with one connection allowed, a stream that
    # kept its slot would make the next request wait forever. (No recorder here: it would keep
    # the responses alive.)
    session = make_session("fast", fault.url, Events(), 2.0, concurrency=1)
    try:
        with gevent.Timeout(10):
            for _ in range(3):
                response = session.get("/length?declared=100000&send=100000", stream=True)
                if how == "closed":
                    response.close()
                del response
            assert session.get("/ok").content == b"ok"
    finally:
        session.close()
    assert fault.connections == 4, "each unread stream's connection was closed"


# -- the fault server itself (tests/faultserver.py) ------------------------------------------


def test_the_fault_server_counts_what_reached_it_in_a_process_of_its_own(events: Events) -> None:
    with FaultServerProcess() as server:
        session = make_session("fast", server.url, events, 2.0)
        try:
            session.get("/ok")
            session.get("/close-in-headers")
            session.get("/no-such-fault")
            counts = server.fetch_counts()
            server.reset_counts()
            after_reset = server.fetch_counts()
        finally:
            session.close()
    assert counts == {
        "total": 3,
        "by_path": {"/ok": 1, "/close-in-headers": 1, "/no-such-fault": 1},
        "connections": 2,
    }
    assert after_reset == {"total": 0, "by_path": {}, "connections": 0}


# -- requests interrupted by a script's gevent.Timeout -----------------------------------------


@pytest.mark.parametrize("kind", ["fast", "http"], indirect=True)  # urllib3 needs gevent's patch
def test_a_request_cut_by_the_scripts_gevent_timeout_is_recorded_and_the_timeout_raised(
    client: Any, fault: FaultServer, recorder: Recorder
) -> None:
    session = client(timeout=5.0)
    with pytest.raises(gevent.Timeout), gevent.Timeout(0.3):
        session.get("/stall")
    assert str(recorder.only["exception"]) == "Timeout: 0.3 seconds"
    assert recorder.only["name"] == "/stall"
    assert fault.count == 1
