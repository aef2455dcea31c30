"""Progress while a test runs: a redrawn live table on a terminal, periodic tables otherwise."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from horde.reports.console import stats_table
from horde.stats.snapshot import StatsSnapshot

TTY_INTERVAL = 1.0
PLAIN_INTERVAL = 5.0
PLAIN_ROW_LIMIT = 25
BAR_WIDTH = 24


@dataclass(frozen=True, slots=True)
class RunStatus:
    state: str
    user_count: int
    target_user_count: int
    elapsed: float


def progress_line(status: RunStatus, snapshot: StatsSnapshot) -> str:
    """``running  users 45/100 [#####.....]  0:00:12  120.5 req/s  0.00% failed``."""
    target = max(status.target_user_count, 1)
    done = min(status.user_count / target, 1.0)
    filled = int(done * BAR_WIDTH)
    bar = "#" * filled + "." * (BAR_WIDTH - filled)
    minutes, seconds = divmod(int(status.elapsed), 60)
    hours, minutes = divmod(minutes, 60)
    total = snapshot.total
    return (
        f"{status.state:<9} users {status.user_count}/{status.target_user_count} [{bar}] "
        f"{hours}:{minutes:02d}:{seconds:02d}  {total.current_rps:.1f} req/s  "
        f"{total.fail_ratio * 100:.2f}% failed"
    )


class LiveTable:
    """Redraws the progress line and the busiest rows of the stats table in place.

    Lines are clipped to the terminal width (a wrapped line would break the redraw). Anything
    else written to the terminal (log records) must call :meth:`clear` first: the frame is
    erased and drawn again below that output at the next :meth:`render`.
    """

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._lines = 0

    def render(self, status: RunStatus, snapshot: StatsSnapshot) -> None:
        size = shutil.get_terminal_size((120, 30))
        rows = max(size.lines - 8, 3)
        frame = progress_line(status, snapshot) + "\n" + stats_table(snapshot, limit=rows)
        width = max(size.columns - 1, 20)
        lines = [
            line if len(line) <= width else line[: width - 1] + "…" for line in frame.split("\n")
        ]
        self.clear()
        self._out.write("\n".join(lines) + "\n")
        self._out.flush()
        self._lines = len(lines)

    def clear(self) -> None:
        """Erase the frame drawn last (the cursor goes back to where it started)."""
        if self._lines:
            self._out.write(f"\x1b[{self._lines}F\x1b[J")
            self._out.flush()
            self._lines = 0

    def finish(self) -> None:
        """Erase the last frame: the final summary replaces it."""
        self.clear()


class PlainTable:
    """Prints the progress line and the table, for CI logs and pipes."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def render(self, status: RunStatus, snapshot: StatsSnapshot) -> None:
        text = stats_table(snapshot, limit=PLAIN_ROW_LIMIT)
        self._out.write(progress_line(status, snapshot) + "\n" + text + "\n\n")
        self._out.flush()

    def clear(self) -> None:
        """Nothing to erase: every table stays in the log."""

    def finish(self) -> None:
        """Nothing to clean up."""


def make_display(out: TextIO, *, tty: bool) -> tuple[LiveTable | PlainTable, float]:
    """The display for ``out`` and its refresh interval in seconds."""
    if tty:
        return LiveTable(out), TTY_INTERVAL
    return PlainTable(out), PLAIN_INTERVAL


SnapshotFn = Callable[[], StatsSnapshot]
StatusFn = Callable[[], RunStatus]
