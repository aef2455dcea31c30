"""Recent log lines, kept in memory for the web UI's Logs tab (bounded)."""

from __future__ import annotations

import logging
from collections import deque
from typing import Any


class LogBuffer(logging.Handler):
    """Keeps the last ``capacity`` formatted records; each line gets an increasing number."""

    def __init__(self, capacity: int = 500) -> None:
        super().__init__(logging.INFO)
        self._lines: deque[tuple[int, str]] = deque(maxlen=capacity)
        self._next = 0
        self.setFormatter(logging.Formatter("[%(asctime)s] %(levelname)s/%(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:  # noqa: BLE001 - a bad record must not break logging
            self.handleError(record)
            return
        self._lines.append((self._next, text))
        self._next += 1

    def since(self, first: int = 0) -> dict[str, Any]:
        lines = [{"n": n, "text": text} for n, text in self._lines if n >= first]
        return {"lines": lines, "next": self._next}
