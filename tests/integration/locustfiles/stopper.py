"""Every user makes three requests; the third round raises StopTest, which ends the whole test."""

from locust import HttpUser, constant, task
from locust.exception import StopTest


class Stopper(HttpUser):
    wait_time = constant(0.02)

    def on_start(self):
        self.rounds = 0

    @task
    def one_round(self):
        self.rounds += 1
        self.client.get("/api/items")
        if self.rounds == 3:
            raise StopTest()
