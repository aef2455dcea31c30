"""A pytest-style load file: runs as load under horde and as tests under pytest."""

import time

import pytest

from horde.exceptions import CatchResponseError


def test_home(session):
    session.get("/").raise_for_status()
    time.sleep(0.05)


def test_fast_something(fastsession):
    resp = fastsession.get("/something")
    resp.raise_for_status()
    assert resp.text == "something\n"
    time.sleep(0.05)


def test_missing_page_fails(session):
    with session.get("/no-such-page", catch_response=True) as resp:
        if resp.status_code == 404:
            resp.failure("the page is missing")
    with pytest.raises(CatchResponseError):
        resp.raise_for_status()
    time.sleep(0.05)
