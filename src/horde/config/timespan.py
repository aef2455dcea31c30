"""Time spans live in :mod:`horde.timespan` (the bottom layer, so statistics and thresholds can
read them too); this module keeps the old import path."""

from horde.timespan import format_timespan, parse_timespan

__all__ = ["format_timespan", "parse_timespan"]
