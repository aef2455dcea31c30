"""The embedded demo target: a small HTTP API to point horde at."""
