"""Class executor specs: validated by the command line's plan builder, errors naming the class."""

from __future__ import annotations

import pytest

from horde import (
    ClassExecutor,
    User,
    constant_arrival_rate,
    constant_vus,
    per_vu_iterations,
    ramping_arrival_rate,
    ramping_vus,
    shared_iterations,
    task,
)
from horde.exceptions import ConfigError
from horde.shape.scenario import class_plan, class_plans, describe, executor_spec


def user_with(executor: object) -> type[User]:
    return type("Checkout", (User,), {"executor": executor, "tasks": [task(lambda self: None)]})


def test_each_helper_becomes_the_plan_of_its_kind() -> None:
    cases = [
        (constant_vus(5), "constant-vus", 5),
        (ramping_vus("10s:5,5s:0"), "ramping-vus", 1),
        (constant_arrival_rate(20, max_users=40), "constant-arrival-rate", 40),
        (ramping_arrival_rate("10s:50,10s:0"), "ramping-arrival-rate", 100),
        (shared_iterations(100, users=4), "shared-iterations", 4),
        (per_vu_iterations(10, users=3), "per-vu-iterations", 3),
    ]
    for spec, kind, users in cases:
        plan = class_plan("C", spec)
        assert (plan.executor, plan.users) == (kind, users)


def test_closed_and_iteration_users_start_at_once_unless_told() -> None:
    assert class_plan("C", constant_vus(50)).spawn_rate == 50
    assert class_plan("C", constant_vus(50, spawn_rate=5)).spawn_rate == 5
    assert class_plan("C", shared_iterations(10, users=8)).spawn_rate == 8


def test_duration_takes_seconds_or_a_timespan() -> None:
    assert class_plan("C", constant_vus(1, duration="1m30s")).run_time == 90
    assert class_plan("C", constant_arrival_rate(5, duration=12.5)).run_time == 12.5


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (constant_arrival_rate(float("nan")), "arrival"),
        (constant_arrival_rate(-3), "arrival"),
        (constant_vus(-1), "-u/--users"),
        (constant_vus(10**9), "-u/--users"),
        (shared_iterations(0), "iterations"),
        (constant_vus(1, duration="-5s"), ""),
        (constant_vus(1, duration=float("inf")), "run-time"),
        (ClassExecutor("closed"), "unknown kind 'closed'"),
        (ClassExecutor("constant-arrival-rate"), "needs rate"),
        (ClassExecutor("constant-vus"), "needs users"),
        (ClassExecutor("ramping-vus"), "needs stages"),
        (constant_arrival_rate(10, max_users=5, pre_allocated_users=9), "pre-allocated"),
    ],
)
def test_bad_specs_are_one_clear_error_naming_the_class(spec: ClassExecutor, message: str) -> None:
    with pytest.raises(ConfigError, match=r"^Checkout\.executor: ") as caught:
        class_plans([user_with(spec)])
    assert message in str(caught.value)


def test_a_dict_with_k6_keys_works_and_unknown_keys_are_named() -> None:
    spec = executor_spec(user_with({"executor": "constant-arrival-rate", "rate": 5, "users": 9}))
    assert spec == ClassExecutor("constant-arrival-rate", users=9, rate=5)
    with pytest.raises(ConfigError, match="unknown key 'preAllocatedVUs'"):
        executor_spec(user_with({"executor": "constant-arrival-rate", "preAllocatedVUs": 5}))


def test_a_bare_kind_name_asks_for_parameters() -> None:
    with pytest.raises(ConfigError, match=r"constant_arrival_rate\(\.\.\.\)"):
        executor_spec(user_with("constant-arrival-rate"))


def test_other_uses_of_the_name_are_left_alone() -> None:
    class Pool:
        pass

    assert executor_spec(user_with(Pool())) is None
    assert executor_spec(user_with({"max_workers": 4})) is None
    assert executor_spec(user_with(None)) is None
    assert class_plans([user_with(Pool())]) == {}


def test_describe_lists_each_class() -> None:
    plans = class_plans([user_with(constant_arrival_rate(20, max_users=40))])
    assert describe(plans) == (
        "; Checkout: constant-arrival-rate: arrival rate 20/s on at most 40 users"
    )


@pytest.mark.parametrize("workers", [1, 2, 3, 5, 8])
def test_worker_shares_add_up_to_one_process(workers: int) -> None:
    from horde.shape.scenario import split_class_plan

    plans = {
        "users": class_plan("C", constant_vus(7, spawn_rate=14)),
        "stages": class_plan("C", ramping_vus("10s:7@14,5s:3")),
        "shared": class_plan("C", shared_iterations(11, users=3)),
        "each": class_plan("C", per_vu_iterations(4, users=5)),
        "arrival": class_plan("C", constant_arrival_rate(30, max_users=6, pre_allocated_users=3)),
    }
    parts = {
        key: [split_class_plan(plan, k, workers) for k in range(workers)]
        for key, plan in plans.items()
    }
    assert sum(p.users for p in parts["users"] if p) == 7
    for stage in range(2):
        assert sum(p.stages[stage].users for p in parts["stages"] if p) == (7, 3)[stage]
    assert sum(p.iterations or 0 for p in parts["shared"] if p) == 11
    assert sum(p.users * (p.iterations or 0) for p in parts["each"] if p) == 20
    arrival = [p for p in parts["arrival"] if p]
    assert len(arrival) == workers  # every worker takes tickets k, k + n...: each needs a user
    assert sum(p.pre_allocated_users for p in arrival) == 3
    assert all(p.users >= 1 for p in arrival)
