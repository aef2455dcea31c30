"""Feeders: strategies, files, bad input, the dispenser seam, and exhaustion in a real run."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from pathlib import Path

import gevent
import pytest

from horde.demo.process import server_counts
from horde.env import Environment
from horde.exceptions import FeederError, StopTest, StopUser
from horde.feeders import CsvFeeder, Feeder, JsonFeeder, LocalDispenser
from horde.user import HttpUser, constant, task

WAIT = 20.0


# -- strategies ---------------------------------------------------------------------------------


def test_circular_goes_round_in_order() -> None:
    feeder = Feeder(["a", "b", "c"])
    assert [feeder.next() for _ in range(7)] == ["a", "b", "c", "a", "b", "c", "a"]
    assert next(feeder) == "b"
    assert len(feeder) == 3


def test_random_picks_records_repeatably_with_a_seed() -> None:
    first = Feeder(range(10), strategy="random", seed=3)
    second = Feeder(range(10), strategy="random", seed=3)
    picks = [first.next() for _ in range(50)]
    assert picks == [second.next() for _ in range(50)]
    assert set(picks) <= set(range(10))
    assert len(set(picks)) > 1


def test_unique_hands_out_each_record_once_then_stops_the_test(
    caplog: pytest.LogCaptureFixture,
) -> None:
    feeder = Feeder([1, 2, 3], strategy="unique", name="three")
    assert [feeder.next() for _ in range(3)] == [1, 2, 3]
    with caplog.at_level(logging.WARNING, logger="horde.feeders"):
        with pytest.raises(StopTest, match="'three' has handed out all its 3 records"):
            feeder.next()
        with pytest.raises(StopTest):
            feeder.next()
    assert len([r for r in caplog.records if "handed out" in r.getMessage()]) == 1


def test_unique_can_stop_only_the_user_instead() -> None:
    feeder = Feeder(["x"], strategy="unique", on_exhausted="stop_user")
    assert feeder.next() == "x"
    with pytest.raises(StopUser):
        feeder.next()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"strategy": "sequential"}, "unknown feeder strategy 'sequential'"),
        ({"on_exhausted": "crash"}, "unknown on_exhausted 'crash'"),
    ],
)
def test_bad_options_are_refused(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(FeederError, match=message):
        Feeder([1], **kwargs)  # type: ignore[arg-type]


def test_an_empty_or_endless_or_scalar_source_is_refused() -> None:
    with pytest.raises(FeederError, match="has no records"):
        Feeder([])
    with pytest.raises(FeederError, match="at most 100 records"):
        Feeder(itertools.count(), max_records=100)
    with pytest.raises(FeederError, match="not a str"):
        Feeder("abc")  # type: ignore[arg-type]
    with pytest.raises(FeederError, match="not a dict"):
        Feeder({"a": 1})  # type: ignore[arg-type]


def test_any_finite_iterable_is_taken() -> None:
    feeder = Feeder(n * n for n in range(4))
    assert [feeder.next() for _ in range(4)] == [0, 1, 4, 9]


# -- the dispenser seam -------------------------------------------------------------------------


def test_two_feeders_sharing_a_dispenser_never_hand_out_the_same_record() -> None:
    """What a master will do for workers: one counter per feeder name for the whole run."""
    master = LocalDispenser()
    worker_a = Feeder(range(200), strategy="unique", name="accounts", dispenser=master)
    worker_b = Feeder(range(200), strategy="unique", name="accounts", dispenser=master)
    got_a: list[int] = []
    got_b: list[int] = []
    for _ in range(200):  # alternate, as two workers would
        got_a += _take(worker_a, 1)
        got_b += _take(worker_b, 1)
    assert _take(worker_a, 1) == _take(worker_b, 1) == []
    assert not set(got_a) & set(got_b)
    assert sorted(got_a + got_b) == list(range(200))


def _take(feeder: Feeder[int], count: int) -> list[int]:
    """Up to ``count`` records; fewer once the feeder is exhausted."""
    out: list[int] = []
    for _ in range(count):
        try:
            out.append(feeder.next())
        except StopTest:
            break
    return out


class BlockDispenser:
    """A dispenser that hands out at most ``size`` indices per claim and logs every claim."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.claims: list[tuple[str, int, int]] = []
        self.inner = LocalDispenser()

    def claim(self, key: str, total: int, count: int) -> range:
        self.claims.append((key, total, count))
        return self.inner.claim(key, total, min(count, self.size))


def test_a_feeder_claims_blocks_from_its_dispenser() -> None:
    dispenser = BlockDispenser(size=2)
    feeder = Feeder(list("abcde"), strategy="unique", name="letters", dispenser=dispenser)
    assert "".join(feeder.next() for _ in range(5)) == "abcde"
    with pytest.raises(StopTest):
        feeder.next()
    assert [claim[:2] for claim in dispenser.claims] == [("letters", 5)] * 4


