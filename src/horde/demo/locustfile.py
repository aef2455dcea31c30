"""The locustfile `horde demo` runs against the embedded demo target.

Two kinds of users: shoppers who log in, browse and buy (with a few requests that fail on
purpose, so the failure report has something to show), and API clients that use the REST
resource with grouped names.
"""

import random

from locust import HttpUser, between, task


class Shopper(HttpUser):
    weight = 3
    wait_time = between(0.5, 1.5)

    def on_start(self):
        self.client.post(
            "/login", {"username": f"shopper{random.randint(1, 999)}", "password": "pw"}
        )

    @task(10)
    def browse(self):
        self.client.get("/api/items")

    @task(5)
    def view_item(self):
        self.client.get(f"/api/items/{random.randint(1, 20)}", name="/api/items/[id]")

    @task(3)
    def about(self):
        with self.client.get("/about", catch_response=True) as response:
            if "Founded" not in response.text:
                response.failure("the about page lost its founding year")

    @task(2)
    def slow_search(self):
        self.client.get("/api/slow", name="/api/slow (log-normal latency)")

    @task(1)
    def flaky(self):
        self.client.get("/api/flaky")

    @task(1)
    def profile(self):
        self.client.get("/api/me")

    @task(1)
    def missing_item(self):
        # an item that does not exist: a 404 on purpose, to show failure samples in the report
        self.client.get("/api/items/404404", name="/api/items/[id] (missing)")


class ApiClient(HttpUser):
    weight = 1
    wait_time = between(1, 2)

    @task
    def crud(self):
        created = self.client.post("/api/v1/resource/", json={"name": "demo", "price": 3})
        if created.status_code == 201:
            item = created.json()["id"]
            self.client.get(f"/api/v1/resource/{item}/", name="/api/v1/resource/[id]/")
            self.client.delete(f"/api/v1/resource/{item}/", name="/api/v1/resource/[id]/")
