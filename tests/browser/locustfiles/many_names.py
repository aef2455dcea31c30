"""1,000 distinct request names (``/bytes/1`` ... ``/bytes/1000``), for the paging tests.

Every user walks through the names in order from a shared counter, so all 1,000 appear after
the first 1,000 requests instead of waiting for a random draw to hit each of them.
"""

import itertools

from locust import HttpUser, constant, task

NAMES = 1000
counter = itertools.count()


class ManyNames(HttpUser):
    wait_time = constant(0.01)

    @task
    def fetch(self):
        self.client.get(f"/bytes/{next(counter) % NAMES + 1}")
