"""Per-user state of endpoints and the rules every field follows (shared by Endpoint and its
per-user view)."""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Iterable
from typing import Any

from horde.endpoints.result import Result
from horde.exceptions import EndpointError, MissingMethodError
from horde.user.task import TaskSet

FIELDS = ("path", "methods", "name", "headers", "body", "sealed")
QUERY_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})
"""Methods that send the body as query parameters; the others send it as a JSON object."""
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_clock = itertools.count(1)
"""One sequence for template changes and per-user changes: the later one wins."""


def owner(caller: Any) -> Any:
    """The simulated user behind ``caller`` (a User, or a TaskSet of one)."""
    return caller.user if isinstance(caller, TaskSet) else caller


def normalise_methods(methods: str | Iterable[str]) -> tuple[str, ...]:
    """``"post"`` or ``["post", "get"]`` as ``("POST",)`` / ``("POST", "GET")``."""
    items = [methods] if isinstance(methods, str) else list(methods) if _iterable(methods) else []
    if not items or not all(isinstance(m, str) and m.strip() for m in items):
        raise EndpointError(f"an endpoint needs one or more methods, got {methods!r}")
    return tuple(dict.fromkeys(m.strip().upper() for m in items))


def _iterable(value: Any) -> bool:
    try:
        iter(value)
    except TypeError:
        return False
    return True


class UserState:
    """What one user has of one endpoint."""

    __slots__ = ("attached", "overrides", "result", "values")

    def __init__(self) -> None:
        self.overrides: dict[str, tuple[int, Any]] = {}
        self.values: dict[str, Any] = {}
        self.result: Result | None = None
        self.attached = False


def next_stamp() -> int:
    return next(_clock)


def checked(field: str, value: Any) -> Any:
    """``value`` as a field holds it (methods normalised, paths and sealed checked)."""
    if field == "methods":
        return normalise_methods(value)
    if field == "path" and (not isinstance(value, str) or not value):
        raise EndpointError(f"an endpoint needs a path such as '/api/items', got {value!r}")
    if field == "sealed":
        return bool(value)
    return value


def choose_method(methods: tuple[str, ...], method: str | None, name: str) -> str:
    """The method of one call; MissingMethodError if none given for several, or not supported."""
    if method is None:
        if len(methods) == 1:
            return methods[0]
        raise MissingMethodError(
            f"{name} supports {', '.join(methods)}: name the method of the request"
        )
    verb = str(method).upper()
    if verb not in methods:
        raise MissingMethodError(
            f"{name} was called with {verb} but supports only {', '.join(methods)}"
        )
    return verb


def copied(value: Any) -> Any:
    """A private copy of a mutable field value (dicts and lists, deeply)."""
    return copy.deepcopy(value) if isinstance(value, dict | list) else value


def placeholders(path: str) -> list[str]:
    """The ``{names}`` in a path template."""
    return _PLACEHOLDER.findall(path)
