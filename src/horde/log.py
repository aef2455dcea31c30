"""Logging setup: one-line records on stderr (or a file). ``locust.log`` is this module.

The ``horde`` command calls :func:`setup_logging`; scripts call it as they would Locust's
``locust.log.setup_logging("INFO")``. It lives below every other layer (stdlib only) so that the
command and library users share one implementation: a second call replaces the handler the
first installed instead of printing every record twice.
"""

from __future__ import annotations

import logging
import socket
import sys

FORMAT = "[%(asctime)s] {host}/%(levelname)s/%(name)s: %(message)s"


class _HordeHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler horde installed, so a second setup replaces it."""


def setup_logging(loglevel: str, logfile: str | None = None) -> None:
    """Configure the root logger at ``loglevel`` (any case, as in Locust); safe to call again."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _HordeHandler)]:
        root.removeHandler(old)
        if old.stream is not sys.stderr:
            old.close()
    stream = open(logfile, "a", encoding="utf-8") if logfile else sys.stderr  # noqa: SIM115
    handler = _HordeHandler(stream)
    handler.setFormatter(logging.Formatter(FORMAT.format(host=socket.gethostname())))
    root.addHandler(handler)
    root.setLevel(loglevel.upper())
    logging.captureWarnings(True)