def test_a_dispenser_refuses_one_name_with_two_sizes() -> None:
    dispenser = LocalDispenser()
    dispenser.claim("users", 10, 1)
    with pytest.raises(FeederError, match="two unique feeders share a name"):
        dispenser.claim("users", 11, 1)


# -- files --------------------------------------------------------------------------------------


def test_csv_rows_become_dicts(tmp_path: Path) -> None:
    path = tmp_path / "accounts.csv"
    path.write_bytes(
        b'\xef\xbb\xbfusername,password\r\nalice,"p,w"\r\nbob,"multi\nline"\r\n\r\ncarol,c\r\n'
    )
    feeder = CsvFeeder(path)
    assert feeder.name == "accounts.csv"
    assert list(feeder.records) == [
        {"username": "alice", "password": "p,w"},
        {"username": "bob", "password": "multi\nline"},
        {"username": "carol", "password": "c"},
    ]
    tabs = tmp_path / "tabs.tsv"
    tabs.write_text("a\tb\n1\t2\n", encoding="utf-8")
    assert CsvFeeder(tabs, delimiter="\t").next() == {"a": "1", "b": "2"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"a,b\n1,2\n3\n", "line 3: expected 2 fields"),
        (b"a,b\n1,2,3\n", "line 2: expected 2 fields"),
        (b"a,b\n", "has no records"),
        (b'a,b\n"1,2\n', "unexpected end of data"),
        (b"a,b\n\xff\xfe,1\n", "is not utf-8-sig text"),
    ],
)
def test_bad_csv_files_say_what_is_wrong(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(FeederError, match=message):
        CsvFeeder(path)


def test_missing_file_and_bad_delimiter(tmp_path: Path) -> None:
    with pytest.raises(FeederError, match=r"cannot read feeder file .*nope.csv"):
        CsvFeeder(tmp_path / "nope.csv")
    path = tmp_path / "ok.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(FeederError, match="delimiter"):
        CsvFeeder(path, delimiter="::")


def test_json_arrays_and_json_lines(tmp_path: Path) -> None:
    array = tmp_path / "items.json"
    array.write_text('[{"id": 1}, {"id": 2}]', encoding="utf-8")
    assert list(JsonFeeder(array, strategy="unique").records) == [{"id": 1}, {"id": 2}]
    lines = tmp_path / "items.jsonl"
    lines.write_text('{"id": 1}\n\n[2]\n"three"\n', encoding="utf-8")
    assert list(JsonFeeder(lines).records) == [{"id": 1}, [2], "three"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("one.json", '{"id": 1}', "must hold a JSON array"),
        ("bad.json", "[1,", "is not valid JSON"),
        ("bad.jsonl", '{"a": 1}\n{oops}\n', r"bad.jsonl, line 2 is not valid JSON"),
        ("empty.json", "[]", "has no records"),
    ],
)
def test_bad_json_files_say_what_is_wrong(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FeederError, match=message):
        JsonFeeder(path)


# -- in a run -----------------------------------------------------------------------------------


@pytest.fixture
def env() -> Iterator[Environment]:
    env = Environment(stop_timeout=WAIT)  # users finish their request when the test stops
    yield env
    if env.runner is not None:
        env.runner.quit()
    env.close()


def _searching_users(host: str, feeder: Feeder[str], count: int, env: Environment) -> Environment:
    class Searcher(HttpUser):
        wait_time = constant(0)

        @task
        def search(self) -> None:
            self.client.get(f"/search?search={feeder.next()}", name="/search")

        def on_stop(self) -> None:
            self.client.close()

    Searcher.host = host
    env.user_classes = [Searcher]
    env.available_user_classes = {"Searcher": Searcher}
    runner = env.create_local_runner()
    runner.start(count, spawn_rate=1000, wait=True)
    return env


def test_unique_records_each_reach_the_server_once_then_the_run_stops(
    fresh_target: str, env: Environment
) -> None:
    records = [f"rec{i}" for i in range(60)]
    feeder = Feeder(records, strategy="unique", name="searches")
    _searching_users(fresh_target, feeder, 20, env)
    assert env.runner is not None
    assert env.runner.stopped.wait(timeout=WAIT)
    assert env.runner.stop_reason == (
        "StopTest raised by a Searcher user: feeder 'searches' has handed out all its 60 records"
    )
    paths = server_counts(fresh_target)["by_path"]
    assert {path: n for path, n in paths.items() if "/search" in path} == {
        f"GET /search?search={record}": 1 for record in records
    }
    assert env.stats.total.num_requests == 60


def test_stop_user_lets_each_user_stop_on_its_own(fresh_target: str, env: Environment) -> None:
    feeder = Feeder([f"r{i}" for i in range(30)], strategy="unique", on_exhausted="stop_user")
    _searching_users(fresh_target, feeder, 10, env)
    assert env.runner is not None
    greenlets = list(env.runner.user_greenlets)
    gevent.joinall(greenlets, timeout=WAIT)
    assert all(g.dead for g in greenlets)
    assert env.runner.stop_reason is None  # the test itself goes on (with no users)
    assert env.stats.total.num_requests == 30
