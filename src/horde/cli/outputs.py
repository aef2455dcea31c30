"""From Settings to the run's metadata, baseline and outputs (the reports' composition)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from horde.config import Settings, format_timespan
from horde.exceptions import ConfigError
from horde.reports.compare import RunSummary, Tolerance, summary_from_document
from horde.reports.metadata import RunMetadata, files_sha256


def load_description(settings: Settings) -> str:
    """Users, ramp and run time in words (the runner's owner may replace it: shapes, executors)."""
    users = settings.num_users if settings.num_users is not None else 1
    parts = [f"{users} user{'s' if users != 1 else ''}"]
    if settings.spawn_rate:
        parts.append(f"ramp {settings.spawn_rate:g}/s")
    parts.append(f"run time {format_timespan(settings.run_time)}" if settings.run_time else "")
    if settings.tags:
        parts.append("tags " + ",".join(settings.tags))
    return ", ".join(p for p in parts if p)


def build_metadata(
    settings: Settings, locustfiles: Sequence[str], classes: Sequence[Any], worker_count: int = 0
) -> RunMetadata:
    extra = {"user classes": ", ".join(sorted(c.__name__ for c in classes))} if classes else {}
    return RunMetadata(
        locustfiles=tuple(locustfiles),
        locustfile_sha256=files_sha256(list(locustfiles)),
        host=settings.host or _class_host(classes),
        load=load_description(settings),
        worker_count=worker_count,
        extra=extra,
    )


def _class_host(classes: Sequence[Any]) -> str | None:
    hosts = sorted({c.host for c in classes if getattr(c, "host", None)})
    return ", ".join(hosts) if hosts else None


def load_baseline(path: str) -> RunSummary:
    """The ``--baseline`` file, read before the run starts (a bad file is a usage error)."""
    return load_report(path, what="--baseline ", label=f"baseline {Path(path).name}")


def load_report(path: str, *, what: str, label: str) -> RunSummary:
    """A JSON report as a :class:`RunSummary`; ConfigError (one line) when it cannot be used."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ConfigError(f"cannot read {what}{path}: {reason or exc}") from exc
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{what}{path} is not JSON: {exc}") from exc
    return summary_from_document(document, label)


def baseline_tolerance(settings: Settings) -> Tolerance:
    pct = settings.baseline_tolerance
    return Tolerance(latency_pct=pct, rps_pct=pct)
