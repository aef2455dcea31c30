"""Slumber on top of HttpSession (seed 000, "Pairing Locust and Slumber"), on the real target."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import slumber  # type: ignore[import-untyped]
from slumber import exceptions

from horde.clients import HttpSession
from horde.demo.process import server_counts
from horde.env import Environment


class LocustResource(slumber.Resource):  # type: ignore[misc]
    """The seed's Resource: passes ``name=`` through to the session to group URLs."""

    def _request(self, method: str, data: Any = None, files: Any = None, params: Any = None) -> Any:
        serializer = self._store["serializer"]
        url = self.url()
        headers = {"accept": serializer.get_content_type()}
        if not files:
            headers["content-type"] = serializer.get_content_type()
            if data is not None:
                data = serializer.dumps(data)
        name = params.pop("name", None)
        resp = self._store["session"].request(
            method, url, data=data, params=params, files=files, headers=headers, name=name
        )
        if 400 <= resp.status_code <= 499:
            exception_class = (
                exceptions.HttpNotFoundError
                if resp.status_code == 404
                else exceptions.HttpClientError
            )
            raise exception_class(
                f"Client Error {resp.status_code}: {url}", response=resp, content=resp.content
            )
        if 500 <= resp.status_code <= 599:
            raise exceptions.HttpServerError(
                f"Server Error {resp.status_code}: {url}", response=resp, content=resp.content
            )
        self._ = resp
        return resp


class LocustApiClient(slumber.API):  # type: ignore[misc]
    resource_class = LocustResource


@pytest.fixture
def env() -> Iterator[Environment]:
    env = Environment()
    yield env
    env.close()


@pytest.fixture
def session(fresh_target: str, env: Environment) -> Iterator[HttpSession]:
    with HttpSession(fresh_target, request_event=env.events.request) as session:
        yield session


def counts(env: Environment) -> dict[tuple[str, str], tuple[int, int]]:
    return {key: (e.num_requests, e.num_failures) for key, e in env.stats.entries.items()}


def test_plain_slumber_get_post_delete(
    session: HttpSession, env: Environment, fresh_target: str
) -> None:
    api = slumber.API(fresh_target + "/api/v1/", session=session)
    listing = api.resource.get()
    assert isinstance(listing, list)
    assert len(listing) >= 1
    created = api.resource.post({"name": "slumbered", "price": 4.5})
    assert created["name"] == "slumbered"
    item_id = created["id"]
    assert api.resource(item_id).get() == created
    assert api.resource(item_id).patch({"price": 5}) == {**created, "price": 5}
    assert api.resource(item_id).delete() is True
    item = f"/api/v1/resource/{item_id}/"
    assert counts(env) == {
        ("/api/v1/resource/", "GET"): (1, 0),
        ("/api/v1/resource/", "POST"): (1, 0),
        (item, "GET"): (1, 0),
        (item, "PATCH"): (1, 0),
        (item, "DELETE"): (1, 0),
    }
    assert server_counts(fresh_target)["by_route"] == {
        "GET /api/v1/resource/": 1,
        "POST /api/v1/resource/": 1,
        "GET /api/v1/resource/{id}/": 1,
        "PATCH /api/v1/resource/{id}/": 1,
        "DELETE /api/v1/resource/{id}/": 1,
    }


def test_plain_slumber_query_params_are_part_of_the_name(
    session: HttpSession, env: Environment, fresh_target: str
) -> None:
    api = slumber.API(fresh_target + "/api/v1/", session=session)
    api.resource.get(page=2)
    assert list(env.stats.entries) == [("/api/v1/resource/?page=2", "GET")]


def test_plain_slumber_raises_on_404_and_horde_records_the_failure(
    session: HttpSession, env: Environment, fresh_target: str
) -> None:
    api = slumber.API(fresh_target + "/api/v1/", session=session)
    with pytest.raises(exceptions.HttpNotFoundError) as raised:
        api.resource(10**9).get()
    assert raised.value.response.status_code == 404
    (group,) = env.stats.errors.values()
    assert group.name == f"/api/v1/resource/{10**9}/"
    assert group.samples[0].status_code == 404


def test_locust_resource_groups_by_name(
    session: HttpSession, env: Environment, fresh_target: str
) -> None:
    api = LocustApiClient(fresh_target + "/api/v1/", session=session)
    ids = [api.resource.post({"name": f"n{i}"}, name="create")["id"] for i in range(3)]
    for item_id in ids:
        assert api.resource(item_id).get(name="/api/v1/resource/:id/")["id"] == item_id
    for item_id in ids:
        assert api.resource(item_id).delete(name="/api/v1/resource/:id/") is True
    assert counts(env) == {
        ("create", "POST"): (3, 0),
        ("/api/v1/resource/:id/", "GET"): (3, 0),
        ("/api/v1/resource/:id/", "DELETE"): (3, 0),
    }
    assert server_counts(fresh_target)["by_route"] == {
        "POST /api/v1/resource/": 3,
        "GET /api/v1/resource/{id}/": 3,
        "DELETE /api/v1/resource/{id}/": 3,
    }


def test_locust_resource_raises_on_4xx_and_failures_group_under_the_name(
    session: HttpSession, env: Environment, fresh_target: str
) -> None:
    api = LocustApiClient(fresh_target + "/api/v1/", session=session)
    for item_id in (10**9, 10**9 + 1):
        with pytest.raises(exceptions.HttpNotFoundError):
            api.resource(item_id).get(name="/api/v1/resource/:id/")
    with pytest.raises(exceptions.HttpClientError) as raised:
        api.resource.post({"price": -1}, name="create")  # no name: 400
    assert raised.value.response.status_code == 400
    assert counts(env) == {
        ("/api/v1/resource/:id/", "GET"): (2, 2),
        ("create", "POST"): (1, 1),
    }
    errors = {(e.name, e.error): e.occurrences for e in env.stats.errors.values()}
    assert errors == {
        (
            "/api/v1/resource/:id/",
            "HTTPError('404 Client Error: Not Found for url: /api/v1/resource/:id/')",
        ): 2,
        ("create", "HTTPError('400 Client Error: Bad Request for url: create')"): 1,
    }


def test_locust_resource_raises_on_5xx(session: HttpSession, fresh_target: str) -> None:
    api = LocustApiClient(fresh_target + "/", session=session, append_slash=False)
    with pytest.raises(exceptions.HttpServerError) as raised:
        api.api.fail.get(name="fail")
    assert raised.value.response.status_code == 500
