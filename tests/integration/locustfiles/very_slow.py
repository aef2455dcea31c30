"""One very slow request per task (GET /delay/40000, named "very slow"): a stop finds every user
in flight, and only a second Ctrl-C keeps it from waiting for the grace."""

from locust import HttpUser, constant, task


class Stuck(HttpUser):
    wait_time = constant(0)

    @task
    def very_slow(self):
        self.client.get("/delay/40000", name="very slow", timeout=60)
