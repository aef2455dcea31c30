"""SequentialTaskSet: declaration order, weights as repeats, cycling."""

# ruff: noqa: RUF012 - `tasks = [...]` class attributes, as a locustfile writes them, are the subject

from __future__ import annotations

from typing import Any

import pytest

from horde.env import Environment
from horde.exceptions import LocustfileError, StopUser
from horde.user import SequentialTaskSet, TaskSet, User, constant, task


def first(taskset: Any) -> None:
    taskset.user.ran.append("first")


def second(taskset: Any) -> None:
    taskset.user.ran.append("second")


class Recorder(User):
    """Runs one TaskSet and stops after ``limit`` recorded steps."""

    abstract = True
    wait_time = constant(0)
    limit = 12

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        self.ran: list[str] = []


def run_steps(taskset: type[TaskSet], limit: int = 12) -> list[str]:
    class Runner(Recorder):
        tasks = [taskset]

    user = Runner(Environment())
    original = taskset.execute_task

    def counting(self: TaskSet, task_: Any, *args: Any, **kwargs: Any) -> None:
        if len(user.ran) >= limit:
            raise StopUser
        original(self, task_, *args, **kwargs)

    taskset.execute_task = counting  # type: ignore[method-assign]
    try:
        user.run()
    finally:
        del taskset.execute_task
    return user.ran


def test_methods_run_in_declaration_order_and_cycle() -> None:
    class Steps(SequentialTaskSet):
        @task
        def c(self) -> None:
            self.user.ran.append("c")

        @task
        def a(self) -> None:
            self.user.ran.append("a")

        @task
        def b(self) -> None:
            self.user.ran.append("b")

    assert run_steps(Steps, 7) == ["c", "a", "b", "c", "a", "b", "c"]


def test_tasks_list_interleaves_where_it_is_declared() -> None:
    class Mixed(SequentialTaskSet):
        @task
        def login(self) -> None:
            self.user.ran.append("login")

        tasks = [first, second]

        @task(2)
        def browse(self) -> None:
            self.user.ran.append("browse")

        @task
        def logout(self) -> None:
            self.user.ran.append("logout")

    one_cycle = ["login", "first", "second", "browse", "browse", "logout"]
    assert run_steps(Mixed, 12) == one_cycle * 2


def test_tasks_dict_weights_repeat_in_place() -> None:
    class Dict(SequentialTaskSet):
        tasks = {first: 2, second: 1}

        @task(3)
        def after(self) -> None:
            self.user.ran.append("after")

    assert run_steps(Dict, 6) == ["first", "first", "second", "after", "after", "after"]


def test_weight_pairs_and_nested_taskset() -> None:
    class Nested(TaskSet):
        @task
        def inner(self) -> None:
            self.user.ran.append("inner")
            self.interrupt()

    class Flow(SequentialTaskSet):
        tasks = [(first, 2), Nested, second]

    assert run_steps(Flow, 8) == ["first", "first", "inner", "second"] * 2


def test_sequence_restarts_for_every_new_instance() -> None:
    class Flow(SequentialTaskSet):
        @task
        def one(self) -> None:
            self.user.ran.append("one")

        @task
        def two(self) -> None:
            self.user.ran.append("two")
            self.interrupt()

    class Runner(Recorder):
        tasks = [Flow]

    user = Runner(Environment())
    for _ in range(2):
        flow = Flow(user)
        assert [flow.get_next_task().__name__ for _ in range(3)] == ["one", "two", "one"]


def test_inherited_sequence_comes_first() -> None:
    class Base(SequentialTaskSet):
        @task
        def base(self) -> None: ...

    class Child(Base):
        @task
        def child(self) -> None: ...

    assert [t.__name__ for t in Child.tasks] == ["base", "child"]


def test_empty_sequential_taskset_is_a_clear_error() -> None:
    class Empty(SequentialTaskSet):
        pass

    class Runner(Recorder):
        tasks = [Empty]

    with pytest.raises(LocustfileError, match="Empty has no tasks"):
        Empty(Runner(Environment())).get_next_task()


def test_sequential_taskset_directly_on_a_user() -> None:
    class Checkout(SequentialTaskSet):
        tasks = [first, second]

    class Shopper(User):
        wait_time = constant(0)
        tasks = [Checkout]

        def __init__(self, environment: Any) -> None:
            super().__init__(environment)
            self.ran: list[str] = []

    shopper = Shopper(Environment())
    checkout = Checkout(shopper)
    assert checkout.parent is shopper
    for _ in range(4):
        checkout.execute_task(checkout.get_next_task())
    assert shopper.ran == ["first", "second", "first", "second"]
