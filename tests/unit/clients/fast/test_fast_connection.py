"""Connection: plain HTTP on the OS socket under gevent's, with gevent's semantics kept.

The fast path (direct ``send``/``recv`` on the non-blocking socket, one reusable read timer per
connection) must behave exactly as gevent's socket methods do: whole writes however large, the
same ``TimeoutError("timed out")``, timeouts that follow ``settimeout``, and no timer left armed
when a waiting greenlet goes away.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

import gevent
import pytest

from horde.clients.fast.connection import Connection, OriginPool, exchange

pytest_plugins = ["fast_kit"]

WAIT = 10.0


def _origin(url: str) -> tuple[str, str, int]:
    host, port = url.removeprefix("http://").split(":")
    return ("http", host, int(port))


def _connect(url: str, timeout: float = WAIT) -> Connection:
    return Connection(_origin(url), connect_timeout=WAIT, network_timeout=timeout)


def test_plain_http_uses_the_os_socket_with_this_gevent(fast_target: str) -> None:
    # If a gevent upgrade renamed the internals, the connection would quietly fall back to
    # gevent's methods: correct, but slower. This says so.
    conn = _connect(fast_target)
    try:
        assert conn._raw is not None
        assert conn.reader._recv == conn._recv
    finally:
        conn.close()


def test_a_body_larger_than_the_send_buffer_arrives_whole(scripted: Any) -> None:
    body = bytes(range(256)) * (64 * 1024)  # 16 MiB: many times any socket buffer
    reading = threading.Event()

    def scenario(peer: Any) -> None:
        reading.wait(WAIT)  # let the client's first send fill the buffers and come back short
        while (request := peer.read_request()) is not None:
            digest = hashlib.sha256(request.body).hexdigest().encode()
            peer.send(scripted.ok(digest))

    server = scripted(scenario)
    conn = _connect(server.url)
    message = b"POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    try:
        gevent.spawn_later(0.05, reading.set)
        conn.send(message)
        head = conn.reader.read_head()
        assert head.status == 200
        assert conn.reader.read_body(head) == hashlib.sha256(body).hexdigest().encode()
    finally:
        reading.set()
        conn.close()


def test_read_timeouts_follow_settimeout_on_one_connection(scripted: Any) -> None:
    def scenario(peer: Any) -> None:
        while (request := peer.read_request()) is not None:
            if request.target == "/slow":
                gevent_free_sleep(0.6)
            peer.send(scripted.ok(request.target.encode()))

    server = scripted(scenario)
    pool = OriginPool(
        _origin(server.url), concurrency=1, connect_timeout=WAIT, network_timeout=WAIT
    )
    try:
        with pytest.raises(TimeoutError, match=r"^timed out$"):
            exchange(pool, _get("/slow"), 0, 0.1)
        # a longer timeout on the next connection: the timer is made anew, not reused at 0.1 s
        head, conn = exchange(pool, _get("/slow"), 0, 5.0)
        assert conn.reader.read_body(head) == b"/slow"
        pool.release(conn, reusable=True)
        head, conn = exchange(pool, _get("/fast"), 0, None)  # no timeout at all
        assert conn.reader.read_body(head) == b"/fast"
        pool.release(conn, reusable=True)
    finally:
        pool.close()


@pytest.mark.slow
def test_the_read_timeout_is_per_read_not_per_connection(scripted: Any) -> None:
    # libev resumes a stopped timer with the time it had left: re-arming it with stop() and
    # start() turned the timeout into a budget for the whole keep-alive connection
    def scenario(peer: Any) -> None:
        while (request := peer.read_request()) is not None:
            gevent_free_sleep(0.25)
            peer.send(scripted.ok(request.target.encode()))

    server = scripted(scenario)
    pool = OriginPool(
        _origin(server.url), concurrency=1, connect_timeout=WAIT, network_timeout=WAIT
    )
    try:
        for index in range(10):  # 2.5 s of waiting on one connection, 1 s timeout per read
            head, conn = exchange(pool, _get(f"/{index}"), 0, 1.0)
            assert conn.reader.read_body(head) == f"/{index}".encode()
            pool.release(conn, reusable=True)
        assert server.connections == 1
        with pytest.raises(TimeoutError, match=r"^timed out$"):
            exchange(pool, _get("/slow"), 0, 0.1)  # and a read slower than it still times out
    finally:
        pool.close()


def test_a_killed_reader_leaves_no_timer_behind(black_hole_server: Any) -> None:
    conn = _connect(black_hole_server, timeout=0.2)
    try:
        conn.send(_get("/never"))
        reader = gevent.spawn(conn.reader.read_head)
        gevent.sleep(0.05)
        reader.kill(block=True)
        # past the 0.2 s read timeout: an armed timer would throw into a dead greenlet or here
        gevent.sleep(0.4)
        assert reader.dead
        assert isinstance(reader.value, gevent.GreenletExit)
    finally:
        conn.close()


def test_two_greenlets_reading_one_connection_is_refused(black_hole_server: Any) -> None:
    conn = _connect(black_hole_server, timeout=1.0)
    try:
        conn.send(_get("/never"))
        first = gevent.spawn(conn.reader.read_head)
        gevent.sleep(0.05)
        second = gevent.spawn(conn.reader.read_head)
        second.join(WAIT)
        assert "already used by another greenlet" in str(second.exception)
        first.kill(block=True)
    finally:
        conn.close()


@pytest.fixture
def black_hole_server(scripted: Any) -> str:
    """A server that accepts and reads but never answers (until the client closes)."""

    def scenario(peer: Any) -> None:
        while peer.read_request() is not None:
            pass

    return str(scripted(scenario).url)


def _get(path: str) -> bytes:
    return b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode()


def gevent_free_sleep(seconds: float) -> None:
    """Sleep in a server thread (the pytest process is not monkey-patched)."""
    threading.Event().wait(seconds)


def test_a_zero_timeout_times_out_at_once(black_hole_server: Any) -> None:
    # gevent's meaning of settimeout(0): never wait. The timer must still go off.
    pool = OriginPool(
        _origin(black_hole_server), concurrency=1, connect_timeout=WAIT, network_timeout=WAIT
    )
    try:
        with gevent.Timeout(WAIT), pytest.raises(TimeoutError, match=r"^timed out$"):
            exchange(pool, _get("/never"), 0, 0)
    finally:
        pool.close()
