"""Exit codes of the ``horde`` command (documented in the README)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    """The test ran and nothing failed (also: --help, --version, --list...)."""
    FAILURES = 1
    """The test ran and some requests failed or user code raised (see --exit-code-on-error)."""
    USAGE = 2
    """Bad command line, option value, config file or environment variable."""
    LOCUSTFILE = 3
    """The locustfile is missing, unreadable, broken, or defines no runnable User class."""
    INTERNAL = 4
    """horde itself or an event listener failed (a bug, or a broken plugin)."""
    OUTPUT = 5
    """A report file (CSV, JSON) could not be written."""
    INTERRUPTED = 130
    """Stopped by a second Ctrl-C before the results could be written."""
