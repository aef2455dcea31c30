"""REST resources without URL fiddling: `self.client.rest()`, and automatic URL grouping.

`api.resource(7).get()` is recorded as GET /api/v1/resource/[id]/ without any name=, and
`group_urls = "auto"` folds the ids of the plain requests too (as `--group-urls auto` does).

    horde -f examples/rest_resources.py --headless -u 5 -r 5 -t 20s -H http://127.0.0.1:8080
"""

import random

from horde import HttpNotFoundError, HttpUser, between, task


class ApiUser(HttpUser):
    wait_time = between(0.2, 0.5)
    group_urls = "auto"

    def on_start(self):
        self.api = self.client.rest("/api/v1/")

    @task(3)
    def list_resources(self):
        self.api.resource.get()

    @task
    def create_read_update_delete(self):
        created = self.api.resource.post({"name": "example", "price": 4})
        one = self.api.resource(created["id"])
        one.get()
        one.patch({"price": 5})
        one.delete()

    @task
    def read_one(self):
        try:
            self.api.resource(random.randint(1, 20)).get()
        except HttpNotFoundError as error:  # recorded as a failed request before it is raised
            print(f"gone: {error.response.url}")

    @task
    def plain_requests(self):
        self.client.get(f"/api/items/{random.randint(1, 20)}")  # named /api/items/[id]
