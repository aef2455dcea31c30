"""``locust.stats``: horde's statistics plus the two helpers Locust's library examples use.

``stats_printer(stats)`` returns a function that prints the statistics table every
:data:`CONSOLE_STATS_INTERVAL_SEC` seconds (spawn it: ``gevent.spawn(stats_printer(env.stats))``).
``stats_history(runner)`` exists for scripts that spawn it; horde's runner already records one
history point per second for the charts and reports, so it returns at once.
Every other name is horde.stats's own (``locust.stats.RequestStats is horde.stats.RequestStats``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import gevent

import horde.stats
from horde.reports.console import stats_table
from horde.stats import *  # noqa: F403 - locust.stats re-exports the statistics API
from horde.stats import RequestStats

CONSOLE_STATS_INTERVAL_SEC = 2.0
"""Seconds between two tables of :func:`stats_printer` (Locust's value)."""

HISTORY_STATS_INTERVAL_SEC = 5.0
"""Locust's interval for :func:`stats_history`; horde's runner records history every second."""


def print_stats(stats: RequestStats, current: bool = True) -> None:
    """Print the statistics table (rates of the last ten seconds when ``current``)."""
    sys.stdout.write(stats_table(stats.snapshot(), current=current) + "\n\n")
    sys.stdout.flush()


def stats_printer(stats: RequestStats) -> Callable[[], None]:
    """A function printing ``stats`` every CONSOLE_STATS_INTERVAL_SEC seconds, until killed."""

    def stats_printer_func() -> None:
        while True:
            print_stats(stats)
            gevent.sleep(CONSOLE_STATS_INTERVAL_SEC)

    return stats_printer_func


def stats_history(runner: Any) -> None:
    """Nothing to do: the runner records a history point per second while it runs."""


def __getattr__(name: str) -> Any:
    """Names horde.stats gains later are locust.stats names too."""
    return getattr(horde.stats, name)
