"""Distributed mode's runners (kept at this path: Locust's ``locust.runners`` has both names).

See :mod:`horde.runners.master` and :mod:`horde.runners.worker`.
"""

from __future__ import annotations

from horde.runners.master import MasterRunner
from horde.runners.worker import WorkerRunner

__all__ = ["MasterRunner", "WorkerRunner"]
