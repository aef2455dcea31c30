"""Keep-alive connections on gevent sockets, pooled per origin.

A :class:`Connection` is one TCP (or TLS) socket with its response :class:`~.wire.Reader`. An
:class:`OriginPool` keeps idle connections to one scheme://host:port, most recently used first,
and caps how many are open at once (``concurrency``). :class:`HTTPClientPool` maps origins to
pools; one per FastHttpSession by default, or shared between users via ``client_pool``.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket as _stdsocket
from collections.abc import Callable
from typing import Any

from gevent import GreenletExit, getcurrent
from gevent import socket as gsocket
from gevent import ssl as gssl
from gevent.exceptions import ConcurrentObjectUseError
from gevent.lock import BoundedSemaphore

from horde.clients.fast.wire import Head, Reader, RemoteClosedError

Origin = tuple[str, str, int]
"""(scheme, host, port)"""

Address = tuple[int, Any]
"""(address family, socket address) to connect to."""


def literal_address(host: str, port: int) -> Address | None:
    """The address of an IP literal ``host``; None for a name (it needs the resolver)."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return None
    if ip.version == 6:
        return int(_stdsocket.AF_INET6), (host, port, 0, 0)
    return int(_stdsocket.AF_INET), (host, port)


SslContextFactory = Callable[[], Any]


class ConnectTimeoutError(TimeoutError):
    """Connecting took longer than the connection timeout (a read timeout is a plain one)."""


def default_ssl_context(insecure: bool) -> Any:
    context = gssl.create_default_context()
    if insecure:
        context.check_hostname = False
        context.verify_mode = gssl.CERT_NONE
    return context


class Connection:
    """One socket to an origin, reused across requests while the server keeps it open.

    For plain HTTP the request is written and the response read on the OS socket under the
    gevent socket, which is non-blocking: a write that fits the send buffer and a read that
    finds data cost one system call each, as in gevent, without its per-call overhead (a
    ``getsockopt`` and a memoryview per ``sendall``). When a read must wait, it waits on the
    gevent socket's own read watcher, with one timer per connection re-armed for the full
    timeout at each wait instead of a new :class:`gevent.Timeout` each time. The timeout is the
    socket's (``settimeout``), applies to each wait for data (as gevent's and requests' do), and
    is raised as gevent raises it: ``TimeoutError("timed out")``. Together this is about a tenth of
    FastHttpUser's CPU per request (docs/benchmarks.md).
    """

    __slots__ = ("_raw", "_timer", "_timer_seconds", "origin", "reader", "reused", "sock")

    _raw: Any
    """The OS socket under a plain-HTTP gevent socket; None for TLS."""

    def __init__(
        self,
        origin: Origin,
        *,
        connect_timeout: float,
        network_timeout: float,
        ssl_context: Any = None,
        address: Address | None = None,
    ) -> None:
        scheme, host, port = origin
        try:
            if address is None:
                sock = gsocket.create_connection((host, port), timeout=connect_timeout)
            else:
                sock = _connect(address, connect_timeout)
        except TimeoutError as exc:
            # no host or port in the message: the same failure groups in one error row
            raise ConnectTimeoutError(f"connect timed out ({connect_timeout:g} s)") from exc
        try:
            sock.setsockopt(_stdsocket.IPPROTO_TCP, _stdsocket.TCP_NODELAY, 1)
            if scheme == "https":
                sock = ssl_context.wrap_socket(sock, server_hostname=host)
            sock.settimeout(network_timeout)
        except BaseException:
            sock.close()
            raise
        self.origin = origin
        self.sock = sock
        self.reused = False
        self._timer: Any = None
        self._timer_seconds: float | None = None
        # Plain TCP on a gevent socket: talk to the non-blocking OS socket directly (see the
        # class docstring). TLS, or a gevent without these internals, goes through gevent.
        raw = getattr(sock, "_sock", None)
        fast = raw is not None and scheme == "http" and hasattr(sock, "_read_event")
        fast = fast and hasattr(sock, "hub")
        self._raw = raw if fast else None
        self.reader = Reader(self._recv if fast else sock.recv)

    def send(self, data: bytes) -> None:
        raw = self._raw
        if raw is not None:
            try:
                sent = raw.send(data)
            except BlockingIOError:
                sent = 0
            if sent == len(data):
                return
            data = memoryview(data)[sent:]  # type: ignore[assignment]
        self.sock.sendall(data)

    def _recv(self, size: int) -> bytes:
        raw: Any = self._raw
        while True:
            try:
                chunk: bytes = raw.recv(size)
            except BlockingIOError:
                self._wait_readable()
            else:
                return chunk

    def _wait_readable(self) -> None:
        sock = self.sock
        event = sock._read_event
        if event.callback is not None:
            raise ConcurrentObjectUseError(
                f"this connection is already used by another greenlet: {event.callback!r}"
            )
        seconds = sock.timeout
        if seconds is None:
            sock.hub.wait(event)
            return
        timer = self._timer
        if timer is None or self._timer_seconds != seconds:
            if timer is not None:
                timer.close()
            # repeat == after, for again() below (the timer is stopped before it repeats); a
            # zero timeout (gevent: "do not wait") needs a repeat above zero, or again() would
            # only stop the timer and the wait would never end
            repeat = seconds if seconds > 0 else _NO_WAIT
            timer = self._timer = sock.hub.loop.timer(repeat, repeat, ref=False)
            self._timer_seconds = seconds
        # again(), not start(): libev's ev_timer_stop keeps the time that was left and
        # ev_timer_start resumes from it, so a stopped and restarted timer would count every
        # wait on this connection against one budget. ev_timer_again arms it for the full
        # ``repeat`` each time: the timeout is per read, as in gevent's socket and requests.
        timer.again(_time_out, getcurrent(), update=True)
        try:
            sock.hub.wait(event)
        finally:
            timer.stop()

    def close(self) -> None:
        if self._timer is not None:
            self._timer.close()
            self._timer = None
        with contextlib.suppress(OSError):
            self.sock.close()


