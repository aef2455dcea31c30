"""Framings cut whole messages out of a byte stream, whatever the chunking; hostile input fails."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from horde.protocols.framing import Delimited, FramingError, LengthPrefixed, Unframed


@given(st.lists(st.binary(max_size=300), max_size=8), st.integers(1, 50))
def test_length_prefixed_round_trips_in_any_chunking(messages: list[bytes], chunk: int) -> None:
    framing = LengthPrefixed()
    stream = b"".join(framing.encode(m) for m in messages)
    buffer, out = bytearray(), []
    for i in range(0, len(stream), chunk):
        buffer += stream[i : i + chunk]
        while (message := framing.decode(buffer)) is not None:
            out.append(message)
    assert out == messages
    assert not buffer


@given(st.lists(st.binary(max_size=100).filter(lambda b: b"\r\n" not in b), max_size=8))
def test_delimited_round_trips(messages: list[bytes]) -> None:
    framing = Delimited(b"\r\n")
    buffer = bytearray(b"".join(framing.encode(m) for m in messages))
    out = []
    while (message := framing.decode(buffer)) is not None:
        out.append(message)
    assert out == messages


def test_length_prefix_larger_than_the_maximum_fails_before_reading_the_body() -> None:
    framing = LengthPrefixed(header_size=4, max_length=1000)
    with pytest.raises(FramingError, match="announces 4294967295 bytes"):
        framing.decode(bytearray(b"\xff\xff\xff\xff"))


def test_little_endian_two_byte_prefix() -> None:
    framing = LengthPrefixed(header_size=2, byteorder="little")
    assert framing.encode(b"abc") == b"\x03\x00abc"
    with pytest.raises(FramingError, match="exceeds"):
        framing.encode(b"x" * 65536)


def test_delimiter_missing_for_too_long_fails() -> None:
    framing = Delimited(b"\n", max_length=10)
    with pytest.raises(FramingError, match="no delimiter"):
        framing.decode(bytearray(b"x" * 11))
    with pytest.raises(FramingError, match="exceeds"):
        framing.decode(bytearray(b"x" * 11 + b"\n"))


def test_delimiter_inside_a_message_is_refused() -> None:
    with pytest.raises(FramingError, match="contains the delimiter"):
        Delimited().encode(b"a\nb")


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: LengthPrefixed(header_size=3), "header_size"),  # type: ignore[arg-type]
        (lambda: LengthPrefixed(max_length=-1), "max_length"),
        (lambda: Delimited(b""), "at least one byte"),
    ],
)
def test_bad_framing_parameters(make, match) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=match):
        make()


def test_unframed_takes_whatever_arrived() -> None:
    buffer = bytearray(b"abc")
    assert Unframed().decode(buffer) == b"abc"
    assert Unframed().decode(buffer) is None
