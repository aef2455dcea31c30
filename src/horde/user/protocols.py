"""What the user layer needs from its Environment (:class:`horde.env.Environment` has it)."""

from __future__ import annotations

from typing import Any, Protocol

from horde._types import SleepingClock
from horde.event import Events


class UserEnvironment(Protocol):
    """The slice of the Environment that users and task sets touch."""

    events: Events
    clock: SleepingClock
    catch_exceptions: bool
    host: str | None
    runner: Any
    parsed_options: Any
