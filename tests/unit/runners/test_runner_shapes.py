"""Load shapes in virtual time: Locust's custom_shape examples, stages, and the tick contract."""

from __future__ import annotations

import importlib.util
import math
from itertools import pairwise
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

import pytest
from plan_kit import idle_user, run_to_end, users_by_second, virtual_run

from horde.compat import install_locust_alias, uninstall_locust_alias
from horde.exceptions import LocustfileError
from horde.shape.base import LoadTestShape
from horde.shape.plan import RunPlan

EXAMPLES = Path(__file__).resolve().parents[2] / "integration" / "locustfiles" / "custom_shape"


def example(name: str) -> ModuleType:
    """Import one of Locust's examples as Locust would (``from locust import ...``)."""
    install_locust_alias()
    try:
        spec = importlib.util.spec_from_file_location(f"shape_example_{name}", EXAMPLES / name)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        uninstall_locust_alias()
    return module


def shape_plan(shape: LoadTestShape, run_time: float | None = None) -> RunPlan:
    return RunPlan(
        executor="shape", users=0, spawn_rate=1, shape=type(shape).__name__, run_time=run_time
    )


def test_locust_stages_example_follows_every_stage_then_stops() -> None:
    module = example("stages.py")
    shape = module.StagesShape()
    with virtual_run([idle_user()], shape_plan(shape), shape=shape) as (env, runner, clock):
        start = clock.time()
        run_to_end(runner)
        assert runner.stop_reason == "the load shape ended"
        counts = users_by_second(env, start)
        ends = [0, 60, 100, 180, 220, 230, 240]
        for stage, (begin, end) in zip(module.StagesShape.stages, pairwise(ends), strict=True):
            # well inside the stage the ramp is over (rate 10/s); count equals the stage's users
            settled = begin + math.ceil(100 / stage["spawn_rate"]) + 1
            if settled < end:
                assert counts[end - 1] == stage["users"], (stage, counts[end - 1])
        assert max(counts) in (239, 240, 241)
        assert clock.monotonic() - 1000.0 == pytest.approx(240, abs=1.01)


def test_locust_step_load_example_adds_ten_users_each_step() -> None:
    module = example("step_load.py")
    shape = module.StepLoadShape()
    with virtual_run([idle_user()], shape_plan(shape), shape=shape) as (env, runner, clock):
        start = clock.time()
        run_to_end(runner)
        counts = users_by_second(env, start)
        for step in range(20):
            assert counts[step * 30 + 29] == (step + 1) * 10
        assert runner.stop_reason == "the load shape ended"


def test_locust_double_wave_example_has_two_peaks() -> None:
    module = example("double_wave.py")
    shape = module.DoubleWave()
    with virtual_run([idle_user()], shape_plan(shape), shape=shape) as (env, runner, clock):
        start = clock.time()
        run_to_end(runner)
        counts = users_by_second(env, start)
        first = max(counts[s] for s in range(150, 250))
        second = max(counts[s] for s in range(350, 450))
        trough = counts[300]
        assert first == pytest.approx(60, abs=1)
        assert second == pytest.approx(40, abs=1)
        assert trough < second < first
        assert counts[5] == 20


def test_locust_staging_user_classes_example_swaps_classes() -> None:
    module = example("staging_user_classes.py")
    shape = module.StagesShapeWithCustomUsers()
    a, b = module.WebsiteUserA, module.WebsiteUserB
    # the example's classes are HttpUsers; run idle twins under their names and map the stages
    idle_a, idle_b = idle_user("WebsiteUserA"), idle_user("WebsiteUserB")
    swap = {a: idle_a, b: idle_b}
    for stage in shape.stages:
        if "user_classes" in stage:
            stage["user_classes"] = [swap[c] for c in stage["user_classes"]]
    seen: list[dict[str, int]] = []
    with virtual_run([idle_a, idle_b], shape_plan(shape), shape=shape) as (env, runner, _clock):
        env.events.spawning_complete.add_listener(
            lambda **_: seen.append(dict(runner.user_classes_count))
        )
        run_to_end(runner)
    assert {"WebsiteUserA": 10, "WebsiteUserB": 0} in seen
    assert {"WebsiteUserA": 0, "WebsiteUserB": 50} in seen
    assert {"WebsiteUserA": 100, "WebsiteUserB": 0} in seen


