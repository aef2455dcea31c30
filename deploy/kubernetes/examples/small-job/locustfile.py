"""The example overlay's locustfile: a user of the system under test, by its Service name."""

from locust import FastHttpUser, constant_throughput, task


class ApiClient(FastHttpUser):
    host = "http://shop.shop.svc:8080"
    wait_time = constant_throughput(2)

    @task(3)
    def browse(self) -> None:
        self.client.get("/api/items")

    @task
    def item(self) -> None:
        self.client.get("/api/items/7", name="/api/items/[id]")
