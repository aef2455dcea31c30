"""Chains and scenarios: order, short-circuit (checked against the server's own counts),
chances, passes, runtime on a fake clock, and stopping."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest

from horde.endpoints import Chain, Endpoint, Scenario, SequenceScenario, Step
from horde.env import Environment
from horde.event import Events
from horde.exceptions import EndpointError
from horde.testing import FakeClock
from horde.user import HttpUser
from horde.user.task import STATE_STOPPING

pytest_plugins = ["game_kit"]

TEAM = "POST /public/team/v1/init"
RESET = "POST /public/session/v1/cheat/reset"
START = "POST /public/session/v1/start"


@pytest.fixture
def env(events: Events) -> Iterator[Environment]:
    env = Environment(events=events)
    yield env
    env.close()


@pytest.fixture
def user(game: str, env: Environment) -> Iterator[Any]:
    class Player(HttpUser):
        host = game

    player = Player(env)
    yield player
    player.client.close()


@pytest.fixture
def endpoints() -> tuple[Endpoint, Endpoint, Endpoint]:
    return (
        Endpoint("/public/team/v1/init", "POST"),
        Endpoint("/public/session/v1/cheat/reset", "POST"),
        Endpoint("/public/session/v1/start", "POST"),
    )


def test_a_chain_runs_in_order_and_stops_at_the_first_failure(
    user: Any, endpoints: tuple[Endpoint, ...], game: str, game_stats: Any
) -> None:
    team, reset, start = endpoints
    done = Chain([team, (reset, "post"), Step(start)]).run(user)
    assert done
    assert [r.url for r in done.results] == [e.path for e in endpoints]
    assert done.last is done.results[-1]
    reset.headers = {"X-Status": "500"}
    broken = Chain([team, reset, start]).run(user)
    assert not broken
    assert [r.status_code for r in broken.results] == [200, 500]
    assert game_stats(game)["by_route"] == {TEAM: 2, RESET: 2, START: 1}


def test_an_independent_chain_goes_on_after_a_failure(
    user: Any, endpoints: tuple[Endpoint, ...], game: str, game_stats: Any
) -> None:
    team, reset, start = endpoints
    team.headers = {"X-Status": "503"}
    done = Chain([team, reset, start], independent=True).run(user)
    assert not done.completed
    assert [r.ok for r in done.results] == [False, True, True]
    assert game_stats(game)["by_route"] == {TEAM: 1, RESET: 1, START: 1}


def test_chances_skip_steps_without_failing(
    user: Any, endpoints: tuple[Endpoint, ...], game: str, game_stats: Any
) -> None:
    team, reset, start = endpoints
    done = Chain([(team, None, 100), (reset, None, 0), (start, "POST", 100)]).run(user)
    assert done
    assert len(done.results) == 2
    seeded = Chain([(team, None, 50)] * 200, rng=random.Random(4)).run(user)
    assert 60 < len(seeded.results) < 140
    assert game_stats(game)["by_route"] == {TEAM: 1 + len(seeded.results), START: 1}


def test_a_scenario_without_runtime_makes_one_pass(
    user: Any, endpoints: tuple[Endpoint, ...], game: str, game_stats: Any
) -> None:
    done = Scenario(endpoints, wait=0).run(user)
    assert len(done.results) == 3
    assert Scenario(endpoints, wait=0, runtime=60).run_once(user)
    assert game_stats(game)["total"] == 6


def test_a_scenario_makes_passes_until_its_runtime_is_over(
    user: Any, endpoints: tuple[Endpoint, ...], env: Environment, game: str, game_stats: Any
) -> None:
    clock = FakeClock()

    def tick(**_: Any) -> None:
        clock.advance(1.0)  # every request takes "one second"

    env.events.request.add_listener(tick)
    team, reset, _ = endpoints
    reset.headers = {"X-Status": "500"}  # each pass ends on its second step...
    done = Scenario([team, reset, team], wait=0, runtime=7, clock=clock).run(user)
    assert not done.completed  # ...and the next pass starts afresh
    assert len(done.results) == 8  # passes of 2 requests until 7 "seconds" have gone by
    assert game_stats(game)["by_route"] == {TEAM: 4, RESET: 4}


def test_a_scenario_whose_steps_all_skip_yields_and_ends(user: Any, endpoints: Any) -> None:
    clock = FakeClock()
    scenario = Scenario([(endpoints[0], None, 0)], wait=0, runtime=0.05)
    assert scenario.run(user).results == []
    assert Scenario([(endpoints[0], None, 0)], wait=0, runtime=5, clock=clock).run_once(user)


def test_a_stopping_user_ends_its_flow_at_the_next_step(
    user: Any, endpoints: tuple[Endpoint, ...], env: Environment, game: str, game_stats: Any
) -> None:
    def stop_after_first(**_: Any) -> None:
        user._state = STATE_STOPPING

    env.events.request.add_listener(stop_after_first)
    done = Scenario(endpoints, wait=0, runtime=60).run(user)
    assert len(done.results) == 1
    assert not done.completed
    assert game_stats(game)["total"] == 1


def test_sequences_run_in_turn_each_with_its_chance(
    user: Any, endpoints: tuple[Endpoint, ...], game: str, game_stats: Any
) -> None:
    team, reset, start = endpoints
    reset.headers = {"X-Status": "500"}
    sequences = SequenceScenario(
        [([team, reset, team], 100), ([start], 0), [(start, "POST", 100), team]], wait=0
    )
    done = sequences.run(user)
    assert [r.url for r in done.results] == [team.path, reset.path, start.path, team.path]
    assert game_stats(game)["by_route"] == {TEAM: 2, RESET: 1, START: 1}


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda e: Chain([e], wait=-1), "wait must be a number of seconds"),
        (lambda e: Chain([e], wait=float("nan")), "wait must be a number of seconds"),
        (lambda e: Scenario([e], runtime=float("inf")), "runtime must be a finite number"),
        (lambda e: Chain([(e, None, 101)]), "chance is a percentage"),
        (lambda e: Chain([(e, None, True)]), "chance is a percentage"),
        (lambda e: Chain(["/path"]), "a flow step is an Endpoint"),
        (lambda e: Chain([("/path", "GET")]), "a step needs an Endpoint"),
        (lambda e: SequenceScenario([([e], 150)]), "sequence's chance is a percentage"),
        (lambda e: SequenceScenario([e]), "a sequence is a list of steps"),
    ],
)
def test_bad_flows_are_refused(build: Any, message: str) -> None:
    with pytest.raises(EndpointError, match=message):
        build(Endpoint("/x"))
