"""PostgresClient / PostgresUser against a real PostgreSQL cluster made for the test session."""

from __future__ import annotations

import pytest

from conftest import Recorder, free_port
from horde.env import Environment
from horde.event import Events
from horde.exceptions import OperationFailed
from horde.protocols.postgres import PostgresClient, PostgresUser, query_name, redacted
from postgres_server import postgres

__all__ = ["postgres"]  # fixture

pytestmark = pytest.mark.slow  # a cluster takes a few seconds to create


@pytest.fixture
def conninfo(postgres: str) -> str:
    return postgres


def test_queries_are_timed_named_and_counted(
    conninfo: str, events: Events, recorder: Recorder
) -> None:
    with PostgresClient(events.request, conninfo) as db:
        db.execute("CREATE TABLE IF NOT EXISTS t (n int)", name="create")
        db.execute("INSERT INTO t SELECT generate_series(1, %s)", [5])
        rows = db.execute("SELECT n FROM t ORDER BY n", name="select all").fetchall()
    assert [r[0] for r in rows] == [1, 2, 3, 4, 5]
    assert recorder.names() == [
        "connect",
        "create",
        "INSERT INTO t SELECT generate_series(1, %s)",
        "select all",
    ]
    assert [c["response_length"] for c in recorder.calls] == [0, 0, 5, 5]
    assert {c["request_type"] for c in recorder.calls} == {"postgres"}
    assert recorder.failures() == []


def test_sql_errors_are_failures_with_sqlstate_and_the_query(
    conninfo: str, events: Events, recorder: Recorder
) -> None:
    with PostgresClient(events.request, conninfo) as db:
        with pytest.raises(OperationFailed, match='42P01 UndefinedTable: relation "nope"'):
            db.execute("SELECT * FROM nope")
        assert db.execute("SELECT 1").fetchone() == (1,)  # the connection carries on
    failure = recorder.failures()[0]
    assert failure["exception"] == '42P01 UndefinedTable: relation "nope" does not exist'
    sample = failure["response"]
    assert sample.headers["sqlstate"] == "42P01"
    assert sample.headers["severity"] == "ERROR"
    assert sample.content == b"SELECT * FROM nope"


def test_killed_connection_fails_once_then_reconnects(
    conninfo: str, events: Events, recorder: Recorder
) -> None:
    with (
        PostgresClient(events.request, conninfo) as db,
        PostgresClient(events.request, conninfo) as admin,
    ):
        pid = db.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        with pytest.raises(OperationFailed):
            db.execute("SELECT 1", name="after kill")
        assert db.execute("SELECT 2").fetchone() == (2,)
    assert recorder.names().count("connect") == 3
    assert [c["name"] for c in recorder.failures()] == ["after kill"]


def test_unreachable_server_fails_connect(events: Events, recorder: Recorder) -> None:
    with (
        PostgresClient(
            events.request, f"postgresql://horde:s3cret@127.0.0.1:{free_port()}/x"
        ) as db,
        pytest.raises(OperationFailed, match="connect: OperationalError"),
    ):
        db.execute("SELECT 1")
    call = recorder.only
    assert call["name"] == "connect"
    assert "s3cret" not in call["url"]
    assert "s3cret" not in call["exception"]


def test_user_connects_with_its_conninfo(conninfo: str, events: Events, recorder: Recorder) -> None:
    class Db(PostgresUser):
        conn_string = conninfo  # Locust's attribute name

    user = Db(Environment(events=events))
    assert user.client.execute("SELECT 'x'").fetchone() == ("x",)
    user.close_client()
    assert user.client.connection is None


def test_names_and_redaction() -> None:
    assert query_name("SELECT  *\n FROM   t") == "SELECT * FROM t"
    assert len(query_name("SELECT " + "x, " * 100)) == 80
    assert redacted("postgresql://u:pw@h/db") == "postgresql://u:<redacted>@h/db"
    assert redacted("host=h dbname=d") == "host=h dbname=d"
