"""The three ways horde sends HTTP, made alike for tests (a plain module, importable anywhere).

``fast`` (FastHttpSession), ``http`` (HttpSession on horde's FastAdapter) and ``urllib3``
(HttpSession with ``fast_transport=False``), each with the same connect and read timeout.
The fixtures that use these live in the ``hostile`` plugin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from horde.clients.fast import FastHttpSession
from horde.clients.http import HttpSession
from horde.event import Events

KINDS = ["fast", "http", "urllib3"]


@dataclass
class Client:
    """One session of one kind."""

    kind: str
    session: Any

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.session.get(url, **kwargs)

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        return self.session.request(method, url, **kwargs)


def make_session(
    kind: str, base_url: str, events: Events, timeout: float = 5.0, **options: Any
) -> Any:
    """A session of ``kind`` whose connect and read timeouts are ``timeout`` seconds."""
    if kind == "fast":
        return FastHttpSession(
            base_url,
            request_event=events.request,
            network_timeout=timeout,
            connection_timeout=timeout,
            **options,
        )
    session = HttpSession(
        base_url, request_event=events.request, fast_transport=kind == "http", **options
    )
    session.timeout = timeout
    return session
