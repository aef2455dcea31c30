"""``rename_request()``: the part of Locust's session API both HTTP clients share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class RequestNaming:
    """``request_name`` (the stats name for the next requests, None for their URL) and the
    ``rename_request(name)`` block that sets it and puts the previous one back."""

    request_name: str | None = None

    @contextmanager
    def rename_request(self, name: str) -> Iterator[None]:
        """Group every request made inside the block under ``name``."""
        previous = self.request_name
        self.request_name = name
        try:
            yield
        finally:
            self.request_name = previous
