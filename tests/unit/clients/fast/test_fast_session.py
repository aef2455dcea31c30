"""FastHttpSession against the real demo target: Locust's FastHttpSession API and its results."""

from __future__ import annotations

import base64
import datetime
import random
import re
from typing import Any

import pytest
from gevent.pool import Pool
from requests.exceptions import HTTPError

from horde.clients.errors import ConnectionFailure
from horde.clients.fast import FastHttpSession, FastResponse, FastResponseContextManager
from horde.demo.process import reset_counts, server_counts
from horde.env import Environment
from horde.event import Events
from horde.exceptions import CatchResponseError, HordeError, ResponseError

pytest_plugins = ["fast_kit"]

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
def session(fast_target: str, fast_session: Any) -> Any:
    return fast_session(fast_target)


# -- the request event ---------------------------------------------------------------------------


def test_a_get_is_recorded_once_with_locusts_keyword_arguments(
    session: Any, recorder: Any, fast_target: str
) -> None:
    response = session.get("/api/items/3")
    assert isinstance(response, FastResponse)
    assert response.status_code == 200
    assert response.json()["id"] == 3
    (call,) = recorder.calls
    assert set(call) == EVENT_KWARGS
    assert call["request_type"] == "GET"
    assert call["name"] == "/api/items/3"
    assert call["url"] == f"{fast_target}/api/items/3"
    assert call["response"] is response
    assert call["response_length"] == len(response.content) > 0
    assert call["exception"] is None
    assert call["context"] == {}
    assert call["response_time"] > 0
    assert call["start_time"] > 0


@pytest.mark.parametrize(
    ("method", "url", "kwargs", "status"),
    [
        ("get", "/api/items", {}, 200),
        ("post", "/api/items", {"json": {"name": "Thing", "price": 2.5}}, 201),
        ("put", "/api/items/{id}", {"json": {"price": 9.0}}, 200),
        ("patch", "/api/v1/resource/{id}/", {"json": {"price": 1.0}}, 200),
        ("delete", "/api/items/{id}", {}, 204),
        ("head", "/api/items", {}, 200),
        ("options", "/api/items", {}, 405),
    ],
)
def test_every_verb_reaches_the_server_with_its_method(
    session: Any,
    recorder: Any,
    fast_target: str,
    method: str,
    url: str,
    kwargs: dict[str, Any],
    status: int,
) -> None:
    if "{id}" in url:  # change only an item of our own: the demo target is shared
        collection = "/api/items" if url.startswith("/api/items") else "/api/v1/resource/"
        url = url.format(id=session.post(collection, json={"name": "mine"}).json()["id"])
        reset_counts(fast_target)
    response = getattr(session, method)(url, **kwargs)
    assert response.status_code == status
    assert recorder.last["request_type"] == method.upper()
    assert response.request.method == method.upper()
    assert server_counts(fast_target)["by_path"] == {f"{method.upper()} {url}": 1}
    if method in ("head", "delete"):
        assert response.content == b""
        assert recorder.last["response_length"] == 0


def test_request_takes_the_method_in_any_case(session: Any, fast_target: str) -> None:
    assert session.request("get", "/api/items/1").status_code == 200
    assert session.request("POST", "/api/items", json={"name": "x"}).status_code == 201
    assert server_counts(fast_target)["total"] == 2


def test_name_groups_and_the_default_name_is_the_url_as_passed(
    session: Any, recorder: Any, fast_target: str
) -> None:
    session.get("/api/items/1", name="/api/items/[id]")
    session.get("/api/items/2", name="/api/items/[id]")
    session.get("/search", params={"search": "red"})
    session.get("/search?search=blue")
    with session.rename_request("renamed"):
        session.get("/api/items/5")
    session.request_name = "attribute"
    session.get("/api/items/6")
    session.request_name = None
    session.get("/api/items/7")
    names = [call["name"] for call in recorder.calls]
    assert names == [
        "/api/items/[id]",
        "/api/items/[id]",
        "/search",
        "/search?search=blue",
        "renamed",
        "attribute",
        "/api/items/7",
    ]
    assert recorder.calls[2]["url"] == f"{fast_target}/search?search=red"
    assert server_counts(fast_target)["by_path"]["GET /search?search=red"] == 1


def test_context_is_passed_to_listeners_merged_with_the_users(
    fast_target: str, fast_session: Any, recorder: Any
) -> None:
    class User:
        def context(self) -> dict[str, Any]:
            return {"user": "alice", "shared": 1}

    session = fast_session(fast_target, user=User())
    session.get("/api/items/1", context={"shared": 2, "extra": True})
    assert recorder.last["context"] == {"user": "alice", "shared": 2, "extra": True}


# -- what is sent ----------------------------------------------------------------------------------


