# ruff: noqa
# fmt: off
# The Locust documentation's quickstart locustfile, in its own style, pointed at the demo
# target's pages (/hello, /world and /item become /something, /something-else and /api/items/N)
# and with a shorter sleep, so a short run makes every request.
import time
from locust import HttpUser, task, between

class QuickstartUser(HttpUser):
    wait_time = between(0.05, 0.1)

    @task
    def hello_world(self):
        self.client.get("/something")
        self.client.get("/something-else")

    @task(3)
    def view_items(self):
        for item_id in range(1, 4):
            self.client.get(f"/api/items/{item_id}", name="/item")
            time.sleep(0.01)

    def on_start(self):
        self.client.post("/login", json={"username":"foo", "password":"bar"})
