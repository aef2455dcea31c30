"""``--stages "30s:100@10,1m:100,30s:0"``: a load shape written as a list of stages.

Each stage is ``DURATION:USERS[@RATE]``. During a stage the test moves to ``USERS`` users: at
``RATE`` users per second when given, otherwise linearly over the whole stage (k6's
``ramping-vus``: ``30s:100`` after 0 users starts about 3.3 users a second). After the last stage
the test ends. ``USERS`` of the first stage start from 0.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from horde.exceptions import ConfigError, TimespanError
from horde.shape.base import Target
from horde.timespan import parse_timespan

_STAGE = re.compile(
    r"^\s*(?P<duration>[^:@]+?)\s*:\s*(?P<users>[^:@]+?)\s*(?:@\s*(?P<rate>.+?))?\s*$"
)


@dataclass(frozen=True, slots=True)
class Stage:
    duration: float
    """Seconds this stage lasts."""
    users: int
    spawn_rate: float | None = None
    """Users started or stopped per second; None: spread the change over the stage."""


def parse_stages(text: str | Sequence[str], *, limit: int | None = None) -> tuple[Stage, ...]:
    """Parse ``"30s:100@10,1m:100,30s:0"`` (or a list of such items, as from a config file)."""
    items = [text] if isinstance(text, str) else list(text)
    parts = [part for item in items for part in str(item).split(",") if part.strip()]
    if not parts:
        raise ConfigError("--stages needs at least one stage, e.g. --stages 30s:100,1m:100,30s:0")
    return tuple(_parse_stage(part, limit) for part in parts)


def _parse_stage(part: str, limit: int | None) -> Stage:
    match = _STAGE.match(part)
    if match is None:
        raise ConfigError(
            f"invalid stage {part.strip()!r}: use DURATION:USERS[@RATE], e.g. 30s:100@10"
        )
    try:
        duration = parse_timespan(match["duration"])
    except TimespanError as exc:
        raise ConfigError(f"invalid stage {part.strip()!r}: {exc}") from None
    if duration <= 0:
        raise ConfigError(f"invalid stage {part.strip()!r}: the duration must be above 0")
    try:
        users = int(match["users"])
    except ValueError:
        raise ConfigError(
            f"invalid stage {part.strip()!r}: users must be a whole number, got {match['users']!r}"
        ) from None
    if users < 0 or (limit is not None and users > limit):
        top = f" and at most {limit:,}" if limit is not None else ""
        raise ConfigError(f"invalid stage {part.strip()!r}: users must be 0 or more{top}")
    rate = None
    if match["rate"] is not None:
        try:
            rate = float(match["rate"])
        except ValueError:
            rate = float("nan")
        if not rate > 0 or rate == float("inf"):
            raise ConfigError(
                f"invalid stage {part.strip()!r}: the rate after @ must be a number above 0"
            )
    return Stage(duration, users, rate)


def format_stages(stages: Sequence[Stage]) -> str:
    """Stages back as text (for the summary, the web UI and reports)."""
    out = []
    for stage in stages:
        rate = f"@{stage.spawn_rate:g}" if stage.spawn_rate is not None else ""
        out.append(f"{stage.duration:g}s:{stage.users}{rate}")
    return ",".join(out)


class StagesShape:
    """The stages as a shape: :meth:`target_at` gives the target at a time since the start."""

    def __init__(self, stages: Sequence[Stage]) -> None:
        self.stages = tuple(stages)
        self.duration = sum(stage.duration for stage in self.stages)

    def target_at(self, elapsed: float) -> Target | None:
        previous = 0
        end = 0.0
        for stage in self.stages:
            end += stage.duration
            if elapsed < end:
                return Target(stage.users, self._rate(stage, previous))
            previous = stage.users
        return None

    @staticmethod
    def _rate(stage: Stage, previous: int) -> float:
        if stage.spawn_rate is not None:
            return stage.spawn_rate
        change = abs(stage.users - previous)
        return change / stage.duration if change else 1.0
