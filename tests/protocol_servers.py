"""Real servers for the protocol tests, on 127.0.0.1 port 0, each in a thread of its own.

The asyncio servers run in one background thread (:class:`LoopThread`), so they answer while the
test's greenlets wait on gevent sockets. A :class:`Barrier` holds every reply until ``parties``
requests are waiting at once: a client that blocked the event loop, or serialised its users,
never gets there, and after ``limit`` seconds the server answers ``BARRIER NOT REACHED`` instead,
so such a test fails rather than hangs.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import threading
from collections.abc import Callable, Coroutine, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from typing import Any, TypeVar

import pytest
import trustme
from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

T = TypeVar("T")
NOT_REACHED = b"BARRIER NOT REACHED"


class LoopThread:
    """An asyncio event loop running in a daemon thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 15) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close_server(self, server: Any) -> None:
        """Close an asyncio (or websockets) server in the loop's own thread: its ``close()`` is
        not thread-safe, and called from the test's thread it raced with the loop detaching the
        last connection (``TypeError: 'NoneType' object is not iterable`` in ``_wakeup``)."""

        async def close() -> None:
            server.close()

        self.run(close())

    def close(self) -> None:
        """Cancel every connection handler (their ``finally`` close the sockets), then stop."""
        self.run(self._cancel_all())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    @staticmethod
    async def _cancel_all() -> None:
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class Barrier:
    """Hold callers until ``parties`` are waiting together (once); then let everyone through."""

    def __init__(self, parties: int, limit: float = 30.0) -> None:
        self.parties = parties
        self.limit = limit
        self.waiting = 0
        self.peak = 0
        self.arrivals = 0
        self._open: asyncio.Event | None = None

    async def arrive(self) -> bool:
        if self._open is None:
            self._open = asyncio.Event()
        self.arrivals += 1
        self.waiting += 1
        self.peak = max(self.peak, self.waiting)
        if self.waiting >= self.parties:
            self._open.set()
        try:
            await asyncio.wait_for(self._open.wait(), self.limit)
        except TimeoutError:
            return False
        finally:
            self.waiting -= 1
        return True


async def _maybe(barrier: Barrier | None) -> bool:
    return True if barrier is None else await barrier.arrive()


# -- TCP and UDP echo ------------------------------------------------------------------------------


async def _start_tcp_echo(barrier: Barrier | None, close_after: int | None) -> asyncio.Server:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        served = 0
        try:
            while data := await reader.read(65536):
                if close_after is not None and served >= close_after:
                    writer.write(data[: len(data) // 2])  # half a reply, then hang up
                    break
                writer.write(data if await _maybe(barrier) else NOT_REACHED + b"\n")
                await writer.drain()
                served += 1
        except ConnectionError:
            pass
        finally:
            writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


class _UdpEcho(asyncio.DatagramProtocol):
    def __init__(self, barrier: Barrier | None, drop: bytes | None) -> None:
        self.barrier = barrier
        self.drop = drop
        self.transport: Any = None
        self.replies: set[asyncio.Future[None]] = set()

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: Any) -> None:
        if self.drop is not None and data.startswith(self.drop):
            return
        self.replies.add(task := asyncio.ensure_future(self._reply(data, addr)))
        task.add_done_callback(self.replies.discard)

    async def _reply(self, data: bytes, addr: Any) -> None:
        self.transport.sendto(data if await _maybe(self.barrier) else NOT_REACHED, addr)


@contextmanager
def tcp_echo(
    loop: LoopThread, barrier: Barrier | None = None, close_after: int | None = None
) -> Iterator[int]:
    """A TCP echo server; yields its port. ``close_after=N``: after N replies, half a reply."""
    server = loop.run(_start_tcp_echo(barrier, close_after))
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        loop.close_server(server)


@contextmanager
def udp_echo(
    loop: LoopThread, barrier: Barrier | None = None, drop: bytes | None = None
) -> Iterator[int]:
    """A UDP echo server (datagrams starting with ``drop`` get no reply); yields its port."""

    async def start() -> Any:
        transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
            lambda: _UdpEcho(barrier, drop), local_addr=("127.0.0.1", 0)
        )
        return transport

    transport = loop.run(start())
    try:
        yield transport.get_extra_info("sockname")[1]
    finally:
        loop.loop.call_soon_threadsafe(transport.close)


