"""What a request may cost at most: how long it waits, how much body it holds in memory.

Both HTTP clients (and both of HttpUser's transports) apply the same defaults, so a hostile or
broken target costs a bounded amount of time and memory per request and shows up as recorded
failures instead of a stalled or exhausted load generator.
"""

from __future__ import annotations

import math
import sys
from typing import Any

from horde.exceptions import HordeError

DEFAULT_TIMEOUT = 60.0
"""Seconds to wait to connect, and for each read (as in requests: per read, not per request).
FastHttpUser's ``connection_timeout`` and ``network_timeout`` default to it, and so does every
request of an HttpUser that passes no ``timeout=``."""

DEFAULT_MAX_BODY_SIZE = 64 * 1024 * 1024
"""The largest response body (bytes) a request reads into memory, as received and after gzip
or deflate decoding. A larger one fails the request ("... body larger than N bytes"): a gzip
bomb or an endless body then costs at most this much memory per request in flight. 64 MiB is
far above what load tests fetch (pages, JSON, assets) and low enough that a few hundred users
hit by a misbehaving target do not exhaust a load generator. ``None`` means no limit."""

UNLIMITED = sys.maxsize - 1
"""``max_body_size=None``, as a number the size checks can compare with."""


class BodyTooLargeError(HordeError):
    """A response body went past ``max_body_size`` (recorded as a failed request)."""


def body_limit(max_body_size: int | None) -> int:
    """``max_body_size`` as a byte count to compare with (None: no limit)."""
    if max_body_size is None:
        return UNLIMITED
    if isinstance(max_body_size, bool) or not isinstance(max_body_size, int) or max_body_size < 0:
        raise HordeError(
            f"max_body_size must be a whole number of bytes >= 0 or None, not {max_body_size!r}"
        )
    return min(max_body_size, UNLIMITED)


def too_large(limit: int, what: str = "response body") -> BodyTooLargeError:
    """The failure for a body over ``limit`` bytes; one message per limit, so they group."""
    return BodyTooLargeError(f"{what} larger than {limit} bytes")


def check_seconds(value: Any, name: str) -> float | None:
    """A timeout in seconds (a finite number >= 0, or None for no limit), else a clear error."""
    if value is None:
        return None
    valid = isinstance(value, int | float) and not isinstance(value, bool)
    if not valid or not math.isfinite(value) or value < 0:
        raise HordeError(f"{name} must be a number of seconds >= 0 or None, not {value!r}")
    return float(value)


def check_timeout(value: Any, name: str = "timeout") -> Any:
    """A requests-style timeout: seconds, None, or a ``(connect, read)`` pair of those."""
    if isinstance(value, tuple | list):
        if len(value) != 2:
            raise HordeError(f"{name} must be seconds or a (connect, read) pair, not {value!r}")
        check_seconds(value[0], f"{name} (connect)")
        check_seconds(value[1], f"{name} (read)")
        return tuple(value)
    check_seconds(value, name)
    return value
