"""User-code exceptions: grouped with addresses masked, bounded in number and size, and logged
once per kind (then at the 10th, 100th... occurrence) while every occurrence is counted."""

from __future__ import annotations

import logging
import traceback

import pytest

from horde.stats.errors import MAX_EXCEPTION_MESSAGE, TRACEBACK_HEAD, TRACEBACK_TAIL
from horde.stats.registry import (
    LOGGED_EXCEPTION_KINDS,
    MAX_EXCEPTION_GROUPS,
    OVERFLOW_EXCEPTION,
    RequestStats,
)
from horde.testing.clock import FakeClock


def formatted(exc: BaseException) -> tuple[str, str]:
    """What the Environment passes for a raised exception: its message and whole traceback."""
    try:
        raise exc
    except BaseException as raised:
        text = "".join(traceback.format_exception(type(raised), raised, raised.__traceback__))
    return f"{type(exc).__name__}: {exc}", text


def test_messages_that_change_every_time_are_capped_with_an_overflow_group() -> None:
    """44,752 groups in 20 s (a 33 MB CSV) before: now at most MAX_EXCEPTION_GROUPS + 1."""
    stats = RequestStats(FakeClock())
    total = MAX_EXCEPTION_GROUPS + 700
    for k in range(total):
        stats.log_exception(*formatted(KeyError(f"order-{k}")))
    assert len(stats.exceptions) == MAX_EXCEPTION_GROUPS + 1
    assert sum(r.count for r in stats.exceptions.values()) == total  # every one counted
    overflow = [r for r in stats.exceptions.values() if r.msg.startswith("other exceptions")]
    assert [r.count for r in overflow] == [700]
    assert overflow[0].msg == OVERFLOW_EXCEPTION.format(MAX_EXCEPTION_GROUPS)
    assert stats.snapshot().exceptions[0].count == 700  # busiest first


def test_object_addresses_do_not_make_groups_of_their_own() -> None:
    stats = RequestStats(FakeClock())
    for _ in range(5):
        stats.log_exception(*formatted(ValueError(f"bad state in {object()!r}")))
    (record,) = stats.exceptions.values()
    assert record.count == 5
    assert "object at 0x...." in record.msg
    assert "object at 0x...." in record.traceback


def test_a_message_carrying_a_whole_body_is_cut() -> None:
    stats = RequestStats(FakeClock())
    body = "<html>" + "x" * 2_000_000 + "</html>"
    for _ in range(3):
        stats.log_exception(*formatted(RuntimeError(f"unexpected page: {body}")))
    (record,) = stats.exceptions.values()
    assert record.count == 3
    assert len(record.msg) == MAX_EXCEPTION_MESSAGE
    assert record.msg.endswith("…")
    assert len(record.traceback) < TRACEBACK_HEAD + TRACEBACK_TAIL + 100
    assert "characters cut" in record.traceback
    assert record.traceback.startswith("Traceback (most recent call last):")
    assert record.traceback.rstrip().endswith("</html>")  # the end of the text is kept


def error_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "horde.stats.registry"]


def test_a_traceback_is_logged_at_the_first_occurrence_then_a_line_at_powers_of_ten(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="horde.stats.registry")
    stats = RequestStats(FakeClock())
    for _ in range(1_000):
        stats.log_exception(*formatted(ZeroDivisionError("division by zero")))
    lines = error_lines(caplog)
    assert len(lines) == 4
    assert lines[0].startswith("ZeroDivisionError: division by zero (first of its kind")
    first = lines[0].splitlines()
    assert first[1].startswith('  File "')  # the frames, without the "Traceback" header
    assert first[-1] == "    raise exc"  # and without repeating the message
    assert [line.split(": ")[-1] for line in lines[1:]] == [
        "10 times so far (traceback logged at the first)",
        "100 times so far (traceback logged at the first)",
        "1000 times so far (traceback logged at the first)",
    ]
    assert all('File "' not in line for line in lines[1:])
    assert stats.exceptions[next(iter(stats.exceptions))].count == 1_000


def test_only_the_first_kinds_are_logged_and_reset_starts_over(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="horde.stats.registry")
    stats = RequestStats(FakeClock())
    for k in range(LOGGED_EXCEPTION_KINDS + 50):
        for _ in range(10):
            stats.log_exception(*formatted(KeyError(f"order-{k}")))
    lines = error_lines(caplog)
    tracebacks = [line for line in lines if "first of its kind" in line]
    assert len(tracebacks) == LOGGED_EXCEPTION_KINDS
    assert sum("no longer logged" in line for line in lines) == 1
    assert sum("10 times so far" in line for line in lines) == LOGGED_EXCEPTION_KINDS
    assert len(lines) == 2 * LOGGED_EXCEPTION_KINDS + 1
    caplog.clear()
    stats.reset_all()
    stats.log_exception(*formatted(KeyError("order-0")))
    assert len([line for line in error_lines(caplog) if "first of its kind" in line]) == 1
