"""Requests to many distinct URLs without name= (for --group-urls)."""

from horde import HttpUser, constant, task


class Browser(HttpUser):
    wait_time = constant(0.01)
    item = 0

    @task
    def browse(self) -> None:
        self.item = self.item % 20 + 1
        self.client.get(f"/api/items/{self.item}")
        self.client.get(f"/search?search=boots&page={self.item}")
        self.client.get("/api/items/1", name="named")
