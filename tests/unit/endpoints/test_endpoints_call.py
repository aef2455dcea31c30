"""Endpoint.call(): what goes on the wire, what is recorded, what the Result holds; both clients,
against the game server (which echoes what it got) and the demo target."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from conftest import Recorder, free_port
from horde.endpoints import Endpoint, Result
from horde.env import Environment
from horde.event import Events
from horde.exceptions import EndpointError, MissingMethodError
from horde.user import FastHttpUser, HttpUser, User

pytest_plugins = ["game_kit"]


@pytest.fixture
def env(events: Events) -> Iterator[Environment]:
    env = Environment(events=events)
    yield env
    env.close()


@pytest.fixture(params=["http", "fast"])
def make_user(request: pytest.FixtureRequest, env: Environment) -> Iterator[Any]:
    base = HttpUser if request.param == "http" else FastHttpUser
    made: list[Any] = []

    def make(host: str) -> Any:
        cls = type("Player", (base,), {"host": host})
        made.append(cls(env))
        return made[-1]

    yield make
    for user in made:
        user.client.close()


def test_a_call_sends_headers_and_json_body_and_records_under_the_name(
    game: str, make_user: Any, recorder: Recorder
) -> None:
    echo = Endpoint("/echo", ["GET", "POST"], headers={"X-Team": "red"}, body={"level": 3})
    user = make_user(game)
    result = echo.call(user, "post", headers={"X-Call": "1"}, body={"extra": True})
    assert isinstance(result, Result)
    assert result.ok
    assert bool(result) is True
    assert not result.failed
    assert result.status_code == 200
    assert result.method == "POST"
    assert result.url == "/echo"
    answer = result.json()
    assert answer["headers"]["X-Team"] == "red"
    assert answer["headers"]["X-Call"] == "1"
    assert answer["body"] == {"level": 3, "extra": True}
    assert recorder.only["name"] == "/echo"
    assert recorder.only["request_type"] == "POST"
    assert echo.result(user) == result


def test_get_sends_the_body_as_query_parameters(game: str, make_user: Any) -> None:
    search = Endpoint("/echo", "GET", name="search", body={"q": "boots", "page": 2})
    answer = search.call(make_user(game)).json()
    assert answer["query"] == {"q": "boots", "page": "2"}
    assert answer["body"] is None


def test_a_post_without_body_sends_an_empty_json_object(game: str, make_user: Any) -> None:
    assert Endpoint("/echo", "POST").call(make_user(game)).json()["body"] == {}


def test_placeholders_are_filled_and_the_template_is_the_name(
    fresh_target: str, make_user: Any, recorder: Recorder
) -> None:
    item = Endpoint("/api/items/{id}", "GET")
    user = make_user(fresh_target)
    assert item.call(user, id=3).json()["id"] == 3
    assert item.call(user, id=4).url == "/api/items/4"
    weird = item.call(user, id="a/b?c")
    assert weird.url == "/api/items/a%2Fb%3Fc"
    assert weird.status_code == 404
    assert recorder.names() == ["/api/items/{id}"] * 3
    assert len(recorder.failures()) == 1


def test_a_failing_status_fails_the_request_and_the_result(
    game: str, make_user: Any, recorder: Recorder
) -> None:
    broken = Endpoint("/public/team/v1/init", "POST", headers={"X-Status": "503"})
    result = broken.call(make_user(game))
    assert not result.ok
    assert result.failed
    assert result.status_code == 503
    assert "503" in str(recorder.only["exception"])
    redirect_like = Endpoint("/public/team/v1/init", "POST", headers={"X-Status": "302"})
    assert redirect_like.call(make_user(game)).ok  # 200-399 succeed, as in Backpack


def test_a_refused_connection_is_a_failed_result_with_status_0(
    make_user: Any, recorder: Recorder
) -> None:
    result = Endpoint("/x", "GET").call(make_user(f"http://127.0.0.1:{free_port()}"))
    assert not result.ok
    assert result.status_code == 0
    assert result.content == b""
    assert recorder.only["exception"] is not None


def test_methods_are_checked(game: str, make_user: Any, recorder: Recorder) -> None:
    pvp = Endpoint("/public/pvp2/v1/init", ["post", "get"])
    user = make_user(game)
    with pytest.raises(MissingMethodError, match="supports POST, GET: name the method"):
        pvp.call(user)
    with pytest.raises(MissingMethodError, match="called with DELETE but supports only POST"):
        pvp.call(user, "delete")
    assert pvp.call(user, "get").json() == {"pvp": "GET"}
    assert recorder.names() == ["/public/pvp2/v1/init"]


def test_call_mistakes_are_endpoint_errors_before_anything_is_sent(
    game: str, make_user: Any, env: Environment, recorder: Recorder, game_stats: Any
) -> None:
    item = Endpoint("/echo/{id}", "GET")
    user = make_user(game)
    with pytest.raises(EndpointError, match=r"needs a value for \{id\}"):
        item.call(user)
    with pytest.raises(EndpointError, match=r"has no \{ident\} in its path"):
        item.call(user, id=1, ident=2)

    class Plain(User):
        pass

    with pytest.raises(EndpointError, match="endpoints need an HttpUser or FastHttpUser"):
        Endpoint("/echo").call(Plain(env))
    assert recorder.calls == []
    assert game_stats(game)["total"] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("",), "needs a path"),
        ((None,), "needs a path"),
        (("/x", []), "one or more methods"),
        (("/x", [""]), "one or more methods"),
        (("/x", 5), "one or more methods"),
    ],
)
def test_bad_endpoints_are_refused(args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(EndpointError, match=message):
        Endpoint(*args)


def test_template_fields_and_repr() -> None:
    item = Endpoint("/api/items/{id}", ["get", "PUT", "get"], name=None)
    assert item.methods == ("GET", "PUT")
    assert item.name == "/api/items/{id}"
    assert item.placeholders() == ["id"]
    item.name = "item"
    item.path = "/api/v2/items/{id}"
    assert (item.name, item.path) == ("item", "/api/v2/items/{id}")
    assert repr(item) == "<Endpoint GET, PUT /api/v2/items/{id}>"
    with pytest.raises(EndpointError):
        item.path = ""
    with pytest.raises(AttributeError):
        item.template("nothing")
