"""Bounds on the size of a test, shared by every way a test is started (command line, config
files, the web UI and its API), so the same value is refused with the same words everywhere.

Without a bound, ``-u 100000000`` or ``users=100000000`` posted to the web API builds a spawn
plan of that size inside the event loop (gigabytes, seconds of frozen UI) before anything can
say no. A million users is far beyond what one generator process runs (each user is a greenlet
and a connection); distributed tests split their users among workers.
"""

from __future__ import annotations

import math

from horde.exceptions import ConfigError

MAX_USERS = 1_000_000
"""The largest user count (and spawn rate, in users per second) horde accepts."""


def check_user_count(users: int, label: str, where: str = "") -> int:
    """``users`` if it is a whole number from 0 to :data:`MAX_USERS`; otherwise ConfigError
    naming ``label`` (e.g. "-u/--users" or "user_count") and ``where`` (" (from ...)")."""
    if isinstance(users, bool) or not isinstance(users, int):
        raise ConfigError(f"{label} must be a whole number, got {users!r}{where}")
    if users < 0:
        raise ConfigError(f"{label} must be 0 or more, got {users}{where}")
    if users > MAX_USERS:
        raise ConfigError(f"{label} must be at most {MAX_USERS:,}, got {users:,}{where}")
    return users


def check_spawn_rate(rate: float, label: str, where: str = "") -> float:
    """``rate`` if it is a finite number above 0 and at most :data:`MAX_USERS` per second."""
    if isinstance(rate, bool) or not isinstance(rate, int | float):
        raise ConfigError(f"{label} must be a number, got {rate!r}{where}")
    if not math.isfinite(rate):
        raise ConfigError(f"{label} must be a finite number, got {rate!r}{where}")
    if rate <= 0:
        raise ConfigError(f"{label} must be above 0, got {rate:g}{where}")
    if rate > MAX_USERS:
        raise ConfigError(f"{label} must be at most {MAX_USERS:,} per second, got {rate:g}{where}")
    return float(rate)
