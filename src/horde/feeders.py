"""Test data for simulated users: records from a CSV file, a JSON file or any iterable.

::

    from horde.feeders import CsvFeeder

    accounts = CsvFeeder("accounts.csv", strategy="unique", on_exhausted="stop_user")

    class Shopper(HttpUser):
        def on_start(self):
            account = accounts.next()          # {"username": ..., "password": ...}
            self.client.post("/login", json=account)

Strategies:

``circular`` (default)
    records in file order, starting again after the last one.
``random``
    a record picked at random each time (records repeat; ``seed=`` makes the sequence repeatable).
``unique``
    each record at most once in the whole run. When none is left, ``next()`` raises
    :class:`~horde.exceptions.StopTest` (``on_exhausted="stop_test"``, the default: the run ends)
    or :class:`~horde.exceptions.StopUser` (``"stop_user"``: the user that asked stops, the
    others carry on until they ask too). One warning is logged when it happens.

Who hands out unique records
----------------------------
A unique feeder does not count by itself: it asks a :class:`Dispenser` for record *indices*
(``claim(key, total, count)``), a block at a time. The :class:`LocalDispenser` counts in this
process; in a distributed worker it forwards every claim to the master
(:class:`~horde.runners.worker.WorkerRunner` sets :attr:`LocalDispenser.forward_to`), which owns
one counter per key for the whole run; each worker loads the same file in the same order, so
only indices cross the wire and every record is still used at most once across all workers.
See :class:`Dispenser` for the contract.

A feeder is shared by the users of a process. ``next()`` never yields to other greenlets (the
local dispenser never blocks), so two users never get the same unique record.
"""

from __future__ import annotations

import csv
import json
import logging
import random
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Generic, Literal, Protocol, TypeVar

from horde.exceptions import FeederError, StopTest, StopUser

logger = logging.getLogger(__name__)

T = TypeVar("T")
Strategy = Literal["circular", "random", "unique"]
Exhausted = Literal["stop_test", "stop_user"]
STRATEGIES: tuple[str, ...] = ("circular", "random", "unique")
ON_EXHAUSTED: tuple[str, ...] = ("stop_test", "stop_user")
MAX_RECORDS = 10_000_000
"""Records read from an iterable at most (an endless generator is an error, not a hang)."""
CLAIM_BLOCK = 64
"""Indices a unique feeder claims at a time (one process's feeder shares its block among its
users; a remote dispenser saves round trips this way; indices left in a block when the process
ends are never handed out)."""


class Dispenser(Protocol):
    """Hands out record indices of unique feeders; the seam where a master can own uniqueness.

    Contract:

    - ``claim(key, total, count)`` returns a ``range`` of at most ``count`` indices in
      ``[0, total)`` that no claim for ``key`` returned before in this run, in any process;
      an empty range means every index of ``key`` has been handed out.
    - ``key`` names the feeder (its ``name``), the same in every process; ``total`` is its
      record count (a master refuses a key claimed with two different totals).
    - It is called from user greenlets. The local dispenser never blocks; a remote one may
      wait for one round trip to the master, and must raise (not hang) if the master is gone.
    - Indices are never returned: a record claimed by a user that then stops is spent.
    """

    def claim(self, key: str, total: int, count: int) -> range: ...


