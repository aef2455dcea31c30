"""Locust 0.x names, still runnable: ``Locust`` and ``HttpLocust`` (now User and HttpUser).

Subclassing them logs a one-line deprecation notice; the class then behaves like a User or
HttpUser (``task_set``, ``min_wait``/``max_wait`` are handled by the User metaclass), with one
0.x default kept: without ``min_wait``/``max_wait``/``wait_time``, a user waited one second
between tasks (``min_wait = max_wait = 1000``), not zero.
"""

from __future__ import annotations

from typing import Any

from horde.event import deprecation_notice
from horde.user.users import HttpUser, User
from horde.user.wait_time import constant

LEGACY_DEFAULT_WAIT = constant(1.0)


class Locust(User):
    """Locust 0.x name of :class:`~horde.user.users.User`."""

    abstract = True
    wait_time = LEGACY_DEFAULT_WAIT

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        deprecation_notice("Locust", f"{cls.__name__} subclasses Locust; subclass User instead")


class HttpLocust(HttpUser):
    """Locust 0.x name of :class:`~horde.user.users.HttpUser`."""

    abstract = True
    wait_time = LEGACY_DEFAULT_WAIT

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        deprecation_notice(
            "HttpLocust", f"{cls.__name__} subclasses HttpLocust; subclass HttpUser instead"
        )
