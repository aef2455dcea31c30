"""Endpoint: a request described once and made by any number of users, each with its own state.

An Endpoint is a *template* (path, methods, name, headers, body, sealed), usually declared at
module level. What belongs to one simulated user lives in that user: its last :class:`Result`,
the values its dependencies delivered, and the changes it made through its own view
(:meth:`Endpoint.for_user`). Reading a field through a view gives the user's own value if it set
one after the template last changed, else the template's; a dict or list read through a view is
copied first, so changing it in place stays in that user. A change to the template (assignment
on the Endpoint, before the test or during it) applies to every user, replacing what they had set
for that field.

Nothing here is shared between users except the template, and greenlets of one process never run
in parallel, so no locks are needed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from horde.endpoints.result import Result
from horde.endpoints.state import UserState, checked, next_stamp, owner, placeholders
from horde.endpoints.view import UserEndpoint
from horde.exceptions import EndpointError

logger = logging.getLogger(__name__)

_STATES = "_horde_endpoint_states"


class Dependency:
    """After a successful request of the source, copy ``path`` of its JSON answer into the
    target's values for the same user, under ``into``."""

    __slots__ = ("into", "path", "target", "warned")

    def __init__(self, target: Endpoint, key: str, into: str | None) -> None:
        self.target = target
        self.path = tuple(key.split("."))
        if not key or not all(self.path):
            raise EndpointError(f"a dependency needs a key such as 'player' or 'data.id': {key!r}")
        self.into = into or self.path[-1]
        self.warned = False

    def deliver(self, user: Any, answer: Any, source: Endpoint) -> None:
        value = answer
        for part in self.path:
            if isinstance(value, Mapping) and part in value:
                value = value[part]
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                self._warn(source, f"the answer has no {'.'.join(self.path)!r}")
                return
        self.target.state(user).values[self.into] = value

    def _warn(self, source: Endpoint, why: str) -> None:
        if not self.warned:
            self.warned = True
            logger.warning(
                "%s cannot give %r to %s: %s (said once per dependency)",
                source.name,
                ".".join(self.path),
                self.target.name,
                why,
            )


class Field:
    """An endpoint field as an attribute, read and written through ``get_field``/``set_field``
    (``key`` when the attribute has another name, as Backpack's ``endpoint`` for ``path``)."""

    def __init__(self, key: str | None = None) -> None:
        self.field = key or ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.field = self.field or name

    def __get__(self, obj: Any, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        return obj.get_field(self.field)

    def __set__(self, obj: Any, value: Any) -> None:
        obj.set_field(self.field, value)


class Endpoint:
    """A request template: ``Endpoint("/api/items/{id}", "GET")``.

    ``methods`` is one method or several (then each call names one). ``name`` is the statistics
    name (default: the path template, so ``/api/items/{id}`` groups every id). ``headers`` are
    sent with every request; ``body`` goes into the query string for GET, HEAD, OPTIONS and
    DELETE and is sent as a JSON object otherwise. ``{placeholders}`` in the path are filled from
    the call's keyword arguments and the values dependencies delivered.
    """

    def __init__(
        self,
        path: str,
        methods: str | Iterable[str] = "GET",
        *,
        name: str | None = None,
        headers: Mapping[str, Any] | None = None,
        body: Any = None,
    ) -> None:
        if not isinstance(path, str) or not path:
            raise EndpointError(f"an endpoint needs a path such as '/api/items', got {path!r}")
        self._fields: dict[str, Any] = {}
        self._stamps: dict[str, int] = {}
        self._dependents: list[Dependency] = []
        self.set_template("path", path)
        self.set_template("methods", methods)
        self.set_template("name", name)
        self.set_template("headers", dict(headers) if headers is not None else {})
        self.set_template("body", body if body is not None else {})
        self.set_template("sealed", False)

    def __repr__(self) -> str:
        methods = ", ".join(self.template("methods"))
        return f"<{type(self).__name__} {methods} {self.template('path')}>"

    # -- the template ----------------------------------------------------------------------------

    def template(self, field: str) -> Any:
        """A template field (what users see unless they set their own)."""
        try:
            return self._fields[field]
        except KeyError:
            raise AttributeError(field) from None

    def set_template(self, field: str, value: Any) -> None:
        """Change a field for every user (their own value of it, if any, is dropped)."""
        self._fields[field] = checked(field, value)
        self._stamps[field] = next_stamp()

    path = Field()
    methods = Field()
    headers = Field()
    body = Field()
    sealed = Field()

    def get_field(self, field: str) -> Any:
        """What attribute access reads (the template here; Backpack reads per user)."""
        return self.template(field)

    def set_field(self, field: str, value: Any) -> None:
        """What attribute assignment does (the template here; Backpack writes per user)."""
        self.set_template(field, value)

    @property
    def name(self) -> str:
        """The statistics name (the path template when none was given)."""
        return str(self.get_field("name") or self.get_field("path"))

    @name.setter
    def name(self, value: str | None) -> None:
        self.set_field("name", value)

    # -- users -----------------------------------------------------------------------------------

    def state(self, user: Any) -> UserState:
        """This endpoint's state in ``user`` (a User or one of its TaskSets), created on use."""
        user = owner(user)
        states: dict[Endpoint, UserState] | None = user.__dict__.get(_STATES)
        if states is None:
            states = user.__dict__[_STATES] = {}
        state = states.get(self)
        if state is None:
            state = states[self] = UserState()
        return state

    def for_user(self, user: Any) -> UserEndpoint:
        """This endpoint as ``user`` sees it: read and change its fields for that user only."""
        return UserEndpoint(self, owner(user))

    def call(
        self,
        user: Any,
        method: str | None = None,
        /,
        *,
        headers: Mapping[str, Any] | None = None,
        body: Any = None,
        **params: Any,
    ) -> Result:
        """Make the request as ``user`` (a User or TaskSet); returns and keeps its Result.

        ``headers`` and ``body`` are merged over the endpoint's for this call only; keyword
        arguments fill the path's ``{placeholders}``.
        """
        return self.for_user(user).call(method, headers=headers, body=body, **params)

    def result(self, user: Any) -> Result | None:
        """``user``'s last Result of this endpoint (None before its first call)."""
        return self.for_user(user).result

    def depends_on(self, source: Endpoint, key: str, *, into: str | None = None) -> Endpoint:
        """After each successful request of ``source``, copy ``key`` of its JSON answer into
        this endpoint's request for the same user.

        ``key`` may be a dotted path (``"data.player.id"``); the value lands under ``into``
        (default: the last part of ``key``), which fills the path placeholder of that name if
        there is one, else that key of the body (dotted: nested). Returns self.
        """
        source._dependents.append(Dependency(self, key, into))
        return self

    def deliver(self, user: Any, result: Result) -> None:
        """Hand what this endpoint's successful ``result`` holds to its dependents."""
        if not self._dependents:
            return
        try:
            answer = result.json()
        except ValueError:
            for dependency in self._dependents:
                dependency._warn(self, "its answer is not JSON")
            return
        for dependency in self._dependents:
            dependency.deliver(user, answer, self)

    def placeholders(self) -> list[str]:
        """The ``{names}`` in the template's path."""
        return placeholders(self.template("path"))

    def stamp(self, field: str) -> int:
        """When the template's ``field`` last changed (on the clock per-user changes use)."""
        return self._stamps.get(field, 0)
