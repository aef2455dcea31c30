"""The embedded demo target, exercised over real loopback HTTP in a subprocess."""

from __future__ import annotations

import ast
import gzip
import http.client
import json
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
import slumber  # type: ignore[import-untyped]

import horde.demo.target
from horde.demo.process import reset_counts, running_demo_target, server_counts
from horde.demo.target import slow_delay


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with running_demo_target() as url:
        yield url


@pytest.fixture
def session(base_url: str) -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def _connection(base_url: str) -> http.client.HTTPConnection:
    parts = urlsplit(base_url)
    assert parts.hostname is not None
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)


# -- the module itself -------------------------------------------------------------------


def test_target_imports_only_stdlib_and_gevent() -> None:
    tree = ast.parse(Path(horde.demo.target.__file__).read_text(encoding="utf-8"))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "no relative imports"
            modules.add(node.module or "")
    roots = {name.split(".")[0] for name in modules}
    assert "horde" not in roots
    assert roots <= set(sys.stdlib_module_names) | {"gevent"}
    assert not any("monkey" in name for name in modules)


def test_docstring_lists_every_route() -> None:
    doc = horde.demo.target.__doc__ or ""
    for route in horde.demo.target.create_app().routes:
        assert route.template in doc, route.template


def test_slow_delay_is_log_normal_around_50ms_and_capped() -> None:
    rng = random.Random(7)
    samples = [slow_delay(rng) for _ in range(5000)]
    assert 0.040 < statistics.median(samples) < 0.060
    assert max(samples) <= 2.0
    assert sum(s > 0.2 for s in samples) > 10  # a real tail


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_main_announces_and_exits_0_on_ctrl_c() -> None:
    code = (
        "import signal; signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "from horde.demo.target import main; raise SystemExit(main(['--port', '0']))"
    )
    with subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert re.fullmatch(r"horde demo target listening on http://127\.0\.0\.1:\d+\n", line)
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=10)
    assert proc.returncode == 0


def test_startup_failure_raises_with_stderr() -> None:
    with (
        pytest.raises(RuntimeError, match="invalid int value"),
        running_demo_target(extra_args=["--seed", "not-a-number"]),
    ):
        pytest.fail("should not start")


# -- pages and sessions ----------------------------------------------------------------


def test_home_and_about(session: requests.Session, base_url: str) -> None:
    home = session.get(base_url + "/")
    assert home.status_code == 200
    assert home.headers["Content-Type"].startswith("text/html")
    assert "horde demo" in home.text
    assert "/api/items/{id}" in home.text
    about = session.get(base_url + "/about")
    assert "Founded in 2015" in about.text
    assert about.headers["Cache-Control"] == "max-age=60"
    assert parsedate_to_datetime(about.headers["Expires"]).timestamp() > time.time() + 30


def test_contact_us(session: requests.Session, base_url: str) -> None:
    form = {"email": "a@b.c", "subject": "hi", "message": "hello"}
    assert session.post(base_url + "/contact_us", data=form).json() == {"ok": True}
    missing = session.post(base_url + "/contact_us", data={"subject": "hi"})
    assert missing.status_code == 400
    assert "email" in missing.json()["error"]


@pytest.mark.parametrize("path", ["/login", "/user/signin"])
def test_login_me_logout(session: requests.Session, base_url: str, path: str) -> None:
    assert session.get(base_url + "/api/me").status_code == 401
    login = session.post(base_url + path, data={"username": "ann", "password": "secret"})
    assert login.status_code == 200
    set_cookie = login.headers["Set-Cookie"]
    assert set_cookie.startswith("session=")
    assert "Path=/" in set_cookie
    assert "HttpOnly" in set_cookie
    assert session.get(base_url + "/api/me").json() == {"username": "ann"}
    assert session.post(base_url + "/logout").status_code == 200
    assert "session" not in session.cookies
    assert session.get(base_url + "/api/me").status_code == 401


