"""A steady user that never fails: for signal tests and clean exits."""

from locust import HttpUser, constant, task


class Steady(HttpUser):
    wait_time = constant(0.05)

    @task
    def items(self):
        self.client.get("/api/items")

    @task
    def something(self):
        self.client.get("/something")
