"""A non-HTTP user: any Python call, timed and recorded like a request.

Here the "protocol" is a plain TCP echo to the demo target's port (an HTTP request written by
hand), standing in for Redis, a database driver or a gRPC stub.

    horde -f examples/custom_client.py --headless -u 5 -r 5 -t 10s -H http://127.0.0.1:8080
"""

import socket
from urllib.parse import urlsplit

from locust import User, between, task

from horde import measured


class RawSocketUser(User):
    wait_time = between(0.2, 0.5)

    def on_start(self):
        parts = urlsplit(self.host or "http://127.0.0.1:8080")
        self.address = (parts.hostname, parts.port or 80)

    @task
    @measured("tcp", name="raw GET /something", length=len)
    def raw_get(self):
        with socket.create_connection(self.address, timeout=5) as conn:
            conn.sendall(b"GET /something HTTP/1.1\r\nHost: demo\r\nConnection: close\r\n\r\n")
            chunks = []
            while chunk := conn.recv(65536):
                chunks.append(chunk)
        reply = b"".join(chunks)
        if not reply.startswith(b"HTTP/1.1 200"):
            raise ValueError(f"unexpected reply: {reply[:40]!r}")
        return reply
