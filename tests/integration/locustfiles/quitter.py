"""After three requests the user calls ``self.environment.runner.quit()`` (or ``.stop()`` when
QUIT_METHOD=stop), the way Locust's documentation ends a test from a task."""

import os

from locust import HttpUser, constant, task


class Quitter(HttpUser):
    wait_time = constant(0.02)

    def on_start(self):
        self.rounds = 0

    @task
    def one_round(self):
        self.rounds += 1
        self.client.get("/api/items")
        if self.rounds == 3:
            getattr(self.environment.runner, os.environ.get("QUIT_METHOD", "quit"))()
            self.client.get("/never")  # the call above ends this user at once
