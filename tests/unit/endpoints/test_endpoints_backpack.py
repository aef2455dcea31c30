"""The Backpack names (``import locust_backpack as Backpack``), each user running its code in a
greenlet of its own, against the game server."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import gevent
import pytest

from conftest import Recorder
from horde.compat import install_locust_alias
from horde.compat.alias import uninstall_locust_alias
from horde.endpoints import backpack as Backpack  # noqa: N812 - the page's spelling
from horde.env import Environment
from horde.event import Events
from horde.exceptions import EndpointError, HordeError, OutputError
from horde.user import HttpUser, TaskSet

pytest_plugins = ["game_kit"]

WAIT = 20.0
TEAM = "POST /public/team/v1/init"
RESET = "POST /public/session/v1/cheat/reset"
START = "POST /public/session/v1/start"
EVENT = "POST /public/event/v1/init"


@pytest.fixture
def env(events: Events) -> Iterator[Environment]:
    env = Environment(events=events)
    yield env
    env.close()


@pytest.fixture
def players(game: str, env: Environment) -> Iterator[Callable[[], Any]]:
    class Player(HttpUser):
        host = game

    made: list[Any] = []

    def make() -> Any:
        made.append(Player(env))
        return made[-1]

    yield make
    for user in made:
        user.client.close()


def as_user(user: Any, work: Callable[[], Any], *, unzip: bool = True) -> Any:
    """Run ``work`` in a greenlet of ``user``'s (after ``Unzip``), as its tasks would."""

    def body() -> Any:
        if unzip:
            Backpack.Unzip(user)
        return work()

    greenlet = gevent.spawn(body)
    greenlet.join(timeout=WAIT)
    assert greenlet.dead
    return greenlet.get()


@pytest.fixture
def game_endpoints() -> Iterator[dict[str, Backpack.LocustEndpoint]]:
    made = {
        "team": Backpack.LocustEndpoint("/public/team/v1/init", "post"),
        "pvp": Backpack.LocustEndpoint("/public/pvp2/v1/init", ["post", "get"]),
        "reset": Backpack.LocustEndpoint(
            "/public/session/v1/cheat/reset", "post", name="ResetSession"
        ),
        "start": Backpack.LocustEndpoint(
            "/public/session/v1/start", "post", body={"device_type": "test", "version": 320}
        ),
        "event": Backpack.LocustEndpoint("/public/event/v1/init", "post"),
    }
    yield made
    made.clear()


# -- attaching and requesting -------------------------------------------------------------------


def test_requests_need_an_attached_user(players: Any, game_endpoints: Any) -> None:
    team = game_endpoints["team"]
    with pytest.raises(Backpack.NoAttachmentException, match="running user's tasks"):
        team.Request()
    user = players()
    start = game_endpoints["start"]
    with pytest.raises(Backpack.NoAttachmentException, match="is not attached in this user"):
        as_user(user, lambda: (start.attach(user), team.Request()), unzip=False)
    result = as_user(user, lambda: (team.attach(user), team.Request())[1])
    assert result.success


def test_request_keeps_a_result_per_user(
    players: Any, game_endpoints: Any, recorder: Recorder
) -> None:
    team = game_endpoints["team"]
    user = players()

    def work() -> tuple[Any, ...]:
        before = team.Result
        returned = team.Request()
        result = team.Result
        return before, returned, result, bool(team), result.json(), result.response

    before, returned, result, truthy, answer, body = as_user(user, work)
    assert before is None
    assert returned.success
    assert (result.success, result.failure, result.status_code) == (True, False, 200)
    assert truthy
    assert answer == {"team": answer["team"]}
    assert json.loads(body) == answer
    assert team.Result is None  # outside the user there is no result
    assert not team  # and an endpoint outside any user is falsy
    assert recorder.names() == ["/public/team/v1/init"]


def test_a_failed_request_and_a_body_that_is_not_json(players: Any, game_endpoints: Any) -> None:
    team = game_endpoints["team"]
    team.headers = {"X-Status": "500"}
    result = as_user(players(), lambda: (team.Request(), team.Result)[1])
    assert result.failure
    assert result.status_code == 500
    assert repr(result) == "<Result /public/team/v1/init 500 success=False>"
    blank = Backpack.LocustEndpoint("/missing", "get")
    assert as_user(players(), lambda: blank.Request().json()) == {"error": "not found"}


