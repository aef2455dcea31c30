"""Per-user state: views, copy-on-write, template changes, sealing and dependencies, with two
users taking turns against the game server (concurrency: test_endpoints_concurrency.py)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from conftest import Recorder
from horde.endpoints import Endpoint
from horde.env import Environment
from horde.event import Events
from horde.exceptions import EndpointError
from horde.user import HttpUser

pytest_plugins = ["game_kit"]


@pytest.fixture
def env(events: Events) -> Iterator[Environment]:
    env = Environment(events=events)
    yield env
    env.close()


@pytest.fixture
def two(game: str, env: Environment) -> Iterator[tuple[Any, Any]]:
    class Player(HttpUser):
        host = game

    first, second = Player(env), Player(env)
    yield first, second
    first.client.close()
    second.client.close()


def test_a_users_changes_stay_in_that_user(two: tuple[Any, Any]) -> None:
    first, second = two
    echo = Endpoint("/echo", "POST", headers={"X-Team": "red"}, body={"level": 1})
    mine = echo.for_user(first)
    mine.headers["X-Team"] = "blue"  # in place: the first read copied the dict into the user
    mine.body = {"level": 9}
    assert echo.headers == {"X-Team": "red"}
    assert echo.body == {"level": 1}
    assert echo.for_user(second).headers == {"X-Team": "red"}
    got_first = echo.call(first).json()
    got_second = echo.call(second).json()
    assert (got_first["headers"]["X-Team"], got_first["body"]) == ("blue", {"level": 9})
    assert (got_second["headers"]["X-Team"], got_second["body"]) == ("red", {"level": 1})
    assert echo.result(first) is not echo.result(second)


def test_a_template_change_reaches_every_user_and_replaces_their_own(
    two: tuple[Any, Any],
) -> None:
    first, second = two
    echo = Endpoint("/echo", "GET", headers={"X-A": "template"})
    echo.for_user(first).headers = {"X-A": "first's own"}
    echo.headers = {"X-A": "everyone"}  # later than the user's change: it wins
    for user in (first, second):
        assert echo.call(user).json()["headers"]["X-A"] == "everyone"
    echo.for_user(first).headers = {"X-A": "first again"}  # later again: the user's wins
    assert echo.call(first).json()["headers"]["X-A"] == "first again"
    assert echo.call(second).json()["headers"]["X-A"] == "everyone"


def test_sealing_one_user_leaves_the_others_and_records_nothing(
    two: tuple[Any, Any], recorder: Recorder, game: str, game_stats: Any
) -> None:
    first, second = two
    team = Endpoint("/public/team/v1/init", "POST")
    team.for_user(first).sealed = True
    silent = team.call(first)
    assert not silent.ok
    assert silent.status_code == 0
    assert not silent.recorded
    assert silent.response is None
    assert silent.content == b""
    assert team.result(first) is silent
    assert team.call(second).ok
    assert recorder.names() == ["/public/team/v1/init"]
    assert game_stats(game)["by_route"] == {"POST /public/team/v1/init": 1}


def test_sealing_the_template_silences_everyone_until_unsealed(
    two: tuple[Any, Any], recorder: Recorder
) -> None:
    first, second = two
    team = Endpoint("/public/team/v1/init", "POST")
    assert team.call(first).ok
    team.sealed = True
    assert team.result(first) is not None
    assert not team.result(first).recorded  # a sealed endpoint's Result is a silent failure
    assert not team.call(second).recorded
    team.sealed = False
    assert team.call(second).ok
    assert len(recorder.calls) == 2


def test_dependencies_deliver_to_the_user_that_got_the_answer(
    two: tuple[Any, Any], game: str, game_stats: Any
) -> None:
    first, second = two
    start = Endpoint("/public/session/v1/start", "POST")
    event = Endpoint("/public/event/v1/init", "POST").depends_on(start, "player")
    assert not event.call(first).ok  # no player yet: the server says 400
    player_one = start.call(first).json()["player"]
    player_two = start.call(second).json()["player"]
    assert player_one != player_two
    assert event.for_user(first).body == {"player": player_one}
    assert event.for_user(second).values == {"player": player_two}
    assert event.body == {}  # the template never sees a user's values
    assert event.call(second).json()["player"] == player_two
    assert event.call(first).json()["player"] == player_one
    assert game_stats(game)["mismatches"] == 0


def test_dotted_paths_and_into_fill_nested_body_keys_and_placeholders(
    two: tuple[Any, Any],
) -> None:
    first, _ = two
    start = Endpoint("/public/session/v1/start", "POST")
    echo = Endpoint("/echo", "POST", body={"meta": {"source": "test"}})
    echo.depends_on(start, "data.player.id", into="meta.player")
    echo.depends_on(start, "player")
    shaped = Endpoint("/echo?who={id}", "GET").depends_on(start, "data.player.id")
    player = start.call(first).json()["player"]
    assert echo.call(first).json()["body"] == {
        "meta": {"source": "test", "player": player},
        "player": player,
    }
    assert echo.body == {"meta": {"source": "test"}}  # the nested template dict is untouched
    assert shaped.call(first).json()["query"] == {"who": str(player)}


def test_an_answer_without_the_key_warns_once_and_delivers_nothing(
    two: tuple[Any, Any], caplog: pytest.LogCaptureFixture
) -> None:
    first, _ = two
    team = Endpoint("/public/team/v1/init", "POST")
    echo = Endpoint("/echo", "POST").depends_on(team, "player.id")
    with caplog.at_level(logging.WARNING, logger="horde.endpoints"):
        team.call(first)
        team.call(first)
    warnings = [r.getMessage() for r in caplog.records]
    assert warnings == [
        "/public/team/v1/init cannot give 'player.id' to /echo: the answer has no "
        "'player.id' (said once per dependency)"
    ]
    assert echo.for_user(first).values == {}


def test_a_list_body_cannot_take_dependency_values(two: tuple[Any, Any]) -> None:
    first, _ = two
    start = Endpoint("/public/session/v1/start", "POST")
    listed = Endpoint("/echo", "POST", body=[1, 2]).depends_on(start, "player")
    assert listed.call(first).json()["body"] == [1, 2]  # nothing delivered yet
    start.call(first)
    with pytest.raises(EndpointError, match="need a JSON object body, not list"):
        listed.call(first)


def test_states_live_in_the_user_not_in_the_endpoint(two: tuple[Any, Any]) -> None:
    first, _ = two
    echo = Endpoint("/echo", "GET")
    echo.call(first)
    assert echo not in vars(echo).values()
    assert echo in first.__dict__["_horde_endpoint_states"]
