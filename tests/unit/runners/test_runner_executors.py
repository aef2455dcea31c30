"""Executors in virtual time: fixed users, stages, iterations and arrival rates."""

from __future__ import annotations

from typing import Any, ClassVar

import gevent
import pytest
from plan_kit import idle_user, run_to_end, users_by_second, virtual_run

from horde.user import User, constant, task


def test_run_time_ends_the_test_exactly() -> None:
    plan = {"num_users": 5, "spawn_rate": 5, "run_time": 30.25}
    with virtual_run([idle_user()], plan) as (env, runner, clock):
        start = clock.monotonic()
        run_to_end(runner)
        assert clock.monotonic() - start == pytest.approx(30.25, abs=1e-6)
        assert runner.stop_reason == "run time limit reached"
        # user k starts at k/5 s and runs a task every 0.5 s until 30.25 s
        assert env.stats.total.num_requests == 61 + 61 + 60 + 60 + 59


def test_stages_ramp_linearly_and_hold() -> None:
    plan = {"stages": "10s:10,10s:10,10s:0"}
    with virtual_run([idle_user()], plan) as (env, runner, clock):
        start = clock.time()
        run_to_end(runner)
        counts = users_by_second(env, start)
    assert runner.stop_reason == "all stages done"
    assert counts[5] == 5  # one user a second, the first at once: 0..4 plus the one at 5 s
    assert all(counts[s] == 10 for s in range(11, 20))
    assert counts[25] < 10


def test_shared_iterations_run_exactly_n_tasks_then_stop() -> None:
    with virtual_run([idle_user()], {"iterations": 37, "num_users": 4, "spawn_rate": 100}) as (
        env,
        runner,
        _clock,
    ):
        run_to_end(runner)
        assert runner.stop_reason == "all iterations done"
        assert env.stats.total.num_requests == 37


def test_per_user_iterations_run_n_tasks_each() -> None:
    plan = {"iterations_per_user": 6, "num_users": 3, "spawn_rate": 100}
    with virtual_run([idle_user()], plan) as (env, runner, _clock):
        run_to_end(runner)
        assert runner.stop_reason == "all iterations done"
        assert env.stats.total.num_requests == 18


def test_a_constant_arrival_rate_is_exact_and_ignores_wait_time() -> None:
    slow_waiter = idle_user("Slow", wait=100.0)  # wait_time must not matter in an open model
    plan = {"arrival_rate": "20", "num_users": 5, "run_time": 10}
    with virtual_run([slow_waiter], plan) as (env, runner, _clock):
        run_to_end(runner)
        assert env.stats.total.num_requests == 200
        assert env.stats.dropped_iterations == 0


def test_a_ramping_arrival_rate_then_stops() -> None:
    plan = {"arrival_rate": "10s:100,10s:0", "num_users": 20}
    with virtual_run([idle_user()], plan) as (env, runner, _clock):
        run_to_end(runner)
        assert runner.stop_reason == "the arrival schedule is over"
        assert env.stats.total.num_requests == 1000  # the integral: 500 up + 500 down


class Busy(User):
    """Each iteration takes 1 s of virtual time (a slow target)."""

    wait_time = constant(0)
    starts: ClassVar[list[tuple[float, float | None]]] = []

    @task
    def work(self) -> None:
        clock = self.environment.clock
        Busy.starts.append((clock.monotonic(), self._intended_start))
        clock.sleep(1.0)
        self.environment.events.request.fire(
            request_type="TASK", name="work", response_time=1000.0, response_length=0,
            exception=None, context={},
        )  # fmt: skip


def test_the_pool_grows_to_keep_the_rate_when_the_target_is_slow() -> None:
    Busy.starts = []
    plan = {"arrival_rate": "10", "num_users": 50, "pre_allocated_users": 1, "run_time": 5}
    with virtual_run([Busy], plan) as (env, runner, _clock):
        run_to_end(runner)
        assert env.stats.dropped_iterations == 0
    # every iteration started when it was due, however slow each one was
    lateness = [actual - intended for actual, intended in Busy.starts if intended is not None]
    assert len(lateness) == 50
    assert max(lateness) == pytest.approx(0, abs=1e-6)


