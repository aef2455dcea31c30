"""A REST API through Slumber, recorded by horde (needs `pip install slumber`).

Slumber takes the user's HttpSession, so every call lands in the statistics; `name=` groups the
per-id URLs under one entry.

    horde -f examples/rest_slumber.py --headless -u 5 -r 5 -t 20s -H http://127.0.0.1:8080
"""

import random

from locust import HttpUser, between, task
from slumber import API


class ApiUser(HttpUser):
    wait_time = between(0.5, 1)

    def on_start(self):
        self.api = API(f"{self.host}/api/v1/", session=self.client, append_slash=True)

    @task(3)
    def list_resources(self):
        self.api.resource.get()

    @task(1)
    def create_and_delete(self):
        created = self.api.resource.post({"name": "example", "price": 4})
        with self.client.rename_request("/api/v1/resource/[id]/"):
            self.api.resource(created["id"]).get()
            self.api.resource(created["id"]).delete()

    @task(1)
    def read_one(self):
        with self.client.rename_request("/api/v1/resource/[id]/"):
            self.api.resource(random.randint(1, 20)).get()
