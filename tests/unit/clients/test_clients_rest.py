"""``client.rest()``: REST resources on both HTTP clients, against the demo target's Slumber-style
API (``/api/v1/resource/``) and a few hostile answers."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from conftest import Recorder, free_port
from horde.clients.fast import FastHttpSession
from horde.clients.http import HttpSession
from horde.demo.process import reset_counts, running_demo_target, server_counts
from horde.event import Events
from horde.exceptions import (
    HttpClientError,
    HttpNotFoundError,
    HttpServerError,
    RestError,
)


@pytest.fixture(scope="module")
def rest_target() -> Iterator[str]:
    """A demo target of these tests' own (they create and delete resources)."""
    with running_demo_target() as url:
        yield url


@pytest.fixture(params=["http", "fast"])
def client(request: pytest.FixtureRequest, rest_target: str, events: Events) -> Iterator[Any]:
    reset_counts(rest_target)
    if request.param == "http":
        session: Any = HttpSession(rest_target, request_event=events.request)
    else:
        session = FastHttpSession(rest_target, request_event=events.request)
    yield session
    session.close()


def test_list_read_create_update_delete_with_templated_names(
    client: Any, recorder: Recorder, rest_target: str
) -> None:
    api = client.rest("/api/v1/")
    listing = api.resource.get()
    assert isinstance(listing, list)
    assert {"id", "name", "price"} <= set(listing[0])
    created = api.resource.post({"name": "rested", "price": 3})
    assert created["name"] == "rested"
    item = api.resource(created["id"])
    assert item.get() == created
    assert item.put({"price": 5})["price"] == 5
    assert item.patch({"name": "patched"})["name"] == "patched"
    assert item.delete() is True
    assert recorder.names() == [
        "/api/v1/resource/",
        "/api/v1/resource/",
        "/api/v1/resource/[id]/",
        "/api/v1/resource/[id]/",
        "/api/v1/resource/[id]/",
        "/api/v1/resource/[id]/",
    ]
    assert [c["request_type"] for c in recorder.calls] == [
        "GET",
        "POST",
        "GET",
        "PUT",
        "PATCH",
        "DELETE",
    ]
    assert not recorder.failures()
    served = server_counts(rest_target)["by_route"]
    assert served["GET /api/v1/resource/{id}/"] == 1
    assert served["DELETE /api/v1/resource/{id}/"] == 1


def test_a_404_is_recorded_then_raised_as_not_found(client: Any, recorder: Recorder) -> None:
    with pytest.raises(HttpNotFoundError) as caught:
        client.rest("/api/v1/").resource(999_999).get()
    assert isinstance(caught.value, HttpClientError)
    assert caught.value.response.status_code == 404
    assert b"no item" in caught.value.content
    assert "Client Error 404" in str(caught.value)
    (call,) = recorder.failures()
    assert call["name"] == "/api/v1/resource/[id]/"


def test_a_400_is_a_client_error_and_a_500_a_server_error(client: Any, recorder: Recorder) -> None:
    api = client.rest("/api/v1/")
    with pytest.raises(HttpClientError) as client_error:
        api.resource.post({"price": -1})
    assert not isinstance(client_error.value, HttpNotFoundError)
    with pytest.raises(HttpServerError):
        client.rest("/api").fail.get()
    assert [c["name"] for c in recorder.failures()] == ["/api/v1/resource/", "/api/fail"]


def test_query_parameters_nested_resources_and_literal_names(
    client: Any, recorder: Recorder, rest_target: str
) -> None:
    api = client.rest("/")
    found = api.search.get(search="boots")
    assert found["query"] == "boots"
    assert api["json"](3).get() == [
        {"id": 1, "name": "object 1", "value": 7},
        {"id": 2, "name": "object 2", "value": 14},
        {"id": 3, "name": "object 3", "value": 21},
    ]
    assert recorder.names() == ["/search", "/json/[id]"]
    paths = server_counts(rest_target)["by_path"]
    assert paths["GET /search?search=boots"] == 1


def test_rename_request_wins_over_the_template(client: Any, recorder: Recorder) -> None:
    with client.rename_request("mine"):
        client.rest("/api/v1/").resource(1).get()
    assert recorder.names() == ["mine"]


def test_non_json_answers_come_back_as_bytes_and_empty_ones_as_none(
    client: Any, recorder: Recorder
) -> None:
    api = client.rest("/")
    assert api.something.get() == b"something\n"
    assert api.status(204).get() is None
    assert not recorder.failures()


def test_an_absolute_base_url_keeps_its_path_in_the_name(
    client: Any, recorder: Recorder, rest_target: str
) -> None:
    client.rest(f"{rest_target}/api/v1/").resource(2).get()
    assert recorder.names() == ["/api/v1/resource/[id]/"]


def test_ids_are_quoted_and_empty_ones_refused(client: Any) -> None:
    api = client.rest("/api/v1/")
    assert api.resource("a/b c").url() == "/api/v1/resource/a%2Fb%20c/"
    assert api.resource().url() == "/api/v1/resource/"
    with pytest.raises(RestError, match="empty id"):
        api.resource("")
    with pytest.raises(AttributeError):
        api._private  # noqa: B018
    assert repr(api.resource(1)) == "<Resource /api/v1/resource/1/ as /api/v1/resource/[id]/>"


def test_bad_bases_are_refused(client: Any) -> None:
    with pytest.raises(RestError, match="has a query or fragment"):
        client.rest("/api/v1/?format=json")
    with pytest.raises(RestError, match="not int"):
        client.rest(5)
    assert client.rest("api/v1/").items.url() == "/api/v1/items/"


def test_a_refused_connection_is_recorded_and_raised(events: Events, recorder: Recorder) -> None:
    for session in (
        HttpSession(f"http://127.0.0.1:{free_port()}", request_event=events.request),
        FastHttpSession(f"http://127.0.0.1:{free_port()}", request_event=events.request),
    ):
        with pytest.raises(RestError) as caught:
            session.rest("/api/v1/").resource.get()
        assert not isinstance(caught.value, HttpClientError | HttpServerError)
        assert "ConnectionRefusedError" in str(caught.value)
        session.close()
    assert len(recorder.failures()) == 2


# -- a JSON body that does not parse ------------------------------------------------------------


class _BrokenJson(http.server.BaseHTTPRequestHandler):
    """Answers GET /thing with 200, ``application/json`` and a body that is not JSON, and GET
    /problem with ``application/problem+json`` that is."""

    def do_GET(self) -> None:
        problem = self.path.startswith("/problem")
        body = b'{"title": "fine"}' if problem else b'{"id": 1,'
        kind = "application/problem+json" if problem else "application/json; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def broken_json() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _BrokenJson)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(10)


def test_broken_json_fails_the_request_and_raises(
    broken_json: str, events: Events, recorder: Recorder
) -> None:
    for session in (
        HttpSession(broken_json, request_event=events.request),
        FastHttpSession(broken_json, request_event=events.request),
    ):
        with pytest.raises(RestError, match="not valid JSON"):
            session.rest("/").thing.get()
        assert session.rest("/").problem.get() == {"title": "fine"}
        session.close()
    failed = recorder.failures()
    assert len(failed) == 2
    assert len(recorder.calls) == 4
    for call in failed:
        assert "not valid JSON" in str(call["exception"])
        assert call["name"] == "/thing"
