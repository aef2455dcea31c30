"""What horde's WebSocket client costs per operation, next to websocket-client used bare.

    python benchmarks/websocket_paths.py [--users 10] [--seconds 3]

Starts benchmarks/protocol_server.py's WebSocket echo on the first core, then in this process
(gevent-patched, pinned to the second core) runs ``--users`` greenlets through each path in
turn and prints operations/s and this process's CPU per operation:

- ``bare``: websocket-client's ``send()`` then ``recv()`` in the user's greenlet (what a Locust
  user timed with ``events.request.measure`` does, without the recording);
- ``request``: ``WebSocketClient.request()``: the reply reaches the user through the connection's
  reader greenlet (a switch and an ``AsyncResult`` more), recorded as one operation;
- ``send+receive``: ``send()`` then ``receive()`` through the inbox, recorded as two operations.

The figures explain the ``ws`` row of docs/benchmarks.md's protocols section. No recording
listener is attached (the request event fires into no statistics), so they are the client's own.
"""

# ruff: noqa: E402 - gevent patches the socket module before anything imports it

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import gevent
import websocket

from horde.event import Events
from horde.protocols.websocket import WebSocketClient

HERE = Path(__file__).resolve().parent
MESSAGE = "x" * 16


def start_server(scratch: Path, core: int) -> tuple[subprocess.Popen[bytes], str]:
    counter, port_file = scratch / "count", scratch / "port"
    counter.write_bytes(bytes(8))
    args = ["taskset", "-c", str(core), sys.executable, str(HERE / "protocol_server.py")]
    args += ["websocket", "--counter", str(counter), "--port-file", str(port_file)]
    server = subprocess.Popen(args, start_new_session=True)
    deadline = time.monotonic() + 30
    while not port_file.exists():
        if server.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the echo server did not start")
        time.sleep(0.05)
    return server, f"ws://127.0.0.1:{port_file.read_text()}"


def one_user(path: str, url: str, seconds: float, events: Events) -> int:
    done, end = 0, time.monotonic() + seconds
    if path == "bare":
        ws = websocket.create_connection(url)
        while time.monotonic() < end:
            ws.send(MESSAGE)
            ws.recv()
            done += 1
        ws.close()
        return done
    with WebSocketClient(events.request, url) as client:
        client.connect()
        while time.monotonic() < end:
            if path == "request":
                client.request(MESSAGE)
            else:
                client.send(MESSAGE)
                client.receive()
            done += 1
    return done


def measure(path: str, url: str, users: int, seconds: float) -> str:
    events = Events()
    cpu = time.process_time()
    jobs = [gevent.spawn(one_user, path, url, seconds, events) for _ in range(users)]
    gevent.joinall(jobs, raise_error=True)
    cpu = time.process_time() - cpu
    done = sum(job.value for job in jobs)
    return (
        f"{path:<13} {done / seconds:>9,.0f} exchanges/s, CPU {100 * cpu / seconds:>3.0f} %, "
        f"{1e6 * cpu / done:>5.1f} us of CPU per exchange"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=3.0)
    options = parser.parse_args()
    cores = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cores[-1]})
    with tempfile.TemporaryDirectory() as scratch:
        server, url = start_server(Path(scratch), cores[0])
        try:
            for path in ("bare", "request", "send+receive"):
                print(measure(path, url, options.users, options.seconds), flush=True)
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
