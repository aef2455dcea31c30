"""Requests that get no usable HTTP response: recorded as status-0 failures, never raised.

Except for a URL that cannot be requested at all (no scheme, no host, unknown scheme): that is a
bug in the test script, raised at once as requests does.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import zlib
from collections.abc import Iterator
from http.client import RemoteDisconnected
from typing import Any

import pytest
import requests
from requests.exceptions import InvalidSchema, InvalidURL, MissingSchema
from urllib3 import HTTPConnectionPool
from urllib3.exceptions import ClosedPoolError, MaxRetryError, NewConnectionError, ProtocolError

from conftest import Recorder, free_port
from horde.clients.fast.wire import ProtocolViolationError
from horde.clients.http import ConnectionFailure, HttpSession, describe_error
from horde.demo.process import server_counts
from horde.env import Environment
from horde.event import Events

ADDRESS = re.compile(r"0x[0-9a-f]{4,}", re.IGNORECASE)


@pytest.fixture
def refused(events: Events) -> Iterator[HttpSession]:
    """A session whose base URL refuses connections."""
    with HttpSession(f"http://127.0.0.1:{free_port()}", request_event=events.request) as s:
        yield s


class RawServer:
    """A loopback TCP server answering every connection with fixed bytes, then closing it."""

    def __init__(self, payload: bytes) -> None:
        self.payload = payload
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(self.payload)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() on Linux
        self.sock.close()
        self.thread.join(5)


@pytest.fixture
def raw_server() -> Iterator[Any]:
    servers: list[RawServer] = []

    def start(payload: bytes) -> RawServer:
        servers.append(RawServer(payload))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


# -- connection refused ------------------------------------------------------------------------


def test_connection_refused_is_a_status_0_failure_not_an_exception(
    refused: HttpSession, recorder: Recorder
) -> None:
    response = refused.get("/api/items", params={"page": 2})
    assert response.status_code == 0
    assert isinstance(response.error, requests.ConnectionError)
    assert response.content is None, "as in Locust's HttpUser"
    assert response.text == ""
    assert not response.ok
    call = recorder.last
    assert len(recorder.calls) == 1
    assert call["name"] == "/api/items?page=2", "named like a successful request would be"
    assert call["url"] == f"{refused.base_url}/api/items?page=2"
    assert call["response"] is response
    assert call["response_length"] == 0
    assert call["response_time"] >= 0
    exception = call["exception"]
    assert isinstance(exception, ConnectionFailure)
    assert re.fullmatch(
        r"ConnectionError: ConnectionRefusedError: (\[Errno \d+\] )?Connection refused",
        str(exception),
    )
    assert repr(exception) == str(exception)


def test_connection_refused_message_has_no_port_address_or_url(
    refused: HttpSession, recorder: Recorder
) -> None:
    refused.get("/a")
    message = str(recorder.last["exception"])
    port = refused.base_url.rsplit(":", 1)[1]
    assert port not in message
    assert "127.0.0.1" not in message
    assert not ADDRESS.search(message)
    assert len(message) < 80


def test_identical_connection_failures_group_in_the_error_table(events: Events) -> None:
    env = Environment(events=events)
    for _ in range(2):  # a different closed port each time: same failure
        with HttpSession(f"http://127.0.0.1:{free_port()}", request_event=events.request) as s:
            s.get("/api/items/1", name="/api/items/[id]")
            s.get("/api/items/2", name="/api/items/[id]")
    env.close()
    (group,) = env.stats.errors.values()
    assert group.occurrences == 4
    assert group.name == "/api/items/[id]"
    assert "Connection refused" in group.error
    sample = group.samples[0]
    assert sample.status_code == 0
    assert sample.url is not None
    assert sample.url.endswith("/api/items/1")
    assert env.stats.get("/api/items/[id]", "GET").num_failures == 4


def test_the_cause_ignores_an_exception_being_handled_by_the_caller(
    refused: HttpSession, recorder: Recorder
) -> None:
    try:
        {}["missing"]
    except KeyError:
        refused.get("/inside-except")
    assert "KeyError" not in str(recorder.last["exception"])
    assert "Connection refused" in str(recorder.last["exception"])


def test_raise_for_status_raises_the_original_error(refused: HttpSession) -> None:
    response = refused.get("/x")
    with pytest.raises(requests.ConnectionError) as raised:
        response.raise_for_status()
    assert raised.value is response.error


def test_post_with_a_body_to_a_refused_port_is_recorded(
    refused: HttpSession, recorder: Recorder
) -> None:
    refused.post("/api/items", json={"name": "x"})
    assert recorder.last["request_type"] == "POST"
    assert recorder.last["name"] == "/api/items"


# -- timeouts ----------------------------------------------------------------------------------


def test_read_timeout_is_a_status_0_failure(
    fresh_target: str, events: Events, recorder: Recorder
) -> None:
    with HttpSession(fresh_target, request_event=events.request) as session:
        response = session.get("/delay/2000", timeout=0.2)
        after = session.get("/status/200")  # the session is still usable
    assert response.status_code == 0
    assert isinstance(response.error, requests.ReadTimeout)
    first = recorder.calls[0]
    assert first["name"] == "/delay/2000"
    assert str(first["exception"]) == "ReadTimeout: TimeoutError: timed out"
    assert 200 <= first["response_time"] < 1900
    assert after.status_code == 200
    assert server_counts(fresh_target)["by_route"] == {
        "GET /delay/{ms}": 1,
        "GET /status/{code}": 1,
    }


def test_read_timeouts_group_across_urls(fresh_target: str, events: Events) -> None:
    env = Environment(events=events)
    with HttpSession(fresh_target, request_event=events.request) as session:
        session.get("/delay/1000", timeout=0.05, name="/delay/[ms]")
        session.get("/delay/1500", timeout=0.05, name="/delay/[ms]")
    env.close()
    (group,) = env.stats.errors.values()
    assert group.occurrences == 2


# -- broken responses --------------------------------------------------------------------------


BROKEN = [
    (
        b"",
        "ConnectionError: RemoteClosedError: connection closed by the server before the "
        "response headers",
        "ConnectionError: RemoteDisconnected: Remote end closed connection without response",
    ),
    (
        b"garbage\r\n\r\n",
        "ConnectionError: ProtocolViolationError: not an HTTP response (got b'garbage')",
        "ConnectionError: BadStatusLine: garbage",
    ),
    (
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhello",
        "ChunkedEncodingError: RemoteClosedError: connection closed by the server in the middle "
        "of the body",
        "ChunkedEncodingError: IncompleteRead: IncompleteRead(5 bytes read, 95 more expected)",
    ),
    (
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 5\r\n\r\nhello",
        "ContentDecodingError: error: Error -3 while decompressing data: incorrect header check",
        "ContentDecodingError: error: Error -3 while decompressing data: incorrect header check",
    ),
]


@pytest.mark.parametrize("fast_transport", [True, False], ids=["fast", "urllib3"])
@pytest.mark.parametrize(("payload", "fast_expected", "urllib3_expected"), BROKEN)
def test_broken_responses_are_status_0_failures_with_short_messages(
    raw_server: Any,
    events: Events,
    recorder: Recorder,
    payload: bytes,
    fast_expected: str,
    urllib3_expected: str,
    fast_transport: bool,
) -> None:
    server = raw_server(payload)
    with HttpSession(
        server.url, request_event=events.request, fast_transport=fast_transport
    ) as session:
        response = session.get("/broken")
    assert response.status_code == 0
    assert response.error is not None
    expected = fast_expected if fast_transport else urllib3_expected
    assert str(recorder.last["exception"]) == expected


def test_stream_with_a_malformed_content_length_records_length_0(
    raw_server: Any, events: Events, recorder: Recorder
) -> None:
    server = raw_server(b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\nConnection: close\r\n\r\nhi")
    with HttpSession(server.url, request_event=events.request) as session:
        response = session.get("/odd", stream=True)
        assert response.content == b"hi"
        response.close()
    assert recorder.last["response_length"] == 0
    assert recorder.last["exception"] is None


# -- URLs that cannot be requested are raised ----------------------------------------------------


@pytest.mark.parametrize(
    ("base_url", "path", "error"),
    [
        ("", "/no-scheme", MissingSchema),
        ("", "http://", InvalidURL),
        ("", "http://exa mple.com/", InvalidURL),
        ("", "ftp://example.com/file", InvalidSchema),
    ],
)
def test_unusable_urls_are_raised_and_not_recorded(
    events: Events, recorder: Recorder, base_url: str, path: str, error: type[Exception]
) -> None:
    with HttpSession(base_url, request_event=events.request) as session, pytest.raises(error):
        session.get(path)
    assert recorder.calls == []


# -- describe_error on its own ------------------------------------------------------------------


def test_describe_error_unwraps_requests_and_urllib3_wrappers() -> None:
    root = ConnectionRefusedError(111, "Connection refused")
    new_conn = NewConnectionError(object(), "Failed to establish a new connection")
    new_conn.__cause__ = root
    error = requests.ConnectionError(MaxRetryError(None, "/x", new_conn))  # type: ignore[arg-type]
    assert describe_error(error) == (
        "ConnectionError: ConnectionRefusedError: [Errno 111] Connection refused"
    )


def test_describe_error_finds_the_cause_in_any_argument() -> None:
    error = requests.ConnectionError(
        ProtocolError("Connection aborted.", RemoteDisconnected("Remote end closed"))
    )
    assert describe_error(error) == "ConnectionError: RemoteDisconnected: Remote end closed"


def test_describe_error_without_a_cause_and_without_addresses() -> None:
    error = requests.ConnectionError(f"{object()!r}: gave up: for good")
    assert describe_error(error) == "ConnectionError: gave up: for good"
    pool = ClosedPoolError(HTTPConnectionPool("127.0.0.1", free_port()), "Pool is closed.")
    assert describe_error(pool) == "ClosedPoolError: Pool is closed."
    assert describe_error(requests.Timeout()) == "Timeout: Timeout"
    assert not ADDRESS.search(describe_error(requests.ConnectionError(repr(object()))))


def test_describe_error_keeps_the_whole_message() -> None:
    error = ProtocolViolationError("bad Content-Length: b'abc'")
    assert describe_error(error) == "ProtocolViolationError: bad Content-Length: b'abc'"
    wrapped = requests.ConnectionError(error)
    assert describe_error(wrapped) == (
        "ConnectionError: ProtocolViolationError: bad Content-Length: b'abc'"
    )
    inflating = requests.exceptions.ContentDecodingError(
        zlib.error("Error -3 while decompressing data: incorrect header check")
    )
    assert describe_error(inflating) == (
        "ContentDecodingError: error: Error -3 while decompressing data: incorrect header check"
    )


def test_describe_error_survives_a_cycle() -> None:
    first = requests.ConnectionError("first")
    second = requests.ConnectionError(first)
    first.__cause__ = second
    assert describe_error(second) == "ConnectionError: ConnectionError: first"


def test_describe_error_follows_an_implicit_transport_context() -> None:
    try:
        try:
            raise ConnectionResetError(104, "Connection reset by peer")
        except OSError:
            raise requests.ConnectionError("wrapped without a cause")  # noqa: B904
    except requests.ConnectionError as error:
        text = describe_error(error)
    assert text == "ConnectionError: ConnectionResetError: [Errno 104] Connection reset by peer"


def test_describe_error_does_not_follow_an_unrelated_context() -> None:
    try:
        try:
            {}["missing"]
        except KeyError:
            raise requests.TooManyRedirects("Exceeded 30 redirects.")  # noqa: B904
    except requests.TooManyRedirects as error:
        text = describe_error(error)
    assert text == "TooManyRedirects: Exceeded 30 redirects."