# -- WebSocket -------------------------------------------------------------------------------------


class WsBehaviour:
    """What the WebSocket server does, by path (see :func:`websocket_server`)."""

    def __init__(self, barrier: Barrier | None = None) -> None:
        self.barrier = barrier
        self.connections = 0


async def _ws_handler(conn: ServerConnection, how: WsBehaviour) -> None:
    how.connections += 1
    path = conn.request.path if conn.request else "/"
    if path.startswith("/ticker"):
        await conn.recv()
        for i in range(5):
            await conn.send(f"tick:{i}")
        await conn.send("done")
        await conn.wait_closed()
        return
    async for message in conn:
        if path == "/close":
            await conn.close(1011, "boom")
            return
        if path == "/silent":
            continue
        if path == "/json":
            request = json.loads(message)
            await conn.send(json.dumps({"push": "before the reply"}))
            await conn.send(json.dumps({"id": request["id"], "result": request["op"][::-1]}))
            continue
        await conn.send(message if await _maybe(how.barrier) else NOT_REACHED.decode())


def _refuse_forbidden(conn: ServerConnection, request: Request) -> Response | None:
    if request.path == "/forbidden":
        return Response(
            403,
            "Forbidden",
            Headers([("Content-Type", "text/plain"), ("Content-Length", "7")]),
            b"go away",
        )
    return None


@contextmanager
def websocket_server(
    loop: LoopThread, how: WsBehaviour | None = None, tls: ssl.SSLContext | None = None
) -> Iterator[str]:
    """Yields ``ws://127.0.0.1:PORT`` (``wss://localhost:PORT`` with ``tls``).

    Paths: any (echo, through the barrier), ``/json`` (a push, then ``{"id", "result"}``),
    ``/ticker`` (five ``tick:N`` and ``done`` after the first message), ``/close`` (close 1011),
    ``/silent`` (never answers), ``/forbidden`` (handshake refused with 403).
    """
    behaviour = how or WsBehaviour()

    async def start() -> Any:
        return await serve(
            lambda conn: _ws_handler(conn, behaviour),
            "127.0.0.1",
            0,
            ssl=tls,
            process_request=_refuse_forbidden,
            compression=None,
            close_timeout=0.5,
        )

    server = loop.run(start())
    port = next(iter(server.sockets)).getsockname()[1]
    try:
        yield f"wss://localhost:{port}" if tls else f"ws://127.0.0.1:{port}"
    finally:
        loop.close_server(server)


def server_tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(context)
    return context


# -- one server per session, whichever modules import its fixture ---------------------------------


class Shared:
    """A server started by its first user and stopped when its last one is done.

    A session-scoped fixture imported into several test modules is one fixture per module for
    pytest (a conftest.py would share it, but a second ``conftest`` module would shadow the
    ``from conftest import ...`` the tests use). The fixtures enter this instead: the first
    starts the server, the others reuse it, and the last teardown (at the end of the session,
    as all are session-scoped) stops it.
    """

    def __init__(self, start: Callable[[], AbstractContextManager[Any]]) -> None:
        self.start = start
        self.users = 0
        self.value: Any = None
        self.stack = ExitStack()

    @contextmanager
    def use(self) -> Iterator[Any]:
        if self.users == 0:
            self.value = self.stack.enter_context(self.start())
        self.users += 1
        try:
            yield self.value
        finally:
            self.users -= 1
            if self.users == 0:
                self.stack.close()


# -- fixtures (imported by the protocol test modules) ----------------------------------------------


@pytest.fixture(scope="module")
def loop() -> Iterator[LoopThread]:
    """The thread the asyncio servers of one test module run in."""
    thread = LoopThread()
    yield thread
    thread.close()


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    """A throwaway certificate authority for TLS tests."""
    return trustme.CA()
