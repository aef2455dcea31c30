"""Shared by the concurrency locustfiles: count finished users; the 100th stops the test."""

from locust.exception import StopTest

USERS = 100
finished = 0


def one_more_finished() -> None:
    global finished
    finished += 1
    if finished == USERS:
        raise StopTest()
