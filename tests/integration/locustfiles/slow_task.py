"""One slow request per task (GET /delay/1500, named "slow"): a run stopped after 1 s finds it
in flight."""

from locust import HttpUser, constant, task


class Patient(HttpUser):
    wait_time = constant(0)

    @task
    def slow(self):
        self.client.get("/delay/1500", name="slow")
