"""save_results(): the statistics so far, as CSV files and JSON, in a date-stamped folder.

Backpack's ``Zip()`` downloaded Locust's CSV files from the web UI at http://localhost:8089 and
plotted them. Here the files come from the run's own statistics in this process (no HTTP, so
headless runs work too), through the same writers as ``--csv`` and ``--json-file``:
``horde_stats.csv``, ``horde_failures.csv``, ``horde_exceptions.csv``,
``horde_failure_samples.csv``, ``horde_stats_history.csv`` (one row: the moment of the call;
``--csv`` keeps the whole history) and ``horde.json``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from horde.exceptions import OutputError
from horde.reports.csv import CsvWriter
from horde.reports.json import stats_document, write_json_file

PREFIX = "horde"
_MAX_SAME_SECOND = 1000


def save_results(
    environment: Any, directory: str | Path | None = None, *, stem: str = "results"
) -> Path:
    """Write the statistics of ``environment`` into ``directory`` (default: a new folder
    ``STEM_YYYY-MM-DD_HH-MM-SS`` in the current directory) and return the folder.

    Raises :class:`~horde.exceptions.OutputError` if the folder or a file cannot be written.
    """
    folder = Path(directory) if directory is not None else _new_folder(Path.cwd(), stem)
    runner = getattr(environment, "runner", None)
    snapshot = environment.stats.snapshot(getattr(runner, "user_count", 0))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {folder}: {exc.strerror or exc}") from exc
    writer = CsvWriter(str(folder / PREFIX))
    try:
        writer.append_history(snapshot)
        writer.write_tables(snapshot)
    finally:
        writer.close()
    write_json_file(str(folder / PREFIX), stats_document(snapshot, environment.stats.buckets()))
    return folder


def _new_folder(parent: Path, stem: str) -> Path:
    """Create ``parent/STEM_<local date and time>`` (``-2``, ``-3``... if it already exists)."""
    base = f"{stem}_{time.strftime('%Y-%m-%d_%H-%M-%S')}"
    for attempt in range(1, _MAX_SAME_SECOND):
        folder = parent / (base if attempt == 1 else f"{base}-{attempt}")
        try:
            folder.mkdir(parents=True)
        except FileExistsError:
            continue
        except OSError as exc:
            raise OutputError(f"cannot create {folder}: {exc.strerror or exc}") from exc
        return folder
    raise OutputError(f"too many result folders named {base} in {parent}")
