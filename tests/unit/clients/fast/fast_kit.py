"""Fixtures of the fast-client tests (a plugin: ``pytest_plugins = ["fast_kit"]``).

Servers: a demo target of their own, scripted raw TCP, HTTPS, and a listener that never accepts;
clients that close themselves. Not a conftest.py: the suite imports the root conftest by its
module name (``from conftest import Recorder, run_horde``), which a second conftest.py would shadow.

The pytest process is not monkey-patched, so these servers are real OS threads with blocking
stdlib sockets, while the clients under test use gevent sockets in the main thread. Every wait
is bounded (socket timeouts, ``Event.wait`` timeouts, ``join`` timeouts); nothing here measures
time.
"""

from __future__ import annotations

import contextlib
import http.server
import socket
import ssl
import struct
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from horde.clients.fast import FastHttpSession
from horde.clients.http import HttpSession
from horde.demo.process import reset_counts, running_demo_target
from horde.event import Events

WAIT = 10.0
"""Upper bound for any wait in a server thread or on one (never reached when things work)."""


@pytest.fixture(scope="session")
def fast_demo() -> Iterator[str]:
    """A demo target of these tests' own: they create and delete items, which would change what
    the other client tests find in the shared ``demo_target``."""
    with running_demo_target() as url:
        yield url


@pytest.fixture
def fast_target(fast_demo: str) -> str:
    """:func:`fast_demo` with its request counters zeroed."""
    reset_counts(fast_demo)
    return fast_demo


# -- a scripted raw HTTP server ------------------------------------------------------------------


@dataclass
class RawRequest:
    """A request as the scripted server read it."""

    raw: bytes
    method: str
    target: str
    headers: dict[str, str]
    """Lower-cased names; a repeated header keeps its first value."""
    body: bytes

    @classmethod
    def parse(cls, raw: bytes) -> RawRequest:
        head, _, body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.setdefault(name.strip().lower(), value.strip())
        return cls(raw, method, target, headers, body)


