"""HttpSession against the real demo target: URLs, the request event, naming, bodies, counts."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import urllib3
from requests.exceptions import HTTPError

from conftest import Recorder
from horde.clients import HordeResponse, HttpSession
from horde.demo.process import server_counts
from horde.env import Environment
from horde.event import Events

EVENT_KWARGS = {
    "request_type",
    "name",
    "response_time",
    "response_length",
    "response",
    "context",
    "exception",
    "start_time",
    "url",
}


@pytest.fixture
def session(fresh_target: str, events: Events) -> Iterator[HttpSession]:
    with HttpSession(fresh_target, request_event=events.request) as session:
        yield session


@pytest.fixture
def env() -> Iterator[Environment]:
    env = Environment()
    yield env
    env.close()


@pytest.fixture
def env_session(fresh_target: str, env: Environment) -> Iterator[HttpSession]:
    with HttpSession(fresh_target, request_event=env.events.request) as session:
        yield session


class FakeUser:
    """Just enough of a User for HttpSession: ``context()``."""

    def __init__(self, context: dict[str, Any]) -> None:
        self._context = context

    def context(self) -> dict[str, Any]:
        return self._context


# -- URLs and credentials ----------------------------------------------------------------------


@pytest.mark.parametrize("trailing", ["", "/"])
def test_relative_urls_join_the_base_url_with_or_without_trailing_slash(
    fresh_target: str, events: Events, recorder: Recorder, trailing: str
) -> None:
    with HttpSession(fresh_target + trailing, request_event=events.request) as session:
        response = session.get("/api/items/1")
    assert response.status_code == 200
    assert response.url == f"{fresh_target}/api/items/1"
    assert recorder.last["url"] == f"{fresh_target}/api/items/1"
    assert recorder.last["name"] == "/api/items/1"


def test_relative_url_without_leading_slash_joins_a_base_url_ending_in_slash(
    fresh_target: str, events: Events, recorder: Recorder
) -> None:
    with HttpSession(fresh_target + "/api/", request_event=events.request) as session:
        assert session.get("items/2").json()["id"] == 2
    assert recorder.last["name"] == "/api/items/2"


def test_absolute_urls_are_used_as_is(
    fresh_target: str, events: Events, recorder: Recorder
) -> None:
    with HttpSession("http://127.0.0.1:1", request_event=events.request) as session:
        response = session.get(f"{fresh_target}/api/items/3")
    assert response.status_code == 200
    assert recorder.last["url"] == f"{fresh_target}/api/items/3"
    assert recorder.last["exception"] is None


def test_credentials_in_the_base_url_become_basic_auth_and_leave_urls_and_names(
    fresh_target: str, events: Events, recorder: Recorder
) -> None:
    with_creds = fresh_target.replace("http://", "http://al%40ice:s%3Acret@")
    with HttpSession(with_creds, request_event=events.request) as session:
        assert session.base_url == fresh_target
        headers = session.get("/headers").json()["headers"]
    scheme, _, token = headers["Authorization"].partition(" ")
    assert scheme == "Basic"
    assert base64.b64decode(token).decode() == "al@ice:s:cret"
    assert recorder.last["name"] == "/headers"
    assert "@" not in recorder.last["url"]
    assert "alice" not in recorder.last["url"]


def test_credentials_with_an_ipv6_host_keep_the_brackets(events: Events) -> None:
    with HttpSession("http://u:p@[::1]:8080/base", request_event=events.request) as session:
        assert session.base_url == "http://[::1]:8080/base"


def test_absolute_url_with_credentials_reports_a_url_without_them(
    fresh_target: str, events: Events, recorder: Recorder
) -> None:
    with HttpSession("http://127.0.0.1:1", request_event=events.request) as session:
        url = fresh_target.replace("http://", "http://bob:pw@") + "/headers"
        assert session.get(url).json()["headers"]["Authorization"].startswith("Basic ")
    assert "bob" not in recorder.last["url"]
    assert recorder.last["url"] == f"{fresh_target}/headers"


# -- the request event -------------------------------------------------------------------------


def test_request_event_fires_once_with_locusts_exact_kwargs(
    session: HttpSession, recorder: Recorder, fresh_target: str
) -> None:
    response = session.get("/api/items/1", params={"q": "x y"})
    assert len(recorder.calls) == 1
    call = recorder.last
    assert set(call) == EVENT_KWARGS
    assert call["request_type"] == "GET"
    assert call["name"] == "/api/items/1?q=x+y"
    assert call["url"] == f"{fresh_target}/api/items/1?q=x+y"
    assert call["response"] is response
    assert isinstance(response, HordeResponse)
    assert call["exception"] is None
    assert call["context"] == {}
    assert call["response_length"] == len(response.content) > 0
    assert isinstance(call["response_time"], float)
    assert 0 < call["response_time"] < 5000
    assert isinstance(call["start_time"], float)


def test_an_at_sign_outside_the_host_is_kept(
    session: HttpSession, recorder: Recorder, fresh_target: str
) -> None:
    session.get("/search?search=a@b.c")
    assert recorder.last["url"] == f"{fresh_target}/search?search=a@b.c"
    assert recorder.last["name"] == "/search?search=a@b.c"


def test_response_time_covers_the_server_delay(session: HttpSession, recorder: Recorder) -> None:
    session.get("/delay/150")
    assert 150 <= recorder.last["response_time"] < 2000


def test_every_method_is_recorded_with_its_upper_case_type(
    session: HttpSession, recorder: Recorder
) -> None:
    created = session.post("/api/items", json={"name": "x", "price": 1}).json()
    item = f"/api/items/{created['id']}"
    session.put(item, json={"price": 2})
    session.head(item)
    session.options(item)
    session.delete(item)
    session.request("get", "/api/items/1")
    types = [call["request_type"] for call in recorder.calls]
    assert types == ["POST", "PUT", "HEAD", "OPTIONS", "DELETE", "GET"]


def test_name_argument_overrides_the_path(session: HttpSession, recorder: Recorder) -> None:
    session.get("/api/items/4", name="/api/items/[id]")
    assert recorder.last["name"] == "/api/items/[id]"


def test_rename_request_groups_nested_and_restores(
    session: HttpSession, recorder: Recorder
) -> None:
    with session.rename_request("outer"):
        session.get("/api/items/1")
        with session.rename_request("inner"):
            session.get("/api/items/2")
            session.get("/api/items/3", name="explicit")
        session.get("/api/items/4")
    session.get("/api/items/5")
    assert recorder.names() == ["outer", "inner", "explicit", "outer", "/api/items/5"]
    assert session.request_name is None


def test_rename_request_is_restored_after_an_exception(session: HttpSession) -> None:
    session.request_name = "before"
    with pytest.raises(KeyError), session.rename_request("during"):
        raise KeyError("boom")
    assert session.request_name == "before"


def test_request_name_attribute_groups_requests(session: HttpSession, recorder: Recorder) -> None:
    session.request_name = "grouped"
    session.get("/api/items/1")
    session.request_name = None
    session.get("/api/items/1")
    assert recorder.names() == ["grouped", "/api/items/1"]


def test_context_is_merged_over_the_users_context(
    fresh_target: str, events: Events, recorder: Recorder
) -> None:
    user = FakeUser({"tenant": "a", "user_id": 7})
    with HttpSession(fresh_target, request_event=events.request, user=user) as session:
        session.get("/api/items/1", context={"tenant": "b", "step": "view"})
        session.get("/api/items/1")
    assert recorder.calls[0]["context"] == {"tenant": "b", "user_id": 7, "step": "view"}
    assert recorder.calls[1]["context"] == {"tenant": "a", "user_id": 7}
    assert user.context() == {"tenant": "a", "user_id": 7}, "the user's dict is not modified"


def test_context_argument_is_not_modified(session: HttpSession, recorder: Recorder) -> None:
    context = {"k": 1}
    session.get("/api/items/1", context=context)
    recorder.last["context"]["other"] = 2
    assert context == {"k": 1}


# -- success and failure -----------------------------------------------------------------------


@pytest.mark.parametrize("code", [200, 201, 202, 301, 304])
def test_2xx_and_3xx_are_successes(session: HttpSession, recorder: Recorder, code: int) -> None:
    response = session.get(f"/status/{code}", allow_redirects=False)
    assert response.status_code == code
    assert recorder.last["exception"] is None


@pytest.mark.parametrize(("code", "kind"), [(400, "Client"), (404, "Client"), (503, "Server")])
def test_4xx_and_5xx_are_failures_named_by_the_stats_name(
    session: HttpSession, recorder: Recorder, code: int, kind: str
) -> None:
    response = session.get(f"/status/{code}", name="/status/[code]")
    exception = recorder.last["exception"]
    assert isinstance(exception, HTTPError)
    assert exception.response is response
    assert str(exception).startswith(f"{code} {kind} Error: ")
    assert str(exception).endswith("for url: /status/[code]")
    assert recorder.last["response"] is response


def test_failures_of_grouped_urls_group_in_the_error_table(
    env_session: HttpSession, env: Environment
) -> None:
    for item_id in (997, 998, 999):
        env_session.get(f"/api/items/{item_id}", name="/api/items/[id]")
    env_session.get("/api/fail")
    assert len(env.stats.errors) == 2
    group = env.stats.errors[
        (
            "GET",
            "/api/items/[id]",
            "HTTPError('404 Client Error: Not Found for url: /api/items/[id]')",
        )
    ]
    assert group.occurrences == 3
    entry = env.stats.get("/api/items/[id]", "GET")
    assert (entry.num_requests, entry.num_failures) == (3, 3)


def test_failure_samples_carry_status_url_headers_and_body(
    env_session: HttpSession, env: Environment, fresh_target: str
) -> None:
    env_session.get("/api/items/999", name="/api/items/[id]")
    (group,) = env.stats.errors.values()
    (sample,) = group.samples
    assert sample.status_code == 404
    assert sample.url == f"{fresh_target}/api/items/999"
    assert sample.response_headers["Content-Type"] == "application/json"
    assert json.loads(sample.body_excerpt) == {"error": "no item 999"}


def test_user_raise_for_status_still_names_the_real_url(session: HttpSession) -> None:
    response = session.get("/api/items/999", name="/api/items/[id]")
    with pytest.raises(HTTPError, match=r"for url: http://.*/api/items/999"):
        response.raise_for_status()


def test_success_and_failure_without_catch_response_raise_with_a_hint(
    session: HttpSession,
) -> None:
    from horde.exceptions import HordeError

    response = session.get("/api/items/1")
    assert isinstance(response, HordeResponse)
    with pytest.raises(HordeError, match="catch_response=True"):
        response.success()
    with pytest.raises(HordeError, match="catch_response=True"):
        response.failure("nope")


# -- cookies and bodies ------------------------------------------------------------------------


def test_cookies_are_kept_per_session(
    fresh_target: str, events: Events, recorder: Recorder
) -> None:
    with (
        HttpSession(fresh_target, request_event=events.request) as alice,
        HttpSession(fresh_target, request_event=events.request) as stranger,
    ):
        assert alice.post("/login", data={"username": "alice", "password": "pw"}).ok
        assert alice.get("/api/me").json() == {"username": "alice"}
        assert stranger.get("/api/me").status_code == 401
        assert alice.get("/cookies").json()["cookies"].keys() == {"session"}
        assert stranger.get("/cookies").json()["cookies"] == {}
    statuses = [call["response"].status_code for call in recorder.calls]
    assert statuses == [200, 200, 401, 200, 200]


def test_stream_takes_length_from_content_length_without_reading(
    session: HttpSession, recorder: Recorder
) -> None:
    response = session.get("/bytes/5000", stream=True)
    assert recorder.last["response_length"] == 5000
    assert response.raw is not None
    assert not response.raw.closed, "the body is left for the caller to read"
    assert len(response.content) == 5000
    response.close()


def test_stream_of_a_chunked_body_has_length_zero(session: HttpSession, recorder: Recorder) -> None:
    with session.get("/chunked", stream=True) as response:
        assert recorder.last["response_length"] == 0
        assert b"".join(response.iter_content(None)).startswith(b"chunk 0\n")


def test_head_has_no_body(session: HttpSession, recorder: Recorder) -> None:
    response = session.head("/bytes/100")
    assert response.status_code == 200
    assert response.headers["Content-Length"] == "100"
    assert response.content == b""
    assert recorder.last["response_length"] == 0
    assert recorder.last["request_type"] == "HEAD"


def test_204_has_no_body(session: HttpSession, recorder: Recorder) -> None:
    created = session.post("/api/items", json={"name": "gone soon"}).json()
    response = session.delete(f"/api/items/{created['id']}")
    assert response.status_code == 204
    assert recorder.last["response_length"] == 0
    assert recorder.last["exception"] is None


def test_gzip_is_decoded_and_length_is_the_decoded_size(
    session: HttpSession, recorder: Recorder
) -> None:
    response = session.get("/gzip")
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.json()["gzipped"] is True
    assert recorder.last["response_length"] == len(response.content)


def test_chunked_body_is_read_whole(session: HttpSession, recorder: Recorder) -> None:
    response = session.get("/chunked")
    assert "Content-Length" not in response.headers
    assert response.text == "".join(f"chunk {i}\n" for i in range(5))
    assert recorder.last["response_length"] == len(response.content)


def test_large_body_length(session: HttpSession, recorder: Recorder) -> None:
    size = 3 * 1024 * 1024 + 7
    response = session.get(f"/bytes/{size}")
    assert len(response.content) == size
    assert recorder.last["response_length"] == size


def test_redirect_is_one_request_named_after_the_first_url(
    session: HttpSession, recorder: Recorder, fresh_target: str
) -> None:
    response = session.get("/redirect?to=/api/items/5")
    assert response.status_code == 200
    assert response.json()["id"] == 5
    assert [r.status_code for r in response.history] == [302]
    assert len(recorder.calls) == 1
    assert recorder.last["name"] == "/redirect?to=/api/items/5"
    assert recorder.last["url"] == f"{fresh_target}/redirect?to=/api/items/5"
    counts = server_counts(fresh_target)["by_route"]
    assert counts == {"GET /redirect": 1, "GET /api/items/{id}": 1}


def test_redirect_not_followed_is_a_success(session: HttpSession, recorder: Recorder) -> None:
    response = session.get("/redirect?to=/about", allow_redirects=False)
    assert response.status_code == 302
    assert recorder.last["exception"] is None


def test_redirect_to_a_failure_fails_under_the_first_name(
    session: HttpSession, recorder: Recorder
) -> None:
    session.get("/redirect?to=/api/fail")
    assert recorder.last["name"] == "/redirect?to=/api/fail"
    assert str(recorder.last["exception"]).endswith("for url: /redirect?to=/api/fail")


def test_the_response_works_like_a_requests_response(session: HttpSession) -> None:
    response = session.get("/about")
    assert isinstance(response, requests.Response)
    assert response.headers["Cache-Control"] == "max-age=60"
    assert "Founded" in response.text
    assert response.ok
    assert response.error is None


# -- exact counts ------------------------------------------------------------------------------


def test_counts_match_the_server_exactly(
    env_session: HttpSession, env: Environment, fresh_target: str
) -> None:
    for i in range(30):
        env_session.get(f"/api/items/{i % 25 + 1}", name="/api/items/[id]")
    for _ in range(7):
        env_session.get("/api/fail")
    for _ in range(5):
        env_session.post("/api/items", json={"name": "n", "price": 1})
    for _ in range(3):
        env_session.head("/bytes/10")
    for _ in range(4):
        env_session.get("/status/404")
    counts = server_counts(fresh_target)["by_route"]
    assert counts == {
        "GET /api/items/{id}": 30,
        "GET /api/fail": 7,
        "POST /api/items": 5,
        "HEAD /bytes/{n}": 3,
        "GET /status/{code}": 4,
    }
    stats = env.stats
    items = stats.get("/api/items/[id]", "GET")
    assert (items.num_requests, items.num_failures) == (30, 5)  # ids 21..25 do not exist
    assert (
        stats.get("/api/fail", "GET").num_requests,
        stats.get("/api/fail", "GET").num_failures,
    ) == (7, 7)
    assert stats.get("/api/items", "POST").num_requests == 5
    assert stats.get("/bytes/10", "HEAD").num_requests == 3
    assert stats.get("/status/404", "GET").num_failures == 4
    assert stats.total.num_requests == sum(counts.values()) == 49
    assert stats.total.num_failures == 5 + 7 + 4


def test_ok_is_false_for_http_errors(session: HttpSession) -> None:
    assert session.get("/status/200").ok
    assert not session.get("/status/404").ok
    assert not session.get("/api/fail").ok


# -- a shared pool manager ---------------------------------------------------------------------


def pools_of(pool_manager: urllib3.PoolManager) -> list[Any]:
    keys = pool_manager.pools.keys()  # RecentlyUsedContainer cannot be iterated directly
    return [pool_manager.pools[key] for key in keys]


def test_sessions_share_a_pool_manager_and_closing_one_keeps_it_open(
    fresh_target: str, events: Events, recorder: Recorder
) -> None:
    pool_manager = urllib3.PoolManager(maxsize=1)
    try:
        first = HttpSession(fresh_target, request_event=events.request, pool_manager=pool_manager)
        second = HttpSession(fresh_target, request_event=events.request, pool_manager=pool_manager)
        first.get("/status/200")
        second.get("/status/200")
        (pool,) = pools_of(pool_manager)
        assert pool.num_connections == 1, "the second session reused the first one's connection"
        first.close()
        second.get("/status/200")
        assert pools_of(pool_manager) == [pool]
        assert pool.num_connections == 1, "closing the first session left the pool open"
        second.close()
    finally:
        pool_manager.clear()
    assert len(recorder.calls) == 3


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "urllib3"])
def test_the_session_has_every_attribute_of_a_requests_session(events: Events, fast: bool) -> None:
    # The fast transport skips requests.Session.__init__ (its urllib3 adapters would be thrown
    # away at once): a requests release adding an attribute must not go unnoticed.
    plain = requests.Session()
    ours = HttpSession("http://127.0.0.1:1", request_event=events.request, fast_transport=fast)
    try:
        assert set(vars(plain)) <= set(vars(ours))
        for name in set(vars(plain)) - {"adapters", "cookies", "hooks", "trust_env"}:
            assert getattr(ours, name) == getattr(plain, name), name
        assert ours.hooks == plain.hooks
        assert type(ours.cookies) is type(plain.cookies)
        assert list(ours.adapters) == list(plain.adapters)  # https:// then http://
        assert ours.trust_env is False  # set by HttpSession: no proxy or netrc from the environment
    finally:
        plain.close()
        ours.close()


@pytest.mark.parametrize("value", ["a\r\nInjected: 1", ["a list"], " leading space"])
def test_an_invalid_header_fails_every_time_it_is_sent(
    session: HttpSession, recorder: Recorder, value: Any
) -> None:
    # valid headers are checked once per process and remembered; invalid ones never are
    for _ in range(2):
        assert session.get("/headers", headers={"X-Test": value}).status_code == 0
        assert str(recorder.last["exception"]).startswith("InvalidHeader: ")


def test_headers_checked_once_still_reach_the_server_each_time(session: HttpSession) -> None:
    for token in ("one", "two", "one"):
        sent = session.get("/headers", headers={"X-Token": token}).json()["headers"]
        assert {k.lower(): v for k, v in sent.items()}["x-token"] == token
