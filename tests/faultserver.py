"""A loopback HTTP/1.1 server that misbehaves on demand, and counts what reached it.

For tests of horde's clients and of the ``horde`` command against hostile targets. It is a real
TCP server on 127.0.0.1 (port 0, read back), one OS thread per connection with blocking stdlib
sockets, so it works in the (not monkey-patched) pytest process next to gevent clients, and in
a subprocess of its own for the ``horde`` command.

In a test::

    from faultserver import FaultServer

    with FaultServer() as server:
        session.get(f"{server.url}/delay?s=0.3")
        assert server.count == 1                # requests whose head reached the server
        assert server.counts() == {"/delay": 1}

For a run of the ``horde`` command (the server in its own process, asked over HTTP)::

    from faultserver import FaultServerProcess

    with FaultServerProcess() as server:
        run_horde(["-f", locustfile, "--headless", "-H", server.url, ...])
        assert server.fetch_counts()["total"] == recorded_by_horde

Faults are chosen by path; parameters go in the query string. Every path also takes ``close=1``
(answer with ``Connection: close`` and close) and ``then=...`` where it says so. ``then`` is
what happens after the bytes were sent: ``close`` (FIN), ``reset`` (RST), ``stall`` (keep the
connection open and silent until the client closes it or the server stops).

========================  =====================================================================
path                      behaviour
========================  =====================================================================
``/ok``                   200 with ``body`` (default ``ok``) and its Content-Length, keep-alive
``/delay``                wait ``s`` seconds (default 1), then as ``/ok``
``/stall``                read the request and never answer
``/length``               ``Content-Length: {declared}`` (any text: ``-5``, ``abc``, ``5, 6``,
                          ``100000000``), then ``send`` bytes of the body (default: as many as
                          declared when that is a small number, else 0), then ``then``
                          (default ``close``)
``/lengths``              two Content-Length lines, ``a`` and ``b``; a body of ``max(a, b)``
``/length-and-chunked``   ``Content-Length: 3`` and ``Transfer-Encoding: chunked`` with a valid
                          chunked body ``chunked-wins``
``/chunk``                a chunked body whose first chunk announces ``size`` (hex text, e.g.
                          ``9184E72A000`` = 10^13), then ``send`` bytes, then ``then``
                          (default ``close``)
``/status``               status line ``HTTP/1.1 {code} Odd`` (any text: 20 digits, ``2000``)
``/close-in-headers``     half a header block, then close
``/reset-in-body``        ``Content-Length: 1000``, 10 bytes of it, then a reset
``/gzip-bomb``            a gzip body inflating to ``mib`` MiB of zeros (default 256; about
                          1 KB on the wire per MiB); ``/deflate-bomb`` the same as zlib deflate
``/redirect``             ``status`` (default 302) with ``Location: {to}`` (any URL or scheme)
``/set-cookie``           ``Set-Cookie: {name}={value}{attrs}`` (``attrs`` raw, e.g.
                          ``; Domain=localhost``), body ``ok``
``/echo``                 200 with JSON ``{"method", "path", "host", "headers"}`` of the request
                          (header names lower-cased; repeated headers joined with ``, ``)
anything else             404 with Content-Length
========================  =====================================================================

``FaultServer.route(path, handler)`` adds a fault of your own: ``handler(peer, request)`` writes
raw bytes with ``peer.send`` and may ``peer.close()``, ``peer.reset()`` or ``peer.stall()``.

Counting: a request counts once its head (request line and headers) has been read, whatever
the fault does next; that is "reached the wire" for the client that sent it. ``connections``
counts accepted connections. Control paths (``/__counts`` answers ``{"total", "by_path",
"connections"}`` as JSON, not counting its own connection; ``POST /__reset`` zeroes them; each
asks on a connection of its own and closes it) are not counted as requests.

Every wait is bounded: a stall ends when the client closes, when the server stops (it shuts its
sockets down, which wakes the threads) or after :data:`STALL_LIMIT` seconds; delays end early
when the server stops. Nothing here measures time.
"""

