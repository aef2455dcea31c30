"""parse_timespan / format_timespan: the accepted spellings, the errors and the round trip."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from horde.config import format_timespan, parse_timespan
from horde.exceptions import ConfigError, TimespanError


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90.0),
        ("0", 0.0),
        ("2.5", 2.5),
        ("45s", 45.0),
        ("3m", 180.0),
        ("2h", 7200.0),
        ("1h20m", 4800.0),
        ("3h30m10s", 12610.0),
        ("2m30s", 150.0),
        ("1.5h", 5400.0),
        ("250ms", 0.25),
        ("1s500ms", 1.5),
        ("1d", 86400.0),
        ("1d2h", 93600.0),
        (" 1h 20m ", 4800.0),
        ("1H20M", 4800.0),
    ],
)
def test_parses_spelling(text: str, seconds: float) -> None:
    assert parse_timespan(text) == pytest.approx(seconds)


@pytest.mark.parametrize(("value", "seconds"), [(90, 90.0), (0, 0.0), (2.5, 2.5), (1e6, 1e6)])
def test_numbers_are_seconds(value: float, seconds: float) -> None:
    result = parse_timespan(value)
    assert result == seconds
    assert isinstance(result, float)


@pytest.mark.parametrize(
    "text",
    ["1x", "h", "-5", "-5s", "-0", "1h1h", "", "   ", "ms", "1h-5m", "5 apples", "nan", "inf",
     "infinity", "1e3", "1_000", "1m30", "h1", "1.h", "s5", "0x10"],
)  # fmt: skip
def test_rejects_bad_spelling_and_says_how_to_write_it(text: str) -> None:
    with pytest.raises(TimespanError) as info:
        parse_timespan(text)
    message = str(info.value)
    assert "1h20m" in message
    assert "90" in message


@pytest.mark.parametrize("value", [True, False, -1, -0.5, math.nan, math.inf, -math.inf])
def test_rejects_bad_numbers_and_booleans(value: float) -> None:
    with pytest.raises(TimespanError, match="1h20m"):
        parse_timespan(value)


@pytest.mark.parametrize("value", ["-5", "-1h", -5])
def test_negative_message_says_why(value: str | int) -> None:
    with pytest.raises(TimespanError, match="must not be negative"):
        parse_timespan(value)


def test_timespan_error_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        parse_timespan("soon")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (0.25, "0.25s"),
        (42.5, "42.5s"),
        (59, "59s"),
        (60, "1m"),
        (90, "1m30s"),
        (3600, "1h"),
        (4500, "1h15m"),
        (4800, "1h20m"),
        (12610, "3h30m10s"),
        (90000, "25h"),
        (1e-5, "0s"),
        (59.9999, "1m"),
    ],
)
def test_format(seconds: float, text: str) -> None:
    assert format_timespan(seconds) == text


@given(st.floats(min_value=0, max_value=1e9, allow_nan=False))
def test_format_round_trips_within_its_precision(seconds: float) -> None:
    back = parse_timespan(format_timespan(seconds))
    tolerance = 0.0005 if seconds < 60 else 0.5
    assert back == pytest.approx(seconds, abs=tolerance)


@given(st.integers(min_value=0, max_value=10**7))
def test_whole_seconds_round_trip_exactly(seconds: int) -> None:
    assert parse_timespan(format_timespan(seconds)) == seconds


@given(
    st.integers(0, 99), st.integers(0, 99), st.integers(0, 99), st.integers(0, 99),
    st.integers(0, 999),
)  # fmt: skip
def test_unit_sums(days: int, hours: int, minutes: int, secs: int, millis: int) -> None:
    parts = [(days, "d"), (hours, "h"), (minutes, "m"), (secs, "s"), (millis, "ms")]
    text = "".join(f"{n}{unit}" for n, unit in parts if n)
    if not text:
        return
    expected = days * 86400 + hours * 3600 + minutes * 60 + secs + millis / 1000
    assert parse_timespan(text) == pytest.approx(expected)
