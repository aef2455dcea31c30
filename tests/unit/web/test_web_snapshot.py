"""Serving statistics is bounded work: one snapshot (and one encoding of each document) per
interval, however many clients poll; 1,000 names are served whole."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gevent
import gevent.socket
import pytest
from web_kit import WAIT, MakeWeb, Shop, Web, check

from horde.stats import StatsSnapshot
from horde.testing import FakeClock
from horde.web import api
from horde.web.snapshot import SnapshotCache

pytest_plugins = ["web_fixtures"]

POLLED = ("/api/v1/stats", "/stats/requests", "/api/v1/history", "/api/v1/failures")


class Taker:
    """A ``take`` function that counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> Any:
        self.calls += 1
        return object()


def test_the_cache_computes_once_per_interval() -> None:
    clock = FakeClock()
    take = Taker()
    cache = SnapshotCache(take, interval=2.0, clock=clock.monotonic)
    first = cache.get()
    for _ in range(100):
        assert cache.get() is first
    clock.advance(1.999)
    assert cache.get() is first
    clock.advance(0.001)
    second = cache.get()
    assert second is not first
    assert (cache.computed, take.calls) == (2, 2)


class Timer:
    """A stopwatch that says each snapshot took ``cost`` seconds."""

    def __init__(self, cost: float) -> None:
        self.now = 0.0
        self.cost = cost
        self.reads = 0

    def __call__(self) -> float:
        self.reads += 1
        if self.reads % 2 == 0:
            self.now += self.cost
        return self.now


def test_an_expensive_snapshot_is_kept_longer_so_snapshots_stay_under_5_percent() -> None:
    clock = FakeClock()
    cache = SnapshotCache(Taker(), interval=1.0, clock=clock.monotonic, timer=Timer(0.2))
    first = cache.get()
    assert cache.last_cost == 0.2
    assert cache.keep_for == 4.0, "0.2 s is 5 % of 4 s"
    clock.advance(3.99)
    assert cache.get() is first
    clock.advance(0.01)
    assert cache.get() is not first
    assert cache.computed == 2


def test_a_cheap_snapshot_is_kept_for_the_interval() -> None:
    clock = FakeClock()
    cache = SnapshotCache(Taker(), interval=1.0, clock=clock.monotonic, timer=Timer(0.01))
    cache.get()
    assert cache.keep_for == 1.0


def test_an_offered_snapshot_is_served_without_computing_one() -> None:
    clock = FakeClock()
    cache = SnapshotCache(Taker(), interval=1.0, clock=clock.monotonic, timer=Timer(0.5))
    cache.get()
    assert cache.keep_for == 10.0
    offered: Any = object()
    cache.offer(offered)
    assert cache.get() is offered
    assert cache.keep_for == 1.0, "an offered snapshot cost the web UI nothing"
    clock.advance(1.0)
    assert cache.get() is not offered
    assert cache.computed == 2


def test_invalidate_makes_the_next_read_compute() -> None:
    clock = FakeClock()
    cache = SnapshotCache(Taker(), clock=clock.monotonic)
    first = cache.get()
    cache.invalidate()
    assert cache.get() is not first
    assert cache.computed == 2


def test_a_rendering_is_computed_once_per_snapshot_and_key() -> None:
    clock = FakeClock()
    cache = SnapshotCache(Taker(), interval=1.0, clock=clock.monotonic)
    renders: list[str] = []

    def render(key: str) -> Any:
        def build(snapshot: StatsSnapshot) -> bytes:
            renders.append(key)
            return key.encode()

        return build

    for _ in range(10):
        assert cache.rendered("a", render("a")) == b"a"
        assert cache.rendered("b", render("b")) == b"b"
    clock.advance(1)
    assert cache.rendered("a", render("a")) == b"a"
    assert renders == ["a", "b", "a"]


@pytest.fixture
def clocked(make_web: MakeWeb) -> Web:
    """A web UI whose snapshot interval runs on a fake clock, with some statistics."""
    clock = FakeClock()
    web = make_web(Shop, env={"clock": clock})
    web.ui.cache.max_share = float("inf")  # the interval never stretches (see its own test)
    web.env.events.request.report("GET", "/a", 10.0, 1)
    web.env.events.request.report("GET", "/b", 20.0, 1, exception="boom")
    web.env.stats.tick(0)
    return web