from __future__ import annotations

import contextlib
import functools
import json
import socket
import struct
import subprocess
import sys
import threading
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from urllib.parse import parse_qsl, urlsplit
from urllib.request import Request as UrlRequest
from urllib.request import urlopen

STALL_LIMIT = 60.0
"""Longest a stalled connection stays silent (the client under test should give up first)."""

READ_LIMIT = 60.0
"""Longest the server waits for the next request on a keep-alive connection."""

MAX_REQUEST_BODY = 16 * 1024 * 1024


@dataclass
class Request:
    """A request as the server read it."""

    method: str
    target: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    """Lower-cased names; repeated headers joined with ", "."""
    body: bytes
    connection: int
    """Index of the connection it came on (0 for the first one the server accepted)."""

    def param(self, name: str, default: str = "") -> str:
        return self.query.get(name, default)


class Peer:
    """The server's side of one connection, handed to handlers."""

    def __init__(self, sock: socket.socket, server: FaultServer, index: int) -> None:
        self.sock = sock
        self.server = server
        self.index = index
        self.open = True
        self._buf = b""

    def read_request(self) -> Request | None:
        """The next request, or None when the client closed (or sent something unreadable)."""
        while b"\r\n\r\n" not in self._buf:
            if len(self._buf) > 65536:
                return None
            chunk = self._recv()
            if not chunk:
                return None
            self._buf += chunk
        head, _, self._buf = self._buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3:
            return None
        method, target, _ = parts
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            key = name.strip().lower()
            value = value.strip()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        length = min(int(headers.get("content-length", "0") or 0), MAX_REQUEST_BODY)
        while len(self._buf) < length:
            chunk = self._recv()
            if not chunk:
                return None
            self._buf += chunk
        body, self._buf = self._buf[:length], self._buf[length:]
        split = urlsplit(target)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        return Request(method, target, split.path, query, headers, body, self.index)

    def _recv(self) -> bytes:
        try:
            return self.sock.recv(65536)
        except (OSError, TimeoutError):
            return b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def close(self) -> None:
        """Close with a FIN (after what was sent)."""
        self.open = False
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_WR)

    def reset(self) -> None:
        """Close with an RST."""
        self.open = False
        with contextlib.suppress(OSError):
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.sock.close()

    def stall(self) -> None:
        """Say nothing more until the client closes, the server stops, or STALL_LIMIT."""
        self.open = False
        with contextlib.suppress(OSError, TimeoutError):
            self.sock.settimeout(STALL_LIMIT)
            while self.sock.recv(65536):
                pass

    def then(self, request: Request, default: str = "close") -> None:
        """Do what the request's ``then`` parameter says: close, reset or stall."""
        action = request.param("then", default)
        if action == "reset":
            self.reset()
        elif action == "stall":
            self.stall()
        else:
            self.close()


Handler = Callable[[Peer, Request], None]


