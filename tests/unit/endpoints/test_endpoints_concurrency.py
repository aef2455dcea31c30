"""50 concurrent users whose server answers differ per user: no user ever sees another's Result,
dependency value or in-task change (native API and Backpack spelling).

The game server gives each session its own player and refuses (409, counted as a mismatch) an
event carrying another session's player, so a leak shows up on the server too, not only in the
users' own checks. Users yield between their requests so that they interleave.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gevent
import pytest

from horde.endpoints import Endpoint
from horde.endpoints import backpack as Backpack  # noqa: N812 - the page's spelling
from horde.env import Environment
from horde.exceptions import StopUser
from horde.user import FastHttpUser, HttpUser, constant, task

pytest_plugins = ["game_kit"]

USERS = 50
ROUNDS = 4
WAIT = 60.0


@pytest.fixture
def env() -> Iterator[Environment]:
    env = Environment(stop_timeout=WAIT)
    yield env
    if env.runner is not None:
        env.runner.quit()
    env.close()


def run_users(env: Environment, cls: type, host: str) -> None:
    cls.host = host
    env.user_classes = [cls]
    env.available_user_classes = {cls.__name__: cls}
    runner = env.create_local_runner()
    runner.start(USERS, spawn_rate=10_000, wait=True)
    gevent.joinall(list(runner.user_greenlets), timeout=WAIT)
    assert not runner.user_greenlets, "users still running"


def native_user(base: type, errors: list[str]) -> type:
    start = Endpoint("/public/session/v1/start", "POST")
    event = Endpoint("/public/event/v1/init", "POST").depends_on(start, "player")
    echo = Endpoint("/echo", "GET", headers={"X-User": "nobody"})

    class Native(base):  # type: ignore[valid-type,misc]
        wait_time = constant(0)
        rounds = 0

        def on_start(self) -> None:
            self.me = str(id(self))
            echo.for_user(self).headers["X-User"] = self.me

        def on_stop(self) -> None:
            self.client.close()

        @task
        def play(self) -> None:
            player = start.call(self).json()["player"]
            gevent.sleep(0)
            result = event.call(self)
            gevent.sleep(0)
            check(errors, "event status", result.status_code, 200)
            check(errors, "event player", result.json().get("player"), player)
            check(errors, "delivered", event.for_user(self).values.get("player"), player)
            gevent.sleep(0)
            check(errors, "own result", event.result(self), result)
            seen = echo.call(self).json()["headers"].get("X-User")
            check(errors, "own header", seen, self.me)
            self.rounds += 1
            if self.rounds == ROUNDS:
                raise StopUser

    return Native


def backpack_user(base: type, errors: list[str]) -> type:
    session_start = Backpack.LocustEndpoint("/public/session/v1/start", "post")
    event_init = Backpack.LocustEndpoint("/public/event/v1/init", "post")
    echo = Backpack.LocustEndpoint("/echo", "get", headers={"X-User": "nobody"})
    event_init >> Backpack.DEPENDS_ON("player") >> session_start

    class Packed(base):  # type: ignore[valid-type,misc]
        wait_time = constant(0)
        rounds = 0

        def on_start(self) -> None:
            self.me = str(id(self))
            echo.headers["X-User"] = self.me  # an in-task change: this user's only
            Backpack.Unzip(self)

        def on_stop(self) -> None:
            self.client.close()

        @task
        def play(self) -> None:
            session_start.Request()
            player = session_start.Result.json()["player"]
            gevent.sleep(0)
            event_init.Request()
            gevent.sleep(0)
            check(errors, "event ok", bool(event_init), True)
            check(errors, "event player", event_init.Result.json().get("player"), player)
            check(errors, "body", event_init.body.get("player"), player)
            echo.Request()
            gevent.sleep(0)
            check(errors, "own header", echo.Result.json()["headers"].get("X-User"), self.me)
            self.rounds += 1
            if self.rounds == ROUNDS:
                raise StopUser

    return Packed


def check(errors: list[str], what: str, got: Any, expected: Any) -> None:
    if got != expected:
        errors.append(f"{what}: got {got!r}, expected {expected!r}")


@pytest.mark.parametrize("style", [native_user, backpack_user], ids=["native", "backpack"])
@pytest.mark.parametrize("base", [HttpUser, FastHttpUser], ids=["http", "fast"])
def test_concurrent_users_never_see_each_others_state(
    style: Any, base: type, env: Environment, game: str, game_stats: Any
) -> None:
    errors: list[str] = []
    run_users(env, style(base, errors), game)
    assert errors == []
    stats = game_stats(game)
    assert stats["mismatches"] == 0
    assert stats["events"] == USERS * ROUNDS
    assert stats["by_route"]["POST /public/session/v1/start"] == USERS * ROUNDS
    assert env.stats.total.num_requests == USERS * ROUNDS * 3
    assert env.stats.total.num_failures == 0
    assert not env.stats.exceptions