def echoed(response: FastResponse) -> dict[str, str]:
    headers: dict[str, str] = response.json()["headers"]
    return headers


def test_headers_default_headers_and_the_accept_encoding(
    fast_target: str, fast_session: Any
) -> None:
    session = fast_session(fast_target, default_headers={"X-Default": "d", "X-Both": "default"})
    sent = echoed(session.get("/headers", headers={"X-Test": "1", "x-both": "request"}))
    assert sent["X-Test"] == "1"
    assert sent["X-Default"] == "d"
    assert sent["X-Both"] == "request", "a request header overrides a default one, any case"
    assert "gzip" in sent["Accept-Encoding"]
    assert sent["User-Agent"].startswith("horde/")
    plain = echoed(session.get("/headers"))
    assert plain["X-Default"] == "d"
    assert "X-Test" not in plain


def test_json_sets_the_content_type_and_the_body(session: Any) -> None:
    response = session.post("/api/items", json={"name": "Lamp", "price": 3})
    assert response.status_code == 201
    assert response.json()["name"] == "Lamp"
    assert response.headers["Location"] == f"/api/items/{response.json()['id']}"
    assert response.request.headers["Content-Type"] == "application/json"
    assert response.request.body == b'{"name": "Lamp", "price": 3}'


def test_a_dict_as_data_is_sent_as_a_form(session: Any, recorder: Any) -> None:
    assert session.post("/contact_us", data={"email": "a@b.c", "message": "hi"}).ok
    missing = session.post("/contact_us", data={"message": "no email"})
    assert missing.status_code == 400
    assert missing.request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert isinstance(recorder.last["exception"], HTTPError)


def test_auth_sends_basic_credentials(session: Any) -> None:
    sent = echoed(session.get("/headers", auth=("alice", "s3cret")))
    assert sent["Authorization"] == "Basic " + base64.b64encode(b"alice:s3cret").decode()
    assert "Authorization" not in echoed(session.get("/headers"))


def test_credentials_in_the_host_are_basic_auth_and_leave_the_url(
    fast_target: str, fast_session: Any, recorder: Any
) -> None:
    host = fast_target.replace("http://", "http://user%40corp:p%3Ass@")
    session = fast_session(host)
    sent = echoed(session.get("/headers"))
    assert sent["Authorization"] == "Basic " + base64.b64encode(b"user@corp:p:ss").decode()
    assert recorder.last["url"] == f"{fast_target}/headers"


def test_an_absolute_url_goes_where_it_says(
    fast_target: str, fast_session: Any, recorder: Any
) -> None:
    session = fast_session("http://127.0.0.1:9")  # nothing there; the absolute URL wins
    response = session.get(f"{fast_target}/api/items/1")
    assert response.status_code == 200
    assert recorder.last["name"] == f"{fast_target}/api/items/1"


def test_a_base_url_with_a_path_prefixes_relative_urls(fast_target: str, fast_session: Any) -> None:
    session = fast_session(f"{fast_target}/api/")
    assert session.get("/items/2").json()["id"] == 2
    assert session.get("items/3").json()["id"] == 3
    assert server_counts(fast_target)["by_path"] == {"GET /api/items/2": 1, "GET /api/items/3": 1}


def test_a_fragment_is_not_sent(session: Any, recorder: Any, fast_target: str) -> None:
    assert session.get("/api/items/1#details").json()["id"] == 1
    assert session.get("/search#top", params={"search": "x"}).json()["query"] == "x"
    assert recorder.calls[0]["name"] == "/api/items/1#details"
    assert recorder.calls[0]["url"] == f"{fast_target}/api/items/1"
    assert set(server_counts(fast_target)["by_path"]) == {
        "GET /api/items/1",
        "GET /search?search=x",
    }


def test_arguments_only_requests_has_are_refused_clearly(session: Any, recorder: Any) -> None:
    with pytest.raises(HordeError, match="does not support files"):
        session.post("/api/items", files={"f": b"x"})
    assert recorder.calls == []
    assert session.get("/api/items/1", timeout=5, verify=False).status_code == 200


def test_proxies_are_refused_when_the_session_is_made(events: Events) -> None:
    with pytest.raises(HordeError, match="proxies"):
        FastHttpSession("http://x", events.request, proxy_host="proxy", proxy_port=3128)


# -- the response ----------------------------------------------------------------------------------


def test_the_response_surface(session: Any, fast_target: str) -> None:
    response = session.get("/something")
    assert response.status_code == 200
    assert response.reason == "OK"
    assert response.ok
    assert response.content == b"something\n"
    assert response.text == "something\n"
    assert response.url == f"{fast_target}/something"
    assert isinstance(response.elapsed, datetime.timedelta)
    assert response.elapsed.total_seconds() > 0
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["CONTENT-TYPE"] == response.headers.get("Content-Type")
    assert "Content-Length" in response.headers
    assert "content-length" in response.headers
    assert response.headers.get("x-missing", "none") == "none"
    assert response.request.url == f"{fast_target}/something"
    assert response.request.method == "GET"
    assert response.history == []
    assert response.error is None
    response.raise_for_status()
    assert repr(response) == "<FastResponse [200]>"