def test_login_with_json_email_and_wrong_password(session: requests.Session, base_url: str) -> None:
    ok = session.post(base_url + "/login", json={"email": "ann@x.org", "password": "pw"})
    assert ok.json()["username"] == "ann@x.org"
    assert session.get(base_url + "/api/me", cookies={"session": "forged"}).status_code == 401
    wrong = session.post(base_url + "/login", data={"username": "ann", "password": "wrong"})
    assert wrong.status_code == 401
    assert "Set-Cookie" not in wrong.headers
    assert session.post(base_url + "/login", data={"password": "pw"}).status_code == 400


def test_plain_text_and_search(session: requests.Session, base_url: str) -> None:
    for path in ("/something", "/something-else"):
        response = session.get(base_url + path)
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/plain")
    found = session.get(base_url + "/search", params={"search": "shoe"}).json()
    assert found["query"] == "shoe"
    assert len(found["results"]) >= 1


# -- items -----------------------------------------------------------------------------


def test_items_seeded_and_crud(session: requests.Session, base_url: str) -> None:
    items = session.get(base_url + "/api/items").json()
    assert {item["id"] for item in items} >= set(range(1, 21))
    assert set(items[0]) == {"id", "name", "price"}
    assert session.get(base_url + "/api/items/5").json()["id"] == 5
    created = session.post(base_url + "/api/items", json={"name": "Boot", "price": 9.5})
    assert created.status_code == 201
    item = created.json()
    assert item["name"] == "Boot"
    assert created.headers["Location"] == f"/api/items/{item['id']}"
    url = base_url + created.headers["Location"]
    updated = session.put(url, json={"name": "Boots", "price": 10})
    assert updated.json() == {"id": item["id"], "name": "Boots", "price": 10}
    deleted = session.delete(url)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert session.get(url).status_code == 404
    assert session.put(url, json={"name": "x"}).status_code == 404
    assert session.delete(url).status_code == 404


def test_items_reject_bad_bodies(session: requests.Session, base_url: str) -> None:
    bad_json = session.post(base_url + "/api/items", data=b"{nope", timeout=5)
    assert bad_json.status_code == 400
    assert bad_json.headers["Content-Type"] == "application/json"
    assert session.post(base_url + "/api/items", json={"price": 1}).status_code == 400
    assert session.post(base_url + "/api/items", json=[1, 2]).status_code == 400
    assert session.put(base_url + "/api/items/1", json={"price": "cheap"}).status_code == 400
    assert session.get(base_url + "/api/items/abc").status_code == 404


def test_slumber_style_resource(base_url: str) -> None:
    api = slumber.API(base_url + "/api/v1/")
    assert len(api.resource.get()) >= 20
    created = api.resource.post({"name": "Hat", "price": 3})
    assert api.resource(created["id"]).get() == created
    api.resource(created["id"]).patch({"price": 4})
    assert api.resource(created["id"]).get()["price"] == 4
    api.resource(created["id"]).put({"name": "Cap"})
    assert api.resource(created["id"]).get()["name"] == "Cap"
    assert api.resource(created["id"]).delete() is True
    with pytest.raises(slumber.exceptions.HttpNotFoundError):
        api.resource(created["id"]).get()


# -- latency ---------------------------------------------------------------------------


def test_delay_waits_and_is_concurrent(base_url: str) -> None:
    started = time.perf_counter()
    with ThreadPoolExecutor(4) as pool:
        bodies = list(
            pool.map(lambda _: requests.get(base_url + "/delay/300", timeout=10).json(), range(4))
        )
    elapsed = time.perf_counter() - started
    assert bodies == [{"delay_ms": 300}] * 4
    assert 0.3 <= elapsed < 1.0  # served together, not one after another
    assert requests.get(base_url + "/delay/12.5", timeout=10).json() == {"delay_ms": 12.5}


def test_delayed_requests_are_counted_on_arrival(base_url: str) -> None:
    reset_counts(base_url)
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(requests.get, base_url + "/delay/800", timeout=10)
        deadline = time.monotonic() + 0.6
        while server_counts(base_url)["total"] == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        counts = server_counts(base_url)
        assert not pending.done()
        assert counts["by_route"] == {"GET /delay/{ms}": 1}
        assert pending.result().status_code == 200


def test_slow_endpoint(session: requests.Session, base_url: str) -> None:
    body = session.get(base_url + "/api/slow").json()
    assert 0 < body["delay_ms"] <= 2000


