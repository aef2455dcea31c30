"""``locust.contrib.postgres`` inside the horde command: Locust's names on horde's PostgresUser.

Locust's ``PostgresClient(conn_string).execute_query(query)`` returns the cursor, or None when
the query failed (the failure is recorded, never raised). Differences, on purpose: the request
type is ``postgres`` for successes and failures alike (Locust records ``postgres_success`` and
``postgres_failure`` as two rows), the connection opens on the first query rather than in the
user's constructor, and a failed connection is retried by the next query.
"""

from __future__ import annotations

from typing import Any

from horde.event import events
from horde.exceptions import OperationFailed
from horde.protocols import postgres as _postgres


class PostgresClient(_postgres.PostgresClient):
    def __init__(self, conn_string: str, **kwargs: Any) -> None:
        request_event = kwargs.pop("request_event", events.request)
        super().__init__(request_event, conn_string, **kwargs)

    def execute_query(self, query: str) -> Any:
        """Run ``query`` as ``execute_query``; the cursor, or None if it failed (recorded)."""
        try:
            return self.execute(query, name="execute_query")
        except OperationFailed:
            return None


class PostgresUser(_postgres.PostgresUser):
    abstract = True
    client: PostgresClient

    def make_client(self) -> PostgresClient:
        conninfo = self.conn_string or self.conninfo or self.require_host("postgresql://...")
        return PostgresClient(conninfo, request_event=self.environment.events.request, user=self)


__all__ = ["PostgresClient", "PostgresUser"]
