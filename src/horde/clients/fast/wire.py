"""HTTP/1.1 on the wire: request bytes out, response framing in. No sockets here.

The response side is a small incremental reader driven by a ``recv`` callable. It finds the
header block with one ``bytes.find``, reads the framing headers (Content-Length,
Transfer-Encoding, Connection, Content-Encoding) from the lower-cased block with C-level
searches, and leaves the full header parsing to the response object, lazily. That is what makes
a keep-alive request cheap: no per-header Python callbacks, no dict built unless someone reads
``response.headers``.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from horde.exceptions import HordeError

Recv = Callable[[int], bytes]

RECV_SIZE = 65536
MAX_HEAD = 64 * 1024
_CRLF = b"\r\n"
_HEAD_END = b"\r\n\r\n"


class ProtocolViolationError(HordeError):
    """The server sent something that is not HTTP/1.x."""


class RemoteClosedError(ProtocolViolationError):
    """The connection closed before a complete response arrived."""

    def __init__(self, message: str, *, nothing_received: bool) -> None:
        super().__init__(message)
        self.nothing_received = nothing_received


@dataclass(slots=True)
class Head:
    """The status line and header block of a response, with its framing decided."""

    status: int
    reason: str
    raw: bytes
    """The header lines (after the status line), as received, CRLF-separated."""
    keep_alive: bool
    content_length: int | None
    chunked: bool
    content_encoding: str | None


def _find_value(lower: bytes, key: bytes) -> bytes | None:
    """The value of header ``key`` (given as b"\\r\\nname:") in a lower-cased block."""
    start = lower.find(key)
    if start < 0:
        return None
    start += len(key)
    end = lower.find(_CRLF, start)
    return lower[start : end if end >= 0 else len(lower)].strip()


def parse_head(block: bytes) -> Head:
    """Parse ``block`` (status line + headers, without the final blank line)."""
    line_end = block.find(_CRLF)
    status_line = block if line_end < 0 else block[:line_end]
    parts = status_line.split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
        raise ProtocolViolationError(f"not an HTTP response (got {status_line[:80]!r})")
    try:
        status = int(parts[1])
    except ValueError:
        raise ProtocolViolationError(f"bad status line (got {status_line[:80]!r})") from None
    reason = parts[2].decode("latin-1") if len(parts) > 2 else ""
    lower = block.lower()
    connection = _find_value(lower, b"\r\nconnection:")
    if parts[0] == b"HTTP/1.0":
        keep_alive = connection is not None and b"keep-alive" in connection
    else:
        keep_alive = connection is None or b"close" not in connection
    length_value = _find_value(lower, b"\r\ncontent-length:")
    length = None
    if length_value is not None:
        try:
            length = int(length_value.split(b",")[0])
        except ValueError:
            raise ProtocolViolationError(f"bad Content-Length: {length_value[:40]!r}") from None
    encoding = _find_value(lower, b"\r\ntransfer-encoding:")
    content_encoding = _find_value(lower, b"\r\ncontent-encoding:")
    return Head(
        status=status,
        reason=reason,
        raw=b"" if line_end < 0 else block[line_end + 2 :],
        keep_alive=keep_alive,
        content_length=length,
        chunked=encoding is not None and b"chunked" in encoding,
        content_encoding=content_encoding.decode("latin-1") if content_encoding else None,
    )


def has_body(method: str, status: int) -> bool:
    return not (method == "HEAD" or status in (204, 304) or 100 <= status < 200)


class Reader:
    """Reads responses from one connection; keeps bytes that arrived early for the next one."""

    __slots__ = ("_buf", "_recv")

    def __init__(self, recv: Recv) -> None:
        self._recv = recv
        self._buf = b""

    def clear(self) -> None:
        self._buf = b""

    def _more(self, what: str, received: bool = True) -> bytes:
        chunk = self._recv(RECV_SIZE)
        if not chunk:
            raise RemoteClosedError(
                f"connection closed by the server {what}", nothing_received=not received
            )
        return chunk

    def read_head(self) -> Head:
        """Read up to the end of the header block, skipping interim 1xx responses."""
        while True:
            buf = self._buf
            received = bool(buf)
            while (end := buf.find(_HEAD_END)) < 0:
                if len(buf) > MAX_HEAD:
                    raise ProtocolViolationError("response header block larger than 64 KiB")
                buf += self._more("before the response headers", received)
                received = True
            head = parse_head(buf[:end])
            self._buf = buf[end + 4 :]
            if not (100 <= head.status < 200) or head.status == 101:
                return head

    def read_body(self, head: Head) -> bytes:
        """The whole (still encoded) body that ``head`` announces."""
        if head.chunked:
            return b"".join(self.iter_chunked())
        if head.content_length is not None:
            return self._read_exactly(head.content_length)
        head.keep_alive = False  # the body ends with the connection
        return self._read_to_close()

    def iter_body(self, head: Head) -> Iterator[bytes]:
        """The body as it arrives (for ``stream=True``)."""
        if head.chunked:
            yield from self.iter_chunked()
        elif head.content_length is not None:
            left = head.content_length
            while left > 0:
                if not self._buf:
                    self._buf = self._more("in the middle of the body")
                piece, self._buf = self._buf[:left], self._buf[left:]
                left -= len(piece)
                yield piece
        else:
            head.keep_alive = False  # the body ends with the connection
            if self._buf:
                piece, self._buf = self._buf, b""
                yield piece
            while chunk := self._recv(RECV_SIZE):
                yield chunk

    def _read_exactly(self, size: int) -> bytes:
        buf = self._buf
        if len(buf) >= size:
            self._buf = buf[size:]
            return buf[:size] if len(buf) > size else buf
        body = bytearray(size)
        view = memoryview(body)
        view[: len(buf)] = buf
        filled = len(buf)
        self._buf = b""
        while filled < size:
            chunk = self._more("in the middle of the body")
            take = min(len(chunk), size - filled)
            view[filled : filled + take] = chunk[:take]
            filled += take
            if take < len(chunk):
                self._buf = chunk[take:]
        return bytes(body)

    def _read_to_close(self) -> bytes:
        parts = [self._buf]
        self._buf = b""
        while chunk := self._recv(RECV_SIZE):
            parts.append(chunk)
        return b"".join(parts)

    def iter_chunked(self) -> Iterator[bytes]:
        while True:
            while (end := self._buf.find(_CRLF)) < 0:
                self._buf += self._more("in a chunked body")
            size_line = self._buf[:end].split(b";", 1)[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError:
                raise ProtocolViolationError(f"bad chunk size {size_line[:20]!r}") from None
            self._buf = self._buf[end + 2 :]
            if size <= 0:
                if size < 0:
                    raise ProtocolViolationError(f"bad chunk size {size_line[:20]!r}")
                self._skip_trailers()
                return
            data = self._read_exactly(size + 2)
            yield data[:-2]

    def _skip_trailers(self) -> None:
        while True:
            while (end := self._buf.find(_CRLF)) < 0:
                self._buf += self._more("in the chunked trailers")
            line, self._buf = self._buf[:end], self._buf[end + 2 :]
            if not line:
                return


def decode_body(body: bytes, encoding: str | None) -> bytes:
    """Undo gzip/deflate content coding; anything else is returned as is."""
    if not encoding or not body:
        return body
    coding = encoding.strip().lower()
    if coding in ("gzip", "x-gzip"):
        return zlib.decompress(body, 16 + zlib.MAX_WBITS)
    if coding == "deflate":
        try:
            return zlib.decompress(body)
        except zlib.error:
            return zlib.decompress(body, -zlib.MAX_WBITS)
    return body


def decoder_for(encoding: str | None) -> Callable[[bytes], bytes] | None:
    """An incremental decoder for streamed bodies (None: identity)."""
    coding = (encoding or "").strip().lower()
    if coding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress
    if coding == "deflate":
        return _DeflateDecoder().decompress
    return None


class _DeflateDecoder:
    """Streamed ``deflate``: zlib-wrapped as the RFC says, or raw as some servers send it.

    The first two bytes tell which: a zlib header names method 8 and is a multiple of 31.
    """

    __slots__ = ("_inner", "_pending")

    def __init__(self) -> None:
        self._inner: Any = None
        self._pending = b""

    def decompress(self, data: bytes) -> bytes:
        if self._inner is None:
            data = self._pending + data
            if len(data) < 2:
                self._pending = data
                return b""
            wrapped = data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
            self._inner = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        result: bytes = self._inner.decompress(data)
        return result


def request_bytes(method: str, target: str, header_block: bytes, body: bytes | None) -> bytes:
    """The request message: request line, headers (each ending in CRLF), blank line, body."""
    line = f"{method} {target} HTTP/1.1\r\n".encode("latin-1")
    if body:
        return b"".join((line, header_block, b"Content-Length: %d\r\n\r\n" % len(body), body))
    if method in ("POST", "PUT", "PATCH"):
        return b"".join((line, header_block, b"Content-Length: 0\r\n\r\n"))
    return b"".join((line, header_block, _CRLF))


def header_lines(headers: dict[str, str]) -> bytes:
    """``Name: value\\r\\n`` lines for a header mapping (values are sent as latin-1)."""
    return "".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode("latin-1")


def raw_request(
    method: str, target: str, host: str, headers: dict[str, str], body: bytes | None
) -> bytes:
    """A request from a complete header mapping (requests' PreparedRequest headers).

    Adds ``Host`` and ``Content-Length`` only when the mapping lacks them.
    """
    lines = [f"{method} {target} HTTP/1.1\r\n"]
    lowered = {k.lower() for k in headers}
    if "host" not in lowered:
        lines.append(f"Host: {host}\r\n")
    lines.extend(f"{k}: {v}\r\n" for k, v in headers.items())
    if body and "content-length" not in lowered and "transfer-encoding" not in lowered:
        lines.append(f"Content-Length: {len(body)}\r\n")
    elif not body and method in ("POST", "PUT", "PATCH") and "content-length" not in lowered:
        lines.append("Content-Length: 0\r\n")
    lines.append("\r\n")
    head = "".join(lines).encode("latin-1")
    return head + body if body else head
