"""Shared by the concurrency locustfiles: count finished users; the last one stops the test.

``HELD_USERS`` (default 100) is how many users the barrier waits for.
"""

import os

from locust.exception import StopTest

USERS = int(os.environ.get("HELD_USERS", "100"))
finished = 0


def one_more_finished() -> None:
    global finished
    finished += 1
    if finished == USERS:
        raise StopTest()
