"""build_plan: one place that validates how load is applied, whatever the source."""

from __future__ import annotations

from typing import Any

import pytest

from horde.exceptions import ConfigError
from horde.shape.plan import RunPlan, build_plan


def plan(**values: Any) -> RunPlan:
    shapes = values.pop("shapes", ())
    return build_plan(values, shapes=shapes)


def test_fixed_users_by_default() -> None:
    result = plan(num_users=10, spawn_rate=2, run_time=60)
    assert (result.executor, result.users, result.spawn_rate, result.run_time) == (
        "ramping-vus",
        10,
        2.0,
        60.0,
    )
    assert result.describe() == "ramping-vus: 10 users at 2/s, at most 60 s"


def test_each_option_implies_its_executor() -> None:
    assert plan(stages="10s:5").executor == "ramping-vus"
    assert plan(stages="10s:5").stages
    assert plan(arrival_rate="50").executor == "constant-arrival-rate"
    assert plan(arrival_rate="10s:50,10s:0").executor == "ramping-arrival-rate"
    assert plan(iterations=100).executor == "shared-iterations"
    assert plan(iterations_per_user=3).executor == "per-vu-iterations"
    assert plan(shapes=["Waves"]).executor == "shape"
    assert plan(shapes=["Waves"]).shape == "Waves"


def test_an_arrival_rate_defaults_its_pool() -> None:
    result = plan(arrival_rate="200")
    assert result.users == 100
    assert result.pre_allocated_users == 20
    assert plan(arrival_rate="200", num_users=5).pre_allocated_users == 5
    assert plan(arrival_rate="200", num_users=50, pre_allocated_users=7).pre_allocated_users == 7


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({"num_users": -1}, "between 0 and 1,000,000"),
        ({"num_users": 10**9}, "between 0 and 1,000,000"),
        ({"num_users": 2.5}, "whole number"),
        ({"num_users": True}, "whole number"),
        ({"spawn_rate": 0}, "above 0"),
        ({"spawn_rate": float("nan")}, "above 0"),
        ({"spawn_rate": float("inf")}, "at most"),
        ({"run_time": 0}, "leave it out to run until stopped"),
        ({"run_time": -5}, "above 0"),
        ({"stages": "10s:5", "arrival_rate": "5"}, "--stages and --arrival-rate exclude"),
        ({"iterations": 0}, "between 1 and"),
        ({"iterations_per_user": "x"}, "whole number"),
        ({"arrival_rate": "5", "num_users": 2, "pre_allocated_users": 3}, "cannot exceed"),
        ({"executor": "warp-speed"}, "unknown executor"),
        ({"executor": "constant-arrival-rate"}, "needs --arrival-rate RATE"),
        ({"executor": "constant-vus", "stages": "10s:5"}, "takes no --stages"),
        ({"shape": "Nope", "shapes": ["Waves"]}, "unknown load shape 'Nope'"),
        ({"shapes": ["Waves"], "shape": "Waves", "iterations": 5}, "cannot be combined"),
        ({"stop_grace": -1}, "--stop-grace must be 0 or more"),
        ({"thresholds": ["p95 < fast"]}, "invalid threshold"),
    ],
)
def test_bad_values_say_what_is_wrong(values: dict[str, Any], says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        plan(**values)


def test_a_named_executor_that_matches_is_kept() -> None:
    assert plan(executor="constant-vus", num_users=3).executor == "constant-vus"
    assert plan(executor="shared-iterations", iterations=5).iterations == 5


def test_the_plan_is_frozen() -> None:
    result = plan(num_users=1)
    with pytest.raises(AttributeError):
        result.users = 5  # type: ignore[misc]
