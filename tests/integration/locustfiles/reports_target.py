"""Traffic for the reports tests: a fast name, a delayed one (``SLOW_MS`` milliseconds, the
knob the comparison tests turn), and a failure whose response body carries markup."""

import os

from locust import HttpUser, constant, task

SLOW_MS = os.environ.get("SLOW_MS", "1")
HOSTILE = "<script>window.__pwned=1</script>"


class Visitor(HttpUser):
    wait_time = constant(0.005)

    @task(3)
    def items(self):
        self.client.get("/api/items")

    @task(2)
    def slow(self):
        self.client.get(f"/delay/{SLOW_MS}", name="/delay")

    @task
    def hostile(self):
        with self.client.get(f"/search?search={HOSTILE}", catch_response=True) as response:
            response.failure("the search page echoed markup")
