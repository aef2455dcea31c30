"""LocalJar and new_response: requests' objects minus the per-request lock, same behaviour."""

from __future__ import annotations

import pickle

import requests
from requests.cookies import RequestsCookieJar

from horde.clients.jar import LocalJar, new_response


def test_new_response_has_every_attribute_of_a_requests_response() -> None:
    plain, ours = requests.Response(), new_response()
    assert vars(ours).keys() == vars(plain).keys()
    for name, value in vars(plain).items():
        if name != "cookies":
            assert getattr(ours, name) == value, name
    assert isinstance(ours.cookies, RequestsCookieJar)
    assert len(ours.cookies) == 0


def test_a_local_jar_keeps_reads_and_sends_cookies_like_a_requests_jar() -> None:
    jar = LocalJar()
    jar.set("session", "abc", domain="127.0.0.1", path="/")
    jar.set("theme", "dark")
    assert jar.get("session") == "abc"
    assert dict(jar) == {"session": "abc", "theme": "dark"}
    prepared = requests.Request("GET", "http://127.0.0.1/x", cookies=jar).prepare()
    assert sorted(prepared.headers["Cookie"].split("; ")) == ["session=abc", "theme=dark"]
    del jar["theme"]
    assert list(jar.keys()) == ["session"]


def test_copies_and_pickles_of_a_local_jar_are_ordinary_jars() -> None:
    jar = LocalJar()
    jar.set("a", "1")
    copied = jar.copy()
    restored = pickle.loads(pickle.dumps(jar))  # noqa: S301 (our own bytes)
    for other in (copied, restored):
        assert dict(other) == {"a": "1"}
        other.set("b", "2")  # a working lock where the copy needs one
        assert "b" not in jar