class LocalDispenser:
    """The in-process dispenser: one counter per key."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}
        self._totals: dict[str, int] = {}
        self.forward_to: Dispenser | None = None
        """Another dispenser that answers instead (a distributed worker's link to its master:
        feeders made when the locustfile was imported use this object)."""

    def claim(self, key: str, total: int, count: int) -> range:
        if self.forward_to is not None:
            return self.forward_to.claim(key, total, count)
        known = self._totals.setdefault(key, total)
        if known != total:
            raise FeederError(
                f"feeder {key!r} claimed with {total} records after {known}: "
                "two unique feeders share a name"
            )
        start = self._next.get(key, 0)
        stop = min(total, start + max(count, 0))
        self._next[key] = stop
        return range(start, stop)


LOCAL_DISPENSER = LocalDispenser()


class Feeder(Generic[T]):
    """Records handed to users one at a time by a strategy (see the module docstring)."""

    def __init__(
        self,
        records: Iterable[T],
        *,
        strategy: Strategy = "circular",
        on_exhausted: Exhausted = "stop_test",
        name: str | None = None,
        seed: int | None = None,
        dispenser: Dispenser | None = None,
        max_records: int = MAX_RECORDS,
    ) -> None:
        if strategy not in STRATEGIES:
            raise FeederError(
                f"unknown feeder strategy {strategy!r}: use one of {', '.join(STRATEGIES)}"
            )
        if on_exhausted not in ON_EXHAUSTED:
            raise FeederError(
                f"unknown on_exhausted {on_exhausted!r}: use one of {', '.join(ON_EXHAUSTED)}"
            )
        self.records: Sequence[T] = _materialise(records, max_records)
        self.name = name or f"feeder-{id(self):x}"
        if not self.records:
            raise FeederError(f"feeder {self.name!r} has no records")
        self.strategy = strategy
        self.on_exhausted = on_exhausted
        self.dispenser: Dispenser = dispenser or LOCAL_DISPENSER
        self._position = 0
        self._random = random.Random(seed)
        self._block: Iterator[int] = iter(())
        self._exhausted = False

    def __len__(self) -> int:
        return len(self.records)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}: {len(self)} records, {self.strategy}>"

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        return self.next()

    def next(self) -> T:
        """The next record; a unique feeder with none left raises StopTest or StopUser."""
        if self.strategy == "circular":
            record = self.records[self._position]
            self._position = (self._position + 1) % len(self.records)
            return record
        if self.strategy == "random":
            return self._random.choice(self.records)
        return self.records[self._next_unique()]

    def _next_unique(self) -> int:
        index = next(self._block, None)
        if index is None:
            claimed = self.dispenser.claim(self.name, len(self.records), CLAIM_BLOCK)
            self._block = iter(claimed)
            index = next(self._block, None)
        if index is None:
            raise self._exhaustion()
        return index

    def _exhaustion(self) -> BaseException:
        message = f"feeder {self.name!r} has handed out all its {len(self.records)} records"
        if not self._exhausted:
            self._exhausted = True
            action = "the test stops" if self.on_exhausted == "stop_test" else "users stop"
            logger.warning("%s: %s", message, action)
        if self.on_exhausted == "stop_test":
            return StopTest(message)
        return StopUser(message)


class CsvFeeder(Feeder[dict[str, str]]):
    """One dict per row of a CSV file with a header line (a UTF-8 byte-order mark is skipped)."""

    def __init__(
        self,
        path: str | Path,
        *,
        strategy: Strategy = "circular",
        on_exhausted: Exhausted = "stop_test",
        name: str | None = None,
        seed: int | None = None,
        dispenser: Dispenser | None = None,
        delimiter: str = ",",
        encoding: str = "utf-8-sig",
    ) -> None:
        rows = _read_csv(Path(path), delimiter, encoding)
        super().__init__(
            rows,
            strategy=strategy,
            on_exhausted=on_exhausted,
            name=name or Path(path).name,
            seed=seed,
            dispenser=dispenser,
        )


class JsonFeeder(Feeder[Any]):
    """The items of a JSON array file, or one JSON value per line (``.jsonl``, ``.ndjson``)."""

    def __init__(
        self,
        path: str | Path,
        *,
        strategy: Strategy = "circular",
        on_exhausted: Exhausted = "stop_test",
        name: str | None = None,
        seed: int | None = None,
        dispenser: Dispenser | None = None,
        lines: bool | None = None,
        encoding: str = "utf-8-sig",
    ) -> None:
        source = Path(path)
        if lines is None:
            lines = source.suffix.lower() in (".jsonl", ".ndjson")
        records = _read_json(source, lines, encoding)
        super().__init__(
            records,
            strategy=strategy,
            on_exhausted=on_exhausted,
            name=name or source.name,
            seed=seed,
            dispenser=dispenser,
        )


def _materialise(records: Iterable[T], limit: int) -> Sequence[T]:
    if isinstance(records, list | tuple):
        return records
    if isinstance(records, str | bytes | dict):
        raise FeederError(
            f"a feeder needs a sequence of records, not a {type(records).__name__}: "
            "wrap a single record in a list"
        )
    out: list[T] = []
    for record in records:
        if len(out) >= limit:
            raise FeederError(
                f"a feeder takes at most {limit} records (max_records): is the iterable endless?"
            )
        out.append(record)
    return out


def _read_text(path: Path, encoding: str) -> str:
    try:
        return path.read_text(encoding=encoding)
    except OSError as exc:
        raise FeederError(f"cannot read feeder file {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise FeederError(f"feeder file {path} is not {encoding} text: {exc.reason}") from exc


def _read_csv(path: Path, delimiter: str, encoding: str) -> list[dict[str, str]]:
    line = 0
    try:
        with path.open(newline="", encoding=encoding) as handle:
            reader = csv.DictReader(handle, delimiter=delimiter, strict=True)
            rows = []
            for row in reader:
                line = reader.line_num
                if None in row or None in row.values():
                    count = len(reader.fieldnames or ())
                    raise FeederError(
                        f"feeder file {path}, line {line}: expected {count} "
                        f"field{'s' if count != 1 else ''}, as in the header line"
                    )
                rows.append(row)
            fields = reader.fieldnames
    except OSError as exc:
        raise FeederError(f"cannot read feeder file {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise FeederError(f"feeder file {path} is not {encoding} text: {exc.reason}") from exc
    except (csv.Error, TypeError) as exc:  # TypeError: a delimiter that is not one character
        raise FeederError(f"feeder file {path}, after line {line}: {exc}") from exc
    if not fields:
        raise FeederError(f"feeder file {path} is empty: it needs a header line and rows")
    return rows


def _read_json(path: Path, lines: bool, encoding: str) -> list[Any]:
    text = _read_text(path, encoding)
    if lines:
        records = []
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                records.append(_parse_json(line, f"{path}, line {number}"))
        return records
    document = _parse_json(text, str(path))
    if not isinstance(document, list):
        raise FeederError(
            f"feeder file {path} must hold a JSON array of records, not a "
            f"{type(document).__name__} (or use one value per line in a .jsonl file)"
        )
    return document


def _parse_json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise FeederError(f"feeder file {where} is not valid JSON: {exc}") from exc
