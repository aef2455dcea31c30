"""Sans-I/O request statistics: HDR histograms, grouped failures, bounded history.

Nothing in this package touches gevent, sockets, threads or the system clock; time comes from
an injected :class:`~horde._types.Clock`.
"""

from horde.stats.entry import StatsEntry
from horde.stats.errors import FailureSample, StatsError
from horde.stats.histogram import Histogram
from horde.stats.registry import RequestStats
from horde.stats.snapshot import (
    PERCENTILES_TO_REPORT,
    EntrySnapshot,
    ErrorSnapshot,
    ExceptionSnapshot,
    StatsSnapshot,
)

__all__ = [
    "PERCENTILES_TO_REPORT",
    "EntrySnapshot",
    "ErrorSnapshot",
    "ExceptionSnapshot",
    "FailureSample",
    "Histogram",
    "RequestStats",
    "StatsEntry",
    "StatsError",
    "StatsSnapshot",
]