def response(
    status: str = "200 OK", body: bytes = b"ok", headers: tuple[str, ...] = (), close: bool = False
) -> bytes:
    """A response with a Content-Length (and ``Connection: close`` when ``close``)."""
    lines = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", *headers]
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class FaultServer:
    """The server, started on construction; ``close()`` (or the ``with`` block) stops it."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.sock = socket.create_server((host, 0), backlog=128)
        self.port: int = self.sock.getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        self.requests: list[Request] = []
        self.connections = 0
        self.errors: list[BaseException] = []
        """Exceptions raised by handlers (a test may assert this stays empty)."""
        self._routes: dict[str, Handler] = dict(_ROUTES)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._peers: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    # -- what tests read ----------------------------------------------------------------------

    @property
    def count(self) -> int:
        """Requests whose head reached the server."""
        with self._lock:
            return len(self.requests)

    def counts(self) -> dict[str, int]:
        """Requests by path."""
        with self._lock:
            return dict(Counter(request.path for request in self.requests))

    def url_as(self, host: str) -> str:
        """The server's URL under another name for the same address (``localhost``): another
        host as far as cookies and credentials go."""
        return f"http://{host}:{self.port}"

    def route(self, path: str, handler: Handler) -> None:
        self._routes[path] = handler

    def reset_counts(self) -> None:
        with self._lock:
            self.requests.clear()
            self.connections = 0

    # -- serving ------------------------------------------------------------------------------

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.settimeout(READ_LIMIT)
            with self._lock:
                index = self.connections
                self.connections += 1
                self._peers.append(conn)
            thread = threading.Thread(target=self._serve, args=(conn, index), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket, index: int) -> None:
        peer = Peer(conn, self, index)
        try:
            while peer.open and (request := peer.read_request()) is not None:
                if self._control(peer, request):
                    continue
                with self._lock:
                    self.requests.append(request)
                handler = self._routes.get(request.path, _not_found)
                handler(peer, request)
                if peer.open and request.param("close") == "1":
                    peer.close()
        except OSError:
            pass  # the client went away first (or the server is stopping)
        except BaseException as exc:  # kept for the test to look at, never a dying thread
            self.errors.append(exc)
        finally:
            with contextlib.suppress(OSError):
                conn.close()

    def _control(self, peer: Peer, request: Request) -> bool:
        if request.path == "/__counts":
            with self._lock:
                by_path = dict(Counter(r.path for r in self.requests))
                body = {"total": len(self.requests), "by_path": by_path}
                body["connections"] = self.connections - 1  # not this one
            peer.send(response(body=json.dumps(body).encode(), close=True))
            peer.close()
            return True
        if request.path == "/__reset":
            self.reset_counts()
            peer.send(response(body=b"reset", close=True))
            peer.close()
            return True
        return False

    def delay(self, seconds: float) -> None:
        """Wait ``seconds`` in a handler, ending early when the server stops."""
        self._stopping.wait(seconds)

    def close(self) -> None:
        self._stopping.set()
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() on Linux
        self.sock.close()
        self._accepting.join(10)
        with self._lock:
            peers = list(self._peers)
        for peer in peers:  # wakes stalled and reading threads
            with contextlib.suppress(OSError):
                peer.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(10)

    def __enter__(self) -> FaultServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


# -- the faults -----------------------------------------------------------------------------------


def _ok(peer: Peer, request: Request) -> None:
    close = request.param("close") == "1"
    peer.send(response(body=request.param("body", "ok").encode(), close=close))


def _delay(peer: Peer, request: Request) -> None:
    peer.server.delay(float(request.param("s", "1")))
    _ok(peer, request)


def _stall(peer: Peer, request: Request) -> None:
    peer.stall()


def _length(peer: Peer, request: Request) -> None:
    declared = request.param("declared", "5")
    default_send = declared if declared.isdigit() and int(declared) <= 65536 else "0"
    send = int(request.param("send", default_send))
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {declared}\r\n\r\n".encode("latin-1")
    peer.send(head + b"x" * send)
    peer.then(request)


def _lengths(peer: Peer, request: Request) -> None:
    a, b = request.param("a", "5"), request.param("b", "6")
    body = b"y" * max(int(a), int(b))
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {a}\r\nContent-Length: {b}\r\n\r\n"
    peer.send(head.encode("latin-1") + body)


def _length_and_chunked(peer: Peer, request: Request) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
    peer.send(head + b"7\r\nchunked\r\n5\r\n-wins\r\n0\r\n\r\n")


def _chunk(peer: Peer, request: Request) -> None:
    size = request.param("size", "9184E72A000")
    send = int(request.param("send", "10"))
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    peer.send(head + size.encode("latin-1") + b"\r\n" + b"z" * send)
    peer.then(request)


def _status(peer: Peer, request: Request) -> None:
    code = request.param("code", "20000000000000000000")
    peer.send(f"HTTP/1.1 {code} Odd\r\nContent-Length: 2\r\n\r\nok".encode("latin-1"))


def _close_in_headers(peer: Peer, request: Request) -> None:
    peer.send(b"HTTP/1.1 200 OK\r\nContent-Le")
    peer.close()


def _reset_in_body(peer: Peer, request: Request) -> None:
    peer.send(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"r" * 10)
    peer.reset()


@functools.lru_cache(maxsize=8)
def bomb(mib: int, wbits: int = 16 + zlib.MAX_WBITS) -> bytes:
    """``mib`` MiB of zeros, compressed (gzip by default; ``wbits=zlib.MAX_WBITS``: deflate)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    block = bytes(1024 * 1024)
    parts = [compressor.compress(block) for _ in range(mib)]
    parts.append(compressor.flush())
    return b"".join(parts)


