"""Rounding shared by the CSV, JSON and HTML outputs, so their numbers agree to the digit."""

from __future__ import annotations

import math

DECIMALS = 3
"""Milliseconds and rates keep three decimals (a microsecond; HDR is exact to 0.8 % anyway)."""


def rounded(value: float) -> float:
    """``value`` to :data:`DECIMALS` decimals; NaN and infinities become 0 (never in JSON)."""
    if not math.isfinite(value):
        return 0.0
    result = round(value, DECIMALS)
    return 0.0 if result == 0 else result  # no "-0.0"


def text(value: float) -> str:
    """The CSV spelling: ``12.5``, ``0.333``, ``7``, ``0``."""
    value = rounded(value)
    return f"{value:.{DECIMALS}f}".rstrip("0").rstrip(".") if value else "0"


def significant(value: float, digits: int = 3) -> float:
    """``value`` to ``digits`` significant digits (chart data: smaller files, same picture)."""
    if not math.isfinite(value) or value == 0:
        return 0.0
    return float(f"{value:.{digits}g}")
