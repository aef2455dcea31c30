"""The unread body of a ``stream=True`` response, and the connection it holds until it is done.

An object rather than a generator: a generator that was never started ignores ``close()`` (its
``finally`` never runs), so a streamed response closed or dropped before its first read kept its
connection open and its pool slot taken for good; ten of those and the session waited forever.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from horde.clients.fast.wire import Head


class BodyStream:
    """Raw (still encoded) body pieces as they arrive; gives the connection back at the end.

    Read to its end, the connection returns to the pool (kept alive if the server allows);
    closed, dropped or failed before that, the connection is closed and its slot freed. The
    unread rest is never read into memory.
    """

    __slots__ = ("_conn", "_head", "_pieces", "_pool")

    def __init__(self, pool: Any, conn: Any, head: Head) -> None:
        self._pool = pool
        self._conn = conn
        self._head = head
        self._pieces: Iterator[bytes] | None = None

    def __iter__(self) -> BodyStream:
        return self

    def __next__(self) -> bytes:
        conn = self._conn
        if conn is None:
            raise StopIteration
        if self._pieces is None:
            self._pieces = conn.reader.iter_body(self._head)
        try:
            return next(self._pieces)
        except StopIteration:
            self._give_back(reusable=self._head.keep_alive)
            raise
        except BaseException:
            self._give_back(reusable=False)
            raise

    def close(self) -> None:
        """Stop here: the connection is closed (the rest of the body is never read)."""
        if self._conn is not None:
            self._give_back(reusable=False)

    def _give_back(self, reusable: bool) -> None:
        pool, conn = self._pool, self._conn
        self._conn = self._pieces = None
        pool.release(conn, reusable=reusable)

    def __del__(self) -> None:
        """Dropped unread: close the connection and free its slot (never raise from here)."""
        with contextlib.suppress(Exception):
            self.close()
