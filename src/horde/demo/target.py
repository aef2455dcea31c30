"""The horde demo target: a small HTTP API (httpbin plus a tiny shop) to point horde at.

Run it with ``python -m horde.demo.target --port 8080`` (``--port 0`` picks a free port;
``--seed N`` changes the random streams; ``--access-log`` logs requests to stderr).
It prints ``horde demo target listening on http://HOST:PORT`` once it is ready.

Responses are JSON unless stated otherwise.  HEAD works on every GET route (same status
and headers, no body); an unknown path gives 404, a wrong method gives 405 with ``Allow``.

Shop pages
    GET  /                    HTML home page listing these endpoints
    GET  /about               HTML page, ``Cache-Control: max-age=60`` and ``Expires``
    POST /contact_us          form (email, subject, message) -> {"ok": true}; 400 without email
    POST /login, /user/signin form or JSON (username or email, password) -> sets the
                              ``session`` cookie; password "wrong" -> 401
    POST /logout              clears the session cookie
    GET  /api/me              {"username": ...} with a valid session cookie, else 401
    GET  /something, /something-else   plain text
    GET  /search?search=Q     {"query": Q, "results": [...]}

Items (in-memory, seeded with ids 1..20 of {"id", "name", "price"})
    GET, POST               /api/items            list / create (JSON body; 201 + Location)
    GET, PUT, DELETE        /api/items/{id}       read / update / delete (204); 404 if absent
    GET, POST               /api/v1/resource/     the same in Slumber / Django REST style,
    GET, PUT, PATCH, DELETE /api/v1/resource/{id}/  with its own store

Latency and failures
    GET /delay/{ms}        waits ms milliseconds (float, at most 60000) -> {"delay_ms": ms}
    GET /api/slow          waits a log-normal time (median ~50 ms, capped at 2 s)
    GET /api/fail          500 {"error": "demo failure"}
    GET /api/flaky         503 for about 10% of calls, else 200
    GET /status/{code}     that status (100..599); 1xx, 204 and 304 have no body
    GET /redirect?to=/P    302 to the local path /P

Payloads and echo
    GET /bytes/{n}         n pseudo-random bytes, application/octet-stream (at most 10 MiB)
    GET /json/{n}          a JSON list of n small objects (at most 10000)
    GET /headers           {"headers": {...}} the request headers
    GET /cookies           {"cookies": {...}} the request cookies
    GET /gzip              a gzip-encoded JSON body (``Content-Encoding: gzip``)
    GET /chunked           plain text sent with ``Transfer-Encoding: chunked``

Bookkeeping (never counted itself)
    GET  /__horde/stats    {"total": N, "by_route": {"GET /api/items/{id}": N},
                           "by_path": {"GET /api/items/3": N}}; requests count on arrival
    POST /__horde/reset    zeroes the counters
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import html
import json
import math
import random
import re
import secrets
import socket
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from gevent import sleep
from gevent.pywsgi import WSGIServer

Environ = dict[str, Any]
StartResponse = Callable[[str, list[tuple[str, str]]], Any]
JsonObject = dict[str, Any]
Headers = Iterable[tuple[str, str]]

MAX_DELAY_MS = 60_000.0
MAX_BYTES = 10 * 1024 * 1024
MAX_JSON_OBJECTS = 10_000
MAX_BODY = 10 * 1024 * 1024
SLOW_MEDIAN_S, SLOW_SIGMA, SLOW_CAP_S = 0.05, 0.8, 2.0
FLAKY_RATE = 0.1
SEEDED_ITEMS = 20
UNMATCHED = "(unmatched)"
_BODY_HEADERS = ("CONTENT_TYPE", "CONTENT_LENGTH")
_PARAM_PATTERNS = {"ms": r"[0-9]+(?:\.[0-9]+)?"}
_PRODUCTS = ("Widget", "Gadget", "Gizmo", "Doohickey", "Sprocket")
_COLOURS = ("Red", "Blue", "Green", "Black")


class HttpError(Exception):
    """Raised by a handler to answer with a JSON error."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Response:
    status: int = 200
    body: bytes | Iterable[bytes] = b""
    headers: list[tuple[str, str]] = field(default_factory=list)


def json_response(data: Any, status: int = 200, headers: Headers = ()) -> Response:
    body = json.dumps(data).encode()
    return Response(status, body, [("Content-Type", "application/json"), *headers])


