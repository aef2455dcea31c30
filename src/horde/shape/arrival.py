"""Arrival-rate schedules: when the i-th iteration of an open-model test is due.

Pure functions of time. A schedule is a list of segments, each with a start and end rate
(iterations per second) and a duration; the rate changes linearly within a segment (k6's
``ramping-arrival-rate``; a constant rate is one segment with equal ends). The number of
iterations due by time ``t`` is the integral of the rate, ``N(t)``; iteration ``i`` (from 0) is
due at the ``t`` where ``N(t) = i``, so iterations arrive at the exact rate however slow the
target is, and their intended start times never depend on when the previous ones ran.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from horde.exceptions import ConfigError, TimespanError
from horde.timespan import parse_timespan

MAX_RATE = 1_000_000.0
"""Iterations per second one process may be asked for (far above what it can start)."""


@dataclass(frozen=True, slots=True)
class Segment:
    duration: float
    start_rate: float
    end_rate: float

    @property
    def iterations(self) -> float:
        return (self.start_rate + self.end_rate) / 2.0 * self.duration


@dataclass(frozen=True, slots=True)
class RateSchedule:
    """Segments one after the other; the schedule ends after the last one (``duration``),
    or never when ``open_ended`` (a constant rate with no duration runs until stopped)."""

    segments: tuple[Segment, ...]
    open_ended: bool = False

    @property
    def duration(self) -> float:
        return math.inf if self.open_ended else sum(s.duration for s in self.segments)

    def rate_at(self, elapsed: float) -> float:
        """Iterations per second at ``elapsed`` seconds (0 after the end)."""
        start = 0.0
        for segment in self.segments:
            if elapsed < start + segment.duration:
                fraction = (elapsed - start) / segment.duration
                return segment.start_rate + (segment.end_rate - segment.start_rate) * fraction
            start += segment.duration
        if self.open_ended and self.segments:
            return self.segments[-1].end_rate
        return 0.0

    def due(self, index: int) -> float | None:
        """Seconds after the start at which iteration ``index`` is due (None: never)."""
        target = float(index)
        start = 0.0
        done = 0.0
        for segment in self.segments:
            if done + segment.iterations > target:
                return start + _solve(segment, target - done)
            done += segment.iterations
            start += segment.duration
        if self.open_ended and self.segments and self.segments[-1].end_rate > 0:
            return start + (target - done) / self.segments[-1].end_rate
        return None


def _solve(segment: Segment, count: float) -> float:
    """The time into ``segment`` at which ``count`` iterations of it have become due.

    N(tau) = r0 tau + (r1 - r0) tau^2 / (2 d); the root is taken in the numerically stable form.
    """
    r0, r1, d = segment.start_rate, segment.end_rate, segment.duration
    slope = (r1 - r0) / d
    if slope == 0 or (r0 > 0 and abs(slope) * d <= 1e-12 * r0):  # constant, or as good as
        return min(count / r0, d) if r0 > 0 else d
    disc = r0 * r0 + 2.0 * slope * count
    root = math.sqrt(max(disc, 0.0))
    if r0 + root > 0:
        return min(2.0 * count / (r0 + root), d)
    return min(math.sqrt(2.0 * count / slope), d) if slope > 0 else d


_RATE_STAGE = re.compile(r"^\s*(?P<duration>[^:]+?)\s*:\s*(?P<rate>[^:]+?)\s*$")


def parse_arrival_rate(text: str, *, start_rate: float = 0.0) -> RateSchedule:
    """``"200"`` (a constant rate until the run ends) or ``"30s:50,1m:200,30s:0"`` (ramping:
    each stage moves linearly from the previous rate to its own over its duration)."""
    parts = [part for part in text.split(",") if part.strip()]
    if not parts:
        raise ConfigError("--arrival-rate needs a rate, e.g. --arrival-rate 100")
    if len(parts) == 1 and ":" not in parts[0]:
        rate = _rate(parts[0], text)
        return RateSchedule((Segment(1.0, rate, rate),), open_ended=True)
    segments = []
    previous = start_rate
    for part in parts:
        match = _RATE_STAGE.match(part)
        if match is None:
            raise ConfigError(
                f"invalid arrival-rate stage {part.strip()!r}: use DURATION:RATE, e.g. 30s:100"
            )
        try:
            duration = parse_timespan(match["duration"])
        except TimespanError as exc:
            raise ConfigError(f"invalid arrival-rate stage {part.strip()!r}: {exc}") from None
        if duration <= 0:
            raise ConfigError(f"invalid arrival-rate stage {part.strip()!r}: duration must be > 0")
        rate = _rate(match["rate"], part.strip(), allow_zero=True)
        segments.append(Segment(duration, previous, rate))
        previous = rate
    return RateSchedule(tuple(segments))


def _rate(raw: str, where: str, *, allow_zero: bool = False) -> float:
    try:
        rate = float(raw)
    except ValueError:
        rate = math.nan
    low_ok = rate >= 0 if allow_zero else rate > 0
    if not (low_ok and rate <= MAX_RATE):
        low = "0 or more" if allow_zero else "above 0"
        raise ConfigError(
            f"invalid arrival rate {raw.strip()!r} in {where!r}: use a number {low} and at most "
            f"{MAX_RATE:,.0f} (iterations per second)"
        )
    return rate


def format_schedule(schedule: RateSchedule) -> str:
    if schedule.open_ended:
        return f"{schedule.segments[-1].end_rate:g}/s"
    return ",".join(f"{s.duration:g}s:{s.end_rate:g}" for s in schedule.segments)


def constant_schedule(rate: float, duration: float | None = None) -> RateSchedule:
    """A constant rate, for ``duration`` seconds or until stopped."""
    if duration is None:
        return RateSchedule((Segment(1.0, rate, rate),), open_ended=True)
    return RateSchedule((Segment(duration, rate, rate),))


def ramping_schedule(
    stages: Sequence[tuple[float, float]], start_rate: float = 0.0
) -> RateSchedule:
    """Stages of (duration, target rate), each a linear ramp from the previous rate."""
    segments = []
    previous = start_rate
    for duration, rate in stages:
        segments.append(Segment(duration, previous, rate))
        previous = rate
    return RateSchedule(tuple(segments))
