"""requests' urllib3 adapter, with the response body read under ``max_body_size``.

requests reads a body after the adapter returns (``Session.send`` calls ``response.content``),
with no limit: a gzip bomb inflates in full. This adapter reads it itself, the same way
(``iter_content``, so urllib3 decodes and requests maps its errors), but stops past the limit.

What it cannot bound: bodies of ``stream=True`` requests (the script reads those itself, and
requests reads the body of each redirect hop of a streamed request with no limit), and the
piece urllib3 inflates for one read (urllib3 2.x bounds that to about the read size).
"""

from __future__ import annotations

from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.exceptions import RequestException

from horde.clients.limits import DEFAULT_MAX_BODY_SIZE, body_limit, too_large

_READ_SIZE = 64 * 1024


class BoundedHTTPAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` whose non-streamed bodies fail past ``max_body_size`` bytes."""

    def __init__(
        self, *args: Any, max_body_size: int | None = DEFAULT_MAX_BODY_SIZE, **kwargs: Any
    ) -> None:
        self._limit = body_limit(max_body_size)
        self._max_body_size = max_body_size
        super().__init__(*args, **kwargs)

    @property
    def max_body_size(self) -> int | None:
        return self._max_body_size

    @max_body_size.setter
    def max_body_size(self, value: int | None) -> None:
        self._limit = body_limit(value)
        self._max_body_size = value

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        response = super().send(request, True, timeout, verify, cert, proxies)
        if stream:
            return response
        try:
            response._content = self._read(response)
        except BaseException:
            response.close()
            raise
        response._content_consumed = True  # type: ignore[attr-defined]
        return response

    def _read(self, response: requests.Response) -> bytes:
        limit = self._limit
        encoded = "content-encoding" in response.headers
        declared = _declared(response.headers.get("content-length"))
        if declared > limit:  # announced too large: fail before reading any of it
            raise RequestException(too_large(limit), request=response.request)
        parts: list[bytes] = []
        received = 0
        try:
            for piece in response.iter_content(_READ_SIZE):
                received += len(piece)
                if received > limit:
                    what = "decoded body" if encoded else "response body"
                    raise RequestException(too_large(limit, what), request=response.request)
                parts.append(piece)
        except BaseException:
            parts.clear()
            raise
        return b"".join(parts)


def _declared(value: str | None) -> int:
    """A Content-Length header's number (0 when absent or unreadable: read and count)."""
    try:
        return int((value or "0").partition(",")[0])
    except ValueError:
        return 0
