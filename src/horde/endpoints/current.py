"""Which simulated user is running this code: the implicit ``self`` of Backpack's API.

Backpack's calls (``SessionStart.Request()``, ``if EventInit:``, ``EventInit.body[...] = ...``)
name no user. The user is found from the running greenlet: the one ``attach()``/``Unzip()``
bound to a user, else the greenlet a runner spawned for a User (its ``run`` is that user's bound
method), else the same for the greenlet that spawned it, and so on up. Outside any user (module
level, event listeners) there is none, and Backpack's changes apply to every user.
"""

from __future__ import annotations

import weakref
from typing import Any

import gevent

from horde.user.users import User

_MAX_DEPTH = 32
_bound: weakref.WeakKeyDictionary[Any, weakref.ref[Any]] = weakref.WeakKeyDictionary()
_last_user: weakref.ref[Any] | None = None


def bind(user: Any) -> None:
    """Make the current greenlet (and the user's own) belong to ``user``."""
    global _last_user
    ref = weakref.ref(user)
    _bound[gevent.getcurrent()] = ref
    own = getattr(user, "greenlet", None)
    if own is not None:
        _bound[own] = ref
    _last_user = ref


def current_user() -> Any | None:
    """The user the running greenlet belongs to, or None."""
    greenlet: Any = gevent.getcurrent()
    for _ in range(_MAX_DEPTH):
        if greenlet is None:
            return None
        ref = _bound.get(greenlet)
        user = ref() if ref is not None else None
        if user is None:
            user = getattr(getattr(greenlet, "_run", None), "__self__", None)
            if not isinstance(user, User):
                user = None
        if user is not None:
            return user
        parent = getattr(greenlet, "spawning_greenlet", None)
        greenlet = parent() if parent is not None else None
    return None


def last_user() -> Any | None:
    """The user that attached endpoints most recently (for calls made outside any user)."""
    return _last_user() if _last_user is not None else None