def text_response(text: str, content_type: str = "text/plain; charset=utf-8") -> Response:
    return Response(200, text.encode(), [("Content-Type", content_type)])


@dataclass
class Request:
    environ: Environ
    params: dict[str, str] = field(default_factory=dict)
    _body: bytes | None = None

    @property
    def query(self) -> dict[str, str]:
        pairs = parse_qs(self.environ.get("QUERY_STRING", ""), keep_blank_values=True)
        return {key: values[0] for key, values in pairs.items()}

    def cookies(self) -> dict[str, str]:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(self.environ.get("HTTP_COOKIE", ""))
        except CookieError:
            return {}
        return {name: morsel.value for name, morsel in jar.items()}

    def body(self) -> bytes:
        if self._body is None:
            length = int(self.environ.get("CONTENT_LENGTH") or 0)
            if length > MAX_BODY:
                raise HttpError(413, "request body too large")
            chunked = self.environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked"
            stream = self.environ["wsgi.input"]
            self._body = stream.read(length) if length or not chunked else stream.read(MAX_BODY)
        return self._body

    def json(self) -> Any:
        try:
            return json.loads(self.body())
        except ValueError:
            raise HttpError(400, "invalid JSON body") from None

    def fields(self) -> JsonObject:
        """The body as a dict, whether it was sent as JSON or form-encoded."""
        if self.environ.get("CONTENT_TYPE", "").startswith("application/json"):
            data = self.json()
            if not isinstance(data, dict):
                raise HttpError(400, "expected a JSON object")
            return data
        pairs = parse_qs(self.body().decode("utf-8", "replace"), keep_blank_values=True)
        return {key: values[0] for key, values in pairs.items()}


def _item_fields(data: Any, *, partial: bool) -> JsonObject:
    """Validate an item body: name (non-empty string; optional if partial), price (number >= 0)."""
    if not isinstance(data, dict):
        raise HttpError(400, "expected a JSON object")
    name, price = data.get("name"), data.get("price", 0)
    if ("name" in data or not partial) and (not isinstance(name, str) or not name):
        raise HttpError(400, "name must be a non-empty string")
    if isinstance(price, bool) or not isinstance(price, int | float) or price < 0:
        raise HttpError(400, "price must be a number >= 0")
    return {key: data[key] for key in ("name", "price") if key in data}


class ItemResource:
    """An in-memory item store and its REST handlers; ``location`` is an item's URL template."""

    def __init__(self, seed: int, location: str) -> None:
        rng = random.Random(seed)
        names = [f"{rng.choice(_COLOURS)} {rng.choice(_PRODUCTS)}" for _ in range(SEEDED_ITEMS)]
        self.items: dict[int, JsonObject] = {
            i: {"id": i, "name": name, "price": rng.randint(100, 9999) / 100}
            for i, name in enumerate(names, 1)
        }
        self.next_id = SEEDED_ITEMS + 1
        self.location = location

    def _get(self, request: Request) -> JsonObject:
        item_id = int(request.params["id"])
        if item_id not in self.items:
            raise HttpError(404, f"no item {item_id}")
        return self.items[item_id]

    def list(self, request: Request) -> Response:
        return json_response(list(self.items.values()))

    def create(self, request: Request) -> Response:
        item = {"id": self.next_id, "price": 0.0, **_item_fields(request.json(), partial=False)}
        self.items[self.next_id] = item
        self.next_id += 1
        return json_response(item, 201, [("Location", self.location.format(id=item["id"]))])

    def read(self, request: Request) -> Response:
        return json_response(self._get(request))

    def update(self, request: Request) -> Response:
        item = self._get(request)
        item.update(_item_fields(request.json(), partial=True))
        return json_response(item)

    def delete(self, request: Request) -> Response:
        del self.items[self._get(request)["id"]]
        return Response(204)


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Callable[[Request], Response]
    pattern: re.Pattern[str]


def _compile(template: str) -> re.Pattern[str]:
    def param(match: re.Match[str]) -> str:
        name = match.group(1)
        return f"(?P<{name}>{_PARAM_PATTERNS.get(name, '[0-9]+')})"

    return re.compile(re.sub(r"\\\{(\w+)\\\}", param, re.escape(template)) + r"\Z")


