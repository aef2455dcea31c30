"""Message framing for stream protocols, sans-I/O: bytes in, whole messages out.

TCP delivers a byte stream, not messages; a framing says where one message ends. Each framing
has ``encode(message) -> bytes`` (what to send) and ``decode(buffer) -> message | None`` (take one
whole message off the front of ``buffer``, or None when more bytes are needed). No sockets here,
so a framing is tested with plain bytes and reused by any client.

Writing a framing for a custom protocol is the same two methods; raise :class:`FramingError`
when the stream cannot be a valid message (the connection is then closed and reopened).
"""

from __future__ import annotations

from typing import Literal, Protocol

DEFAULT_MAX_MESSAGE = 16 * 1024 * 1024
"""Largest message a framing accepts by default (16 MiB): a hostile length prefix or a stream
without delimiters fails fast instead of growing the buffer without bound."""


class FramingError(Exception):
    """The bytes received cannot be a message of this framing (too long, bad prefix)."""


class Framing(Protocol):
    """How messages are cut out of a byte stream."""

    def encode(self, message: bytes) -> bytes:
        """The bytes that carry ``message`` on the wire."""
        ...

    def decode(self, buffer: bytearray) -> bytes | None:
        """Remove and return the first whole message of ``buffer``; None if it is incomplete."""
        ...


class LengthPrefixed:
    """A fixed-size unsigned length (big-endian by default) before each message."""

    def __init__(
        self,
        header_size: Literal[1, 2, 4, 8] = 4,
        byteorder: Literal["big", "little"] = "big",
        max_length: int = DEFAULT_MAX_MESSAGE,
    ) -> None:
        if header_size not in (1, 2, 4, 8):
            raise ValueError(f"header_size must be 1, 2, 4 or 8 bytes, not {header_size!r}")
        if max_length < 0:
            raise ValueError(f"max_length must be 0 or more, not {max_length!r}")
        self.header_size = header_size
        self.byteorder: Literal["big", "little"] = byteorder
        self.max_length = min(max_length, 256**header_size - 1)

    def encode(self, message: bytes) -> bytes:
        if len(message) > self.max_length:
            raise FramingError(
                f"message of {len(message)} bytes exceeds the maximum of {self.max_length}"
            )
        return len(message).to_bytes(self.header_size, self.byteorder) + message

    def decode(self, buffer: bytearray) -> bytes | None:
        size = self.header_size
        if len(buffer) < size:
            return None
        length = int.from_bytes(buffer[:size], self.byteorder)
        if length > self.max_length:
            raise FramingError(
                f"length prefix announces {length} bytes, more than the maximum of "
                f"{self.max_length}"
            )
        end = size + length
        if len(buffer) < end:
            return None
        message = bytes(buffer[size:end])
        del buffer[:end]
        return message


class Delimited:
    """Messages ended by a delimiter (a newline by default); the delimiter is not returned."""

    def __init__(self, delimiter: bytes = b"\n", max_length: int = DEFAULT_MAX_MESSAGE) -> None:
        if not delimiter:
            raise ValueError("the delimiter must be at least one byte")
        self.delimiter = delimiter
        self.max_length = max_length

    def encode(self, message: bytes) -> bytes:
        if self.delimiter in message:
            raise FramingError(f"message contains the delimiter {self.delimiter!r}")
        return message + self.delimiter

    def decode(self, buffer: bytearray) -> bytes | None:
        end = buffer.find(self.delimiter)
        if end < 0:
            if len(buffer) > self.max_length:
                raise FramingError(
                    f"no delimiter {self.delimiter!r} in the first {len(buffer)} bytes "
                    f"(maximum message {self.max_length})"
                )
            return None
        if end > self.max_length:
            raise FramingError(f"message of {end} bytes exceeds the maximum of {self.max_length}")
        message = bytes(buffer[:end])
        del buffer[: end + len(self.delimiter)]
        return message


class Unframed:
    """No framing: whatever one read returns is the message (a whole datagram, for UDP)."""

    def encode(self, message: bytes) -> bytes:
        return message

    def decode(self, buffer: bytearray) -> bytes | None:
        if not buffer:
            return None
        message = bytes(buffer)
        buffer.clear()
        return message
