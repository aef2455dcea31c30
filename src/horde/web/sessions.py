"""SessionRegistry: the logged-in browser sessions this process knows, so logging out ends one.

The session cookie is signed, not stored: without a list on the server, a copy of the cookie
taken before "Log out" would keep working until the process ends. Each login gets a random
session id that the cookie carries and this registry holds; logging out removes it. The
registry keeps the newest ``capacity`` sessions (the oldest are logged out first), so its
memory is bounded whoever logs in how often.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict


class SessionRegistry:
    def __init__(self, capacity: int = 256) -> None:
        self.capacity = capacity
        self._open: OrderedDict[str, None] = OrderedDict()

    def __len__(self) -> int:
        return len(self._open)

    def open(self) -> str:
        """A new session id (the oldest session ends if there are ``capacity`` already)."""
        session_id = secrets.token_urlsafe(24)
        self._open[session_id] = None
        while len(self._open) > self.capacity:
            self._open.popitem(last=False)
        return session_id

    def valid(self, session_id: object) -> bool:
        return isinstance(session_id, str) and session_id in self._open

    def close(self, session_id: object) -> None:
        if isinstance(session_id, str):
            self._open.pop(session_id, None)
