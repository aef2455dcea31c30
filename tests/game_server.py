"""A game API shaped like the Locust Backpack page's examples, whose answers differ per user.

Run: ``python game_server.py [--port 0]``; prints ``game server listening on http://HOST:PORT``.
Standard library and gevent only (like the demo target), in its own process.

Sessions are cookies: ``POST /public/session/v1/start`` gives each call a new player id and a
``game`` cookie for it; ``POST /public/event/v1/init`` needs that player in its JSON body and
answers 409 (counted as a mismatch) when the body carries another session's player. So a load
generator that leaks one user's dependency values into another's requests shows up here.

Routes (JSON; a request header ``X-Status: N`` makes any game route answer status N instead)::

    POST     /public/team/v1/init            {"team": n}
    POST     /public/session/v1/cheat/reset  {"reset": true}
    POST     /public/session/v1/start        {"player": p, "data": {"player": {"id": p}}}
    GET,POST /public/pvp2/v1/init            {"pvp": METHOD}
    POST     /public/event/v1/init           {"player": p, "event": n}; 400 without a player
    GET,POST /echo                           {"headers": {...}, "query": {...}, "body": ...}
    GET      /__game/stats                   {"by_route": {"POST /public/...": n}, "total": n,
                                             "mismatches": n, "players": n, "events": n}
    POST     /__game/reset                   zeroes the counters
"""

from __future__ import annotations

import argparse
import contextlib
import json
import secrets
import socket
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from gevent.pywsgi import WSGIServer

Environ = dict[str, Any]
Answer = tuple[int, Any, list[tuple[str, str]]]


class Game:
    def __init__(self) -> None:
        self.sessions: dict[str, int] = {}
        self.players = 0
        self.teams = 0
        self.events = 0
        self.mismatches = 0
        self.by_route: Counter[str] = Counter()
        self.routes: dict[tuple[str, str], Callable[[Environ, Any], Answer]] = {
            ("POST", "/public/team/v1/init"): self.team,
            ("POST", "/public/session/v1/cheat/reset"): lambda e, b: (200, {"reset": True}, []),
            ("POST", "/public/session/v1/start"): self.start,
            ("GET", "/public/pvp2/v1/init"): lambda e, b: (200, {"pvp": "GET"}, []),
            ("POST", "/public/pvp2/v1/init"): lambda e, b: (200, {"pvp": "POST"}, []),
            ("POST", "/public/event/v1/init"): self.event,
            ("GET", "/echo"): self.echo,
            ("POST", "/echo"): self.echo,
        }

    def team(self, environ: Environ, body: Any) -> Answer:
        self.teams += 1
        return 200, {"team": self.teams}, []

    def start(self, environ: Environ, body: Any) -> Answer:
        self.players += 1
        token = secrets.token_hex(8)
        self.sessions[token] = self.players
        player = self.players
        cookie = ("Set-Cookie", f"game={token}; Path=/")
        return 200, {"player": player, "data": {"player": {"id": player}}}, [cookie]

    def event(self, environ: Environ, body: Any) -> Answer:
        mine = self.sessions.get(_cookies(environ).get("game", ""))
        player = body.get("player") if isinstance(body, dict) else None
        if player is None:
            return 400, {"error": "no player in the body"}, []
        if player != mine:
            self.mismatches += 1
            return 409, {"error": f"player {player} is not this session's ({mine})"}, []
        self.events += 1
        return 200, {"player": player, "event": self.events}, []

    def echo(self, environ: Environ, body: Any) -> Answer:
        headers = {
            k[5:].replace("_", "-").title(): v for k, v in environ.items() if k.startswith("HTTP_")
        }
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        return 200, {"headers": headers, "query": query, "body": body}, []

    def stats(self) -> dict[str, Any]:
        return {
            "by_route": dict(self.by_route),
            "total": sum(self.by_route.values()),
            "mismatches": self.mismatches,
            "players": self.players,
            "events": self.events,
        }

    def reset(self) -> None:
        self.by_route.clear()
        self.mismatches = self.events = 0

    def __call__(self, environ: Environ, start_response: Callable[..., Any]) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO") or "/"
        status, data, headers = self._answer(method, path, environ)
        payload = json.dumps(data).encode()
        headers = [("Content-Type", "application/json"), *headers]
        headers.append(("Content-Length", str(len(payload))))
        start_response(f"{status} X", headers)
        return [payload]

    def _answer(self, method: str, path: str, environ: Environ) -> Answer:
        if path == "/__game/stats":
            return 200, self.stats(), []
        if path == "/__game/reset" and method == "POST":
            self.reset()
            return 200, {"ok": True}, []
        self.by_route[f"{method} {path}"] += 1
        handler = self.routes.get((method, path))
        if handler is None:
            return 404, {"error": "not found"}, []
        forced = environ.get("HTTP_X_STATUS")
        if forced:
            return int(forced), {"forced": int(forced)}, []
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            return 400, {"error": "invalid JSON"}, []
        return handler(environ, body)


def _cookies(environ: Environ) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(environ.get("HTTP_COOKIE", ""))
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


class _Server(WSGIServer):  # type: ignore[misc]
    """TCP_NODELAY, as the demo target: pywsgi writes headers and body apart, and Nagle's
    algorithm with delayed ACKs would add ~40 ms to every keep-alive request."""

    def handle(self, sock: socket.socket, address: Any) -> None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().handle(sock, address)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = _Server(("127.0.0.1", args.port), Game(), log=None)
    server.start()
    print(f"game server listening on http://127.0.0.1:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
