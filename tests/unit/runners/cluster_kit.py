"""Helpers for in-process master/worker tests: counting users and bounded waits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gevent

from horde.user import User, constant, task

SENT: dict[str, int] = {}
"""Requests each user class fired, across every node of the process (the "server's" count)."""


def counting_user(name: str, wait: float = 0.01, **attrs: Any) -> type[User]:
    """A user class whose task records one request (and counts it in SENT)."""

    def work(self: User) -> None:
        SENT[name] = SENT.get(name, 0) + 1
        self.environment.events.request.fire(
            request_type="GET",
            name=f"/{name}",
            response_time=float(SENT[name] % 50),
            response_length=10,
            exception=None,
            context={},
        )

    namespace = {"wait_time": constant(wait), "tasks": [task(work)], **attrs}
    return type(name, (User,), namespace)


def wait_until(condition: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    """Poll ``condition`` every 10 ms, at most ``timeout`` seconds (then fail)."""
    with gevent.Timeout(timeout, AssertionError(f"timed out waiting for {what or condition}")):
        while not condition():
            gevent.sleep(0.01)
