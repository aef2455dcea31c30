"""The single source of horde's version."""

__version__ = "0.1.0"
