"""HTTP/1.1 framing without sockets: parse_head, Reader, content decoding, request bytes."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib
from collections.abc import Callable, Iterable

import pytest

from horde.clients.fast.coding import STREAM_PIECE, decode_body, decode_stream
from horde.clients.fast.message import raw_request, request_bytes, split_origin
from horde.clients.fast.response import Headers
from horde.clients.fast.wire import (
    MAX_HEAD,
    MAX_INTERIM,
    Head,
    ProtocolViolationError,
    Reader,
    RemoteClosedError,
    parse_head,
)
from horde.clients.limits import UNLIMITED, BodyTooLargeError
from horde.exceptions import HordeError


def feeding(pieces: Iterable[bytes]) -> Callable[[int], bytes]:
    """A ``recv`` returning ``pieces`` one per call, then b"" (the peer closed)."""
    queue = list(pieces)

    def recv(_size: int) -> bytes:
        return queue.pop(0) if queue else b""

    return recv


def bytewise(data: bytes) -> Callable[[int], bytes]:
    return feeding(data[at : at + 1] for at in range(len(data)))


# -- parse_head ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("block", "keep_alive"),
    [
        (b"HTTP/1.1 200 OK", True),
        (b"HTTP/1.1 200 OK\r\nConnection: close", False),
        (b"HTTP/1.1 200 OK\r\nconnection: Keep-Alive, Close", False),
        (b"HTTP/1.0 200 OK", False),
        (b"HTTP/1.0 200 OK\r\nConnection: keep-alive", True),
        (b"HTTP/1.0 200 OK\r\nCONNECTION: Keep-Alive", True),
    ],
)
def test_keep_alive_follows_the_version_and_connection_header(
    block: bytes, keep_alive: bool
) -> None:
    assert parse_head(block).keep_alive is keep_alive


def test_parse_head_reads_the_framing_headers_in_any_case() -> None:
    head = parse_head(
        b"HTTP/1.1 404 Not Found Here\r\ncontent-LENGTH:  12 \r\nContent-Encoding: GZIP\r\n"
        b"X-Other: value"
    )
    assert (head.status, head.reason) == (404, "Not Found Here")
    assert head.content_length == 12
    assert head.content_encoding == "gzip"
    assert not head.chunked
    assert head.raw == b"content-LENGTH:  12 \r\nContent-Encoding: GZIP\r\nX-Other: value"


def test_parse_head_chunked_and_no_reason() -> None:
    head = parse_head(b"HTTP/1.1 200\r\nTransfer-Encoding: gzip, chunked")
    assert (head.status, head.reason, head.chunked) == (200, "", True)
    assert head.content_length is None
    assert head.keep_alive


def test_a_repeated_identical_content_length_is_accepted() -> None:
    assert parse_head(b"HTTP/1.1 200 OK\r\nContent-Length: 5, 5").content_length == 5
    twice = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX: y\r\ncontent-length: 005"
    assert parse_head(twice).content_length == 5


def test_transfer_encoding_overrides_content_length_and_spends_the_connection() -> None:
    head = parse_head(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked")
    assert (head.chunked, head.content_length, head.keep_alive) == (True, None, False)


def test_a_transfer_encoding_not_ending_in_chunked_runs_to_the_close() -> None:
    head = parse_head(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip")
    assert (head.chunked, head.content_length, head.keep_alive) == (False, None, False)


def test_a_huge_content_length_parses_and_is_refused_before_reading() -> None:
    reader = Reader(feeding([b"HTTP/1.1 200 OK\r\nContent-Length: 10000000000000\r\n\r\nab"]))
    head = reader.read_head()
    assert head.content_length == 10**13
    with pytest.raises(BodyTooLargeError, match=r"^response body larger than 1000 bytes$"):
        reader.read_body(head, 1000)


@pytest.mark.parametrize(
    ("block", "message"),
    [
        (b"ICY 200 OK", "not an HTTP response"),
        (b"HTTP/1.1", "not an HTTP response"),
        (b"HTTP/1.1 OK 200", "bad status line"),
        (b"HTTP/1.1 20000000000000000000 OK", "bad status line"),
        (b"HTTP/1.1 2000 OK", "bad status line"),
        (b"HTTP/1.1 20 OK", "bad status line"),
        (b"HTTP/1.1 +20 OK", "bad status line"),
        (b"HTTP/1.1 099 OK", "bad status line"),
        (b"HTTP/1.1 \xd9\xa2\xd9\xa0\xd9\xa0 OK", "bad status line"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: many", "bad Content-Length"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: -5", "bad Content-Length: b'-5'"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: +5", "bad Content-Length: b'\\+5'"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 1_0", "bad Content-Length: b'1_0'"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: ", "bad Content-Length: b''"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 5 6", "bad Content-Length: b'5 6'"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 5, 6", "conflicting Content-Length values: 5, 6"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6", "conflicting"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: " + b"9" * 5000, "bad Content-Length"),
    ],
)
def test_parse_head_rejects_what_is_not_http(block: bytes, message: str) -> None:
    with pytest.raises(ProtocolViolationError, match=message):
        parse_head(block)
    assert issubclass(ProtocolViolationError, HordeError)


# -- Reader ----------------------------------------------------------------------------------------


def test_interim_responses_are_skipped_but_101_is_returned() -> None:
    reader = Reader(feeding([b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n"]))
    reader._buf = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    assert reader.read_head().status == 200
    upgrade = Reader(feeding([b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n"]))
    assert upgrade.read_head().status == 101


def test_pipelined_bytes_stay_for_the_next_response() -> None:
    two = (
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none"
        b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\n"
    )
    reader = Reader(feeding([two]))
    first = reader.read_head()
    assert reader.read_body(first) == b"one"
    second = reader.read_head()
    assert (second.status, reader.read_body(second)) == (201, b"two")
    with pytest.raises(RemoteClosedError):
        reader.read_head()


def test_a_response_delivered_byte_by_byte() -> None:
    message = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"4;a=b\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nExpires: never\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext"
    )
    reader = Reader(bytewise(message))
    assert reader.read_body(reader.read_head()) == b"Wikipedia in\r\n\r\nchunks."
    assert reader.read_body(reader.read_head()) == b"next"


def test_a_body_read_to_the_close_ends_keep_alive() -> None:
    reader = Reader(feeding([b"HTTP/1.1 200 OK\r\n\r\npart one, ", b"part two"]))
    head = reader.read_head()
    assert head.keep_alive
    assert reader.read_body(head) == b"part one, part two"
    assert not head.keep_alive, "the connection is spent"
    streamed = Reader(feeding([b"HTTP/1.1 200 OK\r\n\r\nabc", b"def"]))
    head = streamed.read_head()
    assert b"".join(streamed.iter_body(head)) == b"abcdef"
    assert not head.keep_alive


def test_iter_body_yields_content_length_pieces_as_they_come() -> None:
    reader = Reader(feeding([b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nab", b"cd", b"efXX"]))
    head = reader.read_head()
    assert list(reader.iter_body(head)) == [b"ab", b"cd", b"ef"]
    assert reader._buf == b"XX", "bytes past the body are kept"


@pytest.mark.parametrize(
    ("pieces", "nothing_received", "where"),
    [
        ([], True, "before the response headers"),
        ([b"HTTP/1.1 200 OK\r\n"], False, "before the response headers"),
        ([b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc"], False, "middle of the body"),
        ([b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n9\r\nab"], False, "middle"),
        ([b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2"], False, "chunked body"),
        ([b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: 1"], False, "trailers"),
    ],
)
def test_a_close_too_early_says_where(
    pieces: list[bytes], nothing_received: bool, where: str
) -> None:
    reader = Reader(feeding(pieces))
    with pytest.raises(RemoteClosedError, match=where) as raised:
        reader.read_body(reader.read_head())
    assert raised.value.nothing_received is nothing_received


def test_an_endless_header_block_is_refused() -> None:
    filler = b"X-Filler: " + b"a" * 1000 + b"\r\n"
    reader = Reader(feeding([b"HTTP/1.1 200 OK\r\n", *[filler] * 100]))
    with pytest.raises(ProtocolViolationError, match="larger than 64 KiB"):
        reader.read_head()
    assert MAX_HEAD == 64 * 1024


def _traced_peak(work: Callable[[], object]) -> int:
    """Peak bytes Python allocated while ``work`` ran."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_follows_what_arrived_not_what_was_announced() -> None:
    announced = b"HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n0123456789"

    def read() -> None:
        reader = Reader(feeding([announced]))
        with pytest.raises(RemoteClosedError, match="middle of the body"):
            reader.read_body(reader.read_head(), UNLIMITED)

    assert _traced_peak(read) < 1_000_000, "no buffer of the announced 100 MB"


