"""Record any Python call as a request: the non-HTTP case in one line.

Two spellings, both ending in the same ``request`` event HttpSession fires::

    # a block
    with self.environment.events.request.measure("redis", "GET session"):
        redis_client.get(key)

    # a method of a User, TaskSet or client object (anything with ``environment``, ``user`` or
    # ``request_event``): every call is timed and recorded; an exception marks it failed
    class MyUser(User):
        @task
        @measured("grpc", name="Login")
        def login(self):
            self.stub.Login(request)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from horde.clients.errors import begin_request, end_request
from horde.event import RequestEventHook

R = TypeVar("R")


def request_hook_of(owner: Any) -> RequestEventHook:
    """The ``request`` event reachable from a User, TaskSet or custom client object."""
    hook = getattr(owner, "request_event", None)
    if isinstance(hook, RequestEventHook):
        return hook
    environment = getattr(owner, "environment", None)
    if environment is None:
        user = getattr(owner, "user", None)
        environment = getattr(user, "environment", None)
    if environment is None:
        raise TypeError(
            f"@measured needs self.environment, self.user or self.request_event; "
            f"{type(owner).__name__} has none"
        )
    request: RequestEventHook = environment.events.request
    return request


def user_of(owner: Any) -> Any:
    """The User behind ``owner`` (a User, or a TaskSet or client with ``user``), if any."""
    if hasattr(owner, "_begin_request"):
        return owner
    return getattr(owner, "user", None)


def measured(
    request_type: str,
    name: str | None = None,
    *,
    length: Callable[[Any], int] | None = None,
) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """Decorate a method so each call is recorded as a request of ``request_type``.

    ``name`` defaults to the function name; ``length`` computes ``response_length`` from the
    return value (e.g. ``length=len``).
    """

    def decorate(func: Callable[..., R]) -> Callable[..., R]:
        label = name or func.__name__

        @functools.wraps(func)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> R:
            hook = request_hook_of(self)
            user = user_of(self)
            begin_request(user)  # a stop lets the call finish, as it does an HTTP request
            try:
                with hook.measure(request_type, label) as meta:
                    result = func(self, *args, **kwargs)
                    if length is not None:
                        meta["response_length"] = length(result)
                    return result
            finally:
                end_request(user)

        return wrapper

    return decorate