class Peer:
    """The server side of one accepted connection, handed to a scenario function."""

    def __init__(self, sock: socket.socket, server: ScriptedServer, index: int) -> None:
        self.sock = sock
        self.server = server
        self.index = index
        """0 for the first connection the server accepted, 1 for the second..."""
        self._buf = b""

    def read_request(self) -> RawRequest | None:
        """The next request (head and Content-Length body), or None once the client closed."""
        while b"\r\n\r\n" not in self._buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self._buf += chunk
        end = self._buf.index(b"\r\n\r\n") + 4
        head = RawRequest.parse(self._buf[:end])
        length = int(head.headers.get("content-length", "0"))
        while len(self._buf) < end + length:
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self._buf += chunk
        raw, self._buf = self._buf[: end + length], self._buf[end + length :]
        request = RawRequest.parse(raw)
        self.server.requests.append(request)
        return request

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def reset(self) -> None:
        """Close with an RST instead of a FIN."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


Scenario = Callable[[Peer], None]


class ScriptedServer:
    """A loopback server running ``scenario(peer)`` in a thread for every connection it accepts.

    Counts connections, keeps every request it read, and records exceptions raised by scenarios
    (the fixture fails the test with them) instead of letting a thread die noisily.
    """

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.sock = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port: int = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.connections = 0
        self.open_now = 0
        self.most_open = 0
        self.requests: list[RawRequest] = []
        self.errors: list[BaseException] = []
        self.closed = threading.Semaphore(0)
        """Released once each time a scenario returned and its connection was closed."""
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._peers: list[socket.socket] = []
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.settimeout(WAIT)
            with self._lock:
                index = self.connections
                self.connections += 1
                self.open_now += 1
                self.most_open = max(self.most_open, self.open_now)
                self._peers.append(conn)
            thread = threading.Thread(target=self._run, args=(conn, index), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _run(self, conn: socket.socket, index: int) -> None:
        try:
            self.scenario(Peer(conn, self, index))
        except (ConnectionError, TimeoutError):
            pass  # the client went away first: not the scenario's fault
        except BaseException as exc:  # reported by the fixture
            self.errors.append(exc)
        finally:
            with contextlib.suppress(OSError):
                conn.close()
            with self._lock:
                self.open_now -= 1
            self.closed.release()

    def wait_closed(self, count: int = 1) -> None:
        """Block until ``count`` more connections were closed by their scenario."""
        for _ in range(count):
            assert self.closed.acquire(timeout=WAIT), "the server did not close the connection"

    def targets(self) -> list[str]:
        return [request.target for request in self.requests]

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() on Linux
        self.sock.close()
        self._accepting.join(WAIT)
        with self._lock:
            peers = list(self._peers)
        for peer in peers:
            with contextlib.suppress(OSError):
                peer.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(WAIT)


def ok(body: bytes = b"ok", *headers: str) -> bytes:
    """A keep-alive ``200 OK`` with a Content-Length and the extra ``headers`` lines."""
    lines = "".join(f"{line}\r\n" for line in headers).encode("latin-1")
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), lines, body)


class Servers:
    """What the ``scripted`` fixture gives: start scripted servers; all close after the test."""

    ok = staticmethod(ok)

    def __init__(self) -> None:
        self.started: list[ScriptedServer] = []

    def __call__(self, scenario: Scenario) -> ScriptedServer:
        self.started.append(ScriptedServer(scenario))
        return self.started[-1]

    def keep_alive(self, respond: Callable[[RawRequest], bytes]) -> ScriptedServer:
        """A server answering every request on every connection with ``respond(request)``."""

        def scenario(peer: Peer) -> None:
            while (request := peer.read_request()) is not None:
                peer.send(respond(request))

        return self(scenario)

    def close(self) -> None:
        for server in self.started:
            server.close()


@pytest.fixture
def scripted() -> Iterator[Servers]:
    servers = Servers()
    yield servers
    servers.close()
    errors = [error for server in servers.started for error in server.errors]
    if errors:
        raise errors[0]


@pytest.fixture
def refused_url() -> str:
    """A loopback URL nothing listens on (the port was bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# -- a port whose listener never accepts: connecting to it times out ------------------------------


@pytest.fixture
def black_hole() -> Iterator[str]:
    """The URL of a listener with a backlog of 0 that is already full: SYNs are dropped.

    Linux drops a SYN when the accept queue is full, so ``connect`` blocks until its timeout,
    which is what a non-routable address does (unusable here: this sandbox answers those).
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    yield f"http://127.0.0.1:{port}"
    for filler in fillers:
        filler.close()
    listener.close()


# -- HTTPS ----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def tls_certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, made with the openssl CLI."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    try:
        subprocess.run(
            [
                *["openssl", "req", "-x509", "-nodes", "-days", "2", "-newkey", "ec"],
                *["-pkeyopt", "ec_paramgen_curve:prime256v1", "-subj", "/CN=127.0.0.1"],
                *["-addext", "subjectAltName=IP:127.0.0.1"],
                *["-keyout", str(key), "-out", str(cert)],
            ],
            check=True,
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot make a test certificate with openssl: {exc}")
    return cert, key


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = WAIT

    def do_GET(self) -> None:
        if self.path == "/once":  # answer, then close without saying so (no Connection: close)
            self.close_connection = True
        body = b"hello over tls"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


class _TlsServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    context: ssl.SSLContext
    handshakes = 0
    closed: threading.Semaphore

    def finish_request(self, request: Any, client_address: Any) -> None:
        try:
            secure = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return  # the client refused our certificate: that is what some tests want
        self.handshakes += 1
        try:
            super().finish_request(secure, client_address)
        finally:
            secure.close()  # socketserver closes only the plain socket, which wrapping emptied
            self.closed.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: a client closing its connection is not an error here."""


@dataclass
class TlsServer:
    url: str
    cert: Path
    server: _TlsServer

    @property
    def handshakes(self) -> int:
        return self.server.handshakes

    def wait_closed(self) -> None:
        """Block until the server closed one more connection."""
        assert self.server.closed.acquire(timeout=WAIT), "the server did not close it"


@pytest.fixture
def tls_server(tls_certificate: tuple[Path, Path]) -> Iterator[TlsServer]:
    """An HTTPS server on 127.0.0.1 with a self-signed certificate (GET -> "hello over tls")."""
    cert, key = tls_certificate
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = _TlsServer(("127.0.0.1", 0), _Handler)
    server.context = context
    server.closed = threading.Semaphore(0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield TlsServer(f"https://127.0.0.1:{server.server_address[1]}", cert, server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(WAIT)


# -- clients that close themselves ----------------------------------------------------------------


@pytest.fixture
def fast_session(events: Events) -> Iterator[Callable[..., FastHttpSession]]:
    """``fast_session(base_url, **options)``: a FastHttpSession reporting to ``events``."""
    sessions: list[FastHttpSession] = []

    def make(base_url: str, **options: Any) -> FastHttpSession:
        sessions.append(FastHttpSession(base_url, request_event=events.request, **options))
        return sessions[-1]

    yield make
    for session in sessions:
        session.close()


@pytest.fixture(params=[True, False], ids=["fast", "urllib3"])
def http_session(
    request: pytest.FixtureRequest, events: Events
) -> Iterator[Callable[..., HttpSession]]:
    """``http_session(base_url, **options)``: an HttpSession on FastAdapter, then on urllib3.

    Tests using it run twice and must observe the same results on both transports.
    """
    sessions: list[HttpSession] = []

    def make(base_url: str, **options: Any) -> HttpSession:
        session = HttpSession(
            base_url, request_event=events.request, fast_transport=request.param, **options
        )
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        session.close()
