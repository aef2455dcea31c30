"""Time spans such as ``90``, ``45s``, ``1h20m``, ``2m30s``, ``1.5h`` or ``250ms``."""

from __future__ import annotations

import re

from horde.exceptions import TimespanError

_UNITS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|d|h|m|s)")


def parse_timespan(text: str | float | int) -> float:
    """Seconds in ``text``; a bare number means seconds. Raises :class:`TimespanError`."""
    if isinstance(text, bool):
        raise TimespanError(f"invalid time span {text!r}")
    if isinstance(text, int | float):
        if text < 0:
            raise TimespanError(f"invalid time span {text!r}: it must not be negative")
        return float(text)
    raw = text.strip().lower().replace(" ", "")
    if not raw:
        raise TimespanError("empty time span: use e.g. 90, 45s, 2m30s or 1h20m")
    try:
        value = float(raw)
    except ValueError:
        pass
    else:
        if value < 0:
            raise TimespanError(f"invalid time span {text!r}: it must not be negative")
        return value
    pos = 0
    total = 0.0
    seen: set[str] = set()
    for match in _PART.finditer(raw):
        if match.start() != pos or match.group(2) in seen:
            break
        seen.add(match.group(2))
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if pos != len(raw) or not seen:
        raise TimespanError(
            f"invalid time span {text!r}: use seconds (90) or units d/h/m/s/ms (1h20m, 2m30s)"
        )
    return total


def format_timespan(seconds: float) -> str:
    """A compact human form: 4500 -> "1h15m", 42.5 -> "42.5s"."""
    if seconds < 60:
        return f"{seconds:g}s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
        f"{secs}s" if secs else "",
    ]
    return "".join(parts)
