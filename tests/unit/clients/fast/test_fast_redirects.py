"""FastHttpSession's redirect rules, checked against requests' own (horde.clients.fast.redirects).

``should_strip_auth`` must answer exactly as ``requests.Session.should_strip_auth`` does: the
table runs both on every pair.
"""

from __future__ import annotations

import pytest
import requests

from horde.clients.fast.redirects import redirected, should_strip_auth

URL_PAIRS = [
    ("http://a.test/x", "http://a.test/y"),
    ("http://a.test/x", "http://b.test/x"),
    ("http://a.test/x", "http://A.TEST/x"),
    ("http://a.test/x", "https://a.test/x"),
    ("http://a.test:80/x", "https://a.test:443/x"),
    ("http://a.test:80/x", "https://a.test/x"),
    ("http://a.test/x", "https://a.test:8443/x"),
    ("http://a.test:8080/x", "https://a.test/x"),
    ("https://a.test/x", "http://a.test/x"),
    ("http://a.test/x", "http://a.test:80/x"),
    ("http://a.test:80/x", "http://a.test/x"),
    ("https://a.test:443/x", "https://a.test/x"),
    ("http://a.test:8080/x", "http://a.test:8081/x"),
    ("http://a.test:8080/x", "http://a.test:8080/y"),
    ("http://127.0.0.1:8080/x", "http://localhost:8080/x"),
    ("http://user@a.test/x", "http://a.test/x"),
    ("http://[::1]:8080/x", "http://[::1]:8080/y"),
    ("http://[::1]:8080/x", "http://127.0.0.1:8080/y"),
    ("http://a.test/x", "ftp://a.test/x"),
]


@pytest.mark.parametrize(("old", "new"), URL_PAIRS)
def test_should_strip_auth_answers_as_requests_does(old: str, new: str) -> None:
    with requests.Session() as reference:
        expected = reference.should_strip_auth(old, new)
    assert should_strip_auth(old, new) is expected


def test_the_cases_that_matter_most() -> None:
    assert should_strip_auth("http://127.0.0.1:1/a", "http://localhost:1/b"), "another host"
    assert should_strip_auth("http://a.test:1/a", "http://a.test:2/b"), "another port"
    assert not should_strip_auth("http://a.test/a", "https://a.test/b"), "the TLS upgrade"
    assert not should_strip_auth("http://a.test:1/a", "http://a.test:1/b"), "same origin"


@pytest.mark.parametrize(
    ("status", "method", "expected_method", "keeps_body"),
    [
        (301, "POST", "GET", False),
        (301, "PUT", "PUT", False),
        (302, "POST", "GET", False),
        (302, "HEAD", "HEAD", False),
        (303, "PUT", "GET", False),
        (307, "POST", "POST", True),
        (308, "PATCH", "PATCH", True),
    ],
)
def test_method_and_body_follow_requests_rebuild_method(
    status: int, method: str, expected_method: str, keeps_body: bool
) -> None:
    headers = {"Content-Type": "text/plain", "X-Keep": "1", "Cookie": "a=1"}
    result = redirected(status, method, b"body", {"Content-Type": "x"}, headers, False)
    new_method, body, extra, new_headers = result
    assert new_method == expected_method
    assert (body == b"body") is keeps_body
    assert (extra is not None) is keeps_body
    assert new_headers is not None
    assert ("Content-Type" in new_headers) is keeps_body
    assert new_headers["X-Keep"] == "1"
    assert "Cookie" not in new_headers, "the jar decides again; the script's header never follows"


def test_authorization_goes_only_when_the_hop_strips_it() -> None:
    headers = {"authorization": "Bearer t", "X-Keep": "1"}
    assert redirected(302, "GET", None, None, headers, False)[3] == headers
    assert redirected(302, "GET", None, None, headers, True)[3] == {"X-Keep": "1"}
