"""FastResponse: what FastHttpSession returns (the parts of ``requests.Response`` users check)."""

from __future__ import annotations

import datetime
import json as jsonlib
import time
from collections.abc import Iterator
from http.cookies import CookieError, SimpleCookie
from types import TracebackType
from typing import Any

from requests.exceptions import HTTPError

from horde.clients.fast.coding import decode_stream
from horde.clients.response import JudgedOnlyWhenCaught

_CHARSET = "charset="


class Headers(dict[str, str]):
    """Response headers: case-insensitive lookups; repeated headers joined with ", "."""

    __slots__ = ("_lower",)

    def __init__(self, raw: bytes = b"") -> None:
        super().__init__()
        self._lower: dict[str, str] = {}
        for line in raw.decode("latin-1").split("\r\n"):
            name, sep, value = line.partition(":")
            if not sep:
                continue
            name, value = name.strip(), value.strip()
            key = name.lower()
            if key in self._lower:
                original = self._lower[key]
                joiner = "\n" if key == "set-cookie" else ", "
                super().__setitem__(original, f"{super().__getitem__(original)}{joiner}{value}")
            else:
                self._lower[key] = name
                super().__setitem__(name, value)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(self._lower[key.lower()])

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._lower

    def get(self, key: str, default: Any = None) -> Any:
        original = self._lower.get(key.lower())
        return default if original is None else super().__getitem__(original)

    def get_all(self, key: str) -> list[str]:
        value = self.get(key)
        if value is None:
            return []
        return value.split("\n") if key.lower() == "set-cookie" else [value]


