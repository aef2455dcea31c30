"""Output plugins for the entry-point tests (loaded by ``EntryPoint.load`` by module name)."""

from __future__ import annotations

from typing import Any

from horde.reports.output import BaseOutput, Report

FINISHED: list[Report] = []


class Recording(BaseOutput):
    name = "recording"

    def finish(self, report: Report) -> None:
        FINISHED.append(report)


def make(settings: Any) -> Recording | None:
    return Recording() if settings.extra.get("recording") else None


def broken(settings: Any) -> None:
    raise RuntimeError("plugin exploded")


def not_an_output(settings: Any) -> object:
    return object()
