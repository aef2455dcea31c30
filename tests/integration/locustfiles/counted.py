"""Each user makes exactly ROUNDS rounds of four named requests, then stops itself.

ROUNDS comes from the COUNTED_ROUNDS environment variable (default 6; 0: no limit);
COUNTED_FAST=1 makes it a FastHttpUser. With ``-s`` the run
ends with every request either finished and recorded or never sent, so horde's counts must
equal the demo target's own counts exactly.
"""

import os

from locust import FastHttpUser, HttpUser, constant, task
from locust.exception import StopUser

ROUNDS = int(os.environ.get("COUNTED_ROUNDS", "6"))
BASE = FastHttpUser if os.environ.get("COUNTED_FAST") else HttpUser


class Counted(BASE):
    wait_time = constant(0.02)

    def on_start(self):
        self.rounds = 0

    @task
    def one_round(self):
        if ROUNDS and self.rounds >= ROUNDS:
            raise StopUser()
        self.rounds += 1
        self.client.get("/api/items")
        self.client.get(f"/api/items/{self.rounds % 20 + 1}", name="/api/items/[id]")
        self.client.head("/about")
        self.client.get("/something")