def advance(web: Web, seconds: float) -> None:
    clock = web.env.clock
    assert isinstance(clock, FakeClock)
    clock.advance(seconds)


def test_many_polls_within_one_interval_compute_one_snapshot(clocked: Web) -> None:
    for _ in range(25):
        for path in POLLED:
            check(clocked.client.get(path), path)
    assert clocked.ui.cache.computed == 1
    advance(clocked, clocked.ui.cache.interval)
    for path in POLLED:
        clocked.client.get(path)
    assert clocked.ui.cache.computed == 2


def test_polls_within_one_interval_share_one_encoding(
    clocked: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []
    original = api.stats_json

    def counting(snapshot: StatsSnapshot, state: str) -> dict[str, Any]:
        built.append(state)
        return original(snapshot, state)

    monkeypatch.setattr(api, "stats_json", counting)
    bodies = {clocked.client.get("/api/v1/stats").data for _ in range(20)}
    assert len(bodies) == 1
    assert built == ["ready"]


def test_the_state_is_current_even_within_one_interval(clocked: Web) -> None:
    assert clocked.client.get("/api/v1/stats").get_json()["state"] == "ready"
    clocked.client.post("/api/v1/run", json={"user_count": 1, "spawn_rate": 10})
    clocked.wait_for_state("running")
    assert clocked.client.get("/api/v1/stats").get_json()["state"] == "running"
    assert clocked.client.get("/stats/requests").get_json()["state"] == "running"


def raw_get(port: int, path: str) -> tuple[int, bytes]:
    """One HTTP/1.1 GET over a gevent socket (the pytest process is not monkey-patched)."""
    with gevent.socket.create_connection(("127.0.0.1", port), timeout=WAIT) as sock:
        sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
        )
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    return int(head.split()[1]), body


@pytest.fixture
def served(clocked: Web) -> Iterator[Web]:
    clocked.ui.start()
    yield clocked
    clocked.ui.stop()


def test_concurrent_polls_over_http_compute_one_snapshot(served: Web) -> None:
    assert served.ui.server is not None
    port = served.ui.server.server_port
    polls = [gevent.spawn(raw_get, port, POLLED[i % len(POLLED)]) for i in range(40)]
    gevent.joinall(polls, timeout=WAIT, raise_error=True)
    assert [poll.value[0] for poll in polls] == [200] * 40
    assert served.ui.cache.computed == 1


def test_a_thousand_names_are_all_served(make_web: MakeWeb) -> None:
    web = make_web(Shop, env={"clock": FakeClock()})  # one interval, however slow the machine
    report = web.env.events.request.report
    for i in range(1000):
        report("GET", f"/item/{i:04d}", float(i % 97 + 1), 10, exception="e" if i % 10 else None)
    stats = check(web.client.get("/api/v1/stats"), "/api/v1/stats")
    assert stats["entry_count"] == 1000
    assert [e["name"] for e in stats["entries"]] == [f"/item/{i:04d}" for i in range(1000)]
    assert stats["total"]["num_requests"] == 1000
    assert stats["warnings"], "1,000 names carry the 'dynamic URLs' warning"
    locust = check(web.client.get("/stats/requests"), "/stats/requests")
    assert len(locust["stats"]) == 501, "Locust's limit: 500 names, then Aggregated"
    assert locust["stats"][-1]["name"] == "Aggregated"
    history = check(web.client.get("/api/v1/history"), "/api/v1/history")
    assert len(history["series"]) == 50, "per-name charts for the first 50 names only"
    assert web.ui.cache.computed == 1


def test_failures_list_the_500_most_frequent_groups(make_web: MakeWeb) -> None:
    web = make_web(Shop)
    report = web.env.events.request.report
    for i in range(600):
        for _ in range(1 + (i == 599)):
            report("GET", "/x", 1.0, 1, exception=f"error {i}")
    document = check(web.client.get("/api/v1/failures"), "/api/v1/failures")
    assert document["group_count"] == 600
    assert len(document["failures"]) == 500
    assert document["failures"][0]["error"] == "error 599", "most frequent first"
    everything = check(web.client.get("/api/v1/snapshot"), "/api/v1/snapshot")
    assert len(everything["failures"]) == 600, "the download keeps them all"
