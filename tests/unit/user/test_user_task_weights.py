"""Task choice follows the declared weights, however the tasks are declared."""

# ruff: noqa: RUF012 - `tasks = [...]` class attributes, as a locustfile writes them, are the subject

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from horde.env import Environment
from horde.exceptions import LocustfileError, StopUser
from horde.user import TaskSet, User, constant, task
from horde.user.inspect import equalize_weights
from horde.user.task import DefaultTaskSet

DRAWS = 30_000

# chi-square critical values at p = 0.001 by degrees of freedom: with a fixed seed the test is
# deterministic; the threshold states how far from the weights the observed counts may be.
CHI2_CRITICAL = {1: 10.83, 2: 13.82, 3: 16.27, 4: 18.47, 5: 20.52}


@pytest.fixture(autouse=True)
def seeded() -> Iterator[None]:
    state = random.getstate()
    random.seed(12345)
    yield
    random.setstate(state)


def chi_square(observed: Counter[str], weights: dict[str, float]) -> float:
    total = sum(observed.values())
    weight_sum = sum(weights.values())
    assert set(observed) <= set(weights), f"unexpected tasks: {set(observed) - set(weights)}"
    return sum(
        (observed[name] - total * w / weight_sum) ** 2 / (total * w / weight_sum)
        for name, w in weights.items()
    )


def assert_matches_weights(observed: Counter[str], weights: dict[str, float]) -> None:
    statistic = chi_square(observed, weights)
    assert statistic < CHI2_CRITICAL[len(weights) - 1], (observed, weights, statistic)
    # the test has power: the same counts are far from equal weights
    if len(set(weights.values())) > 1:
        uniform = dict.fromkeys(weights, 1.0)
        assert chi_square(observed, uniform) > 50 * CHI2_CRITICAL[len(weights) - 1]


def name_of(task_: Any) -> str:
    return str(task_.__name__)


def draw_user_tasks(user_class: type[User], n: int = DRAWS) -> Counter[str]:
    """Names of ``n`` tasks the user's root TaskSet picks."""
    root = DefaultTaskSet(user_class(Environment()))
    return Counter(name_of(root.get_next_task()) for _ in range(n))


def draw_taskset_tasks(taskset_class: type[TaskSet], n: int = DRAWS) -> Counter[str]:
    class Holder(User):
        tasks = [taskset_class]

    taskset = taskset_class(Holder(Environment()))
    return Counter(name_of(taskset.get_next_task()) for _ in range(n))


def a(user: Any) -> None:
    """A plain-function task."""


def b(user: Any) -> None:
    """A plain-function task."""


def c(user: Any) -> None:
    """A plain-function task."""


# -- frequencies ------------------------------------------------------------------------------


def test_task_decorator_weights() -> None:
    class Weighted(User):
        @task(1)
        def one(self) -> None: ...

        @task(3)
        def three(self) -> None: ...

        @task(6)
        def six(self) -> None: ...

    assert_matches_weights(draw_user_tasks(Weighted), {"one": 1, "three": 3, "six": 6})


def test_bare_task_decorator_is_weight_one() -> None:
    class Plain(User):
        @task
        def first(self) -> None: ...

        @task()
        def second(self) -> None: ...

    assert Plain.tasks == [Plain.first, Plain.second]  # type: ignore[attr-defined]


def test_tasks_list_is_uniform() -> None:
    class Listed(User):
        tasks = [a, b, c]

    assert_matches_weights(draw_user_tasks(Listed), {"a": 1, "b": 1, "c": 1})


def test_tasks_list_repeats_count() -> None:
    class Repeated(User):
        tasks = [a, b, b, c, c, c]

    assert_matches_weights(draw_user_tasks(Repeated), {"a": 1, "b": 2, "c": 3})


def test_tasks_dict() -> None:
    class Dict(User):
        tasks = {a: 1, b: 3, c: 6}

    assert_matches_weights(draw_user_tasks(Dict), {"a": 1, "b": 3, "c": 6})


def test_tasks_weight_pairs() -> None:
    class Pairs(User):
        tasks = [(a, 1), (b, 3), (c, 6)]

    assert_matches_weights(draw_user_tasks(Pairs), {"a": 1, "b": 3, "c": 6})


def test_tasks_dict_on_taskset_with_nested_taskset() -> None:
    class ThreadPage(TaskSet):
        @task
        def read(self) -> None: ...

    class ForumPage(TaskSet):
        tasks = {ThreadPage: 15, a: 1}

    assert_matches_weights(draw_taskset_tasks(ForumPage), {"ThreadPage": 15, "a": 1})


def test_weights_mixed_declarations_add_up() -> None:
    class Sub(TaskSet):
        @task
        def inner(self) -> None: ...

    class Mixed(User):
        tasks = {Sub: 6, a: 1}

        @task(3)
        def method(self) -> None: ...

    assert_matches_weights(draw_user_tasks(Mixed), {"Sub": 6, "a": 1, "method": 3})


