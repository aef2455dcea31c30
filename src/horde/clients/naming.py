"""``rename_request()``, URL grouping and ``rest()``: the session API both HTTP clients share."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from horde.clients.rest import Resource, rest_api


class RequestNaming:
    """``request_name`` (the stats name for the next requests, None for their URL) and the
    ``rename_request(name)`` block that sets it and puts the previous one back."""

    request_name: str | None = None
    group_url: Callable[[str], str] | None = None
    """Folds ids in a URL that names a request (``--group-urls auto``); None keeps URLs as they
    are. Set once per session from its user (:func:`horde.clients.grouping.url_grouper`)."""

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
