"""A Locust Backpack script: `import locust_backpack` resolves to horde inside the horde command.

Endpoints are module-level objects, as Backpack wants them, but each user has its own Result,
its own dependency values and its own in-task changes (docs/compatibility.md, "Backpack").

    horde -f examples/backpack.py --headless -u 10 -r 10 -t 30s -H http://127.0.0.1:8080
"""

import locust_backpack as Backpack  # noqa: N812 - the spelling Backpack documents
from locust import HttpUser, between, task
from locust_backpack import DEPENDS_ON

Login = Backpack.LocustEndpoint(
    "/login", "post", body={"username": "backpacker", "password": "secret"}
)
Me = Backpack.LocustEndpoint("/api/me", "get")
Listing = Backpack.LocustEndpoint("/api/v1/resource/", "get", name="list resources")
NewItem = Backpack.LocustEndpoint(
    "/api/v1/resource/", "post", name="create resource", body={"name": "tent", "price": 120}
)
Item = Backpack.LocustEndpoint("/api/v1/resource/{id}/", ["get", "patch", "delete"])
Echo = Backpack.LocustEndpoint("/headers", "get")

Item >> DEPENDS_ON("id") >> NewItem  # the id NewItem returned fills Item's {id}, per user


class Backpacker(HttpUser):
    wait_time = between(0.2, 0.5)

    def on_start(self):
        Backpack.Unzip(self)
        Login + Me
        Echo.headers["X-Backpacker"] = str(id(self))  # inside a user: this user's only

    @task(3)
    def browse(self):
        Listing.Request()
        if Listing:
            Echo.Request()

    @task
    def create_use_and_delete(self):
        Backpack.Chain([(NewItem, "post"), (Item, "get"), (Item, "patch"), (Item, "delete")])

    @task
    def quick_check(self):
        Me + Listing