def test_methods(players: Any, game_endpoints: Any) -> None:
    pvp = game_endpoints["pvp"]
    user = players()
    with pytest.raises(Backpack.MissingMethodException, match="name the method"):
        as_user(user, pvp.Request)
    with pytest.raises(Backpack.MissingMethodException, match="called with DELETE"):
        as_user(user, lambda: pvp.Request("delete"))
    assert as_user(user, lambda: pvp.Request("get").json()) == {"pvp": "GET"}


def test_attach_takes_a_taskset_too(players: Any, game_endpoints: Any) -> None:
    user = players()
    tasks = TaskSet(user)
    team = game_endpoints["team"]
    assert as_user(user, lambda: (team.attach(tasks), team.Request().success)[1], unzip=False)


# -- simple chaining ----------------------------------------------------------------------------


def test_a_plus_b_plus_c_stops_at_the_first_failure(
    players: Any, game_endpoints: Any, game: str, game_stats: Any
) -> None:
    team, reset, start, event = (game_endpoints[k] for k in ("team", "reset", "start", "event"))
    event >> Backpack.DEPENDS_ON("player") >> start
    user = players()
    assert as_user(user, lambda: bool(team + reset + start + event))
    assert game_stats(game)["by_route"] == {TEAM: 1, RESET: 1, START: 1, EVENT: 1}
    reset.headers = {"X-Status": "500"}
    assert not as_user(user, lambda: bool(team + reset + start + event))
    assert game_stats(game)["by_route"] == {TEAM: 2, RESET: 2, START: 1, EVENT: 1}
    team.headers = {"X-Status": "500"}
    assert not as_user(user, lambda: bool(team + reset))
    assert game_stats(game)["by_route"] == {TEAM: 3, RESET: 2, START: 1, EVENT: 1}


def test_simple_chaining_needs_single_method_endpoints(players: Any, game_endpoints: Any) -> None:
    with pytest.raises(Backpack.MissingMethodException, match="simple chaining"):
        as_user(players(), lambda: game_endpoints["team"] + game_endpoints["pvp"])


# -- dependencies -------------------------------------------------------------------------------


def test_depends_on_gives_each_user_its_own_player(
    players: Any, game_endpoints: Any, game: str, game_stats: Any
) -> None:
    start, event = game_endpoints["start"], game_endpoints["event"]
    event >> Backpack.DEPENDS_ON("player") >> start
    first, second = players(), players()
    p1 = as_user(first, lambda: start.Request().json()["player"])
    p2 = as_user(second, lambda: start.Request().json()["player"])
    assert as_user(second, lambda: (event.body, event.Request().json()["player"])) == (
        {"player": p2},
        p2,
    )
    assert as_user(first, lambda: event.Request().json()["player"]) == p1
    assert event.body == {}
    assert game_stats(game)["mismatches"] == 0


def test_depends_on_a_nested_key_into_a_body_key(players: Any, game_endpoints: Any) -> None:
    start = game_endpoints["start"]
    echo = Backpack.LocustEndpoint("/echo", "post")
    echo >> Backpack.DEPENDS_ON("data.player.id", into="player_id") >> start

    def work() -> Any:
        player = start.Request().json()["player"]
        return player, echo.Request().json()["body"]

    player, body = as_user(players(), work)
    assert body == {"player_id": player}


def test_depends_on_must_be_written_target_first() -> None:
    with pytest.raises(EndpointError, match="Target >> DEPENDS_ON"):
        Backpack.DEPENDS_ON("player") >> Backpack.LocustEndpoint("/x", "get")


# -- attributes: per user inside, global outside --------------------------------------------------


