"""What every route reaches through ``current_app.extensions["horde"]``."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from horde.stats.snapshot import StatsSnapshot
from horde.web.auth_state import AuthState
from horde.web.control import RunControl
from horde.web.hosts import AllowedHosts
from horde.web.logbuffer import LogBuffer
from horde.web.snapshot import SnapshotCache


@dataclass
class WebState:
    control: RunControl
    cache: SnapshotCache
    auth: AuthState
    logs: LogBuffer
    allowed_hosts: AllowedHosts = field(default_factory=AllowedHosts)
    csv_history_path: str | None = None
    base_path: str = ""
    csrf_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    """One token per process: the page embeds it, its scripts and forms send it back."""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def environment(self) -> Any:
        return self.control.environment

    def snapshot(self) -> StatsSnapshot:
        return self.cache.get()


def state() -> WebState:
    found: WebState = current_app.extensions["horde"]
    return found
