"""HTTP/1.1 responses on the wire: framing in (requests out: :mod:`.message`). No sockets here.

The response side is a small incremental reader driven by a ``recv`` callable. It finds the
header block with one ``bytes.find``, reads the framing headers (Content-Length,
Transfer-Encoding, Connection, Content-Encoding) from the lower-cased block with C-level
searches, and leaves the full header parsing to the response object, lazily. That is what makes
a keep-alive request cheap: no per-header Python callbacks, no dict built unless someone reads
``response.headers``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from horde.clients.limits import DEFAULT_MAX_BODY_SIZE, too_large
from horde.exceptions import HordeError

Recv = Callable[[int], bytes]

RECV_SIZE = 65536
MAX_HEAD = 64 * 1024
MAX_INTERIM = 1000
"""Most interim (1xx) responses before the real one: a server sending ``100 Continue`` forever
would otherwise keep a request going with no read ever timing out."""
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


_CONTENT_LENGTH = b"\r\ncontent-length:"


def _content_length(lower: bytes) -> int | None:
    """The Content-Length of a lower-cased header block (None: absent).

    The usual case, one header of plain digits, costs three C-level searches. Anything else
    goes through :func:`_unusual_content_length`, which applies RFC 9112 6.3.
    """
    at = lower.find(_CONTENT_LENGTH)
    if at < 0:
        return None
    start = at + len(_CONTENT_LENGTH)
    end = lower.find(_CRLF, start)
    if end < 0:
        end = len(lower)
    value = lower[start:end].strip()
    if value.isdigit() and len(value) < 19 and lower.find(_CONTENT_LENGTH, end) < 0:
        return int(value)
    return _unusual_content_length(lower)


def _unusual_content_length(lower: bytes) -> int:
    """Repeated or odd Content-Length headers: identical values are one value; different
    values, signs, blanks or anything but digits are a protocol violation (RFC 9112 6.3:
    a message with an invalid Content-Length is unrecoverable, its connection unusable)."""
    values: set[int] = set()
    at = lower.find(_CONTENT_LENGTH)
    while at >= 0:
        start = at + len(_CONTENT_LENGTH)
        end = lower.find(_CRLF, start)
        if end < 0:
            end = len(lower)
        for item in lower[start:end].split(b","):
            value = item.strip()
            if not value.isdigit() or len(value) > 40:
                raise ProtocolViolationError(f"bad Content-Length: {value[:40]!r}")
            values.add(int(value))
        at = lower.find(_CONTENT_LENGTH, end)
    if len(values) != 1:
        shown = ", ".join(str(v) for v in sorted(values))
        raise ProtocolViolationError(f"conflicting Content-Length values: {shown[:80]}")
    return values.pop()


def parse_head(block: bytes) -> Head:
    """Parse ``block`` (status line + headers, without the final blank line)."""
    line_end = block.find(_CRLF)
    status_line = block if line_end < 0 else block[:line_end]
    parts = status_line.split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
        raise ProtocolViolationError(f"not an HTTP response (got {status_line[:80]!r})")
    code = parts[1]  # exactly three digits, the first one 1-9 (RFC 9112 4)
    if len(code) != 3 or not code.isdigit() or code[0] == 0x30:
        raise ProtocolViolationError(f"bad status line (got {status_line[:80]!r})")
    status = int(code)
    reason = parts[2].decode("latin-1") if len(parts) > 2 else ""
    lower = block.lower()
    connection = _find_value(lower, b"\r\nconnection:")
    if parts[0] == b"HTTP/1.0":
        keep_alive = connection is not None and b"keep-alive" in connection
    else:
        keep_alive = connection is None or b"close" not in connection
    length = _content_length(lower)
    encoding = _find_value(lower, b"\r\ntransfer-encoding:")
    chunked = False
    if encoding is not None:
        # RFC 9112 6.3: Transfer-Encoding overrides Content-Length; a body whose last coding is
        # not chunked runs to the close. Both headers at once smell of request smuggling: the
        # response is read by Transfer-Encoding and its connection is not used again.
        chunked = encoding.rpartition(b",")[2].strip() == b"chunked"
        if length is not None or not chunked:
            keep_alive = False
        length = None
    content_encoding = _find_value(lower, b"\r\ncontent-encoding:")
    return Head(
        status=status,
        reason=reason,
        raw=b"" if line_end < 0 else block[line_end + 2 :],
        keep_alive=keep_alive,
        content_length=length,
        chunked=chunked,
        content_encoding=content_encoding.decode("latin-1") if content_encoding else None,
    )


def has_body(method: str, status: int) -> bool:
    return not (method == "HEAD" or status in (204, 304) or 100 <= status < 200)


class Reader:
    """Reads responses from one connection; keeps bytes that arrived early for the next one.

    Memory follows what arrived, never what the server announced: a body grows piece by piece
    as it is received, and a body past the caller's ``limit`` fails before it is read. Bodies
    that fail half-way are dropped at once (``parts.clear()``), not left to the garbage
    collector in the frames of an exception's traceback.
    """

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
        interim = 0
        while True:
            buf = self._buf
            end = buf.find(_HEAD_END)
            if end < 0 and not buf:  # the usual case: one receive holds the whole head
                buf = self._more("before the response headers", received=False)
                end = buf.find(_HEAD_END)
            if end < 0:
                buf, end = self._more_head(buf)
            head = parse_head(buf[:end])
            self._buf = buf[end + 4 :]
            if not (100 <= head.status < 200) or head.status == 101:
                return head
            interim += 1
            if interim > MAX_INTERIM:
                raise ProtocolViolationError(f"more than {MAX_INTERIM} interim (1xx) responses")

    def _more_head(self, buf: bytes) -> tuple[bytes, int]:
        """Receive until the header block ends: ``(bytes so far, where the block ends)``.

        Grown in place and searched from where the last piece began: a head trickled in one
        byte at a time costs linear time, not quadratic.
        """
        received = bool(buf)
        data = bytearray(buf)
        while True:
            if len(data) > MAX_HEAD:
                raise ProtocolViolationError("response header block larger than 64 KiB")
            start = max(0, len(data) - 3)
            data += self._more("before the response headers", received)
            received = True
            end = data.find(_HEAD_END, start)
            if end >= 0:
                return bytes(data), end

    def read_body(self, head: Head, limit: int = DEFAULT_MAX_BODY_SIZE) -> bytes:
        """The whole (still encoded) body that ``head`` announces, at most ``limit`` bytes."""
        if head.chunked:
            return self._read_chunked(limit)
        length = head.content_length
        if length is not None:
            if length > limit:
                raise too_large(limit)
            return self._read_exactly(length)
        head.keep_alive = False  # the body ends with the connection
        return self._read_to_close(limit)

    def iter_body(self, head: Head) -> Iterator[bytes]:
        """The body as it arrives (for ``stream=True``), in pieces of at most RECV_SIZE."""
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
        # grown in place: pieces as small as one byte cost a byte each, not an object each
        body = bytearray(buf)
        self._buf = b""
        try:
            while len(body) < size:
                body += self._more("in the middle of the body")
        except BaseException:
            body.clear()
            raise
        if len(body) > size:  # the next response started in the last piece
            self._buf = bytes(body[size:])
            del body[size:]
        return bytes(body)

    def _read_to_close(self, limit: int) -> bytes:
        body = bytearray(self._buf)
        self._buf = b""
        try:
            while chunk := self._recv(RECV_SIZE):
                body += chunk
                if len(body) > limit:
                    raise too_large(limit)
        except BaseException:
            body.clear()
            raise
        return bytes(body)

    def _chunk_size(self) -> int:
        """Read a chunk-size line (RFC 9112 7.1: hex digits, then optional extensions)."""
        while (end := self._buf.find(_CRLF)) < 0:
            if len(self._buf) > MAX_HEAD:
                raise ProtocolViolationError("chunk-size line larger than 64 KiB")
            self._buf += self._more("in a chunked body")
        size = _chunk_size(self._buf[:end])
        self._buf = self._buf[end + 2 :]
        return size

    def _chunk_end(self) -> None:
        while len(self._buf) < 2:
            self._buf += self._more("in a chunked body")
        if self._buf[:2] != _CRLF:
            raise ProtocolViolationError(f"chunk not followed by CRLF (got {self._buf[:10]!r})")
        self._buf = self._buf[2:]

    def _read_chunked(self, limit: int) -> bytes:
        body = bytearray()
        try:
            while not self._whole_chunks(body, limit):
                # the next chunk is not all in the buffer yet: read it piece by piece
                size = self._chunk_size()
                if not size:
                    break
                if len(body) + size > limit:
                    raise too_large(limit)
                body += self._read_exactly(size)
                self._chunk_end()
        except BaseException:
            body.clear()
            raise
        self._skip_trailers()
        return bytes(body)

    def _whole_chunks(self, body: bytearray, limit: int) -> bool:
        """Move every chunk that is whole in the buffer into ``body``; True at the last one.

        Walks the buffer by offset and cuts it once, so a buffer of many small chunks costs
        its length, not its length for every chunk.
        """
        buf = self._buf
        pos = 0
        try:
            while (end := buf.find(_CRLF, pos)) >= 0:
                size = _chunk_size(buf[pos:end])
                if not size:
                    pos = end + 2
                    return True
                stop = end + 2 + size
                if stop + 2 > len(buf):
                    return False
                if buf[stop : stop + 2] != _CRLF:
                    raise ProtocolViolationError(
                        f"chunk not followed by CRLF (got {buf[stop : stop + 10]!r})"
                    )
                if len(body) + size > limit:
                    raise too_large(limit)
                body += memoryview(buf)[end + 2 : stop]
                pos = stop + 2
            if len(buf) - pos > MAX_HEAD:
                raise ProtocolViolationError("chunk-size line larger than 64 KiB")
            return False
        finally:
            if pos:
                self._buf = buf[pos:]

    def iter_chunked(self) -> Iterator[bytes]:
        """A chunked body as it arrives, in pieces of at most RECV_SIZE."""
        while size := self._chunk_size():
            left = size
            while left > 0:
                if not self._buf:
                    self._buf = self._more("in the middle of the body")
                piece, self._buf = self._buf[:left], self._buf[left:]
                left -= len(piece)
                yield piece
            self._chunk_end()
        self._skip_trailers()

    def _skip_trailers(self) -> None:
        size = 0
        while True:
            while (end := self._buf.find(_CRLF)) < 0:
                if len(self._buf) > MAX_HEAD:
                    raise ProtocolViolationError("chunked trailers larger than 64 KiB")
                self._buf += self._more("in the chunked trailers")
            line, self._buf = self._buf[:end], self._buf[end + 2 :]
            size += end + 2
            if not line:
                return
            if size > MAX_HEAD:
                raise ProtocolViolationError("chunked trailers larger than 64 KiB")


_HEX_DIGITS = b"0123456789abcdefABCDEF"


def _chunk_size(line: bytes) -> int:
    """The size in a chunk-size line: hex digits only (no sign, ``0x`` or ``_``), then
    optional ``;extensions``."""
    size = line.split(b";", 1)[0].strip()
    if not size or size.strip(_HEX_DIGITS) or len(size) > 32:
        raise ProtocolViolationError(f"bad chunk size {size[:20]!r}")
    return int(size, 16)
