"""--stages: parsing, errors, and the target at each moment."""

from __future__ import annotations

import pytest

from horde.exceptions import ConfigError
from horde.shape.base import Target
from horde.shape.stages import Stage, StagesShape, format_stages, parse_stages


def test_parse_the_documented_example() -> None:
    stages = parse_stages("30s:100@10,1m:100,30s:0")
    assert stages == (Stage(30, 100, 10.0), Stage(60, 100, None), Stage(30, 0, None))
    assert format_stages(stages) == "30s:100@10,60s:100,30s:0"


def test_parse_a_config_file_list() -> None:
    assert parse_stages(["10s:5", "20s:0"]) == (Stage(10, 5), Stage(20, 0))


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "at least one stage"),
        ("30s", "use DURATION:USERS"),
        ("30s:ten", "users must be a whole number"),
        ("30s:-1", "users must be 0 or more"),
        ("0s:10", "duration must be above 0"),
        ("xx:10", "invalid time span"),
        ("30s:10@0", "rate after @ must be a number above 0"),
        ("30s:10@nan", "rate after @ must be a number above 0"),
        ("30s:10@inf", "rate after @ must be a number above 0"),
        ("30s:2000000", "at most 1,000,000"),
    ],
)
def test_bad_stages_say_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        parse_stages(text, limit=1_000_000)


def test_targets_follow_the_stages_and_end() -> None:
    shape = StagesShape(parse_stages("10s:20,10s:20@5,5s:0"))
    assert shape.target_at(0) == Target(20, 2.0)  # 20 users over 10 s
    assert shape.target_at(9.99) == Target(20, 2.0)
    assert shape.target_at(10) == Target(20, 5.0)
    assert shape.target_at(20) == Target(0, 4.0)  # 20 users down over 5 s
    assert shape.target_at(25) is None
    assert shape.duration == 25


def test_a_stage_without_change_holds() -> None:
    shape = StagesShape(parse_stages("5s:0"))
    assert shape.target_at(1) == Target(0, 1.0)