def test_inherited_tasks_keep_their_weights() -> None:
    class Base(User):
        abstract = True

        @task(1)
        def base_task(self) -> None: ...

    class Child(Base):
        @task(3)
        def child_task(self) -> None: ...

    class GrandChild(Child):
        tasks = [(a, 6)]

    assert_matches_weights(draw_user_tasks(GrandChild), {"base_task": 1, "child_task": 3, "a": 6})
    assert_matches_weights(draw_user_tasks(Child), {"base_task": 1, "child_task": 3})


def test_inherited_taskset_tasks() -> None:
    class BaseSet(TaskSet):
        @task(2)
        def base(self) -> None: ...

    class ChildSet(BaseSet):
        @task(6)
        def child(self) -> None: ...

    assert_matches_weights(draw_taskset_tasks(ChildSet), {"base": 2, "child": 6})


def test_weight_zero_task_never_runs() -> None:
    class Zero(User):
        @task(0)
        def never(self) -> None: ...

        @task
        def always(self) -> None: ...

    assert draw_user_tasks(Zero, 500) == Counter({"always": 500})


def test_running_user_executes_tasks_in_weighted_proportions() -> None:
    """The whole loop (pick, run, wait), not only the choice, follows the weights."""
    ran: Counter[str] = Counter()
    limit = 20_000

    def record(name: str) -> Callable[[Any], None]:
        def run(user: Any) -> None:
            ran[name] += 1
            if sum(ran.values()) >= limit:
                raise StopUser

        run.__name__ = name
        return run

    class Sub(TaskSet):
        def on_start(self) -> None:
            ran["Sub"] += 1
            if sum(ran.values()) >= limit:
                raise StopUser
            self.interrupt()

        @task
        def never(self) -> None:
            raise AssertionError("interrupted in on_start")

    class Runner(User):
        wait_time = constant(0)
        tasks = {record("one"): 1, record("three"): 3, Sub: 6}

    Runner(Environment()).run()
    assert sum(ran.values()) == limit
    assert_matches_weights(ran, {"one": 1, "three": 3, "Sub": 6})


# -- --equal-weights ------------------------------------------------------------------------------


def test_equalize_weights_makes_every_task_equally_likely() -> None:
    class Sub(TaskSet):
        tasks = {a: 1, b: 9}

    class Uneven(User):
        tasks = {Sub: 5, c: 1}

        @task(10)
        def method(self) -> None: ...

    equalize_weights(Uneven)
    assert_matches_weights(draw_user_tasks(Uneven), {"Sub": 1, "c": 1, "method": 1})
    assert_matches_weights(draw_taskset_tasks(Sub), {"a": 1, "b": 1})


def test_environment_equal_weights_option() -> None:
    class Uneven(User):
        tasks = {a: 1, b: 9}

    Environment(user_classes=[Uneven], equal_weights=True)
    assert Uneven.tasks == [a, b]


# -- weight validation ------------------------------------------------------------------------


@pytest.mark.parametrize("weight", [-1, 1.5, "x", True, None])
def test_invalid_task_decorator_weight(weight: Any) -> None:
    with pytest.raises(LocustfileError, match=r"invalid task weight .* for @task on bad"):

        class Bad(User):
            @task(weight)
            def bad(self) -> None: ...


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        ({a: -1}, r"invalid task weight -1 for a in .*Bad\.tasks"),
        ({a: 2.5}, r"invalid task weight 2\.5 for a in .*Bad\.tasks"),
        ([(a, "3")], r"invalid task weight '3' for a in .*Bad\.tasks"),
        ([(a, 1, 2)], r"Bad\.tasks: expected \(task, weight\) pairs"),
        ([a, 42], r"Bad\.tasks: 42 is not callable nor a TaskSet"),
        (["a"], r"Bad\.tasks: 'a' is not callable nor a TaskSet"),
        (42, r"Bad\.tasks must be a list or dict of tasks, got int"),
    ],
)
def test_invalid_tasks_attribute(declared: Any, message: str) -> None:
    with pytest.raises(LocustfileError, match=message):
        type("Bad", (User,), {"tasks": declared, "__qualname__": "Bad"})


def test_invalid_tasks_on_taskset() -> None:
    with pytest.raises(LocustfileError, match=r"BadSet\.tasks: expected \(task, weight\) pairs"):
        type("BadSet", (TaskSet,), {"tasks": [(a,)], "__qualname__": "BadSet"})


def test_task_on_run_is_refused() -> None:
    with pytest.raises(LocustfileError, match="run"):

        class Bad(User):
            @task
            def run(self) -> None: ...  # type: ignore[misc]


def test_task_on_on_start_warns(caplog: pytest.LogCaptureFixture) -> None:
    class Odd(User):
        @task
        def on_start(self) -> None: ...

    assert "on_start" in caplog.text
    assert Odd.tasks == [Odd.on_start]


def test_user_without_tasks_fails_clearly_when_run() -> None:
    class Empty(User):
        pass

    with pytest.raises(LocustfileError, match="Empty has no tasks"):
        DefaultTaskSet(Empty(Environment())).get_next_task()
