"""What a report says about the run besides its statistics: who ran what, where, when, and
whether the thresholds held.

Both shapes are small frozen dataclasses so that every output (and third-party ones) can rely on
them without importing the runner or the command line: ``cli`` builds :class:`RunMetadata` from
Settings, and the runner's threshold evaluation (issue 7) produces :class:`ThresholdOutcome`
values that reports only display.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import os
import platform
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from horde._version import __version__


@dataclass(frozen=True, slots=True)
class ThresholdOutcome:
    """One threshold after evaluation, as reports show it.

    ``expression`` is the threshold as the user wrote it (``"p95<300ms"``, ``"GET /x: p99<1s"``),
    ``observed`` the measured value it was checked against (None when there was nothing to
    measure, e.g. no request of that name), ``passed`` whether it held.
    """

    expression: str
    observed: float | None
    passed: bool
    text: str = ""
    """The observed value as the summary shows it, with its unit ("212.4 ms", "1.8%")."""

    def to_dict(self) -> dict[str, Any]:
        observed = self.observed
        if observed is not None and not math.isfinite(observed):
            observed = None  # JSON has no NaN or infinity
        return {"expression": self.expression, "observed": observed, "passed": self.passed}


@dataclass(frozen=True, slots=True)
class Machine:
    """Where the load was generated (the master's machine in a distributed run)."""

    hostname: str
    platform: str
    python: str
    cpu_count: int

    @classmethod
    def this(cls) -> Machine:
        return cls(
            hostname=socket.gethostname(),
            platform=platform.platform(terse=True),
            python=platform.python_version(),
            cpu_count=os.cpu_count() or 1,
        )

    def describe(self) -> str:
        return f"{self.hostname} ({self.platform}, {self.cpu_count} CPUs, Python {self.python})"


@dataclass(frozen=True, slots=True)
class RunMetadata:
    """The run a report describes. Times are epoch seconds; ``end_time`` is None while running.

    ``load`` describes users, ramp, shape or executor in words ("20 users, 10/s ramp, 15 s");
    the runner's owner fills it from whatever drives the load. ``extra`` carries further
    ``key: text`` lines a later feature wants shown without a change of this class.
    """

    horde_version: str = __version__
    locustfiles: tuple[str, ...] = ()
    locustfile_sha256: str | None = None
    host: str | None = None
    load: str = ""
    start_time: float | None = None
    end_time: float | None = None
    machine: Machine = field(default_factory=Machine.this)
    worker_count: int = 0
    """0 for a local run; the number of connected workers for a master."""
    thresholds: tuple[ThresholdOutcome, ...] = ()
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def locustfile(self) -> str:
        return ", ".join(Path(p).name for p in self.locustfiles)

    @property
    def duration(self) -> float | None:
        if self.start_time is None or self.end_time is None:
            return None
        return max(self.end_time - self.start_time, 0.0)

    def replace(self, **changes: Any) -> RunMetadata:
        return dataclasses.replace(self, **changes)

    def with_thresholds(self, outcomes: Sequence[ThresholdOutcome]) -> RunMetadata:
        return self.replace(thresholds=tuple(outcomes))

    def to_dict(self) -> dict[str, Any]:
        return {
            "horde_version": self.horde_version,
            "locustfile": self.locustfile,
            "locustfiles": list(self.locustfiles),
            "locustfile_sha256": self.locustfile_sha256,
            "host": self.host,
            "load": self.load,
            "start_time": self.start_time,
            "end_time": self.end_time,
            "duration": self.duration,
            "machine": dataclasses.asdict(self.machine),
            "worker_count": self.worker_count,
            "extra": dict(self.extra),
        }


def files_sha256(paths: Sequence[str | Path]) -> str | None:
    """SHA-256 over the files' bytes in order (one file: its plain sha256sum); None if unreadable.

    A directory given as locustfile is hashed over its ``*.py`` files in sorted order.
    """
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    if not files:
        return None
    digest = hashlib.sha256()
    try:
        for path in files:
            digest.update(path.read_bytes())
    except OSError:
        return None
    return digest.hexdigest()
