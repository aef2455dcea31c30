"""A unique feeder of 30 search terms shared by every user; the run ends when it is empty.
FEEDER_FILE names a CSV file to read instead (to see a bad file reported)."""

import os

from horde import CsvFeeder, Feeder, HttpUser, constant, task

if os.environ.get("FEEDER_FILE"):
    terms = CsvFeeder(os.environ["FEEDER_FILE"], strategy="unique")
else:
    terms = Feeder([f"term{i}" for i in range(30)], strategy="unique", name="terms")


class Searcher(HttpUser):
    wait_time = constant(0.01)

    @task
    def search(self) -> None:
        self.client.get(f"/search?search={terms.next()}", name="/search")
