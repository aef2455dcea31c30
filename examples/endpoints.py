"""Endpoints as objects, with test data from a CSV file (horde's own API; see docs/endpoints.md).

Each endpoint is described once; every user gets its own results and its own values from
dependencies (the id its last create returned fills ``{id}`` of its next item calls).

    horde -f examples/endpoints.py --headless -u 10 -r 10 -t 30s -H http://127.0.0.1:8080
"""

from pathlib import Path

from horde import Chain, CsvFeeder, Endpoint, Feeder, HttpUser, Scenario, between, task

accounts = CsvFeeder(Path(__file__).with_name("data") / "accounts.csv")  # circular
searches = Feeder(["tent", "boots", "stove", "lamp"], strategy="random")

login = Endpoint("/login", "POST")
me = Endpoint("/api/me")
listing = Endpoint("/api/items")
first_item = Endpoint("/api/items/{id}", name="first item").depends_on(listing, "0.id")
create = Endpoint("/api/items", "POST", body={"name": "Tent", "price": 120})
item = Endpoint("/api/items/{id}", ["GET", "PUT", "DELETE"]).depends_on(create, "id")
search = Endpoint("/search", name="/search?search=[term]")

buy = Chain([create, (item, "GET"), (item, "PUT"), (item, "DELETE")])
browse = Scenario([listing, (first_item, "GET"), (search, "GET", 50)], wait=0.1)


class Shopper(HttpUser):
    wait_time = between(0.2, 0.5)

    def on_start(self):
        login.call(self, body=accounts.next())
        if me.call(self).ok:
            self.name = me.result(self).json()["username"]

    @task(3)
    def look_around(self):
        search.for_user(self).body = {"search": searches.next()}
        browse.run(self)

    @task
    def buy_and_return(self):
        done = buy.run(self)
        if not done:
            print(f"{self.name}: the purchase stopped at {done.last.method} {done.last.url}")
