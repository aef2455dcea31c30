"""Exit codes of the ``horde`` command (documented in the README).

====  ===========  =================================================================
code  name         meaning
====  ===========  =================================================================
0     OK           the test ran and nothing failed (also --help, --version, --list...)
1     FAILURES     requests failed or user code raised (the value of --exit-code-on-error)
2     USAGE        bad command line, option value, config file or environment variable
3     LOCUSTFILE   the locustfile is missing, unreadable, broken or has no User class
4     INTERNAL     horde itself or an event listener failed (a bug, or a broken plugin)
5     OUTPUT       a report file (CSV, JSON, HTML, archive) or exporter could not be written
6     THRESHOLDS   a threshold (--threshold, thresholds in the locustfile) failed
7     REGRESSION   slower than the baseline: ``horde compare``, or a run with --baseline
8     DISTRIBUTED  distributed mode failed: the master cannot listen, a worker was refused
                   (shared secret, protocol version) or lost its master, or the workers
                   --expect-workers waits for did not connect within --expect-workers-max-wait
130   INTERRUPTED  Ctrl-C before the run started, or a third one (or SIGTERM) during it:
                   horde quit at once, without any report
====  ===========  =================================================================

A ``quitting`` event listener that sets ``environment.process_exit_code`` overrides all of these
for a run that got as far as its end.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The documented exit codes (see the module docstring for the table)."""

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
    """A report file (CSV, JSON, HTML, archive) or an exporter could not be written."""
    THRESHOLDS = 6
    """The test ran and a threshold failed (checked before request failures)."""
    REGRESSION = 7
    """``horde compare`` (or a run with ``--baseline``) found a regression beyond tolerance."""
    DISTRIBUTED = 8
    """Distributed mode failed: listening, authentication, a lost master, missing workers."""
    INTERRUPTED = 130
    """Ctrl-C before the run started, or a third Ctrl-C/SIGTERM: quit at once, no report."""
