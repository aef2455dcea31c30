"""Successes, HTTP failures, a catch_response failure and a user exception, in fixed rounds.

Each round: GET /api/items (ok), GET /api/fail (500), GET /about checked for a word it does
not contain (failure "no Zebra on the about page"), then a ValueError raised by the task.
"""

from locust import HttpUser, constant, task


class Failing(HttpUser):
    wait_time = constant(0.05)

    @task
    def one_round(self):
        self.client.get("/api/items")
        self.client.get("/api/fail")
        with self.client.get("/about", catch_response=True) as response:
            if "Zebra" not in response.text:
                response.failure("no Zebra on the about page")
        raise ValueError("the task broke on purpose")
