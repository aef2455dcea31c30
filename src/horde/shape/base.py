"""LoadTestShape: a class in the locustfile that decides the user count second by second.

Locust's contract, kept exactly: the runner calls :meth:`LoadTestShape.tick` about once a second;
it returns ``(user_count, spawn_rate)``, ``(user_count, spawn_rate, user_classes)`` or ``None``
to end the test. The runner applies a tick only when it differs from the previous one.

The shape's notion of time is the runner's clock (real time under the ``horde`` command, virtual
time under :class:`horde.testing.FakeClock`), so shapes are tested without waiting.
"""

from __future__ import annotations

import math
from abc import ABCMeta, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from horde._types import Clock
from horde.clock import SYSTEM_CLOCK
from horde.exceptions import LocustfileError
from horde.user.users import User


class LoadTestShapeMeta(ABCMeta):
    """Makes every subclass concrete (``abstract = False``) unless it says otherwise."""

    def __new__(
        mcs, name: str, bases: tuple[type, ...], attrs: dict[str, Any]
    ) -> LoadTestShapeMeta:
        attrs.setdefault("abstract", False)
        return super().__new__(mcs, name, bases, attrs)


class LoadTestShape(metaclass=LoadTestShapeMeta):
    """Base class of custom load shapes (Locust's ``LoadTestShape``)."""

    runner: Any = None
    """The runner driving this shape (set when the runner is created)."""
    abstract: ClassVar[bool] = True
    use_common_options: ClassVar[bool] = False
    """If True, -u, -r and -t keep their meaning; the shape reads them from
    ``self.runner.environment.parsed_options``."""

    def __init__(self) -> None:
        self.start_time = self._clock().monotonic()

    def _clock(self) -> Clock:
        runner = self.runner
        environment = getattr(runner, "environment", None)
        clock: Clock = getattr(environment, "clock", SYSTEM_CLOCK)
        return clock

    def reset_time(self) -> None:
        """Start counting :meth:`get_run_time` from now."""
        self.start_time = self._clock().monotonic()

    def get_run_time(self) -> float:
        """Seconds since the test started (or since :meth:`reset_time`)."""
        return self._clock().monotonic() - self.start_time

    def get_current_user_count(self) -> int:
        """The number of users running now."""
        return int(self.runner.user_count)

    @abstractmethod
    def tick(self) -> tuple[Any, ...] | None:
        """``(user_count, spawn_rate[, user_classes])``, or None to stop the test."""


@dataclass(frozen=True, slots=True)
class Target:
    """One validated tick: how many users, how fast to get there, and of which classes."""

    users: int
    spawn_rate: float
    user_classes: tuple[Any, ...] | None = None


def target_of(tick: object, shape_name: str) -> Target | None:
    """Validate what ``tick()`` returned; a malformed tick names the shape and the problem."""
    if tick is None:
        return None
    if not isinstance(tick, tuple | list) or len(tick) not in (2, 3):
        raise LocustfileError(
            f"{shape_name}.tick() must return (user_count, spawn_rate), (user_count, spawn_rate,"
            f" user_classes) or None, got {tick!r}"
        )
    users, rate = tick[0], tick[1]
    classes = tick[2] if len(tick) == 3 else None
    if isinstance(users, bool) or not isinstance(users, int | float) or not users >= 0:
        raise LocustfileError(f"{shape_name}.tick(): user count must be 0 or more, got {users!r}")
    if int(users) != users:
        raise LocustfileError(f"{shape_name}.tick(): user count must be whole, got {users!r}")
    if (
        isinstance(rate, bool)
        or not isinstance(rate, int | float)
        or not rate > 0
        or not math.isfinite(rate)
    ):
        raise LocustfileError(
            f"{shape_name}.tick(): spawn rate must be a number above 0, got {rate!r}"
        )
    if classes is not None and (
        isinstance(classes, str)
        or not isinstance(classes, Sequence)
        or not all(isinstance(c, type) and issubclass(c, User) for c in classes)
    ):
        raise LocustfileError(
            f"{shape_name}.tick(): user_classes must be a list of User classes, got {classes!r}"
        )
    return Target(int(users), float(rate), tuple(classes) if classes is not None else None)


def is_shape_class(value: object) -> bool:
    """A concrete LoadTestShape subclass (what a locustfile may define)."""
    return (
        isinstance(value, type)
        and issubclass(value, LoadTestShape)
        and value is not LoadTestShape
        and not getattr(value, "abstract", True)
    )
