"""Requests that all succeed, and a task that raises: only a user exception, no failed request."""

from locust import HttpUser, constant, task


class Raising(HttpUser):
    wait_time = constant(0.05)

    @task
    def one_round(self):
        self.client.get("/api/items")
        raise KeyError("missing key, on purpose")
