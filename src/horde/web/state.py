"""What every route reaches through ``current_app.extensions["horde"]``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from horde.stats.snapshot import StatsSnapshot
from horde.web.auth import Credentials
from horde.web.control import RunControl
from horde.web.logbuffer import LogBuffer
from horde.web.snapshot import SnapshotCache


@dataclass
class WebState:
    control: RunControl
    cache: SnapshotCache
    credentials: Credentials
    logs: LogBuffer
    csv_history_path: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def environment(self) -> Any:
        return self.control.environment

    def snapshot(self) -> StatsSnapshot:
        return self.cache.get()


def state() -> WebState:
    found: WebState = current_app.extensions["horde"]
    return found
