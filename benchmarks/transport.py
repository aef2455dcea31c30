"""The transport choice, measured: HTTP clients alone on gevent, no load-test framework around them.

    python benchmarks/transport.py            # needs run.py's setup (nginx, the Locust venv)

Each client runs 10 greenlets doing keep-alive ``GET /`` in a loop for a few seconds, pinned to
the second core, against the benchmark's nginx on the first; the rate is counted by nginx.
Clients: horde's ``FastHttpSession`` (its request event going nowhere), geventhttpclient's
``HTTPClient`` (what Locust's FastHttpUser is built on; from Locust's virtualenv), and a bare
loop of ``sendall``/``recv`` on gevent sockets with no parsing at all (the ceiling for any
client on gevent). Also prints what parsing a response head costs in horde's pure-Python parser.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path

from bench import nginx, procs

REPO = Path(__file__).resolve().parents[1]
LOCUST_PYTHON = REPO / "benchmarks" / ".venv-locust" / "bin" / "python"
SECONDS = 6.0
GREENLETS = 10

LOOP = """
import sys, time
from gevent import monkey; monkey.patch_all()
import gevent
URL, SECONDS, N, KIND = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
host, port = URL.removeprefix("http://").split(":")
def make():
    if KIND == "horde":
        from horde.clients.fast import FastHttpSession
        from horde.event import Events
        s = FastHttpSession(URL, request_event=Events().request)
        return lambda: s.get("/")
    if KIND == "geventhttpclient":
        from geventhttpclient import HTTPClient
        c = HTTPClient(host, int(port), concurrency=1)
        return lambda: c.get("/").read()
    from gevent import socket
    sock = socket.create_connection((host, int(port)))
    request = b"GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n"
    def bare():
        sock.sendall(request)
        sock.recv(65536)  # nginx's answer fits one segment: no parsing, no framing
    return bare
def worker(deadline):
    call = make()
    while time.monotonic() < deadline:
        call()
deadline = time.monotonic() + SECONDS
gevent.joinall([gevent.spawn(worker, deadline) for _ in range(N)])
"""


def rate(server: nginx.Nginx, python: Path | str, kind: str) -> float:
    command = ["taskset", "-c", "1", str(python), "-c", LOOP, server.base_url]
    command += [f"{SECONDS:g}", str(GREENLETS), kind]
    proc = subprocess.Popen(command)
    try:
        time.sleep(1.5)
        first, started = server.counters(), time.monotonic()
        time.sleep(SECONDS - 2.5)
        last, ended = server.counters(), time.monotonic()
        proc.wait(timeout=60)
    finally:
        procs.stop(proc)
    if first is None or last is None or proc.returncode != 0:
        return float("nan")
    return (last[0] - first[0] - 1) / (ended - started)


def parse_cost_us() -> float:
    from horde.clients.fast.wire import parse_head

    head = (
        b"HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Tue, 24 Nov 2026 21:00:00 GMT\r\n"
        b"Content-Type: text/plain\r\nContent-Length: 17\r\nConnection: keep-alive"
    )
    n = 200_000
    return timeit.timeit(lambda: parse_head(head), number=n) / n * 1e6


def main() -> None:
    procs.raise_open_files_limit()
    with tempfile.TemporaryDirectory(prefix="horde-transport-") as scratch:
        server = nginx.start(Path(scratch) / "nginx", core=0)
        try:
            rows = [
                ("horde FastHttpSession", rate(server, sys.executable, "horde")),
                ("geventhttpclient HTTPClient", rate(server, LOCUST_PYTHON, "geventhttpclient")),
                ("bare gevent sendall/recv", rate(server, sys.executable, "bare")),
            ]
        finally:
            procs.stop(server.process)
    print(f"| Client alone, {GREENLETS} greenlets, one core | req/s |")
    print("|---|---|")
    for label, value in rows:
        print(f"| {label} | {value:,.0f} |")
    print(f"\nhorde's parse_head on a 6-header nginx response: {parse_cost_us():.2f} µs")


if __name__ == "__main__":
    main()
