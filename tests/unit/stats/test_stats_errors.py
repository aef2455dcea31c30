"""Failure grouping, debugging samples (status, URL, headers, body excerpt) and redaction."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from horde.stats.errors import (
    BODY_EXCERPT_BYTES,
    MAX_HEADER_VALUE,
    MAX_SAMPLES,
    ExceptionRecord,
    FailureSample,
    StatsError,
    error_message,
    sample_from,
)
from horde.stats.registry import MAX_ERROR_GROUPS, OVERFLOW_ERROR, RequestStats
from horde.testing.clock import FakeClock


@dataclass
class FakeRequest:
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeResponse:
    status_code: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes = b""
    url: str = "http://target/a"
    request: FakeRequest = field(default_factory=FakeRequest)


class Opaque:
    """An object whose repr carries a memory address."""


@pytest.fixture
def stats() -> RequestStats:
    return RequestStats(FakeClock())


# -- messages -----------------------------------------------------------------------------------


def test_error_message_uses_repr_for_exceptions_and_text_for_strings() -> None:
    assert error_message(ValueError("boom")) == "ValueError('boom')"
    assert error_message("HTTP 500") == "HTTP 500"


def test_error_message_normalises_memory_addresses() -> None:
    one, two = Opaque(), Opaque()
    assert repr(one) != repr(two)
    assert error_message(one) == error_message(two)
    assert "0x...." in error_message(one)
    text = "ConnectionError(<HTTPConnection object at 0x7f3a2b1c>, 'refused') at 0xDEADbeef"
    assert error_message(text) == (
        "ConnectionError(<HTTPConnection object at 0x....>, 'refused') at 0x...."
    )


def test_failures_group_by_method_name_and_normalised_message(stats: RequestStats) -> None:
    stats.log_error("GET", "/a", RuntimeError(f"conn {Opaque()!r}"))
    stats.log_error("GET", "/a", RuntimeError(f"conn {Opaque()!r}"))
    stats.log_error("POST", "/a", RuntimeError(f"conn {Opaque()!r}"))
    stats.log_error("GET", "/b", RuntimeError(f"conn {Opaque()!r}"))
    stats.log_error("GET", "/a", "a different message")
    assert len(stats.errors) == 4
    key = ("GET", "/a", error_message(RuntimeError(f"conn {Opaque()!r}")))
    assert stats.errors[key].occurrences == 2
    assert stats.errors[key].key == key


def test_group_tracks_first_and_last_seen() -> None:
    clock = FakeClock()
    stats = RequestStats(clock)
    start = clock.time()
    stats.log_error("GET", "/a", "boom")
    clock.advance(7)
    stats.log_error("GET", "/a", "boom")
    group = stats.errors[("GET", "/a", "boom")]
    assert (group.first_seen, group.last_seen) == (start, start + 7)


# -- samples ------------------------------------------------------------------------------------


def test_sample_captures_status_url_headers_and_body() -> None:
    response = FakeResponse(
        status_code=503,
        headers={"Content-Type": "text/plain", "Retry-After": "5"},
        content=b"service unavailable",
        url="http://target/from-response",
        request=FakeRequest({"Accept": "*/*", "User-Agent": "horde"}),
    )
    sample = sample_from(12.5, "HTTP 503", response, None)
    assert sample == FailureSample(
        time=12.5,
        message="HTTP 503",
        url="http://target/from-response",
        status_code=503,
        response_headers={"Content-Type": "text/plain", "Retry-After": "5"},
        body_excerpt="service unavailable",
        body_truncated=False,
        request_headers={"Accept": "*/*", "User-Agent": "horde"},
    )
    assert sample_from(0, "x", response, "http://explicit/url").url == "http://explicit/url"


def test_body_excerpt_is_truncated_at_one_kilobyte() -> None:
    body = b"x" * BODY_EXCERPT_BYTES + b"TAIL"
    sample = sample_from(0, "boom", FakeResponse(content=body), None)
    assert sample.body_excerpt == "x" * BODY_EXCERPT_BYTES
    assert sample.body_truncated is True
    exact = sample_from(0, "boom", FakeResponse(content=b"y" * BODY_EXCERPT_BYTES), None)
    assert len(exact.body_excerpt) == BODY_EXCERPT_BYTES
    assert exact.body_truncated is False


def test_binary_body_is_decoded_with_replacement() -> None:
    sample = sample_from(0, "boom", FakeResponse(content=b"\xff\xfeok"), None)
    assert sample.body_excerpt == "\ufffd\ufffdok"


def test_long_header_values_are_cut() -> None:
    response = FakeResponse(headers={"X-Long": "v" * (MAX_HEADER_VALUE * 3)})
    sample = sample_from(0, "boom", response, None)
    assert sample.response_headers["X-Long"] == "v" * MAX_HEADER_VALUE


@pytest.mark.parametrize(
    "header", ["Authorization", "authorization", "Cookie", "Proxy-Authorization", "X-Api-Key"]
)
def test_secret_request_headers_are_redacted(header: str) -> None:
    response = FakeResponse(request=FakeRequest({header: "Bearer s3cret", "Accept": "*/*"}))
    sample = sample_from(0, "boom", response, None)
    assert sample.request_headers == {header: "<redacted>", "Accept": "*/*"}
    assert "s3cret" not in repr(sample.to_dict())


def test_set_cookie_response_header_is_redacted() -> None:
    response = FakeResponse(headers={"Set-Cookie": "session=s3cret; HttpOnly", "Server": "x"})
    sample = sample_from(0, "boom", response, None)
    assert sample.response_headers == {"Set-Cookie": "<redacted>", "Server": "x"}


def test_sample_from_no_response_or_odd_objects() -> None:
    bare = sample_from(1.0, "ConnectionError()", None, "http://target/down")
    assert bare == FailureSample(time=1.0, message="ConnectionError()", url="http://target/down")

    class Odd:
        status_code = "500"  # not an int
        headers = ("not", "a", "mapping")
        content = "text, not bytes"

    odd = sample_from(1.0, "boom", Odd(), None)
    assert (odd.status_code, odd.response_headers, odd.body_excerpt) == (None, {}, "")


def test_a_body_that_raises_does_not_break_recording() -> None:
    class Broken:
        status_code = 500

        @property
        def content(self) -> bytes:
            raise RuntimeError("stream already consumed")

    assert sample_from(0, "boom", Broken(), None).body_excerpt == ""


def test_requests_style_private_content_is_preferred() -> None:
    class RequestsLike:
        status_code = 500
        _content = b"already read"

        @property
        def content(self) -> bytes:
            raise AssertionError("must not read the stream again")

    assert sample_from(0, "boom", RequestsLike(), None).body_excerpt == "already read"


def test_samples_are_capped_per_group(stats: RequestStats) -> None:
    for status in range(500, 500 + MAX_SAMPLES + 3):
        stats.on_request(
            request_type="GET",
            name="/a",
            response_time=1.0,
            response_length=0,
            exception="HTTP error",
            response=FakeResponse(status_code=status, content=b"body"),
            url="http://target/a?x=1",
        )
    group = stats.errors[("GET", "/a", "HTTP error")]
    assert group.occurrences == MAX_SAMPLES + 3
    assert len(group.samples) == MAX_SAMPLES
    assert [s.status_code for s in group.samples] == list(range(500, 500 + MAX_SAMPLES))
    assert all(s.url == "http://target/a?x=1" for s in group.samples)
    assert all(s.body_excerpt == "body" for s in group.samples)


def test_to_dict_of_group_and_sample(stats: RequestStats) -> None:
    stats.log_error("GET", "/a", "boom", response=FakeResponse(status_code=404))
    data = stats.errors[("GET", "/a", "boom")].to_dict()
    assert set(data) == {
        "method",
        "name",
        "error",
        "occurrences",
        "first_seen",
        "last_seen",
        "samples",
    }
    assert data["samples"][0]["status_code"] == 404
    assert set(data["samples"][0]) == {
        "time",
        "message",
        "url",
        "status_code",
        "response_headers",
        "body_excerpt",
        "body_truncated",
        "request_headers",
    }


def test_stats_error_extend_merges_counts_and_samples() -> None:
    a = StatsError("GET", "/a", "boom", 10.0)
    b = StatsError("GET", "/a", "boom", 5.0)
    for group, times in ((a, (10.0, 11.0, 12.0)), (b, (5.0, 6.0, 20.0, 21.0))):
        for t in times:
            group.occurred(t)
            if group.wants_sample():
                group.samples.append(FailureSample(time=t, message="boom"))
    a.extend(b)
    assert a.occurrences == 7
    assert (a.first_seen, a.last_seen) == (5.0, 21.0)
    assert [s.time for s in a.samples] == [10.0, 11.0, 12.0, 5.0, 6.0][:MAX_SAMPLES]
    assert not a.wants_sample()


# -- overflow -----------------------------------------------------------------------------------


def test_distinct_groups_beyond_the_limit_share_an_overflow_group(stats: RequestStats) -> None:
    for k in range(MAX_ERROR_GROUPS):
        stats.log_error("GET", "/a", f"error {k}")
    assert len(stats.errors) == MAX_ERROR_GROUPS
    stats.log_error("GET", "/a", "error 0")  # an existing group still counts on its own
    stats.log_error("GET", "/b", "one more")
    stats.log_error("POST", "/c", "and another")
    assert len(stats.errors) == MAX_ERROR_GROUPS + 1
    overflow = stats.errors[("", "", OVERFLOW_ERROR.format(MAX_ERROR_GROUPS))]
    assert overflow.occurrences == 2
    assert [s.message for s in overflow.samples] == ["one more", "and another"]
    assert stats.errors[("GET", "/a", "error 0")].occurrences == 2
    assert stats.entries[("/b", "GET")].num_failures == 1  # entries still count per name
    assert stats.total.num_failures == MAX_ERROR_GROUPS + 3


# -- user-code exceptions -----------------------------------------------------------------------


def test_exceptions_are_grouped_by_traceback() -> None:
    clock = FakeClock()
    stats = RequestStats(clock, node_id="worker-1")
    start = clock.time()
    stats.log_exception("KeyError: 'x'", "Traceback...\nKeyError: 'x'\n")
    clock.advance(3)
    stats.log_exception("KeyError: 'x'", "Traceback...\nKeyError: 'x'\n", node="worker-2")
    stats.log_exception("KeyError: 'y'", "Traceback (other)\n")
    assert len(stats.exceptions) == 2
    record = stats.exceptions["Traceback...\nKeyError: 'x'\n"]
    assert record.count == 2
    assert record.nodes == {"worker-1", "worker-2"}
    assert (record.first_seen, record.last_seen) == (start, start + 3)
    assert record.to_dict() == {
        "count": 2,
        "msg": "KeyError: 'x'",
        "traceback": "Traceback...\nKeyError: 'x'\n",
        "nodes": ["worker-1", "worker-2"],
        "first_seen": start,
        "last_seen": start + 3,
    }


def test_exception_record_starts_empty() -> None:
    record = ExceptionRecord("m", "tb", 1.0)
    assert (record.count, record.nodes) == (0, set())
