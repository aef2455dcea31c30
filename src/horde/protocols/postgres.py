"""PostgresUser: one connection per user, every query timed, named and its errors recorded.

The library is psycopg 3 (``pip install 'horde[postgres]'``). psycopg picks how it waits for
the socket when it is first imported: its C wait function when ``select`` is not patched, which
would block every user; Python's ``select``-based wait, which gevent makes cooperative, when it
is. The ``horde`` command patches before any locustfile is imported, so psycopg always sees the
patched module there; a program embedding horde must patch before importing psycopg too.

Queries are recorded as ``postgres`` with the query text (whitespace folded, at most 80
characters) as the name unless ``name=`` is given; put values in ``params`` so equal queries
share a row. ``response_length`` is the number of rows returned or affected. A database error
is a failure named by its SQLSTATE and class (``42P01 UndefinedTable: relation "x" does not
exist``) with the severity, detail and hint in its sample; a broken connection is reopened by
the next query, which records ``connect`` again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

from horde.event import RequestEventHook
from horde.protocols.base import ProtocolClient, ProtocolSample, ProtocolUser, missing_extra

try:
    import psycopg
except ImportError as exc:  # pragma: no cover - exercised in a venv without the extra
    raise missing_extra("PostgresUser", "psycopg", "postgres") from exc

NAME_LENGTH = 80


def query_name(query: str) -> str:
    """The default name of a query: its text with whitespace folded, cut at 80 characters."""
    text = " ".join(query.split())
    return text if len(text) <= NAME_LENGTH else text[: NAME_LENGTH - 3] + "..."


def redacted(conninfo: str) -> str:
    """``conninfo`` without its password (samples and reports get shared)."""
    parts = urlsplit(conninfo)
    if parts.scheme.startswith("postgres") and parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":<redacted>@", 1)
        return urlunsplit(parts._replace(netloc=netloc))
    return conninfo


class PostgresClient(ProtocolClient):
    """A psycopg connection (autocommit: each statement its own transaction), opened on first
    use or by ``connect()``."""

    request_type = "postgres"
    failure_types = (psycopg.Error, OSError)

    def __init__(
        self,
        request_event: RequestEventHook,
        conninfo: str,
        *,
        user: Any = None,
        connect_timeout: float = 10.0,
        autocommit: bool = True,
    ) -> None:
        super().__init__(request_event, user=user, url=redacted(conninfo))
        self.conninfo = conninfo
        self.connect_timeout = connect_timeout
        self.autocommit = autocommit
        self.connection: psycopg.Connection[Any] | None = None
        self._query = ""

    def connect(self) -> psycopg.Connection[Any]:
        """Open the connection if it is not open (recorded as ``connect``)."""
        if self.connection is None or self.connection.closed:
            self.connection = self.call("connect", self._open)
        return self.connection

    def _open(self) -> psycopg.Connection[Any]:
        return psycopg.connect(
            self.conninfo,
            autocommit=self.autocommit,
            connect_timeout=max(1, round(self.connect_timeout)),
        )

    def execute(
        self, query: str, params: Sequence[Any] | dict[str, Any] | None = None, name: str = ""
    ) -> psycopg.Cursor[Any]:
        """Run one statement; returns its cursor (rows already received: fetchall() is free)."""
        connection = self.connect()
        self._query = query
        cursor: psycopg.Cursor[Any] = self.call(
            name or query_name(query), connection.execute, query, params
        )
        return cursor

    def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            connection.close()

    def length_of(self, result: Any) -> int:
        rowcount = getattr(result, "rowcount", -1)
        return rowcount if isinstance(rowcount, int) and rowcount > 0 else 0

    def fail(
        self,
        name: str,
        exc: BaseException,
        response_time: float,
        *,
        start_time: float | None = None,
    ) -> Any:
        error = super().fail(name, exc, response_time, start_time=start_time)
        if self.connection is not None and self.connection.broken:
            self.close()  # the next query reconnects
        return error

    def describe_error(self, exc: BaseException) -> str:
        diag = getattr(exc, "diag", None)
        primary = getattr(diag, "message_primary", None)
        sqlstate = getattr(exc, "sqlstate", None)
        if primary:
            prefix = f"{sqlstate} " if sqlstate else ""
            return f"{prefix}{type(exc).__name__}: {' '.join(primary.split())}"
        return super().describe_error(exc)

    def sample_of(self, exc: BaseException) -> ProtocolSample:
        diag = getattr(exc, "diag", None)
        fields = {
            "sqlstate": getattr(exc, "sqlstate", None),
            "severity": getattr(diag, "severity", None),
            "detail": getattr(diag, "message_detail", None),
            "hint": getattr(diag, "message_hint", None),
        }
        return ProtocolSample(
            url=self.url,
            headers={k: str(v) for k, v in fields.items() if v},
            content=self._query,
        )


class PostgresUser(ProtocolUser):
    """A user with ``self.client``, a :class:`PostgresClient` for :attr:`conninfo`.

    ``conninfo`` (``postgresql://user:password@host:5432/db`` or ``"host=... dbname=..."``)
    falls back to ``host`` (``-H postgresql://...``); ``conn_string`` is Locust's name for it.
    """

    abstract = True
    conninfo: ClassVar[str | None] = None
    conn_string: ClassVar[str | None] = None
    connect_timeout: ClassVar[float] = 10.0
    client: PostgresClient

    def make_client(self) -> PostgresClient:
        conninfo = (
            self.conninfo or self.conn_string or self.require_host("postgresql://USER@HOST/DB")
        )
        return PostgresClient(
            self.environment.events.request,
            conninfo,
            user=self,
            connect_timeout=self.connect_timeout,
        )
