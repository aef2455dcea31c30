"""Time spans such as ``90``, ``45s``, ``1h20m``, ``2m30s``, ``1.5h`` or ``250ms``."""

from __future__ import annotations

import math
import re

from horde.exceptions import TimespanError

_UNITS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
_NUMBER = re.compile(r"\d+(?:\.\d*)?|\.\d+")
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|d|h|m|s)")
_HOW = "use seconds (90) or units d/h/m/s/ms (1h20m, 2m30s, 250ms)"


def parse_timespan(text: str | float | int) -> float:
    """Seconds in ``text``; a bare number means seconds. Raises :class:`TimespanError`."""
    if isinstance(text, bool):
        raise TimespanError(f"invalid time span {text!r}: {_HOW}")
    if isinstance(text, int | float):
        return _seconds(float(text), text)
    raw = text.strip().lower().replace(" ", "")
    if not raw:
        raise TimespanError(f"empty time span: {_HOW}")
    if raw.startswith("-"):
        raise TimespanError(f"invalid time span {text!r}: it must not be negative; {_HOW}")
    if _NUMBER.fullmatch(raw):
        return _seconds(float(raw), text)
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
        raise TimespanError(f"invalid time span {text!r}: {_HOW}")
    return _seconds(total, text)


def _seconds(value: float, text: object) -> float:
    if not math.isfinite(value):
        raise TimespanError(f"invalid time span {text!r}: {_HOW}")
    if value < 0:
        raise TimespanError(f"invalid time span {text!r}: it must not be negative; {_HOW}")
    return value + 0.0  # -0.0 becomes 0.0


def format_timespan(seconds: float) -> str:
    """A compact human form that :func:`parse_timespan` reads back: 4500 -> "1h15m",
    42.5 -> "42.5s", 0.25 -> "0.25s". Under a minute it keeps millisecond precision; from a
    minute up it rounds to whole seconds."""
    if seconds < 60:
        text = f"{seconds:.3f}".rstrip("0").rstrip(".")
        return f"{text}s" if text != "60" else "1m"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
        f"{secs}s" if secs else "",
    ]
    return "".join(parts)
