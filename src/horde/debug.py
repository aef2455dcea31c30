"""run_single_user: run one user in this process, printing each request (for debuggers).

::

    if __name__ == "__main__":
        run_single_user(MyUser)

Runs in the current greenlet until the user stops (``StopUser``/``StopTest``, or Ctrl-C), so
breakpoints in tasks work. horde does not monkey-patch here: blocking calls simply block, which
is fine for a single user.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

from horde.env import Environment
from horde.event import events as default_events
from horde.exceptions import StopTest


class PrintListener:
    """Prints one line per request: type, name, status and, optionally, time/length/context."""

    def __init__(
        self,
        out: TextIO,
        *,
        include_length: bool = False,
        include_time: bool = False,
        include_context: bool = False,
        include_payload: bool = False,
    ) -> None:
        self.out = out
        self.include_length = include_length
        self.include_time = include_time
        self.include_context = include_context
        self.include_payload = include_payload

    def __call__(
        self,
        request_type: str,
        name: str,
        response_time: float | None,
        response_length: int,
        exception: BaseException | str | None = None,
        context: dict[str, Any] | None = None,
        response: Any = None,
        **_: Any,
    ) -> None:
        status = "OK" if exception is None else f"FAIL {exception!r}"
        parts = [f"{request_type:<8}", f"{name:<40}", status]
        if self.include_time and response_time is not None:
            parts.append(f"{response_time:.2f}ms")
        if self.include_length:
            parts.append(f"{response_length}B")
        if self.include_context:
            parts.append(repr(context or {}))
        if self.include_payload and response is not None:
            parts.append(repr(getattr(response, "text", ""))[:200])
        self.out.write(" | ".join(parts) + "\n")


def run_single_user(
    user_class: type[Any],
    include_length: bool = False,
    include_time: bool = False,
    include_context: bool = False,
    include_payload: bool = False,
    loglevel: str | None = "WARNING",
) -> None:
    """Run one ``user_class`` user until it stops, printing every request it makes."""
    if loglevel:
        logging.basicConfig(level=loglevel.upper())
    env = Environment(user_classes=[user_class], events=default_events, catch_exceptions=False)
    listener = PrintListener(
        sys.stdout,
        include_length=include_length,
        include_time=include_time,
        include_context=include_context,
        include_payload=include_payload,
    )
    env.events.request.add_listener(listener)
    runner = env.create_local_runner()
    env.events.init.fire(environment=env, runner=runner, web_ui=None)
    env.events.test_start.fire(environment=env)
    user = user_class(env)
    try:
        user.run()
    except (StopTest, KeyboardInterrupt):
        pass
    finally:
        env.events.request.remove_listener(listener)
        env.events.test_stop.fire(environment=env)
        env.close()