def test_an_error_status_is_a_failure_named_after_the_stats_name(
    session: Any, recorder: Any
) -> None:
    response = session.get("/api/fail", name="failing")
    assert response.status_code == 500
    assert not response.ok
    exception = recorder.last["exception"]
    assert isinstance(exception, HTTPError)
    assert str(exception) == "500 Server Error: Internal Server Error for url: failing"
    with pytest.raises(HTTPError, match="500 Server Error") as raised:
        response.raise_for_status()
    assert raised.value.response is response
    session.get("/status/404")
    assert str(recorder.last["exception"]) == "404 Client Error: Not Found for url: /status/404"


@pytest.mark.parametrize("code", [200, 201, 204, 301, 304, 399])
def test_statuses_below_400_succeed(session: Any, recorder: Any, code: int) -> None:
    response = session.get(f"/status/{code}", allow_redirects=False)
    assert response.status_code == code
    assert recorder.last["exception"] is None


def test_gzip_bodies_are_decoded(session: Any, recorder: Any) -> None:
    response = session.get("/gzip")
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.json() == {"gzipped": True, "message": "hello from the horde demo"}
    assert recorder.last["response_length"] == len(response.content)


def test_large_bodies_arrive_whole(session: Any, recorder: Any) -> None:
    size = 5 * 1024 * 1024 + 7
    response = session.get(f"/bytes/{size}")
    assert len(response.content) == size
    assert recorder.last["response_length"] == size
    expected = random.Random(f"1:{size}").randbytes(size)  # what the demo target (seed 1) sends
    assert response.content == expected


def test_json_lists_and_text_decoding(session: Any) -> None:
    response = session.get("/json/50")
    assert len(response.json()) == 50
    response.encoding = "latin-1"
    assert response.text == response.content.decode("latin-1")


# -- redirects -------------------------------------------------------------------------------------


def test_redirects_are_followed_and_recorded_once_under_the_first_url(
    session: Any, recorder: Any, fast_target: str
) -> None:
    response = session.get("/redirect?to=/api/items/1")
    assert response.status_code == 200
    assert response.json()["id"] == 1
    assert response.url == f"{fast_target}/api/items/1"
    assert [r.status_code for r in response.history] == [302]
    assert response.history[0].url == f"{fast_target}/redirect?to=/api/items/1"
    (call,) = recorder.calls
    assert call["name"] == "/redirect?to=/api/items/1"
    assert server_counts(fast_target)["total"] == 2


def test_allow_redirects_false_returns_the_redirect(
    session: Any, recorder: Any, fast_target: str
) -> None:
    response = session.get("/redirect?to=/api/items/1", allow_redirects=False)
    assert response.status_code == 302
    assert response.headers["Location"] == "/api/items/1"
    assert recorder.last["exception"] is None
    assert server_counts(fast_target)["total"] == 1


# -- cookies ---------------------------------------------------------------------------------------


def test_cookies_belong_to_one_session(fast_target: str, fast_session: Any) -> None:
    alice, bob = fast_session(fast_target), fast_session(fast_target)
    login = alice.post("/login", data={"username": "alice", "password": "pw"})
    assert "session" in login.cookies
    assert alice.cookies["session"] == login.cookies["session"]
    assert alice.get("/api/me").json() == {"username": "alice"}
    assert bob.get("/api/me").status_code == 401
    assert alice.get("/cookies").json()["cookies"] == {"session": login.cookies["session"]}
    logout = alice.post("/logout")
    assert logout.headers["Set-Cookie"].startswith("session=;")
    assert "session" not in alice.cookies, "Max-Age=0 deletes the cookie"
    assert alice.get("/api/me").status_code == 401


def test_cookies_given_per_request_join_the_sessions(session: Any) -> None:
    session.post("/login", json={"username": "carol", "password": "pw"})
    sent = session.get("/cookies", cookies={"extra": "1"}).json()["cookies"]
    assert set(sent) == {"session", "extra"}
    assert set(session.get("/cookies").json()["cookies"]) == {"session"}


# -- catch_response ------------------------------------------------------------------------------


def test_catch_response_success_turns_an_error_status_into_a_success(
    session: Any, recorder: Any
) -> None:
    with session.get("/status/404", catch_response=True) as response:
        assert isinstance(response, FastResponseContextManager)
        assert not response.ok
        response.success()
        assert response.ok
    assert recorder.last["exception"] is None
    assert len(recorder.calls) == 1


