"""Master and worker runners: names reserved for the distributed mode of a later release.

Locustfiles often check ``isinstance(environment.runner, MasterRunner)``; these classes exist so
such checks work (they are simply never true yet). Creating one raises a clear error.
"""

from __future__ import annotations

from typing import Any

from horde.exceptions import HordeError
from horde.runners.base import Runner

NOT_YET = "distributed mode (--master/--worker/--processes) is not available in this horde version"


class MasterRunner(Runner):
    def __init__(self, environment: Any, *args: Any, **kwargs: Any) -> None:
        raise HordeError(NOT_YET)


class WorkerRunner(Runner):
    def __init__(self, environment: Any, *args: Any, **kwargs: Any) -> None:
        raise HordeError(NOT_YET)
