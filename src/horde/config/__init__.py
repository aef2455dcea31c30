"""Configuration: the option table, config files, environment variables and Settings."""

from horde.config.limits import MAX_USERS
from horde.config.options import LEGACY_FLAGS, OPTIONS, LegacyFlag, Option
from horde.config.settings import Settings, build_settings, check_host
from horde.config.sources import Value
from horde.timespan import format_timespan, parse_timespan

__all__ = [
    "LEGACY_FLAGS",
    "MAX_USERS",
    "OPTIONS",
    "LegacyFlag",
    "Option",
    "Settings",
    "Value",
    "build_settings",
    "check_host",
    "format_timespan",
    "parse_timespan",
]