def _status_line(code: int) -> str:
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"{code} Unknown"


class DemoApp:
    """The WSGI application; all state (items, sessions, counters) lives here."""

    def __init__(self, seed: int = 1) -> None:
        self.seed = seed
        self.items = ItemResource(seed, "/api/items/{id}")
        self.resource = ItemResource(seed, "/api/v1/resource/{id}/")
        self.sessions: dict[str, str] = {}
        self.slow_rng = random.Random(f"{seed}:slow")
        self.flaky_rng = random.Random(f"{seed}:flaky")
        self.total = 0
        self.by_route: Counter[str] = Counter()
        self.by_path: Counter[str] = Counter()
        self.routes = [Route(m, t, h, _compile(t)) for m, t, h in self._route_table()]

    def _route_table(self) -> list[tuple[str, str, Callable[[Request], Response]]]:
        items, res = self.items, self.resource
        return [
            ("GET", "/", self.home),
            ("GET", "/about", self.about),
            ("POST", "/contact_us", self.contact_us),
            ("POST", "/login", self.login),
            ("POST", "/user/signin", self.login),
            ("POST", "/logout", self.logout),
            ("GET", "/api/me", self.me),
            ("GET", "/something", lambda _: text_response("something\n")),
            ("GET", "/something-else", lambda _: text_response("something else\n")),
            ("GET", "/search", self.search),
            ("GET", "/api/items", items.list),
            ("POST", "/api/items", items.create),
            ("GET", "/api/items/{id}", items.read),
            ("PUT", "/api/items/{id}", items.update),
            ("DELETE", "/api/items/{id}", items.delete),
            ("GET", "/api/v1/resource/", res.list),
            ("POST", "/api/v1/resource/", res.create),
            ("GET", "/api/v1/resource/{id}/", res.read),
            ("PUT", "/api/v1/resource/{id}/", res.update),
            ("PATCH", "/api/v1/resource/{id}/", res.update),
            ("DELETE", "/api/v1/resource/{id}/", res.delete),
            ("GET", "/delay/{ms}", self.delay),
            ("GET", "/api/slow", self.slow),
            ("GET", "/api/fail", lambda _: json_response({"error": "demo failure"}, 500)),
            ("GET", "/api/flaky", self.flaky),
            ("GET", "/status/{code}", self.status),
            ("GET", "/redirect", self.redirect),
            ("GET", "/bytes/{n}", self.random_bytes),
            ("GET", "/json/{n}", self.json_list),
            ("GET", "/headers", self.headers),
            ("GET", "/cookies", lambda req: json_response({"cookies": req.cookies()})),
            ("GET", "/gzip", self.gzipped),
            ("GET", "/chunked", self.chunked),
            ("GET", "/__horde/stats", self.stats),
            ("POST", "/__horde/reset", self.reset),
        ]

    # -- WSGI plumbing ----------------------------------------------------------------

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"].upper()
        path = environ.get("PATH_INFO") or "/"
        request = Request(environ)
        route, allowed, template = self._match("GET" if method == "HEAD" else method, request)
        if not path.startswith("/__horde/"):
            self._count(method, template, path, environ)
        try:
            if route is not None:
                response = route.handler(request)
            elif allowed:
                allow = ", ".join(sorted(allowed | ({"HEAD"} if "GET" in allowed else set())))
                response = json_response({"error": "method not allowed"}, 405, [("Allow", allow)])
            else:
                response = json_response({"error": "not found", "path": path}, 404)
        except HttpError as exc:
            response = json_response({"error": exc.message}, exc.status)
        can_chunk = environ.get("SERVER_PROTOCOL") != "HTTP/1.0"
        return self._send(method, response, start_response, can_chunk=can_chunk)

    def _match(self, method: str, request: Request) -> tuple[Route | None, set[str], str]:
        """The route (and its params) for a request; else the path's methods and template."""
        allowed: set[str] = set()
        template = UNMATCHED
        for route in self.routes:
            match = route.pattern.match(request.environ.get("PATH_INFO") or "/")
            if match is None:
                continue
            if route.method == method:
                request.params = match.groupdict()
                return route, allowed, route.template
            allowed.add(route.method)
            template = route.template
        return None, allowed, template

    def _count(self, method: str, template: str, path: str, environ: Environ) -> None:
        query = environ.get("QUERY_STRING", "")
        self.total += 1
        self.by_route[f"{method} {template}"] += 1
        self.by_path[f"{method} {path}{'?' + query if query else ''}"] += 1

    @staticmethod
    def _send(
        method: str, response: Response, start_response: StartResponse, *, can_chunk: bool
    ) -> Iterable[bytes]:
        headers, body = list(response.headers), response.body
        if response.status < 200 or response.status in (204, 304):
            body = b""
            if response.status < 200:  # an interim status as the final answer: close the
                headers.append(("Connection", "close"))  # connection, or clients wait on
        elif method == "HEAD" or not can_chunk or isinstance(body, bytes):
            body = body if isinstance(body, bytes) else b"".join(body)
            headers.append(("Content-Length", str(len(body))))
        start_response(_status_line(response.status), headers)
        if not isinstance(body, bytes):
            return body  # an iterator without a length: pywsgi sends it chunked
        return [b"" if method == "HEAD" else body]

    # -- pages ------------------------------------------------------------------------

    def home(self, request: Request) -> Response:
        doc = html.escape(__doc__ or "")
        page = f"<!doctype html><title>horde demo</title><h1>horde demo</h1><pre>{doc}</pre>"
        return text_response(page, "text/html; charset=utf-8")

    def about(self, request: Request) -> Response:
        page = "<!doctype html><title>About</title><h1>About us</h1><p>Founded in 2015.</p>"
        response = text_response(page, "text/html; charset=utf-8")
        response.headers += [
            ("Cache-Control", "max-age=60"),
            ("Expires", formatdate(time.time() + 60, usegmt=True)),
        ]
        return response

    def contact_us(self, request: Request) -> Response:
        if not request.fields().get("email"):
            raise HttpError(400, "email is required")
        return json_response({"ok": True})

    def login(self, request: Request) -> Response:
        data = request.fields()
        username, password = data.get("username") or data.get("email"), data.get("password")
        if not isinstance(username, str) or not username or not isinstance(password, str):
            raise HttpError(400, "username (or email) and password are required")
        if password == "wrong":  # noqa: S105 - the documented way to get a failed login
            raise HttpError(401, "invalid credentials")
        token = secrets.token_urlsafe(16)
        self.sessions[token] = username
        cookie = f"session={token}; Path=/; HttpOnly"
        return json_response({"ok": True, "username": username}, 200, [("Set-Cookie", cookie)])

    def logout(self, request: Request) -> Response:
        self.sessions.pop(request.cookies().get("session", ""), None)
        cookie = "session=; Path=/; HttpOnly; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
        return json_response({"ok": True}, 200, [("Set-Cookie", cookie)])

    def me(self, request: Request) -> Response:
        username = self.sessions.get(request.cookies().get("session", ""))
        if username is None:
            raise HttpError(401, "not logged in")
        return json_response({"username": username})

    def search(self, request: Request) -> Response:
        query = request.query.get("search", "")
        results = [
            {"id": i, "title": f"{query} #{i}", "url": f"/api/items/{i}"} for i in range(1, 4)
        ]
        return json_response({"query": query, "results": results if query else []})

    # -- latency and failures ---------------------------------------------------------

    def delay(self, request: Request) -> Response:
        raw = request.params["ms"]
        ms: float = min(float(raw), MAX_DELAY_MS)
        sleep(ms / 1000)
        return json_response({"delay_ms": int(ms) if "." not in raw else ms})

    def slow(self, request: Request) -> Response:
        seconds = slow_delay(self.slow_rng)
        sleep(seconds)
        return json_response({"delay_ms": round(seconds * 1000, 3)})

    def flaky(self, request: Request) -> Response:
        if self.flaky_rng.random() < FLAKY_RATE:
            return json_response({"error": "flaky failure"}, 503, [("Retry-After", "1")])
        return json_response({"ok": True})

    def status(self, request: Request) -> Response:
        code = int(request.params["code"])
        if not 100 <= code <= 599:
            raise HttpError(400, "status code must be between 100 and 599")
        return json_response({"status": code}, code)

    def redirect(self, request: Request) -> Response:
        target = request.query.get("to", "")
        local = target.startswith("/") and not target.startswith(("//", "/\\"))
        if not local or not all(33 <= ord(char) <= 126 for char in target):
            raise HttpError(400, "'to' must be a local path starting with '/'")
        return json_response({"location": target}, 302, [("Location", target)])

    # -- payloads and echo ------------------------------------------------------------

    def random_bytes(self, request: Request) -> Response:
        size = int(request.params["n"])
        if size > MAX_BYTES:
            raise HttpError(400, f"at most {MAX_BYTES} bytes")
        body = random.Random(f"{self.seed}:{size}").randbytes(size)
        return Response(200, body, [("Content-Type", "application/octet-stream")])

    def json_list(self, request: Request) -> Response:
        count = int(request.params["n"])
        if count > MAX_JSON_OBJECTS:
            raise HttpError(400, f"at most {MAX_JSON_OBJECTS} objects")
        objects = [
            {"id": i, "name": f"object {i}", "value": i * 7 % 100} for i in range(1, count + 1)
        ]
        return json_response(objects)

    def headers(self, request: Request) -> Response:
        env = request.environ
        keys = [k for k in env if k.startswith("HTTP_") or (k in _BODY_HEADERS and env[k])]
        found = {k.removeprefix("HTTP_").replace("_", "-").title(): env[k] for k in keys}
        return json_response({"headers": found})

    def gzipped(self, request: Request) -> Response:
        raw = json.dumps({"gzipped": True, "message": "hello from the horde demo"}).encode()
        headers = [("Content-Type", "application/json"), ("Content-Encoding", "gzip")]
        return Response(200, gzip.compress(raw, mtime=0), headers)

    def chunked(self, request: Request) -> Response:
        def chunks() -> Iterator[bytes]:
            for index in range(5):
                yield f"chunk {index}\n".encode()

        return Response(200, chunks(), [("Content-Type", "text/plain; charset=utf-8")])

    # -- bookkeeping ------------------------------------------------------------------

    def stats(self, request: Request) -> Response:
        by_route, by_path = dict(self.by_route), dict(self.by_path)
        return json_response({"total": self.total, "by_route": by_route, "by_path": by_path})

    def reset(self, request: Request) -> Response:
        self.total = 0
        self.by_route.clear()
        self.by_path.clear()
        return json_response({"ok": True})


