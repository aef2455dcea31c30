"""Executors per User class, in virtual time: a class with ``executor = ...`` runs its own load
model next to the run's, and the test ends when the run's and every class's are done."""

from __future__ import annotations

import pytest
from plan_kit import idle_user, run_to_end, sleep_virtual, virtual_run

from horde import (
    constant_arrival_rate,
    constant_vus,
    per_vu_iterations,
    ramping_arrival_rate,
    ramping_vus,
    shared_iterations,
)
from horde.exceptions import ConfigError


def requests_of(env, name: str) -> int:  # type: ignore[no-untyped-def]
    return sum(e.num_requests for (n, _), e in env.stats.entries.items() if n == name)


def test_an_arrival_rate_class_next_to_closed_users() -> None:
    browse = idle_user("Browse", wait=1.0)
    checkout = idle_user("Checkout", wait=100.0, executor=constant_arrival_rate(20, max_users=5))
    plan = {"num_users": 3, "spawn_rate": 100, "run_time": 10.5}
    with virtual_run([browse, checkout], plan) as (env, runner, clock):
        sleep_virtual(clock, 5)
        counts = runner.user_classes_count
        assert counts["Browse"] == 3  # the run's ramp counts only its own classes
        assert 1 <= counts["Checkout"] <= 5
        run_to_end(runner)
    assert runner.stop_reason == "run time limit reached"
    assert requests_of(env, "Checkout") == 210  # 20/s for 10.5 s, wait_time ignored
    assert requests_of(env, "Browse") == 3 * 11  # one task a second each, from 0 to 10 s
    assert env.stats.dropped_iterations == 0


def test_only_class_executors_end_the_test_when_all_are_done() -> None:
    shared = idle_user("Shared", executor=shared_iterations(37, users=4))
    each = idle_user("Each", executor=per_vu_iterations(6, users=3))
    with virtual_run([shared, each], {"num_users": 1}) as (env, runner, _clock):
        run_to_end(runner)
    assert runner.stop_reason == "every class's executor is done"
    assert requests_of(env, "Shared") == 37
    assert requests_of(env, "Each") == 18


def test_a_class_with_a_finite_schedule_and_the_run_waits_for_it() -> None:
    burst = idle_user("Burst", executor=ramping_arrival_rate("10s:100,10s:0", max_users=20))
    counted = idle_user("Counted")
    plan = {"iterations": 10, "num_users": 1, "spawn_rate": 10}
    with virtual_run([burst, counted], plan) as (env, runner, _clock):
        run_to_end(runner)
    # the run's 10 iterations end in seconds; the test goes on until the burst's schedule ends
    assert runner.stop_reason == "all iterations done"
    assert requests_of(env, "Burst") == 1000
    assert requests_of(env, "Counted") == 10


def test_constant_vus_for_a_duration_then_its_users_stop() -> None:
    brief = idle_user("Brief", wait=1.0, executor=constant_vus(4, spawn_rate=100, duration="5.5s"))
    steady = idle_user("Steady", wait=1.0)
    plan = {"num_users": 2, "spawn_rate": 100, "run_time": 12.5}
    with virtual_run([brief, steady], plan) as (env, runner, clock):
        sleep_virtual(clock, 3)
        assert runner.user_classes_count == {"Brief": 4, "Steady": 2}
        sleep_virtual(clock, 4)
        assert runner.user_classes_count == {"Brief": 0, "Steady": 2}
        run_to_end(runner)
    assert requests_of(env, "Brief") == 4 * 6  # tasks at 0..5 s (plus k/100 s)
    assert requests_of(env, "Steady") == 2 * 13


def test_ramping_vus_for_one_class_follows_its_stages() -> None:
    ramped = idle_user("Ramped", wait=1.0, executor=ramping_vus("5s:5@100,5s:5,2s:0@100"))
    with virtual_run([ramped], {"num_users": 1}) as (_env, runner, clock):
        sleep_virtual(clock, 7)
        assert runner.user_classes_count["Ramped"] == 5
        run_to_end(runner)
    assert runner.stop_reason == "every class's executor is done"
    assert runner.user_count == 0


def test_the_run_time_limit_ends_class_executors_too() -> None:
    forever = idle_user("Forever", executor=constant_arrival_rate(10))
    with virtual_run([forever], {"run_time": 4, "arrival_rate": "1"}) as (env, runner, _clock):
        run_to_end(runner)
    # the class's schedule ends at -t (nothing is due after it), as the time limit fires
    assert runner.stop_reason in ("run time limit reached", "every class's executor is done")
    assert requests_of(env, "Forever") == 40


def test_a_bad_class_executor_is_refused_before_anything_starts() -> None:
    bad = idle_user("Bad", executor=constant_arrival_rate(float("nan")))
    with (
        pytest.raises(ConfigError, match=r"^Bad\.executor: .*arrival"),
        virtual_run([bad], {"num_users": 1}),
    ):
        pass


def test_a_stop_during_a_class_ramp_starts_no_more_users() -> None:
    slow = idle_user("Slow", wait=1.0, executor=constant_vus(100, spawn_rate=2))
    with virtual_run([slow], {"num_users": 1}) as (_env, runner, clock):
        sleep_virtual(clock, 5.2)
        assert 10 <= runner.user_classes_count["Slow"] <= 12
        runner.stop()
        assert runner.user_count == 0
        sleep_virtual(clock, 10)
        assert runner.user_count == 0  # the class's ramp ended with the test