# -- failures --------------------------------------------------------------------------


def test_fail_and_flaky(session: requests.Session, base_url: str) -> None:
    fail = session.get(base_url + "/api/fail")
    assert fail.status_code == 500
    assert fail.json() == {"error": "demo failure"}
    codes = [session.get(base_url + "/api/flaky").status_code for _ in range(300)]
    assert set(codes) == {200, 503}
    assert 10 <= codes.count(503) <= 55


@pytest.mark.parametrize("code", [200, 201, 400, 418, 503, 599])
def test_status_with_body(session: requests.Session, base_url: str, code: int) -> None:
    response = session.get(f"{base_url}/status/{code}")
    assert response.status_code == code
    assert response.json() == {"status": code}


@pytest.mark.parametrize("code", [204, 304])
def test_status_without_body(session: requests.Session, base_url: str, code: int) -> None:
    response = session.get(f"{base_url}/status/{code}")
    assert response.status_code == code
    assert response.content == b""
    assert "Content-Length" not in response.headers


def test_status_out_of_range_and_interim(base_url: str) -> None:
    assert requests.get(base_url + "/status/600", timeout=10).status_code == 400
    assert requests.get(base_url + "/status/99", timeout=10).status_code == 400
    conn = _connection(base_url)
    conn.request("GET", "/status/103")
    response = conn.getresponse()  # an interim status as the final answer, then close
    assert response.status == 103
    assert response.getheader("Connection") == "close"
    conn.close()


def test_redirect(session: requests.Session, base_url: str) -> None:
    followed = session.get(base_url + "/redirect", params={"to": "/api/items/2"})
    assert followed.json()["id"] == 2
    assert followed.history[0].status_code == 302
    raw = session.get(base_url + "/redirect?to=/about", allow_redirects=False)
    assert raw.headers["Location"] == "/about"
    for target in ("https://example.com/", "//example.com/", "/\\example.com", "/a b", ""):
        response = session.get(base_url + "/redirect", params={"to": target}, allow_redirects=False)
        assert response.status_code == 400, target


# -- payloads and echo -----------------------------------------------------------------


def test_bytes_and_json(session: requests.Session, base_url: str) -> None:
    blob = session.get(base_url + "/bytes/1000")
    assert blob.headers["Content-Type"] == "application/octet-stream"
    assert blob.headers["Content-Length"] == "1000"
    assert len(blob.content) == 1000
    assert session.get(base_url + "/bytes/0").content == b""
    assert len(session.get(f"{base_url}/bytes/{10 * 1024 * 1024}").content) == 10 * 1024 * 1024
    assert session.get(f"{base_url}/bytes/{10 * 1024 * 1024 + 1}").status_code == 400
    objects = session.get(base_url + "/json/25").json()
    assert len(objects) == 25
    assert all(isinstance(obj, dict) for obj in objects)
    assert len(session.get(base_url + "/json/10000").json()) == 10000
    assert session.get(base_url + "/json/10001").status_code == 400


def test_headers_and_cookies_echo(session: requests.Session, base_url: str) -> None:
    echoed = session.get(base_url + "/headers", headers={"X-Horde-Test": "yes"}).json()
    assert echoed["headers"]["X-Horde-Test"] == "yes"
    cookies = session.get(base_url + "/cookies", cookies={"a": "1", "b": "two"}).json()
    assert cookies == {"cookies": {"a": "1", "b": "two"}}


def test_gzip(session: requests.Session, base_url: str) -> None:
    decoded = session.get(base_url + "/gzip")
    assert decoded.headers["Content-Encoding"] == "gzip"
    assert decoded.json()["gzipped"] is True
    raw = session.get(base_url + "/gzip", stream=True)
    compressed = raw.raw.read(decode_content=False)
    assert int(raw.headers["Content-Length"]) == len(compressed)
    assert json.loads(gzip.decompress(compressed))["gzipped"] is True


def test_chunked(session: requests.Session, base_url: str) -> None:
    response = session.get(base_url + "/chunked")
    assert response.headers["Transfer-Encoding"] == "chunked"
    assert "Content-Length" not in response.headers
    assert response.text.count("chunk") >= 3


# -- protocol --------------------------------------------------------------------------