def slow_delay(rng: random.Random) -> float:
    """Seconds for /api/slow: log-normal with a ~50 ms median and a long tail, capped."""
    return min(rng.lognormvariate(math.log(SLOW_MEDIAN_S), SLOW_SIGMA), SLOW_CAP_S)


class _Server(WSGIServer):  # type: ignore[misc]  # gevent is untyped, so WSGIServer is Any
    """pywsgi sends headers and body in two writes: without TCP_NODELAY, Nagle's algorithm and
    the client's delayed ACK add ~40 ms to every response after the first on a connection."""

    def handle(self, sock: socket.socket, address: Any) -> None:
        with contextlib.suppress(OSError):  # not TCP (e.g. a Unix socket)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().handle(sock, address)


def create_app(*, seed: int = 1) -> DemoApp:
    """A fresh demo application (its own items, sessions and counters)."""
    return DemoApp(seed)


def start(
    host: str = "127.0.0.1", port: int = 0, *, seed: int = 1, access_log: bool = False
) -> tuple[WSGIServer, str]:
    """Serve in the background (in this gevent hub); returns the server and its base URL."""
    server = _Server((host, port), create_app(seed=seed), log="default" if access_log else None)
    server.start()
    shown = f"[{host}]" if ":" in host else host
    return server, f"http://{shown}:{server.server_port}"


def serve(
    host: str,
    port: int,
    *,
    seed: int = 1,
    access_log: bool = False,
    announce: Callable[[str], None] = print,
) -> None:
    """Bind, announce ``horde demo target listening on URL`` once, then serve forever."""
    server, url = start(host, port, seed=seed, access_log=access_log)
    try:
        announce(f"horde demo target listening on {url}")
        sys.stdout.flush()
    except BaseException:
        server.stop()
        raise
    server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m horde.demo.target", description="Run the horde demo HTTP target."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port to bind; 0 picks one (8080)")
    parser.add_argument("--seed", type=int, default=1, help="seed for the random streams (1)")
    parser.add_argument("--access-log", action="store_true", help="log requests to stderr")
    args = parser.parse_args(argv)
    try:
        serve(args.host, args.port, seed=args.seed, access_log=args.access_log)
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
