"""LocalRunner: the whole test in this process."""

from __future__ import annotations

from horde.runners.base import Runner


class LocalRunner(Runner):
    """Runs every user in this process (the default)."""

    client_id = "local"
    worker_index = 0
    worker_count = 1