def test_changes_inside_a_user_stay_there_and_outside_apply_to_all(
    players: Any, game_endpoints: Any
) -> None:
    echo = Backpack.LocustEndpoint("/echo", "post", headers={"X-Who": "template"}, body={"n": 0})
    first, second = players(), players()

    def mine() -> Any:
        echo.headers["X-Who"] = "first"
        echo.body["n"] = 1
        echo.name = "first's echo"
        echo.note = "only here"
        return echo.Request().json(), echo.name, echo.note

    answer, name, note = as_user(first, mine)
    assert (answer["headers"]["X-Who"], answer["body"], name, note) == (
        "first",
        {"n": 1},
        "first's echo",
        "only here",
    )
    theirs = as_user(second, lambda: echo.Request().json())
    assert (theirs["headers"]["X-Who"], theirs["body"]) == ("template", {"n": 0})
    assert (echo.headers, echo.body, echo.name, echo.endpoint) == (
        {"X-Who": "template"},
        {"n": 0},
        "/echo",
        "/echo",
    )
    with pytest.raises(AttributeError):
        echo.note  # noqa: B018 - set inside the first user only
    echo.headers = {"X-Who": "everyone"}  # outside any user: the template, for all
    assert as_user(first, lambda: echo.Request().json()["headers"]["X-Who"]) == "everyone"


def test_setglobal_reaches_everyone_or_the_selected(players: Any, game_endpoints: Any) -> None:
    team, start = game_endpoints["team"], game_endpoints["start"]
    user = players()
    as_user(user, lambda: setattr(team, "headers", {"X-Mine": "1"}))
    Backpack.SetGlobal("headers", {"Authorization": "Bearer all"})
    assert as_user(user, lambda: team.headers) == {"Authorization": "Bearer all"}
    assert start.headers == {"Authorization": "Bearer all"}
    Backpack.SetGlobal("headers", {"Authorization": "Bearer few"}, selective=[team])
    assert (team.headers, start.headers) == (
        {"Authorization": "Bearer few"},
        {"Authorization": "Bearer all"},
    )
    Backpack.SetGlobal("retries", 3, selective=[team])
    assert team.retries == 3
    Backpack.SetGlobal("endpoint", "/public/team/v2/init", selective=[team])
    assert team.path == "/public/team/v2/init"
    with pytest.raises(EndpointError, match="attribute name"):
        Backpack.SetGlobal("_fields", {})


# -- sealing --------------------------------------------------------------------------------------


def test_sealed_requests_are_skipped_silently_and_not_recorded(
    players: Any, game_endpoints: Any, recorder: Recorder, game: str, game_stats: Any
) -> None:
    team = game_endpoints["team"]
    first, second = players(), players()

    def sealed_here() -> Any:
        team.Request()
        team.seal  # noqa: B018 - Backpack's spelling: a property that seals
        sealed_result = team.Result
        team.Request()
        truthy = bool(team)
        team.unseal  # noqa: B018
        return sealed_result, truthy, team.Request().success

    sealed_result, truthy, after = as_user(first, sealed_here)
    assert (sealed_result.success, sealed_result.status_code) == (False, 0)
    assert not truthy
    assert after
    assert as_user(second, lambda: team.Request().success)  # never sealed for the second
    assert len(recorder.calls) == 3
    assert game_stats(game)["by_route"] == {TEAM: 3}


def test_seal_all_and_unseal_all(
    players: Any, game_endpoints: Any, recorder: Recorder, game: str, game_stats: Any
) -> None:
    team, start = game_endpoints["team"], game_endpoints["start"]
    user = players()
    Backpack.SealAll()
    assert team.sealed
    assert as_user(user, lambda: (team.Request().success, start.Request().success)) == (
        False,
        False,
    )
    Backpack.UnsealAll()
    team.seal  # noqa: B018 - outside any user: sealed for everyone
    assert as_user(user, lambda: (team.Request().success, start.Request().success)) == (
        False,
        True,
    )
    team.unseal  # noqa: B018
    assert recorder.names() == ["/public/session/v1/start"]
    assert game_stats(game)["by_route"] == {START: 1}


# -- advanced chaining and scenarios --------------------------------------------------------------


def test_chain_runs_when_made(
    players: Any, game_endpoints: Any, game: str, game_stats: Any
) -> None:
    pvp = game_endpoints["pvp"]
    chain = as_user(players(), lambda: Backpack.Chain([(pvp, "get"), (pvp, "post")], wait=0))
    assert chain
    assert [r.method for r in chain.result.results] == ["GET", "POST"]
    with pytest.raises(Backpack.NoAttachmentException):
        Backpack.Chain([(pvp, "get")])
    assert game_stats(game)["by_route"] == {
        "GET /public/pvp2/v1/init": 1,
        "POST /public/pvp2/v1/init": 1,
    }


