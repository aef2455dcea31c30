"""Logging for the command: :func:`horde.log.setup_logging`, shared with library users."""

from horde.log import FORMAT, setup_logging

__all__ = ["FORMAT", "setup_logging"]