class FastRequest:
    """The request a FastResponse answers (method, url, headers, body)."""

    __slots__ = ("body", "headers", "method", "url")

    def __init__(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> None:
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body


_DISCARD_LIMIT = 64 * 1024
"""Most bytes of an unread streamed body read (and thrown away) to keep its connection."""


class FastResponse(JudgedOnlyWhenCaught):
    """A response: ``status_code``, ``headers``, ``content``, ``text``, ``json()``, ``cookies``.

    For a request that got no usable answer (``error`` set, status 0) ``content`` and ``text``
    are None, as in Locust's FastHttpUser.
    """

    error: BaseException | None = None
    encoding: str | None = None
    _coding: str | None = None
    """The Content-Encoding a streamed body is decoded from as it is read."""

    def __init__(
        self,
        status_code: int,
        reason: str,
        raw_headers: bytes,
        content: bytes | None,
        url: str,
        request: FastRequest,
        elapsed_seconds: float,
    ) -> None:
        self.status_code = status_code
        self.reason = reason
        self._raw_headers = raw_headers
        self._headers: Headers | None = None
        self._content = content
        self._stream: Iterator[bytes] | None = None
        """The raw (still encoded) pieces of a streamed body not read yet."""
        self.url = url
        self.request = request
        self._elapsed = elapsed_seconds
        self.history: list[FastResponse] = []

    @classmethod
    def failed(cls, method: str, url: str, exc: BaseException, started: float) -> FastResponse:
        """A status-0 response for a request that got no usable answer (``error`` set;
        ``content`` None, as in Locust's FastHttpUser)."""
        request = FastRequest(method, url, {}, None)
        response = cls(0, "", b"", None, url, request, time.perf_counter() - started)
        response.error = exc
        return response

    # -- headers and body --------------------------------------------------------------------

    @property
    def headers(self) -> Headers:
        if self._headers is None:
            self._headers = Headers(self._raw_headers)
        return self._headers

    @property
    def content(self) -> bytes | None:
        if self._content is None and self._stream is not None:
            stream, self._stream = self._stream, None
            self._content = b"".join(decode_stream(stream, self._coding))
        return self._content

    @property
    def text(self) -> str | None:
        content = self.content
        if content is None:
            return None
        return content.decode(self._charset(), errors="replace")

    def _charset(self) -> str:
        if self.encoding:
            return self.encoding
        content_type = self.headers.get("content-type", "")
        lower = content_type.lower()
        at = lower.find(_CHARSET)
        if at >= 0:
            return content_type[at + len(_CHARSET) :].split(";")[0].strip().strip("\"'") or "utf-8"
        return "utf-8"

    def json(self, **kwargs: Any) -> Any:
        return jsonlib.loads(self.content, **kwargs)  # type: ignore[arg-type]

    def iter_content(
        self, chunk_size: int | None = 1, decode_unicode: bool = False
    ) -> Iterator[Any]:
        """The body in pieces: as it arrives for ``stream=True``, else from memory."""
        if self._content is None and self._stream is not None:
            stream, self._stream = self._stream, None
            parts = []
            for piece in decode_stream(stream, self._coding):
                parts.append(piece)
                if chunk_size and len(piece) > chunk_size:  # split, never wait for more
                    pieces = [
                        piece[at : at + chunk_size] for at in range(0, len(piece), chunk_size)
                    ]
                else:
                    pieces = [piece]
                for part in pieces:
                    yield part.decode(self._charset(), errors="replace") if decode_unicode else part
            self._content = b"".join(parts)
            return
        data = self.content or b""
        step = chunk_size or len(data) or 1
        for at in range(0, len(data), step):
            piece = data[at : at + step]
            yield piece.decode(self._charset(), errors="replace") if decode_unicode else piece

    def iter_lines(
        self, chunk_size: int = 512, decode_unicode: bool = False, delimiter: bytes | None = None
    ) -> Iterator[Any]:
        """The body line by line (without line endings), as it arrives for ``stream=True``."""
        pending = b""
        for piece in self.iter_content(chunk_size):
            pending += piece
            if delimiter:
                *lines, pending = pending.split(delimiter)
            else:
                lines = pending.splitlines(keepends=True)
                pending = lines.pop() if lines and not lines[-1].endswith((b"\n", b"\r")) else b""
                lines = [line.rstrip(b"\r\n") for line in lines]
            for line in lines:
                yield line.decode(self._charset(), errors="replace") if decode_unicode else line
        if pending:
            yield pending.decode(self._charset(), errors="replace") if decode_unicode else pending

    # -- the rest of requests.Response that scripts use ----------------------------------------

    @property
    def ok(self) -> bool:
        return self.error is None and 0 < self.status_code < 400

    @property
    def elapsed(self) -> datetime.timedelta:
        return datetime.timedelta(seconds=self._elapsed)

    @property
    def cookies(self) -> dict[str, str]:
        """Cookies the server set in this response (name -> value)."""
        jar: dict[str, str] = {}
        for header in self.headers.get_all("set-cookie"):
            parsed = SimpleCookie()
            try:
                parsed.load(header)
            except CookieError:
                continue
            jar.update({name: morsel.value for name, morsel in parsed.items()})
        return jar

    def raise_for_status(self) -> None:
        if self.error is not None:
            raise self.error
        if self.status_code >= 400:
            kind = "Client" if self.status_code < 500 else "Server"
            raise HTTPError(
                f"{self.status_code} {kind} Error: {self.reason} for url: {self.url}",
                response=self,  # type: ignore[arg-type]
            )

    def close(self) -> None:
        """Drop an unread streamed body unread; its connection is closed, its pool slot freed."""
        stream, self._stream = self._stream, None
        close = getattr(stream, "close", None)
        if close is not None:
            close()
            self._content = b""

    def discard(self) -> None:
        """Throw an unread streamed body away without keeping it: read (up to 64 KiB, so the
        connection can be reused) or, past that, closed."""
        stream, self._stream = self._stream, None
        if stream is None:
            return
        received = 0
        for piece in stream:
            received += len(piece)
            if received > _DISCARD_LIMIT:
                break
        close = getattr(stream, "close", None)
        if close is not None:
            close()
        self._content = b""

    def __enter__(self) -> Any:
        """``with client.get(url) as response:`` works, as on Locust's FastResponse; judging
        the response in the block needs ``catch_response=True``."""
        return self

    def __exit__(  # type: ignore[exit-return] # bool as in CatchResponseMixin; never swallows
        self,
        exc_type: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        self.close()
        return False

    def __repr__(self) -> str:
        return f"<FastResponse [{self.status_code}]>"