def test_catch_response_failure_fails_a_success_with_the_message(
    session: Any, recorder: Any
) -> None:
    with session.get("/api/items/1", catch_response=True) as response:
        if response.json()["id"] == 1:
            response.failure("wrong item")
    exception = recorder.last["exception"]
    assert isinstance(exception, CatchResponseError)
    assert str(exception) == "wrong item"


def test_catch_response_without_a_verdict_uses_the_status(session: Any, recorder: Any) -> None:
    with session.get("/api/fail", catch_response=True, name="fail") as response:
        response.request_meta["name"] = "renamed"
    assert recorder.last["name"] == "renamed"
    assert str(recorder.last["exception"]) == (
        "500 Server Error: Internal Server Error for url: renamed"
    )


def test_a_response_error_raised_in_the_block_fails_the_request(
    session: Any, recorder: Any
) -> None:
    with session.get("/api/items/1", catch_response=True):
        raise ResponseError("bad content")
    assert str(recorder.last["exception"]) == "bad content"


def test_other_exceptions_in_the_block_propagate_and_record_a_failure(
    session: Any, recorder: Any
) -> None:
    # Locust lets the exception out and records nothing; horde lets it out too, but the
    # request reached the server, so it is recorded: as failed, since its check crashed
    with pytest.raises(KeyError), session.get("/api/items/1", catch_response=True) as response:
        response.json()["missing"]
    assert repr(recorder.only["exception"]) == "KeyError('missing')"


def test_success_and_failure_need_catch_response(session: Any) -> None:
    response = session.get("/api/items/1")
    with pytest.raises(HordeError, match="catch_response=True"):
        response.success()
    with pytest.raises(HordeError, match="catch_response=True"):
        response.failure("x")


# -- failures without a response -------------------------------------------------------------------


def test_connection_refused_is_a_short_status_0_failure(
    refused_url: str, fast_session: Any, recorder: Any
) -> None:
    session = fast_session(refused_url)
    response = session.get("/api/items", name="items")
    assert response.status_code == 0
    assert not response.ok
    assert response.content is None, "as in Locust's FastHttpUser"
    assert response.text is None
    assert list(response.iter_content(10)) == []
    assert isinstance(response.error, ConnectionRefusedError)
    call = recorder.last
    assert call["name"] == "items"
    assert isinstance(call["exception"], ConnectionFailure)
    message = str(call["exception"])
    assert re.fullmatch(r"ConnectionRefusedError: (\[Errno \d+\] )?Connection refused", message)
    assert refused_url.rsplit(":", 1)[1] not in message
    with pytest.raises(ConnectionRefusedError):
        response.raise_for_status()


def test_refusals_to_different_ports_group_in_one_error_row(
    fast_session: Any, events: Events, refused_url: str
) -> None:
    env = Environment(events=events)
    fast_session(refused_url).get("/x", name="x")
    fast_session(refused_url).get("/x", name="x")
    env.close()
    (group,) = env.stats.errors.values()
    assert group.occurrences == 2


def test_a_read_timeout_is_a_status_0_failure_and_the_session_stays_usable(
    fast_target: str, fast_session: Any, recorder: Any
) -> None:
    session = fast_session(fast_target, network_timeout=0.2)
    response = session.get("/delay/3000")
    assert response.status_code == 0
    assert isinstance(response.error, TimeoutError)
    assert str(recorder.last["exception"]) == "TimeoutError: timed out"
    assert session.get("/api/items/1").status_code == 200
    assert recorder.last["exception"] is None


# -- counting and concurrency ----------------------------------------------------------------------


def test_the_server_counts_exactly_what_horde_records(
    session: Any, recorder: Any, fast_target: str
) -> None:
    for index in range(25):
        session.get(f"/json/{index % 5 + 1}", name="/json/[n]")
    for _ in range(5):
        session.get("/api/fail")
    session.post("/api/items", json={"name": "n"})
    session.head("/api/items")
    session.get("/chunked")
    session.get("/gzip")
    counts = server_counts(fast_target)
    assert counts["total"] == len(recorder.calls) == 34
    assert counts["by_route"]["GET /json/{n}"] == 25
    assert len(recorder.failures()) == 5


def test_greenlets_of_one_user_share_the_session(
    fast_target: str, fast_session: Any, recorder: Any
) -> None:
    session = fast_session(fast_target, concurrency=3)
    pool = Pool(10)
    responses = pool.map(lambda i: session.get(f"/delay/{i % 3 + 1}").status_code, range(30))
    assert responses == [200] * 30
    assert len(recorder.calls) == server_counts(fast_target)["total"] == 30
    (origin_pool,) = session.pool._pools.values()
    assert len(origin_pool._idle) <= 3
