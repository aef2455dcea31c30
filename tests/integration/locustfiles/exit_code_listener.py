"""A quitting listener sets environment.process_exit_code from the WANTED_EXIT_CODE variable.

The user makes one successful and one failing request per round, so without the listener the
run would exit with 1.
"""

import os

from locust import HttpUser, constant, events, task


@events.quitting.add_listener
def _decide(environment, **_kwargs):
    environment.process_exit_code = int(os.environ["WANTED_EXIT_CODE"])


class Mixed(HttpUser):
    wait_time = constant(0.05)

    @task
    def one_round(self):
        self.client.get("/api/items")
        self.client.get("/api/fail")
