"""``rename_request()``, URL grouping and ``rest()``: the session API both HTTP clients share."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from horde.clients.rest import Resource, rest_api
from horde.stats.registry import LATENESS_KEY


def request_context(user: Any, context: dict[str, Any] | None) -> dict[str, Any]:
    """The ``context`` a request is reported with: the user's ``context()`` under the request's
    own, plus the iteration's lateness when an arrival-rate executor drives the user."""
    user_context = user.context() if user is not None else None
    merged = {**user_context, **(context or {})} if user_context else dict(context or {})
    lateness = getattr(user, "_lateness", None)
    if lateness is not None:
        merged[LATENESS_KEY] = lateness
    return merged


class RequestNaming:
    """``request_name`` (the stats name for the next requests, None for their URL) and the
    ``rename_request(name)`` block that sets it and puts the previous one back."""

    request_name: str | None = None
    user: Any = None
    group_url: Callable[[str], str] | None = None
    """Folds ids in a URL that names a request (``--group-urls auto``); None keeps URLs as they
    are. Set once per session from its user (:func:`horde.clients.grouping.url_grouper`)."""

    def _context(self, context: dict[str, Any] | None) -> dict[str, Any]:
        return request_context(self.user, context)

    @contextmanager
    def rename_request(self, name: str) -> Iterator[None]:
        """Group every request made inside the block under ``name``."""
        previous = self.request_name
        self.request_name = name
        try:
            yield
        finally:
            self.request_name = previous

    def rest(self, base: str = "/", *, append_slash: bool | None = None) -> Resource:
        """REST resources under ``base`` through this session: ``rest("/api/v1/").items(7).get()``.

        JSON in and out, HTTP errors raised as :class:`~horde.exceptions.HttpClientError` /
        :class:`~horde.exceptions.HttpServerError`, statistics named after the resource's
        template (``/api/v1/items/[id]/``). ``append_slash`` defaults to whether ``base`` ends
        with "/" (not for the bare root "/"). See :mod:`horde.clients.rest`.
        """
        return rest_api(self, base, append_slash=append_slash)
