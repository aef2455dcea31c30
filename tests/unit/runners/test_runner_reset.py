"""Resetting statistics through the runner: counters zeroed, names kept, event fired."""

from __future__ import annotations

from typing import Any

from horde.env import Environment
from horde.user import User, task


class Idle(User):
    @task
    def nothing(self) -> None:
        """Never run in this test."""


def test_reset_stats_zeroes_counters_and_fires_the_event() -> None:
    env = Environment(user_classes=[Idle])
    runner = env.create_local_runner()
    fired: list[dict[str, Any]] = []
    env.events.reset_stats.add_listener(lambda **kw: fired.append(kw))
    env.events.request.report("GET", "/a", 12.0, 10)
    env.events.request.report("GET", "/a", 15.0, 10, exception="boom")
    assert env.stats.total.num_requests == 2

    runner.reset_stats()

    assert fired == [{}]
    assert env.stats.total.num_requests == 0
    assert env.stats.get("/a", "GET").num_requests == 0
    assert ("/a", "GET") in env.stats.entries
    assert env.stats.errors == {}
