"""Result: what one endpoint request of one user gave (kept per user, per endpoint)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Result:
    """The outcome of :meth:`Endpoint.call <horde.endpoints.Endpoint.call>`.

    ``ok`` is True for a response with a status from 200 to 399 (after redirects); a connection
    failure has ``status_code`` 0. A sealed endpoint gives a *silent* result: not ok, status 0,
    no response, and nothing recorded in the statistics (``recorded`` is False).
    """

    ok: bool
    status_code: int
    method: str
    url: str
    response: Any = None
    recorded: bool = True

    @classmethod
    def silent(cls, method: str, url: str) -> Result:
        """The result of a sealed endpoint: failed, never sent, never recorded."""
        return cls(False, 0, method, url, None, recorded=False)

    def __bool__(self) -> bool:
        return self.ok

    @property
    def failed(self) -> bool:
        return not self.ok

    @property
    def content(self) -> bytes:
        """The response body (empty for a silent result or a connection failure)."""
        if self.response is None:
            return b""
        return bytes(self.response.content or b"")

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body decoded as JSON; raises ValueError if it is not JSON."""
        return json.loads(self.content)