def test_locust_wait_user_count_example_waits_for_each_target() -> None:
    module = example("wait_user_count.py")
    shape = module.StepLoadShape()
    with virtual_run([idle_user()], shape_plan(shape), shape=shape) as (env, runner, clock):
        start = clock.time()
        run_to_end(runner)
        counts = users_by_second(env, start)
    # 10 users for 10 s, 20 for 15 s, 10 for 10 s: every target is reached and held
    values = [counts[s] for s in sorted(counts)]
    assert values.count(20) >= 15
    assert values.count(10) >= 20
    assert runner.stop_reason == "the load shape ended"


def test_run_time_caps_a_shape() -> None:
    module = example("step_load.py")
    shape = module.StepLoadShape()
    with virtual_run([idle_user()], shape_plan(shape, run_time=45), shape=shape) as (
        env,
        runner,
        clock,
    ):
        run_to_end(runner)
        assert runner.stop_reason == "run time limit reached"
        assert clock.monotonic() - 1000.0 == pytest.approx(45, abs=0.01)
        assert max(p.user_count for p in env.stats.history.points) == 20


def test_get_run_time_and_reset_time_follow_the_runner_clock() -> None:
    class Probe(LoadTestShape):
        seen: ClassVar[list[float]] = []

        def tick(self) -> Any:
            self.seen.append(self.get_run_time())
            if len(self.seen) == 3:
                self.reset_time()
            return (1, 1) if len(self.seen) < 6 else None

    shape = Probe()
    with virtual_run([idle_user()], shape_plan(shape), shape=shape) as (_, runner, _clock):
        run_to_end(runner)
    assert Probe.seen == pytest.approx([0, 1, 2, 1, 2, 3])


def test_get_current_user_count_reads_the_runner() -> None:
    class Counting(LoadTestShape):
        counts: ClassVar[list[int]] = []

        def tick(self) -> Any:
            self.counts.append(self.get_current_user_count())
            return (3, 100) if len(self.counts) < 4 else None

    shape = Counting()
    with virtual_run([idle_user()], shape_plan(shape), shape=shape) as (_, runner, _clock):
        run_to_end(runner)
    assert Counting.counts[0] == 0
    assert Counting.counts[-1] == 3


@pytest.mark.parametrize(
    ("tick", "says"),
    [
        ((10,), "must return"),
        ((-1, 1), "user count must be 0 or more"),
        ((1.5, 1), "user count must be whole"),
        ((10, 0), "spawn rate must be a number above 0"),
        ((10, float("nan")), "spawn rate must be a number above 0"),
        ((10, 1, "User"), "user_classes must be a list"),
        ("10 users", "must return"),
    ],
)
def test_a_malformed_tick_stops_the_test_with_a_clear_error(tick: Any, says: str) -> None:
    class Broken(LoadTestShape):
        def tick(self) -> Any:
            return tick

    shape = Broken()
    with virtual_run([idle_user()], shape_plan(shape), shape=shape) as (_, runner, _clock):
        run_to_end(runner)
        assert isinstance(runner.failure, LocustfileError)
        assert says in str(runner.failure)
        assert "Broken.tick()" in str(runner.failure)


def test_an_unchanged_tick_is_not_applied_again() -> None:
    class Flat(LoadTestShape):
        ticks = 0

        def tick(self) -> Any:
            Flat.ticks += 1
            return (2, 10) if Flat.ticks < 10 else None

    shape = Flat()
    changes: list[int] = []
    with virtual_run([idle_user()], shape_plan(shape), shape=shape) as (env, runner, _clock):
        env.events.spawning_complete.add_listener(
            lambda user_count, **_: changes.append(user_count)
        )
        run_to_end(runner)
    assert changes == [2]
