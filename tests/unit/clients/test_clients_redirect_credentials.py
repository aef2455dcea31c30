"""Credentials and cookies on redirects, for all three clients: requests' rules.

Two loopback hosts: the fault server as ``127.0.0.1`` and as ``localhost`` (the same server,
another host for credentials and cookies). ``/echo`` answers with the headers that reached it.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

import pytest

from faultserver import FaultServer

pytest_plugins = ["hostile"]

BASIC = "Basic " + base64.b64encode(b"user:pw").decode()


def echoed(response: Any) -> dict[str, str]:
    assert response.status_code == 200, response
    headers: dict[str, str] = response.json()["headers"]
    return headers


def redirect(to: str) -> str:
    return f"/redirect?to={quote(to, safe='')}"


@pytest.mark.parametrize(
    "how", ["url", "auth", "header"], ids=["user:pw@host", "auth=", "headers="]
)
def test_authorization_is_not_sent_to_another_host(
    client: Any, fault: FaultServer, how: str
) -> None:
    base = fault.url.replace("http://", "http://user:pw@") if how == "url" else fault.url
    session = client(base_url=base)
    options: dict[str, Any] = {}
    if how == "auth":
        options["auth"] = ("user", "pw")
    elif how == "header":
        options["headers"] = {"Authorization": BASIC}
    same_host = echoed(session.get(redirect("/echo"), **options))
    other_host = echoed(session.get(redirect(f"{fault.url_as('localhost')}/echo"), **options))
    assert same_host.get("authorization") == BASIC, "kept on the same host"
    assert "authorization" not in other_host, "never sent to another host"


def test_authorization_stays_off_for_the_rest_of_the_chain(client: Any, fault: FaultServer) -> None:
    session = client(base_url=fault.url.replace("http://", "http://user:pw@"))
    back_home = f"{fault.url}/echo"
    via_other = f"{fault.url_as('localhost')}{redirect(back_home)}"
    assert "authorization" not in echoed(session.get(redirect(via_other)))


def test_another_port_is_another_origin(client: Any, fault: FaultServer) -> None:
    with FaultServer() as second:
        session = client(base_url=fault.url.replace("http://", "http://user:pw@"))
        headers = echoed(session.get(redirect(f"{second.url}/echo")))
    assert "authorization" not in headers


def test_cookies_go_back_only_to_the_host_that_set_them(client: Any, fault: FaultServer) -> None:
    session = client()
    session.get("/set-cookie?name=session&value=abc")
    other = fault.url_as("localhost")
    assert echoed(session.get("/echo")).get("cookie") == "session=abc"
    assert "cookie" not in echoed(session.get(f"{other}/echo")), "asked directly"
    assert "cookie" not in echoed(session.get(redirect(f"{other}/echo"))), "via a redirect"
    assert echoed(session.get(redirect("/echo"))).get("cookie") == "session=abc"


def test_a_cookie_set_on_the_way_is_sent_on_the_next_hop_to_its_host(
    client: Any, fault: FaultServer
) -> None:
    session = client()
    attrs = quote("; Path=/", safe="")
    set_then_echo = f"/set-cookie?name=hop&value=1&attrs={attrs}"
    session.get(set_then_echo)
    assert echoed(session.get(redirect("/echo"))).get("cookie") == "hop=1"


def test_a_cookie_header_from_the_script_does_not_follow_a_redirect(
    client: Any, fault: FaultServer
) -> None:
    session = client()
    headers = {"Cookie": "mine=1"}
    assert echoed(session.get("/echo", headers=headers)).get("cookie") == "mine=1"
    followed = echoed(session.get(redirect(f"{fault.url_as('localhost')}/echo"), headers=headers))
    assert "cookie" not in followed
