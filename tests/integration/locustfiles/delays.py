"""Requests to /delay/50 and /delay/200 (names "d50" and "d200"), one user each, no wait.

Every response time horde records is also written, one per line, to the file named by the
SAMPLES_FILE environment variable (when set), so a test can compute exact percentiles.
"""

import os

from locust import HttpUser, constant, events, task

_samples = []


@events.request.add_listener
def _keep(name, response_time, exception, **_kwargs):
    if exception is None:
        _samples.append(f"{name} {response_time!r}")


@events.quitting.add_listener
def _dump(environment, **_kwargs):
    path = os.environ.get("SAMPLES_FILE")
    if path:
        with open(path, "w", encoding="utf-8") as out:
            out.write("\n".join(_samples) + "\n")


class Fast(HttpUser):
    wait_time = constant(0)

    @task
    def fifty(self):
        self.client.get("/delay/50", name="d50")


class Slow(HttpUser):
    wait_time = constant(0)

    @task
    def two_hundred(self):
        self.client.get("/delay/200", name="d200")
