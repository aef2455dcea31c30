"""Logging for the command: one-line records on stderr (or --logfile)."""

from __future__ import annotations

import logging
import socket
import sys

FORMAT = "[%(asctime)s] {host}/%(levelname)s/%(name)s: %(message)s"


class _HordeHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler horde installed, so a second setup replaces it."""


def setup_logging(level: str, logfile: str | None = None) -> None:
    """Configure the root logger; safe to call again (replaces horde's own handler)."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _HordeHandler)]:
        root.removeHandler(old)
        if old.stream is not sys.stderr:
            old.close()
    stream = open(logfile, "a", encoding="utf-8") if logfile else sys.stderr  # noqa: SIM115
    handler = _HordeHandler(stream)
    handler.setFormatter(logging.Formatter(FORMAT.format(host=socket.gethostname())))
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)
