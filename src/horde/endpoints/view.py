"""UserEndpoint: one endpoint as one user sees it, and the request it makes for that user."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from horde.endpoints.result import Result
from horde.endpoints.state import (
    QUERY_METHODS,
    checked,
    choose_method,
    copied,
    next_stamp,
    placeholders,
)
from horde.exceptions import EndpointError

if TYPE_CHECKING:
    from horde.endpoints.endpoint import Endpoint


class ViewField:
    """A field of the view: the user's own value, else the template's (see ``get``)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.field = name

    def __get__(self, obj: Any, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        return obj.get(self.field)

    def __set__(self, obj: Any, value: Any) -> None:
        obj.set(self.field, value)


class UserEndpoint:
    """``endpoint.for_user(user)``: fields read and written for that user only.

    ``view.headers["Authorization"] = token`` changes this user's headers (the first read of a
    dict or list field copies it); ``view.sealed = True`` seals it for this user; ``view.result``
    is the user's last Result.
    """

    __slots__ = ("_state", "endpoint", "user")

    path = ViewField()
    methods = ViewField()
    headers = ViewField()
    sealed = ViewField()

    def __init__(self, endpoint: Endpoint, user: Any) -> None:
        self.endpoint = endpoint
        self.user = user
        self._state = endpoint.state(user)

    def __repr__(self) -> str:
        return f"<{self.endpoint!r} for {type(self.user).__name__} {id(self.user):#x}>"

    def get(self, field: str, *, private: bool = True) -> Any:
        """The user's value of ``field`` if set after the template last changed, else the
        template's; with ``private``, a dict or list is first copied into the user."""
        overrides = self._state.overrides
        own = overrides.get(field)
        if own is not None:
            if own[0] > self.endpoint.stamp(field):
                return own[1]
            del overrides[field]  # the template changed since: it applies to everyone
        value = self.endpoint.template(field)
        if private and isinstance(value, dict | list):
            value = copied(value)
            overrides[field] = (next_stamp(), value)
        return value

    def set(self, field: str, value: Any) -> None:
        """Set ``field`` for this user only (until the template's ``field`` changes)."""
        self._state.overrides[field] = (next_stamp(), checked(field, value))

    @property
    def name(self) -> str:
        return str(self.get("name", private=False) or self.get("path", private=False))

    @name.setter
    def name(self, value: str | None) -> None:
        self.set("name", value)

    @property
    def body(self) -> Any:
        """The user's body, with the values its dependencies delivered filled in."""
        body = self.get("body")
        return self._with_values(body, self._state.values, copy_path=False)

    @body.setter
    def body(self, value: Any) -> None:
        self.set("body", value)

    @property
    def values(self) -> dict[str, Any]:
        """The values dependencies delivered to this user (placeholders and body keys)."""
        return self._state.values

    @property
    def result(self) -> Result | None:
        """The last Result; a sealed endpoint's is a silent failure."""
        result = self._state.result
        if self.get("sealed", private=False) and (result is None or result.recorded):
            result = self._state.result = Result.silent(self.methods[0], self.path)
        return result

    def call(
        self,
        method: str | None = None,
        /,
        *,
        headers: Mapping[str, Any] | None = None,
        body: Any = None,
        **params: Any,
    ) -> Result:
        """Make the request for this user (see :meth:`Endpoint.call`)."""
        verb = choose_method(self.get("methods", private=False), method, self.name)
        template = self.get("path", private=False)
        if self.get("sealed", private=False):
            result = self._state.result = Result.silent(verb, template)
            return result
        values = self._state.values
        path = _fill(template, values, params, self.name)
        payload = self._payload(template, body, values)
        sent = {**self.get("headers", private=False), **(headers or {})}
        if verb in QUERY_METHODS:
            extra: dict[str, Any] = {"params": payload or None}
        else:
            extra = {"json": payload}
        with _client(self.user).request(
            verb, path, name=self.name, headers=sent or None, catch_response=True, **extra
        ) as response:
            status = response.status_code
            ok = getattr(response, "error", None) is None and 200 <= status < 400
            if ok:
                response.success()
            elif 0 < status < 200:
                response.failure(f"unexpected status {status} for {self.name}")
        result = self._state.result = Result(ok, status, verb, path, response)
        if ok:
            self.endpoint.deliver(self.user, result)
        return result

    def _payload(self, template: str, body: Any, values: dict[str, Any]) -> Any:
        base = self.get("body", private=False)
        if body is not None:
            base = {**base, **body} if isinstance(base, dict) and isinstance(body, dict) else body
        in_path = set(placeholders(template))
        own = {k: v for k, v in values.items() if k not in in_path}
        return self._with_values(base, own, copy_path=True) if own else base

    def _with_values(self, body: Any, values: Mapping[str, Any], *, copy_path: bool) -> Any:
        if not values:
            return body
        if not isinstance(body, dict):
            raise EndpointError(
                f"{self.name}: dependency values need a JSON object body, not {type(body).__name__}"
            )
        in_path = set(placeholders(self.get("path", private=False)))
        out = dict(body) if copy_path else body
        for into, value in values.items():
            if into not in in_path:
                _set_path(out, into.split("."), value, copy_path=copy_path)
        return out


def _set_path(target: dict[str, Any], parts: list[str], value: Any, *, copy_path: bool) -> None:
    """``target[a][b][c] = value`` for ``a.b.c``; nested dicts are copied on the way when
    ``copy_path`` (so a template's nested dict is never changed), created when missing."""
    for part in parts[:-1]:
        inner = target.get(part)
        inner = dict(inner) if isinstance(inner, dict) and copy_path else inner
        if not isinstance(inner, dict):
            inner = {}
        target[part] = inner
        target = inner
    target[parts[-1]] = value


def _fill(template: str, values: Mapping[str, Any], params: Mapping[str, Any], name: str) -> str:
    names = placeholders(template)
    unknown = [key for key in params if key not in names]
    if unknown:
        raise EndpointError(f"{name} has no {{{unknown[0]}}} in its path {template!r}")
    path = template
    for key in names:
        if key in params:
            value = params[key]
        elif key in values:
            value = values[key]
        else:
            raise EndpointError(f"{name} needs a value for {{{key}}}: pass {key}=... to call()")
        path = path.replace(f"{{{key}}}", quote(str(value), safe=""))
    return path


def _client(user: Any) -> Any:
    client = getattr(user, "client", None)
    if client is None or not hasattr(client, "request"):
        raise EndpointError(
            f"{type(user).__name__} has no HTTP client: endpoints need an HttpUser or FastHttpUser"
        )
    return client
