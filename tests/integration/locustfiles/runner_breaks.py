"""Breaks horde's runner from inside (its once-a-second statistics tick raises after 1 s), to
check that an internal failure still ends the run with every output written."""

import time

from locust import HttpUser, constant, task

from horde.stats import RequestStats

_original_tick = RequestStats.tick
_started = time.monotonic()


def _broken_tick(self, user_count):
    if time.monotonic() - _started > 1.0:
        raise RuntimeError("the statistics tick broke on purpose")
    _original_tick(self, user_count)


RequestStats.tick = _broken_tick


class Steady(HttpUser):
    wait_time = constant(0.05)

    @task
    def items(self):
        self.client.get("/api/items")