def _bomb(peer: Peer, request: Request, encoding: str, wbits: int) -> None:
    body = bomb(int(request.param("mib", "256")), wbits)
    peer.send(response(body=body, headers=(f"Content-Encoding: {encoding}",)))


def _redirect(peer: Peer, request: Request) -> None:
    status = request.param("status", "302")
    peer.send(response(f"{status} Moved", b"", (f"Location: {request.param('to', '/ok')}",)))


def _set_cookie(peer: Peer, request: Request) -> None:
    cookie = f"{request.param('name', 'c')}={request.param('value', '1')}"
    peer.send(response(headers=(f"Set-Cookie: {cookie}{request.param('attrs')}",)))


def _echo(peer: Peer, request: Request) -> None:
    document = {
        "method": request.method,
        "path": request.path,
        "host": request.headers.get("host"),
        "headers": request.headers,
    }
    body = json.dumps(document).encode()
    peer.send(response(body=body, headers=("Content-Type: application/json",)))


def _not_found(peer: Peer, request: Request) -> None:
    peer.send(response("404 Not Found", b"no such fault"))


_ROUTES: dict[str, Handler] = {
    "/ok": _ok,
    "/delay": _delay,
    "/stall": _stall,
    "/length": _length,
    "/lengths": _lengths,
    "/length-and-chunked": _length_and_chunked,
    "/chunk": _chunk,
    "/status": _status,
    "/close-in-headers": _close_in_headers,
    "/reset-in-body": _reset_in_body,
    "/gzip-bomb": functools.partial(_bomb, encoding="gzip", wbits=16 + zlib.MAX_WBITS),
    "/deflate-bomb": functools.partial(_bomb, encoding="deflate", wbits=zlib.MAX_WBITS),
    "/redirect": _redirect,
    "/set-cookie": _set_cookie,
    "/echo": _echo,
}


# -- in a process of its own ----------------------------------------------------------------------


@dataclass
class FaultServerProcess:
    """``python tests/faultserver.py`` in a subprocess: for runs of the ``horde`` command.

    The child prints its URL and serves until its stdin closes (so it never outlives the test).
    """

    url: str = ""
    _proc: subprocess.Popen[str] | None = field(default=None, repr=False)

    def __enter__(self) -> FaultServerProcess:
        self._proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._proc.stdout is not None
        self.url = self._proc.stdout.readline().strip()
        if not self.url.startswith("http://"):
            self.__exit__(None, None, None)
            raise RuntimeError("the fault server process did not start")
        return self

    def fetch_counts(self) -> dict[str, object]:
        """``{"total", "by_path", "connections"}`` from the running server."""
        with urlopen(f"{self.url}/__counts", timeout=10) as answer:  # noqa: S310 - loopback
            counts: dict[str, object] = json.load(answer)
        return counts

    def reset_counts(self) -> None:
        request = UrlRequest(f"{self.url}/__reset", method="POST")  # noqa: S310 - loopback
        with urlopen(request, timeout=10):  # noqa: S310 - loopback
            pass

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


@contextlib.contextmanager
def fault_server() -> Iterator[FaultServer]:
    """A :class:`FaultServer` for one ``with`` block (the fixture-friendly spelling)."""
    server = FaultServer()
    try:
        yield server
    finally:
        server.close()


def _main() -> None:
    with FaultServer() as server:
        print(server.url, flush=True)  # the parent reads it
        sys.stdin.read()  # until the parent closes our stdin (or dies)


if __name__ == "__main__":
    _main()
