"""``CSVDictReader``: the rows of a CSV file as dicts, round and round (locust-plugins' API)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from itertools import cycle


class CSVDictReader(Iterator[dict[str, str]]):
    def __init__(self, path: str, **kwargs: object) -> None:
        with open(path, newline="", encoding="utf-8") as handle:
            self._rows = list(csv.DictReader(handle, **kwargs))  # type: ignore[arg-type]
        self._cycle = cycle(self._rows)

    def __next__(self) -> dict[str, str]:
        return next(self._cycle)
