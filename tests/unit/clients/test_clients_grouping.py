"""Automatic URL grouping: the precision corpus, the rules, the cache, hostile URLs, and the
sessions that use it (real requests to the demo target)."""

from __future__ import annotations

import base64
import json
import random
import string
import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from conftest import Recorder
from horde.clients.fast import FastHttpSession
from horde.clients.grouping import GROUPER, UrlGrouper, classify, url_grouper
from horde.clients.http import HttpSession
from horde.event import Events
from horde.stats import RequestStats
from horde.stats.registry import NAME_WARNING_THRESHOLD
from horde.testing import FakeClock

B62 = string.ascii_letters + string.digits
SAMPLES = 6


def _with_digit(make: Callable[[random.Random], str]) -> Callable[[random.Random], str]:
    """Draw until the id has a digit: tokens without one are documented as never folded."""

    def draw(rng: random.Random) -> str:
        for _ in range(100):
            value = make(rng)
            if any(c.isdigit() for c in value):
                return value
        raise AssertionError("no id with a digit in 100 draws")

    return draw


def _jwt(rng: random.Random) -> str:
    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    claims = {"sub": str(rng.randint(1, 10**6)), "iat": rng.randint(1_600_000_000, 1_800_000_000)}
    head = part(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    return f"{head}.{part(json.dumps(claims).encode())}.{part(rng.randbytes(32))}"


IDS: dict[str, Callable[[random.Random], str]] = {
    "int": lambda rng: str(rng.choice([rng.randint(1, 99), rng.randint(100, 10**9)])),
    "uuid": lambda rng: str(uuid.UUID(int=rng.getrandbits(128), version=4)),
    "sha1": lambda rng: rng.randbytes(20).hex(),
    "md5": lambda rng: rng.randbytes(16).hex().upper(),
    "mongo": lambda rng: rng.randbytes(12).hex(),
    "date": lambda rng: (date(2020, 1, 1) + timedelta(days=rng.randint(0, 2000))).isoformat(),
    "jwt": _jwt,
    "ulid": lambda rng: (
        "0" + "".join(rng.choice("0123456789ABCDEFGHJKMNPQRSTVWXYZ") for _ in range(25))
    ),
    "b64": lambda rng: base64.urlsafe_b64encode(rng.randbytes(32)).rstrip(b"=").decode(),
    "pi": _with_digit(lambda rng: "pi_" + "".join(rng.choice(B62) for _ in range(24))),
}

ROUTES = [
    "/",
    "/health",
    "/api/v1/users",
    "/api/v1/users/{int}",
    "/api/v1/users/{int}/orders",
    "/api/v1/users/{int}/orders/{int}",
    "/api/v1/users/me",
    "/api/v1/users/me/avatar.png",
    "/api/v2/users/{int}",
    "/api/v1/orders/{uuid}",
    "/api/v1/orders/{uuid}/lines/{int}",
    "/api/v1/orders/{uuid}/refund",
    "/api/items/{int}.json",
    "/api/items/{int}.xml",
    "/repos/horde/horde/commits/{sha1}",
    "/repos/horde/horde/commits/{sha1}/comments",
    "/repos/horde/horde/pulls/{int}",
    "/repos/horde/horde/pulls/{int}/files",
    "/downloads/{md5}",
    "/files/{mongo}",
    "/files/{mongo}/download",
    "/reports/{date}",
    "/reports/{date}/summary",
    "/auth/oauth2-authorization-callback",
    "/auth/saml2-authorization-callback",
    "/auth/reset/{jwt}",
    "/s/{ulid}",
    "/v1/payment_intents/{pi}",
    "/v1/payment_intents/{pi}/confirm",
    "/api/2fa-recovery-codes",
    "/api/v1/products/iphone-15-pro",
    "/api/v1/products/galaxy-s24-ultra",
    "/api/v1/AccountSettingsV2",
    "/api/v1/ListObjectsV2Request",
    "/blog/my-first-post-2023",
    "/blog/my-second-post-2024",
    "/search?q=shoes&page={int}",
    "/search?q=boots&page={int}",
    "/search?page={int}&session={b64}",
    "/cart?item={int}&qty={int}",
    "/track?event=view&id={uuid}",
    "/users/{int}/avatar/{int}.png",
    "/graphql",
    "/api/v1/users/{int}/followers?cursor={b64}",
    "http://api.example.com:8080/v3/things/{int}",
    "https://api.example.com/v3/things/{int}",
]


def _concrete(route: str, rng: random.Random) -> str:
    out = route
    for kind, make in IDS.items():
        while "{" + kind + "}" in out:
            out = out.replace("{" + kind + "}", make(rng), 1)
    assert "{" not in out, route
    return out


@pytest.fixture
def corpus() -> dict[str, list[str]]:
    rng = random.Random(20240501)
    return {route: [_concrete(route, rng) for _ in range(SAMPLES)] for route in ROUTES}


# -- precision ----------------------------------------------------------------------------------


def test_every_url_of_a_route_folds_to_one_name(corpus: dict[str, list[str]]) -> None:
    grouper = UrlGrouper()
    for route, urls in corpus.items():
        names = {grouper(url) for url in urls}
        assert len(names) == 1, (route, names)


def test_no_two_routes_are_merged(corpus: dict[str, list[str]]) -> None:
    grouper = UrlGrouper()
    owner: dict[str, str] = {}
    for route, urls in corpus.items():
        name = grouper(urls[0])
        assert name not in owner, f"{route} and {owner.get(name)} both became {name}"
        owner[name] = route


def test_every_id_bearing_url_is_folded_and_others_are_left_alone(
    corpus: dict[str, list[str]],
) -> None:
    grouper = UrlGrouper()
    for route, urls in corpus.items():
        for url in urls:
            if "{" in route:
                folded = grouper(url)
                assert folded != url, url
                assert folded.count("[") == route.count("{"), (url, folded)
            else:
                assert grouper(url) == url, url


def test_the_placeholders_say_what_was_folded() -> None:
    grouper = UrlGrouper()
    assert grouper("/api/items/4711") == "/api/items/[id]"
    assert grouper("/api/items/12.json") == "/api/items/[id].json"
    assert (
        grouper("/orders/3f2b1c9e-8d4a-4b7e-9c1d-2a3b4c5d6e7f/lines/2")
        == "/orders/[uuid]/lines/[id]"
    )
    assert grouper("/files/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b") == "/files/[hex]"
    assert grouper("/reports/2024-05-01") == "/reports/[date]"
    assert grouper("/s/01ARZ3NDEKTSV4RRFFQ69G5FAV") == "/s/[token]"
    assert (
        grouper("/search?q=shoes&page=3&session=eyJ0eXAiOiJKV1QiLCJ9x2")
        == "/search?q=shoes&page=[id]&session=[token]"
    )
    assert grouper("http://h:8080/a/7?x=1#top") == "http://h:8080/a/[id]?x=[id]#top"


@pytest.mark.parametrize(
    "literal",
    [
        "v1",
        "v2beta3",
        "oauth2-callback",
        "my-post-2024",
        "iphone-15-pro-max-256gb",
        "AccountSettingsV2",
        "GetUserNotificationSettingsV2",
        "report2024final2025x",
        "abcdef",  # hex-looking word, no digit
        "deadbeefcafebabedeadbeef",  # long hex without a digit: a word as far as we know
        "1.5",
        "-3",
        "٣٤٥",  # digits, but not ASCII ones
    ],
)
def test_literals_are_not_ids(literal: str) -> None:
    assert classify(literal) is None


def test_random_token_rates_are_as_documented() -> None:
    """The heuristic's recall over random ids (module docstring): measured, seeded."""
    rng = random.Random(7)

    def rate(make: Callable[[], str]) -> float:
        return sum(classify(make()) is not None for _ in range(1000)) / 1000

    assert rate(lambda: _jwt(rng)) == 1.0
    long_b64 = rate(lambda: base64.urlsafe_b64encode(rng.randbytes(32)).rstrip(b"=").decode())
    assert long_b64 >= 0.99
    short = rate(lambda: "cus_" + "".join(rng.choice(B62) for _ in range(14)))
    assert 0.8 <= short < 1.0  # documented as 85-95 %: short tokens are the weak spot


# -- the cache and hostile input ----------------------------------------------------------------


def test_results_are_cached_and_the_cache_is_bounded() -> None:
    grouper = UrlGrouper(cache_size=8)
    assert grouper("/a/1") == "/a/[id]"
    assert grouper._urls["/a/1"] == "/a/[id]"
    for i in range(50):
        grouper(f"/b/{i}")
    assert len(grouper._urls) <= 8
    assert len(grouper._literal) <= 8


def test_a_huge_url_is_folded_but_never_kept() -> None:
    grouper = UrlGrouper()
    huge = "/x/" + "a" * 1_000_000 + "/7"
    assert grouper(huge).endswith("/[id]")
    assert huge not in grouper._urls
    assert all(len(part) < 10_000 for part in grouper._literal)


@pytest.mark.parametrize(
    "url",
    ["", "/", "?", "#", "?=", "/?a=&=b&&", "//", "http://", "http://h", "mailto:x@y", "/%ZZ/1"],
)
def test_odd_urls_do_not_break_it(url: str) -> None:
    folded = UrlGrouper()(url)
    assert isinstance(folded, str)
    assert folded.count("/") == url.count("/")


def test_url_grouper_follows_the_environment_then_the_user_class() -> None:
    def user(cls_mode: str | None, env_mode: str | None) -> SimpleNamespace:
        return SimpleNamespace(
            group_urls=cls_mode, environment=SimpleNamespace(group_urls=env_mode)
        )

    assert url_grouper(None) is None
    assert url_grouper(user(None, None)) is None
    assert url_grouper(user("auto", None)) is GROUPER
    assert url_grouper(user(None, "auto")) is GROUPER
    assert url_grouper(user("auto", "off")) is None  # the command line wins over the class
    assert url_grouper(user("off", "auto")) is GROUPER


# -- sessions -----------------------------------------------------------------------------------


@pytest.fixture
def sessions(demo_target: str, events: Events) -> Iterator[list[HttpSession | FastHttpSession]]:
    auto = SimpleNamespace(environment=SimpleNamespace(group_urls="auto"), context=dict)
    http = HttpSession(demo_target, request_event=events.request, user=auto)
    fast = FastHttpSession(demo_target, request_event=events.request, user=auto)
    yield [http, fast]
    http.close()
    fast.close()


def test_sessions_name_requests_by_the_folded_url(
    sessions: list[HttpSession | FastHttpSession], recorder: Recorder
) -> None:
    for session in sessions:
        for item in (1, 2, 3):
            session.get(f"/api/items/{item}")
        session.get("/api/items/4", name="explicit")
        with session.rename_request("renamed"):
            session.get("/api/items/5")
        session.get("/search?search=x&page=9")
    assert recorder.names() == 2 * [
        "/api/items/[id]",
        "/api/items/[id]",
        "/api/items/[id]",
        "explicit",
        "renamed",
        "/search?search=x&page=[id]",
    ]
    assert not recorder.failures()


def test_sessions_without_grouping_keep_urls(
    demo_target: str, events: Events, recorder: Recorder
) -> None:
    plain = SimpleNamespace(environment=SimpleNamespace(group_urls=None), context=dict)
    with HttpSession(demo_target, request_event=events.request, user=plain) as http:
        http.get("/api/items/1")
    fast = FastHttpSession(demo_target, request_event=events.request, user=plain)
    fast.get("/api/items/2")
    fast.close()
    assert recorder.names() == ["/api/items/1", "/api/items/2"]


def test_the_many_names_warning_suggests_grouping() -> None:
    stats = RequestStats(FakeClock())
    for item in range(NAME_WARNING_THRESHOLD + 1):
        stats.log_request("GET", f"/api/items/{item}", 1.0, 0)
    (warning,) = stats.warnings
    assert "--group-urls auto" in warning