_NO_WAIT = 1e-9
"""The timer's period for a zero timeout: it goes off at the next turn of the loop."""


def _time_out(waiting: Any) -> None:
    """The read timer went off: the waiting greenlet gets what gevent's socket raises."""
    waiting.throw(TimeoutError("timed out"))


def _connect(address: Address, timeout: float) -> Any:
    """A gevent socket connected to an already resolved ``address``."""
    family, sockaddr = address
    sock = gsocket.socket(family, _stdsocket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(sockaddr)
    except BaseException:
        sock.close()
        raise
    return sock


class OriginPool:
    """Idle connections to one origin, at most ``concurrency`` in use at a time."""

    __slots__ = (
        "_address",
        "_idle",
        "_limit",
        "connect_timeout",
        "network_timeout",
        "origin",
        "ssl_context",
    )

    def __init__(
        self,
        origin: Origin,
        *,
        concurrency: int,
        connect_timeout: float,
        network_timeout: float,
        ssl_context: Any = None,
    ) -> None:
        self.origin = origin
        self._idle: list[Connection] = []
        self._limit = BoundedSemaphore(max(1, concurrency))
        self.connect_timeout = connect_timeout
        self.network_timeout = network_timeout
        self.ssl_context = ssl_context
        self._address: Address | None = None

    def _connect(self) -> Connection:
        """A new connection to the origin's remembered address.

        The first connect resolves the name and tries every address it has (as
        ``create_connection`` does: ``localhost`` may give ::1 first to a server on 127.0.0.1
        only); the address that answered is kept, so later connects skip the resolver (DNS
        answers are not re-checked during a run). A failed connect forgets it.
        """
        address = self._address
        if address is None:
            address = literal_address(self.origin[1], self.origin[2])
        try:
            conn = Connection(
                self.origin,
                connect_timeout=self.connect_timeout,
                network_timeout=self.network_timeout,
                ssl_context=self.ssl_context,
                address=address,
            )
        except OSError:
            self._address = None
            raise
        if address is None:
            self._address = (int(conn.sock.family), conn.sock.getpeername())
        else:
            self._address = address
        return conn

    def acquire(self) -> Connection:
        """An idle connection (most recent first) or a new one; blocks at the concurrency cap."""
        self._limit.acquire()
        try:
            if self._idle:
                conn = self._idle.pop()
                conn.reused = True
                return conn
            return self._connect()
        except BaseException:
            self._limit.release()
            raise

    def fresh(self) -> Connection:
        """A new connection, for retrying after a pooled one turned out to be closed.

        The caller already holds a concurrency slot (from :meth:`acquire`).
        """
        return self._connect()

    def release(self, conn: Connection, *, reusable: bool) -> None:
        if reusable:
            self._idle.append(conn)
        else:
            conn.close()
        self._limit.release()

    def close(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


class HTTPClientPool:
    """Connection pools by origin; share one between users with ``client_pool=``."""

    def __init__(
        self,
        *,
        concurrency: int = 10,
        connection_timeout: float = 60.0,
        network_timeout: float = 60.0,
        insecure: bool = True,
        ssl_context_factory: SslContextFactory | None = None,
    ) -> None:
        self.concurrency = concurrency
        self.connection_timeout = connection_timeout
        self.network_timeout = network_timeout
        self.insecure = insecure
        self.ssl_context_factory = ssl_context_factory
        self._pools: dict[Origin, OriginPool] = {}
        self._ssl_context: Any = None

    def get(self, origin: Origin) -> OriginPool:
        pool = self._pools.get(origin)
        if pool is None:
            pool = self._pools[origin] = OriginPool(
                origin,
                concurrency=self.concurrency,
                connect_timeout=self.connection_timeout,
                network_timeout=self.network_timeout,
                ssl_context=self._context() if origin[0] == "https" else None,
            )
        return pool

    def _context(self) -> Any:
        if self._ssl_context is None:
            factory = self.ssl_context_factory
            self._ssl_context = factory() if factory else default_ssl_context(self.insecure)
        return self._ssl_context

    def close(self) -> None:
        for pool in self._pools.values():
            pool.close()


def exchange(
    pool: OriginPool, message: bytes, retries: int, timeout: float | None
) -> tuple[Head, Connection]:
    """Send ``message`` and read the response head on a pooled connection.

    A pooled connection the server has closed meanwhile (reset, or closed before answering) is
    replaced by a new one once, silently: that is keep-alive housekeeping, not a failure.
    ``retries`` more attempts are made on other connection errors. The caller reads the body and
    gives the connection back with :meth:`OriginPool.release`.
    """
    attempt = 0
    sent = False
    try:
        while True:
            conn = pool.acquire()
            try:
                conn.sock.settimeout(timeout)
                try:
                    sent = True
                    conn.send(message)
                    return conn.reader.read_head(), conn
                except (RemoteClosedError, ConnectionResetError, BrokenPipeError) as exc:
                    stale = conn.reused and (
                        not isinstance(exc, RemoteClosedError) or exc.nothing_received
                    )
                    if not stale:
                        raise
                    conn.close()
                    conn = pool.fresh()
                    conn.sock.settimeout(timeout)
                    conn.send(message)
                    return conn.reader.read_head(), conn
            except (OSError, RemoteClosedError):
                pool.release(conn, reusable=False)
                attempt += 1
                if attempt > retries:
                    raise
            except BaseException:
                pool.release(conn, reusable=False)
                raise
    except GreenletExit as exc:
        if not sent:  # killed while connecting: nothing reached the server
            exc.horde_on_wire = False
        raise
