"""CPU cost of horde's per-request hot path, in microseconds, without the network.

    python benchmarks/hotpath.py [--n 200000]

Measures, in this process (no sockets, no gevent waits):
  report+stats   events.request.report(...) recorded by RequestStats (the part every client shares)
  fast request   FastHttpSession.get() against an in-memory socket, including report+stats
  http request   HttpSession.get() (requests + FastAdapter) against the same in-memory socket
  fast, grouping on, URL seen     the same with --group-urls auto, a URL already folded (cache hit)
  fast, grouping on, new URL      the same, a new id every request (/api/items/N: folded anew)
  fold, seen / fold, new URL      the URL folding alone (horde.clients.grouping)

The socket-free figures are the per-request CPU horde itself spends; a real run adds the
kernel's send/recv and gevent's switch to the hub and back.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from horde.clients.fast.connection import Connection, OriginPool
from horde.clients.fast.session import FastHttpSession
from horde.clients.fast.wire import Reader
from horde.clients.grouping import GROUPER, UrlGrouper
from horde.clients.http import HttpSession
from horde.env import Environment

RESPONSE = (
    b"HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Tue, 24 Nov 2026 21:00:00 GMT\r\n"
    b"Content-Type: text/plain\r\nContent-Length: 17\r\nConnection: keep-alive\r\n\r\n"
    b"hello from nginx\n"
)


class MemorySocket:
    """Answers every request with RESPONSE at once."""

    def __init__(self) -> None:
        self._pending = b""

    def sendall(self, data: bytes) -> None:
        self._pending = RESPONSE

    def recv(self, size: int) -> bytes:
        data, self._pending = self._pending, b""
        return data

    def settimeout(self, timeout: float | None) -> None:
        """Nothing to wait for."""

    def close(self) -> None:
        """Nothing to close."""


def memory_connection(origin: tuple[str, str, int]) -> Connection:
    conn = Connection.__new__(Connection)
    sock = MemorySocket()
    conn.origin = origin
    conn.sock = sock  # type: ignore[assignment]
    conn.reader = Reader(sock.recv)
    conn.reused = True
    conn._raw = None  # no OS socket: send and recv go through MemorySocket
    conn._timer = None
    conn._timer_seconds = None
    return conn


def prime(pool: OriginPool) -> None:
    pool._idle.append(memory_connection(pool.origin))


def per_call_us(fn: Callable[[], Any], n: int) -> float:
    for _ in range(min(n // 10, 5000)):
        fn()
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000)
    n = parser.parse_args().n
    env = Environment()
    request = env.events.request

    def report() -> None:
        request.report("GET", "/", 0.42, 17, start_time=0.0, url="http://x/")

    fast = FastHttpSession("http://127.0.0.1:8099", request_event=request)
    prime(fast.pool.get(("http", "127.0.0.1", 8099)))
    http = HttpSession("http://127.0.0.1:8099", request_event=request)
    adapter = http.get_adapter("http://127.0.0.1:8099/")
    timeout = getattr(http, "timeout", None)  # the connect timeout keys the adapter's pools
    connect_timeout = timeout[0] if isinstance(timeout, tuple) else timeout
    for pool in (adapter._pool(True, connect_timeout),):  # type: ignore[attr-defined]
        prime(pool.get(("http", "127.0.0.1", 8099)))

    grouped = FastHttpSession("http://127.0.0.1:8099", request_event=request)
    grouped.group_url = GROUPER
    prime(grouped.pool.get(("http", "127.0.0.1", 8099)))
    ids = iter(range(10**9))
    folder = UrlGrouper()

    rows = [
        ("report+stats", per_call_us(report, n)),
        ("fast request", per_call_us(lambda: fast.get("/"), n)),
        ("http request", per_call_us(lambda: http.get("/"), n // 5)),
        ("fast, grouping on, URL seen", per_call_us(lambda: grouped.get("/api/items/7"), n)),
        (
            "fast, grouping on, new URL",
            per_call_us(lambda: grouped.get(f"/api/items/{next(ids)}"), n),
        ),
        ("fold, seen", per_call_us(lambda: folder("/api/items/7?page=2"), n)),
        ("fold, new URL", per_call_us(lambda: folder(f"/api/items/{next(ids)}?page=2"), n)),
    ]
    total = env.stats.total.num_requests
    print(f"{'path':<28} {'µs/request':>10}")
    for label, value in rows:
        print(f"{label:<28} {value:>10.2f}")
    print(f"(recorded {total} requests)")


if __name__ == "__main__":
    main()
