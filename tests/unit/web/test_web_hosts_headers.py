"""The UI answers only to its own host names (DNS rebinding), and every response carries the
security headers (issue 13, item 15)."""

from __future__ import annotations

import socket

import pytest
from web_kit import MakeWeb, Shop, Web

from horde.web.hosts import AllowedHosts

pytest_plugins = ["web_fixtures"]

HTML = {"Accept": "text/html"}


def get(web: Web, path: str, host: str) -> int:
    return web.client.get(path, headers={"Host": host, **HTML}).status_code


@pytest.mark.parametrize(
    "host",
    ["evil.example", "evil.example:8089", "127.0.0.1.evil.example", "localhost.evil.example"],
)
def test_an_unknown_host_name_is_refused_on_every_route(web: Web, host: str) -> None:
    for path in ("/", "/login", "/api/v1/status", "/static/app.js", "/stats/requests", "/nope"):
        response = web.client.get(path, headers={"Host": host})
        assert response.status_code == 400, path
        error = response.get_json()["error"]
        assert "--web-allowed-hosts" in error
        assert host.split(":", maxsplit=1)[0] in error
    refused = web.client.post("/swarm", data={"user_count": "1"}, headers={"Host": host})
    assert refused.status_code == 400
    assert web.runner.state == "ready"


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "localhost:8089",
        "127.0.0.1:8089",
        "127.0.0.2",
        "[::1]:8089",
        "horde.localhost",
        "10.1.2.3:8089",
        "LOCALHOST",
    ],
)
def test_loopback_names_and_ip_addresses_are_served(web: Web, host: str) -> None:
    assert get(web, "/api/v1/status", host) == 200


def test_allowed_hosts_adds_names_for_a_reverse_proxy(make_web: MakeWeb) -> None:
    web = make_web(Shop, allowed_hosts=("horde.example.com", ".corp.example"))
    for host in ("horde.example.com", "horde.example.com:443", "a.corp.example", "corp.example"):
        assert get(web, "/api/v1/status", host) == 200, host
    for host in ("example.com", "xcorp.example", "horde.example.com.evil.example"):
        assert get(web, "/api/v1/status", host) == 400, host


def test_a_star_allows_every_host(make_web: MakeWeb) -> None:
    web = make_web(Shop, allowed_hosts=("*",))
    assert get(web, "/api/v1/status", "anything.example") == 200


def test_the_names_follow_the_bound_address() -> None:
    loopback = AllowedHosts.for_bind("127.0.0.1")
    assert loopback.allows("localhost")
    assert not loopback.allows(socket.gethostname()) or socket.gethostname() == "localhost"
    named = AllowedHosts.for_bind("horde.internal")
    assert named.allows("horde.internal")
    everywhere = AllowedHosts.for_bind("0.0.0.0")
    assert everywhere.allows(socket.gethostname())
    assert everywhere.allows(socket.getfqdn())
    assert not everywhere.allows("evil.example")
    assert AllowedHosts.for_bind("", ("extra.example",)).allows("extra.example")
    assert AllowedHosts.for_bind("192.0.2.10").allows(socket.gethostname())
    assert AllowedHosts.for_bind("[::1]").allows("localhost")


def test_a_request_without_a_host_header_is_served(web: Web) -> None:
    environ = {"HTTP_HOST": ""}
    assert web.client.get("/api/v1/status", environ_overrides=environ).status_code == 200


# -- security headers -----------------------------------------------------------------------------


def every_kind_of_response(web: Web) -> dict[str, object]:
    return {
        "page": web.client.get("/", headers=HTML),
        "json": web.client.get("/api/v1/status"),
        "static": web.client.get("/static/app.js"),
        "vendor": web.client.get("/static/vendor/plotly.min.js"),
        "404": web.client.get("/nope"),
        "400": web.client.post("/api/v1/run", json={}),
        "bad host": web.client.get("/", headers={"Host": "evil.example"}),
        "csv": web.client.get("/stats/requests/csv"),
        "refused": web.client.post("/swarm", headers={"Origin": "http://evil.example"}),
    }


def test_every_response_carries_the_security_headers(web: Web) -> None:
    for kind, response in every_kind_of_response(web).items():
        headers = response.headers  # type: ignore[attr-defined]
        csp = headers.get("Content-Security-Policy", "")
        assert "frame-ancestors 'none'" in csp, kind
        assert "default-src 'self'" in csp, kind
        assert "script-src 'self'" in csp, kind
        assert "object-src 'none'" in csp, kind
        assert "unsafe-eval" not in csp, kind
        script = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
        assert "unsafe-inline" not in script, kind
        assert headers.get("X-Frame-Options") == "DENY", kind
        assert headers.get("X-Content-Type-Options") == "nosniff", kind
        assert headers.get("Referrer-Policy") == "same-origin", kind
        response.close()  # type: ignore[attr-defined]


def test_the_pages_use_no_inline_script(web: Web, make_web: MakeWeb) -> None:
    pages = [web.client.get("/").get_data(as_text=True)]
    pages.append(make_web(Shop, web_login="a:b").client.get("/login").get_data(as_text=True))
    for page in pages:
        for tag in page.split("<script")[1:]:
            head = tag.split(">", 1)[0]
            assert "src=" in head or 'type="application/json"' in head, head
        assert " on" + "click=" not in page