def test_a_pool_at_its_limit_delays_then_drops_and_counts() -> None:
    Busy.starts = []
    plan = {
        "arrival_rate": "10",
        "num_users": 2,
        "pre_allocated_users": 2,
        "max_lateness": 1.5,
        "run_time": 6,
    }
    with virtual_run([Busy], plan) as (env, runner, _clock):
        run_to_end(runner)
        started = len(Busy.starts)
        assert env.stats.dropped_iterations + started == 60
        assert env.stats.dropped_iterations > 0
    lateness = [actual - intended for actual, intended in Busy.starts if intended is not None]
    assert max(lateness) > 0.5  # late iterations kept their intended start
    assert max(lateness) <= 1.5 + 1e-9  # none started later than --max-lateness


def test_users_stop_at_their_next_request_boundary() -> None:
    """A user inside a request finishes it (recorded) and stops before the next one."""
    recorded: list[str] = []

    class Requester(User):
        wait_time = constant(0)

        @task
        def call(self) -> None:
            self._begin_request()
            try:
                self.environment.clock.sleep(2.0)
            except gevent.GreenletExit:
                recorded.append("cancelled")
                raise
            finally:
                self._end_request()
            recorded.append("done")

    plan = {"num_users": 1, "spawn_rate": 1, "run_time": 3, "stop_grace": 5}
    with virtual_run([Requester], plan) as (_env, runner, clock):
        start = clock.monotonic()
        run_to_end(runner)
        # the request started at 2 s ends at 4 s: inside the grace, completed, then the user ends
        assert recorded == ["done", "done"]
        assert clock.monotonic() - start == pytest.approx(4.0, abs=1e-6)


def test_a_request_longer_than_the_grace_is_cancelled() -> None:
    recorded: list[str] = []

    class Stuck(User):
        wait_time = constant(0)

        @task
        def call(self) -> None:
            self._begin_request()
            try:
                self.environment.clock.sleep(100.0)
            except gevent.GreenletExit:
                recorded.append("cancelled")
                raise
            finally:
                self._end_request()

    plan = {"num_users": 1, "spawn_rate": 1, "run_time": 1, "stop_grace": 2}
    with virtual_run([Stuck], plan) as (_env, runner, clock):
        start = clock.monotonic()
        run_to_end(runner)
        assert recorded == ["cancelled"]
        assert clock.monotonic() - start == pytest.approx(3.0, abs=1e-6)


def test_on_stop_runs_and_may_still_make_requests() -> None:
    seen: list[Any] = []

    class Polite(User):
        wait_time = constant(1)

        @task
        def work(self) -> None:
            pass

        def on_stop(self) -> None:
            self._begin_request()  # a logout request is allowed while stopping
            self._end_request()
            seen.append("on_stop")

    with virtual_run([Polite], {"num_users": 2, "spawn_rate": 10, "run_time": 2}) as (
        _env,
        runner,
        _clock,
    ):
        run_to_end(runner)
    assert seen == ["on_stop", "on_stop"]


def test_constant_total_ips_paces_all_users_together() -> None:
    from horde.user import constant_total_ips

    paced = idle_user("Paced", wait_time=constant_total_ips(20))
    with virtual_run([paced], {"num_users": 10, "spawn_rate": 1000, "run_time": 10.05}) as (
        env,
        runner,
        _clock,
    ):
        run_to_end(runner)
        # each user's first task starts at once (10), then together they start 20 a second
        # (each every 10 / 20 = 0.5 s); the one more is a user paced while others still spawned
        assert 210 <= env.stats.total.num_requests <= 211


def test_constant_throughput_paces_a_closed_model_exactly() -> None:
    """Issue 7: constant_throughput(50) on 10 users once delivered 489 req/s instead of 500.
    Tasks that take time (a 7 ms request here) are paced from their start, not their end."""
    from horde.user import constant_throughput

    class Paced(User):
        wait_time = constant_throughput(50)

        @task
        def request(self) -> None:
            self.environment.clock.sleep(0.007)
            self.environment.events.request.fire(
                request_type="GET", name="/", response_time=7.0, response_length=0,
                exception=None, context={},
            )  # fmt: skip

    plan = {"num_users": 10, "spawn_rate": 1000, "run_time": 10.001}
    with virtual_run([Paced], plan) as (env, runner, _clock):
        run_to_end(runner)
    # user k starts at k/1000 s; as in Locust, its first wait is a whole interval after the
    # first task ends (7 ms + 20 ms), then a task starts every 20 ms: at 27 ms + 20 ms x m,
    # m = 0..498 before 10.001 s, plus the first: 500 each (pacing that lost 2 % would do 490)
    assert env.stats.total.num_requests == 10 * 500