def test_scenarios_of_the_page(
    players: Any, game_endpoints: Any, game: str, game_stats: Any
) -> None:
    team, reset, start, pvp, event = (
        game_endpoints[k] for k in ("team", "reset", "start", "pvp", "event")
    )
    event >> Backpack.DEPENDS_ON("player") >> start
    steps = [(team, "post"), (reset, "post"), (start, "post"), (pvp, "get"), (pvp, "post")]
    simple = Backpack.Scenario([*steps, (event, "post")], wait=0, independent_requests=True)
    weighted = Backpack.WeightedScenario(
        [(team, "post", 100), (reset, "post", 0), (event, "post", 100)], wait=0
    )
    sequence_1 = [(team, "post", 100), (reset, "post", 100)]
    sequence_2 = [(start, "post", 100), (pvp, "get", 0)]
    sequenced = Backpack.SequenceScenario([sequence_1, sequence_2], wait=0)
    weighted_sequences = Backpack.SequenceScenario([(sequence_1, 0), (sequence_2, 100)], wait=0)
    user = players()

    def run_all() -> list[int]:
        return [
            len(simple.run().results),
            len(simple.run_once().results),
            len(weighted.run().results),
            len(sequenced.run().results),
            len(sequenced.run_once().results),
            len(weighted_sequences.run().results),
        ]

    assert as_user(user, run_all) == [6, 6, 2, 3, 3, 1]
    assert game_stats(game)["by_route"] == {
        TEAM: 5,
        RESET: 4,
        START: 5,
        "GET /public/pvp2/v1/init": 2,
        "POST /public/pvp2/v1/init": 2,
        EVENT: 3,
    }
    assert game_stats(game)["mismatches"] == 0
    with pytest.raises(Backpack.NoAttachmentException):
        simple.run()


# -- Zip ------------------------------------------------------------------------------------------


def test_zip_writes_csv_and_json_from_this_process(
    players: Any,
    game_endpoints: Any,
    env: Environment,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    team = game_endpoints["team"]
    user = players()
    folder = as_user(user, lambda: (team.Request(), team.Request(), Backpack.Zip())[2])
    assert folder.parent == tmp_path
    assert folder.name.startswith("backpack-")
    with open(folder / "horde_stats.csv", newline="", encoding="utf-8") as handle:
        rows = {row["Name"]: row for row in csv.DictReader(handle)}
    assert rows["/public/team/v1/init"]["Request Count"] == "2"
    document = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert document["stats"][0]["num_requests"] == 2
    for name in ("failures", "exceptions", "failure_samples", "stats_history"):
        assert (folder / f"horde_{name}.csv").is_file()
    assert (folder / "report.html").is_file()
    assert list(folder.glob("plots/*.png"))
    again = Backpack.Zip()  # outside the user: the last user that attached decides
    assert again != folder
    assert again.name.startswith("backpack-")
    chosen = Backpack.Zip(tmp_path / "mine")  # a date-stamped folder inside the one given
    assert chosen.parent == tmp_path / "mine"
    assert (chosen / "report.json").is_file()


def test_zip_into_a_place_that_cannot_be_written_is_an_output_error(
    players: Any, game_endpoints: Any, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(OutputError, match="cannot create"):
        as_user(players(), lambda: Backpack.Zip(blocker / "results"))


def test_zip_without_any_user_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("horde.endpoints.backpack.last_user", lambda: None)
    with pytest.raises(HordeError, match="call it while users run"):
        Backpack.Zip()


# -- the import ---------------------------------------------------------------------------------


def test_locust_backpack_resolves_to_horde() -> None:
    install_locust_alias()
    try:
        import locust_backpack  # type: ignore[import-not-found]

        assert locust_backpack is Backpack
        assert "locust_backpack" in sys.modules
    finally:
        uninstall_locust_alias()
    assert "locust_backpack" not in sys.modules