def test_a_body_in_one_byte_chunks_costs_about_its_size() -> None:
    # one object per chunk would cost some 40 bytes of memory for each byte of the body
    chunks = b"".join(b"1\r\n%c\r\n" % (65 + n % 26) for n in range(200_000))
    message = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n"
    body: list[bytes] = []
    pieces = [message[at : at + 65536] for at in range(0, len(message), 65536)]  # as recv()s

    def read() -> None:
        reader = Reader(feeding(pieces))
        body.append(reader.read_body(reader.read_head(), UNLIMITED))

    assert _traced_peak(read) < 1_000_000
    assert body[0] == bytes(65 + n % 26 for n in range(200_000))


def test_endless_interim_responses_are_a_protocol_violation() -> None:
    reader = Reader(feeding([b"HTTP/1.1 100 Continue\r\n\r\n" * (MAX_INTERIM + 1)]))
    with pytest.raises(ProtocolViolationError, match="interim"):
        reader.read_head()


def test_a_chunk_announcing_terabytes_allocates_what_arrived() -> None:
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n9184E72A000\r\nabc"

    def read() -> None:
        reader = Reader(feeding([chunked]))
        with pytest.raises(RemoteClosedError):
            reader.read_body(reader.read_head(), UNLIMITED)

    assert _traced_peak(read) < 1_000_000


