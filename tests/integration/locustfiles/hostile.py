"""One round of requests to a misbehaving target (tests/faultserver.py) per user, then stop.

Every user class makes the same requests through a different client: FastHttpUser, HttpUser
on horde's transport, HttpUser on urllib3. Each request reaches the server, so each must be
recorded, once, however the server misbehaves. ``Patient`` makes many slow-but-in-time
requests on one keep-alive connection: none may time out.
"""

from locust import FastHttpUser, HttpUser, constant, task
from locust.exception import StopUser

PATHS = [
    "/ok",
    "/stall",
    "/close-in-headers",
    "/reset-in-body",
    "/length?declared=-5&send=5&then=close",
    "/length?declared=10000000000000&send=10&then=close",
    "/lengths?a=5&b=6",
    "/length-and-chunked",
    "/chunk?size=9184E72A000&send=10&then=close",
    "/status?code=20000000000000000000",
    "/gzip-bomb?mib=80",
    "/redirect?to=file:///etc/passwd",
    "/redirect?to=ftp://127.0.0.1/file",
]


def one_round(client):
    for path in PATHS:
        client.get(path)
    raise StopUser()


class Fast(FastHttpUser):
    fixed_count = 1
    network_timeout = 1.0
    wait_time = constant(0)

    @task
    def hostile_round(self):
        one_round(self.client)


class Http(HttpUser):
    fixed_count = 1
    network_timeout = 1.0
    wait_time = constant(0)

    @task
    def hostile_round(self):
        one_round(self.client)


class Urllib3(HttpUser):
    fixed_count = 1
    network_timeout = 1.0
    fast_transport = False
    wait_time = constant(0)

    @task
    def hostile_round(self):
        one_round(self.client)


class Patient(FastHttpUser):
    fixed_count = 1
    network_timeout = 1.0
    wait_time = constant(0)

    @task
    def slow_answers(self):
        for _ in range(10):  # 2.5 s on one connection, 1 s timeout per read
            self.client.get("/delay?s=0.25", name="/delay")
        raise StopUser()
