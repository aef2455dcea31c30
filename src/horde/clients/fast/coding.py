"""Content codings (gzip, deflate) undone with bounded output.

A few KB of gzip can inflate to gigabytes. A whole body is inflated with ``max_length`` one
byte past the limit, so a bomb costs at most the limit before it fails; a streamed body is
inflated in pieces of at most :data:`STREAM_PIECE` bytes, however much one received piece holds.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from typing import Any

from horde.clients.limits import too_large

STREAM_PIECE = 64 * 1024
"""Most bytes of decoded output a streamed body yields at once."""

_GZIP = 16 + zlib.MAX_WBITS


def _wbits(encoding: str | None) -> int | None:
    """zlib's window setting for a Content-Encoding; 0 means "deflate, wrapped or raw"."""
    if not encoding:
        return None
    coding = encoding.strip().lower()
    if coding in ("gzip", "x-gzip"):
        return _GZIP
    if coding == "deflate":
        return 0
    return None  # identity, br, anything unknown: left as received


def decode_body(body: bytes, encoding: str | None, limit: int) -> bytes:
    """Undo gzip/deflate content coding; raise BodyTooLargeError past ``limit`` bytes.

    ``deflate`` is zlib-wrapped as the RFC says, or raw as some servers send it. A truncated
    stream is a ``zlib.error``, as ``zlib.decompress`` has it.
    """
    if not encoding:
        return body  # the usual case, decided before any call
    wbits = _wbits(encoding)
    if wbits is None or not body:
        return body
    if wbits:
        return _inflate(body, wbits, limit)
    try:
        return _inflate(body, zlib.MAX_WBITS, limit)
    except zlib.error:
        return _inflate(body, -zlib.MAX_WBITS, limit)


def _inflate(body: bytes, wbits: int, limit: int) -> bytes:
    inflater = zlib.decompressobj(wbits)
    out: bytes = inflater.decompress(body, limit + 1)
    if len(out) > limit:
        raise too_large(limit, "decoded body")
    if not inflater.eof:
        raise zlib.error("Error -5 while decompressing data: incomplete or truncated stream")
    return out


def decode_stream(pieces: Iterable[bytes], encoding: str | None) -> Iterator[bytes]:
    """The decoded pieces of a streamed body, none larger than STREAM_PIECE."""
    wbits = _wbits(encoding)
    if wbits is None:
        yield from pieces
        return
    inflater: Any = None
    pending = b""
    for piece in pieces:
        data = piece
        if inflater is None:
            pending += piece
            if len(pending) < 2:
                continue
            inflater = zlib.decompressobj(wbits or _deflate_wbits(pending))
            data, pending = pending, b""
        yield from _inflate_piece(inflater, data)
    if inflater is None and pending:
        yield from _inflate_piece(zlib.decompressobj(wbits or -zlib.MAX_WBITS), pending)


def _deflate_wbits(start: bytes) -> int:
    """Wrapped (RFC 1950) or raw deflate: a zlib header names method 8 and is a multiple of 31."""
    wrapped = start[0] & 0x0F == 8 and (start[0] << 8 | start[1]) % 31 == 0
    return zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS


def _inflate_piece(inflater: Any, data: bytes) -> Iterator[bytes]:
    while True:
        out: bytes = inflater.decompress(data, STREAM_PIECE)
        if out:
            yield out
        data = inflater.unconsumed_tail
        if not data and len(out) < STREAM_PIECE:
            return