def test_unknown_path_and_wrong_method(session: requests.Session, base_url: str) -> None:
    missing = session.get(base_url + "/no/such/page")
    assert missing.status_code == 404
    assert missing.headers["Content-Type"] == "application/json"
    assert "error" in missing.json()
    wrong = session.delete(base_url + "/about")
    assert wrong.status_code == 405
    assert wrong.headers["Allow"] == "GET, HEAD"
    assert session.get(base_url + "/api/v1/resource/1/").ok
    assert session.post(base_url + "/api/v1/resource/1/").headers["Allow"] == (
        "DELETE, GET, HEAD, PATCH, PUT"
    )


@pytest.mark.parametrize(
    "path", ["/", "/about", "/api/items", "/api/items/3", "/json/5", "/gzip", "/status/418"]
)
def test_head_matches_get(session: requests.Session, base_url: str, path: str) -> None:
    get = session.get(base_url + path)
    head = session.head(base_url + path)
    assert head.status_code == get.status_code
    assert head.content == b""
    for name in ("Content-Type", "Content-Length", "Content-Encoding", "Cache-Control"):
        assert head.headers.get(name) == get.headers.get(name), name


def test_keep_alive_framing_on_one_connection(base_url: str) -> None:
    conn = _connection(base_url)
    sequence = [
        ("HEAD", "/chunked", 200),
        ("GET", "/chunked", 200),
        ("GET", "/status/204", 204),
        ("GET", "/status/304", 304),
        ("HEAD", "/bytes/50", 200),
        ("GET", "/bytes/50", 200),
        ("GET", "/nope", 404),
        ("GET", "/api/items/1", 200),
    ]
    try:
        conn.request("GET", "/")
        conn.getresponse().read()
        sock = conn.sock
        for method, path, status in sequence:
            conn.request(method, path)
            response = conn.getresponse()
            body = response.read()
            assert response.status == status, (method, path)
            assert response.version == 11
            if method == "HEAD" or status in (204, 304):
                assert body == b""
        assert conn.sock is sock  # never reconnected
    finally:
        conn.close()


def test_keep_alive_responses_are_not_delayed(base_url: str) -> None:
    """Regression: without TCP_NODELAY, pywsgi's two writes per response hit Nagle's algorithm
    and the client's delayed ACK, adding ~40 ms to every reused-connection request."""
    conn = _connection(base_url)
    timings = []
    try:
        for _ in range(20):
            started = time.perf_counter()
            conn.request("GET", "/api/items/1")
            conn.getresponse().read()
            timings.append(time.perf_counter() - started)
    finally:
        conn.close()
    assert statistics.median(timings) < 0.02


def test_http_1_0_gets_a_content_length_instead_of_chunks(base_url: str) -> None:
    parts = urlsplit(base_url)
    assert parts.hostname is not None
    assert parts.port is not None
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        sock.sendall(b"GET /chunked HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        head = b""
        while b"\r\n\r\n" not in head:
            head += sock.recv(4096)
    assert b"\r\nContent-Length: 40\r\n" in head
    assert b"chunked" not in head.split(b"\r\n\r\n")[0]


# -- counters --------------------------------------------------------------------------


def test_counters_by_route_and_path(session: requests.Session, base_url: str) -> None:
    reset_counts(base_url)
    session.get(base_url + "/api/items/3")
    session.get(base_url + "/api/items/4")
    session.get(base_url + "/search?search=x")
    session.head(base_url + "/about")
    session.get(base_url + "/missing")
    session.put(base_url + "/about")
    session.get(base_url + "/__horde/stats")
    counts = server_counts(base_url)
    assert counts["total"] == 6
    assert counts["by_route"] == {
        "GET /api/items/{id}": 2,
        "GET /search": 1,
        "HEAD /about": 1,
        "GET (unmatched)": 1,
        "PUT /about": 1,
    }
    assert counts["by_path"]["GET /api/items/3"] == 1
    assert counts["by_path"]["GET /search?search=x"] == 1
    assert not any("__horde" in key for key in counts["by_path"])
    reset_counts(base_url)
    assert server_counts(base_url) == {"total": 0, "by_route": {}, "by_path": {}}