@pytest.mark.parametrize(
    ("head", "limit"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n", UNLIMITED),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5F5E100\r\n", UNLIMITED),
        (b"HTTP/1.1 200 OK\r\n\r\n", 20 * 1024 * 1024 - 1),  # fails at the last piece
    ],
    ids=["content-length", "chunked", "to-the-close"],
)
def test_a_body_that_fails_half_way_is_not_kept_by_its_traceback(head: bytes, limit: int) -> None:
    # The exception outlives the read (a failed response keeps it); its traceback holds the
    # reader's frames. What arrived before the failure must not stay reachable from them.
    tracemalloc.start()
    try:
        reader = Reader(feeding([head, *(bytes(1024 * 1024) for _ in range(20))]))
        try:
            reader.read_body(reader.read_head(), limit)
        except (RemoteClosedError, BodyTooLargeError) as exc:
            kept = exc
        else:
            raise AssertionError("the read should have failed")
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert kept.__traceback__ is not None
    assert held < 2 * 1024 * 1024, f"{held} bytes still held after the failure"


@pytest.mark.parametrize("size", [b"-5", b"zz", b"", b"0x10", b"+5", b"1_0", b"1" * 40])
def test_bad_chunk_sizes_are_protocol_violations(size: bytes) -> None:
    body = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + size + b"\r\nabcde\r\n"
    reader = Reader(feeding([body]))
    head = reader.read_head()
    with pytest.raises(ProtocolViolationError, match="bad chunk size"):
        reader.read_body(head)


# -- content codings -------------------------------------------------------------------------------


TEXT = b"the same words again and again " * 200


@pytest.mark.parametrize(
    ("coding", "body"),
    [
        ("gzip", gzip.compress(TEXT)),
        ("GZip", gzip.compress(TEXT)),
        ("x-gzip", gzip.compress(TEXT)),
        ("deflate", zlib.compress(TEXT)),
        ("deflate", zlib.compress(TEXT)[2:-4]),
        (None, TEXT),
        ("identity", TEXT),
        ("br", TEXT),  # not decoded: returned as received
    ],
)
def test_decode_body_and_the_streaming_decoder_agree(coding: str | None, body: bytes) -> None:
    assert decode_body(body, coding, UNLIMITED) == TEXT
    one_byte_at_a_time = (body[at : at + 1] for at in range(len(body)))
    assert b"".join(decode_stream(one_byte_at_a_time, coding)) == TEXT


def test_decode_body_of_an_empty_body_and_a_corrupt_one() -> None:
    assert decode_body(b"", "gzip", UNLIMITED) == b""
    with pytest.raises(zlib.error):
        decode_body(b"definitely not gzip", "gzip", UNLIMITED)
    with pytest.raises(zlib.error, match="truncated"):
        decode_body(gzip.compress(TEXT)[:-9], "gzip", UNLIMITED)


@pytest.mark.parametrize("coding", ["gzip", "deflate"])
def test_decoding_stops_one_byte_past_the_limit(coding: str) -> None:
    zeros = bytes(1_000_001)
    body = gzip.compress(zeros) if coding == "gzip" else zlib.compress(zeros)
    assert decode_body(body, coding, 1_000_001) == zeros
    with pytest.raises(BodyTooLargeError, match=r"^decoded body larger than 1000000 bytes$"):
        decode_body(body, coding, 1_000_000)


