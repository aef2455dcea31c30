"""REST resources as objects, on a user's recording session: ``self.client.rest("/api/v1/")``.

The Slumber way of writing API calls, without Slumber's URL-per-name problem::

    api = self.client.rest("/api/v1/")
    api.resource.get()                    # GET  /api/v1/resource/    named /api/v1/resource/
    api.resource(7).get()                 # GET  /api/v1/resource/7/  named /api/v1/resource/[id]/
    api.resource.post({"name": "x"})      # POST /api/v1/resource/    (JSON body)
    api.resource(7).comments.get(page=2)  # GET  /api/v1/resource/7/comments/?page=2
    api["options"].get()                  # a segment that is also a method name

Attribute access adds a literal segment, a call adds an id segment (``[id]`` in the statistics
name), keyword arguments of a method are query parameters. Each request is recorded under the
resource's template, so no ``name=`` is needed; ``rename_request()`` still wins. Answers:
2xx with a JSON body gives the decoded JSON (a JSON body that does not parse fails the request and
raises :class:`~horde.exceptions.RestError`), 204/205 or an empty body gives None, another
content type gives the raw bytes, and ``delete()`` gives True, as Slumber does. 4xx raises
:class:`~horde.exceptions.HttpClientError` (:class:`~horde.exceptions.HttpNotFoundError` for
404), 5xx :class:`~horde.exceptions.HttpServerError`, a connection failure
:class:`~horde.exceptions.RestError`; each carries ``response`` and ``content``. Every request
is recorded once, failed or not, before anything is raised.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlsplit

from horde.clients.errors import describe_error
from horde.exceptions import HttpClientError, HttpNotFoundError, HttpServerError, RestError

_JSON_HEADERS = {"Accept": "application/json"}
_NO_BODY = (204, 205)
_UNDECODABLE = object()


class Resource:
    """One REST resource: a URL under the API's base and the template it is recorded under."""

    __slots__ = ("_name", "_path", "_session", "_slash")

    def __init__(self, session: Any, path: str, name: str, slash: bool) -> None:
        self._session = session
        self._path = path
        self._name = name
        self._slash = slash

    def __repr__(self) -> str:
        return f"<Resource {self.url()} as {self.name}>"

    # -- building resources ---------------------------------------------------------------------

    def __getattr__(self, segment: str) -> Resource:
        if segment.startswith("_"):
            raise AttributeError(segment)
        return self[segment]

    def __getitem__(self, segment: str) -> Resource:
        """A literal sub-resource (also for names such as ``get`` or ``url``)."""
        text = str(segment)
        if not text:
            raise RestError("a resource name cannot be empty")
        return self._child(quote(text, safe=""), text)

    def __call__(self, id: Any = None) -> Resource:
        """The member ``id`` of this collection, recorded as ``[id]``; no id: this resource."""
        if id is None:
            return self
        text = str(id)
        if not text:
            raise RestError(f"an empty id for {self.name}")
        return self._child(quote(text, safe=""), "[id]")

    def _child(self, segment: str, label: str) -> Resource:
        path = self._path if self._path.endswith("/") else f"{self._path}/"
        name = self._name if self._name.endswith("/") else f"{self._name}/"
        return Resource(self._session, f"{path}{segment}", f"{name}{label}", self._slash)

    def url(self) -> str:
        """The URL requested (relative to the client's host unless the base was absolute)."""
        return self._finish(self._path)

    @property
    def name(self) -> str:
        """The statistics name of this resource's requests."""
        return self._finish(self._name)

    def _finish(self, path: str) -> str:
        return f"{path}/" if self._slash and not path.endswith("/") else path

    # -- requests -------------------------------------------------------------------------------

    def get(self, **params: Any) -> Any:
        return self._request("GET", None, params)

    def head(self, **params: Any) -> Any:
        return self._request("HEAD", None, params)

    def options(self, **params: Any) -> Any:
        return self._request("OPTIONS", None, params)

    def post(self, data: Any = None, **params: Any) -> Any:
        return self._request("POST", data, params)

    def put(self, data: Any = None, **params: Any) -> Any:
        return self._request("PUT", data, params)

    def patch(self, data: Any = None, **params: Any) -> Any:
        return self._request("PATCH", data, params)

    def delete(self, **params: Any) -> bool:
        self._request("DELETE", None, params)
        return True

    def _request(self, method: str, data: Any, params: dict[str, Any]) -> Any:
        session = self._session
        url = self.url()
        extra: dict[str, Any] = {} if data is None else {"json": data}
        with session.request(
            method,
            url,
            name=session.request_name or self.name,
            params=params or None,
            headers=_JSON_HEADERS,
            catch_response=True,
            **extra,
        ) as response:
            value = _decode(response) if 200 <= response.status_code <= 299 else None
        _raise_for(response, method, url)
        if value is _UNDECODABLE:
            raise RestError(
                f"{method} {url}: the answer is not valid JSON",
                response=response,
                content=response.content,
            )
        return value


def _decode(response: Any) -> Any:
    """The answer's body as Slumber gives it; marks the request failed if its JSON is broken."""
    content = response.content
    if response.status_code in _NO_BODY or not content:
        return None
    content_type = (response.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json" and not content_type.endswith("+json"):
        return content
    try:
        return json.loads(content)
    except ValueError as exc:  # UnicodeDecodeError is a ValueError too
        response.failure(f"the answer is not valid JSON: {exc}")
        return _UNDECODABLE


def _raise_for(response: Any, method: str, url: str) -> None:
    status = response.status_code
    error = getattr(response, "error", None)
    if error is not None or status == 0:
        cause = describe_error(error) if error is not None else "no response"
        raise RestError(f"{method} {url}: {cause}", response=response, content=b"")
    if 400 <= status <= 499:
        kind = HttpNotFoundError if status == 404 else HttpClientError
        raise kind(f"Client Error {status}: {url}", response=response, content=response.content)
    if 500 <= status <= 599:
        raise HttpServerError(
            f"Server Error {status}: {url}", response=response, content=response.content
        )


def rest_api(session: Any, base: str = "/", *, append_slash: bool | None = None) -> Resource:
    """The root resource at ``base`` (absolute, or relative to the session's host).

    Without ``append_slash``, URLs end with "/" when ``base`` does (``/api/v1/`` gives
    ``/api/v1/items/7/``), except for the bare root ``/``, whose resources get none.
    """
    if not isinstance(base, str):
        raise RestError(f"the REST base must be a URL or a path, not {type(base).__name__}")
    if "?" in base or "#" in base:
        raise RestError(
            f"the REST base {base!r} has a query or fragment: pass query parameters to "
            "get()/post()... instead"
        )
    parts = urlsplit(base)
    rooted = (parts.path if parts.scheme else base) in ("", "/")
    slash = (base.endswith("/") and not rooted) if append_slash is None else append_slash
    if not parts.scheme and not base.startswith("/"):
        base = f"/{base}"
    name = parts.path if parts.scheme else base.partition("?")[0]
    return Resource(session, base, name or "/", slash)
