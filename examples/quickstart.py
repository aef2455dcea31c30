"""The README's quick start: run it against the demo target.

horde demo-target --port 8080 &
horde -f examples/quickstart.py --headless -u 20 -r 10 -t 30s -H http://127.0.0.1:8080
"""

from locust import HttpUser, between, task


class Visitor(HttpUser):
    wait_time = between(1, 3)

    def on_start(self):
        self.client.post("/login", {"username": "ada", "password": "secret"})

    @task(3)
    def browse(self):
        self.client.get("/api/items")

    @task(1)
    def item(self):
        self.client.get("/api/items/7", name="/api/items/[id]")