def test_a_streamed_bomb_comes_out_in_bounded_pieces() -> None:
    bomb = gzip.compress(bytes(8 * STREAM_PIECE + 5))
    pieces = list(decode_stream([bomb], "gzip"))  # one received piece, a lot of output
    assert max(len(piece) for piece in pieces) <= STREAM_PIECE
    assert sum(len(piece) for piece in pieces) == 8 * STREAM_PIECE + 5


# -- requests on the wire --------------------------------------------------------------------------


def test_request_bytes_frames_bodies() -> None:
    block = b"Host: h\r\n"
    assert request_bytes("GET", "/p?q=1", block, None) == b"GET /p?q=1 HTTP/1.1\r\nHost: h\r\n\r\n"
    assert request_bytes("POST", "/", block, None).endswith(b"Content-Length: 0\r\n\r\n")
    assert request_bytes("DELETE", "/", block, b"") == b"DELETE / HTTP/1.1\r\nHost: h\r\n\r\n"
    assert request_bytes("PUT", "/", block, b"abc") == (
        b"PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
    )


def test_raw_request_adds_only_what_the_headers_lack() -> None:
    plain = raw_request("GET", "/", "h:81", {"Accept": "*/*"}, None)
    assert plain == b"GET / HTTP/1.1\r\nHost: h:81\r\nAccept: */*\r\n\r\n"
    given = raw_request("POST", "/", "h", {"host": "other", "content-length": "3"}, b"abc")
    assert given == b"POST / HTTP/1.1\r\nhost: other\r\ncontent-length: 3\r\n\r\nabc"
    sized = raw_request("PUT", "/", "h", {}, b"xy")
    assert sized == b"PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nxy"
    empty = raw_request("PATCH", "/", "h", {}, None)
    assert empty.endswith(b"Content-Length: 0\r\n\r\n")
    chunked = raw_request("POST", "/", "h", {"Transfer-Encoding": "chunked"}, b"0\r\n\r\n")
    assert b"Content-Length" not in chunked


@pytest.mark.parametrize(
    ("url", "origin", "target", "host"),
    [
        ("http://example.com", ("http", "example.com", 80), "/", "example.com"),
        ("HTTPS://Example.com/a?b=1", ("https", "example.com", 443), "/a?b=1", "example.com"),
        ("http://h:8080/x", ("http", "h", 8080), "/x", "h:8080"),
        ("https://h:443/", ("https", "h", 443), "/", "h"),
        ("http://[::1]:81/v6", ("http", "::1", 81), "/v6", "[::1]:81"),
        ("http://[::1]/v6", ("http", "::1", 80), "/v6", "[::1]"),
    ],
)
def test_split_origin(url: str, origin: tuple[str, str, int], target: str, host: str) -> None:
    assert split_origin(url) == (origin, target, host)


@pytest.mark.parametrize("url", ["ftp://h/f", "/relative", "http://"])
def test_split_origin_refuses_what_it_cannot_reach(url: str) -> None:
    with pytest.raises(HordeError, match="not an absolute http"):
        split_origin(url)


# -- response headers ------------------------------------------------------------------------------


def test_headers_are_case_insensitive_and_join_repeats() -> None:
    headers = Headers(
        b"Content-Type: text/html\r\nX-A: 1\r\nx-a: 2\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\n"
        b"Bad line without colon\r\nEmpty:"
    )
    assert headers["content-type"] == headers["CONTENT-TYPE"] == "text/html"
    assert headers["X-A"] == "1, 2"
    assert headers.get_all("x-a") == ["1, 2"]
    assert headers.get_all("Set-Cookie") == ["a=1", "b=2"]
    assert headers.get_all("missing") == []
    assert headers.get("Empty") == ""
    assert "x-A" in headers
    assert 1 not in headers
    assert headers.get("nope", "default") == "default"
    assert dict(headers) == {
        "Content-Type": "text/html",
        "X-A": "1, 2",
        "Set-Cookie": "a=1\nb=2",
        "Empty": "",
    }
    with pytest.raises(KeyError):
        headers["nope"]


def test_head_is_a_plain_record() -> None:
    head = Head(200, "OK", b"", True, 0, False, None)
    head.keep_alive = False
    assert not head.keep_alive
