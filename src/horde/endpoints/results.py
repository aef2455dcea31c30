"""save_results(): the statistics so far as a result archive (Backpack's ``Zip()``).

Backpack's ``Zip()`` downloaded Locust's CSV files from the web UI at http://localhost:8089 and
plotted them. Here the archive comes from the run's own statistics in this process (no HTTP, so
headless runs work too), through the same code as ``--archive``: a date-stamped folder with the
CSV files, the HTML report, the JSON report, PNG plots, the locustfile and the settings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from horde.reports.archive import archive_environment


def save_results(
    environment: Any,
    directory: str | Path | None = None,
    *,
    stem: str = "results",
    make_zip: bool = False,
) -> Path:
    """Archive the statistics of ``environment`` now into a new ``STEM-YYYYMMDD-HHMMSS`` folder
    under ``directory`` (default: the current directory) and return the folder.

    Raises :class:`~horde.exceptions.OutputError` if the folder or a file cannot be written.
    """
    parent = Path(directory) if directory is not None else Path.cwd()
    return archive_environment(environment, parent, make_zip=make_zip, stem=stem)
