"""What a WebSocket connection's messages meet: errors, subscriptions and matchers.

Kept apart from :mod:`horde.protocols.websocket` (the client and the user) so that each module
stays small; everything here is re-exported there.
"""

from __future__ import annotations

import json
from collections.abc import Callable

Message = str | bytes
Matcher = Callable[[Message], bool]


class ReceiveTimeout(TimeoutError):  # noqa: N818 - a TimeoutError, named for what timed out
    """No (matching) message arrived within the timeout."""


class ConnectionClosed(ConnectionError):  # noqa: N818 - a ConnectionError like the others
    """The connection closed, by the server (with its close code) or by an error."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class Subscription:
    """Messages a ``match`` function accepts: counted, and recorded under ``name``."""

    def __init__(
        self, name: str, match: Matcher, latency: Callable[[Message], float] | None
    ) -> None:
        self.name = name
        self.match = match
        self.latency = latency
        self.count = 0
        """Messages received so far."""
        self.bytes = 0
        self.last: Message | None = None
        self.active = True


def any_message(message: Message) -> bool:
    """The default matcher: every message."""
    return True


def json_id_matcher(id_field: str, request_id: int) -> Matcher:
    """Accepts a JSON object whose ``id_field`` is ``request_id`` (a cheap substring test first:
    most pushes are not replies, and parsing each one would cost every subscriber)."""
    marker = f'"{id_field}"'

    def match(message: Message) -> bool:
        if isinstance(message, bytes) or marker not in message:
            return False
        try:
            value = json.loads(message)
        except ValueError:
            return False
        return isinstance(value, dict) and value.get(id_field) == request_id

    return match
