"""Task ratios (--show-task-ratio) and equal weights, computed without running anything."""

# ruff: noqa: RUF012 - `tasks = [...]` class attributes, as a locustfile writes them, are the subject

from __future__ import annotations

from typing import Any

import pytest

from horde.user import SequentialTaskSet, TaskSet, User, task
from horde.user.inspect import equalize_weights, ratio_report, task_name, task_ratios


def ratios(tree: dict[str, Any]) -> dict[str, Any]:
    """``{name: ratio}`` or ``{name: (ratio, {nested})}`` for compact assertions."""
    return {
        name: (node["ratio"], ratios(node["tasks"])) if "tasks" in node else node["ratio"]
        for name, node in tree.items()
    }


class WebsiteUser(User):
    """The seed's example: weights 10 / 5 / 1."""

    @task(10)
    def index(self) -> None: ...

    @task(5)
    def about(self) -> None: ...

    @task(1)
    def contact_us(self) -> None: ...


def test_seed_example_ratios() -> None:
    report = ratio_report([WebsiteUser])
    expected = {"index": 0.625, "about": 0.3125, "contact_us": 0.0625}
    assert report["per_class"]["WebsiteUser"]["ratio"] == 1.0
    assert ratios(report["per_class"]["WebsiteUser"]["tasks"]) == pytest.approx(expected)
    assert report["total"]["WebsiteUser"]["ratio"] == 1.0
    assert ratios(report["total"]["WebsiteUser"]["tasks"]) == pytest.approx(expected)


def test_nested_tasksets_multiply() -> None:
    class Forum(TaskSet):
        @task(3)
        def read(self) -> None: ...

        @task(1)
        def write(self) -> None: ...

    class Reader(User):
        tasks = {Forum: 1}

        @task(1)
        def home(self) -> None: ...

    tree = task_ratios(Reader.tasks)
    assert tree["Forum"]["ratio"] == 0.5
    assert ratios(tree) == {"Forum": (0.5, {"read": 0.375, "write": 0.125}), "home": 0.5}


def test_three_levels_and_sequential_sets() -> None:
    class Leaf(SequentialTaskSet):
        @task
        def one(self) -> None: ...

        @task(3)
        def two(self) -> None: ...

    class Middle(TaskSet):
        tasks = [Leaf]

        @task
        def middle(self) -> None: ...

    class Top(User):
        tasks = [Middle]

    assert ratios(task_ratios(Top.tasks)) == {
        "Middle": (1.0, {"Leaf": (0.5, {"one": 0.125, "two": 0.375}), "middle": 0.5})
    }


def test_total_ratio_uses_class_weights() -> None:
    class Heavy(User):
        weight = 3

        @task(1)
        def a(self) -> None: ...

        @task(1)
        def b(self) -> None: ...

    class Light(User):
        weight = 1

        @task
        def c(self) -> None: ...

    report = ratio_report([Heavy, Light])
    assert ratios(report["total"]["Heavy"]["tasks"]) == {"a": 0.375, "b": 0.375}
    assert report["total"]["Heavy"]["ratio"] == 0.75
    assert report["total"]["Light"]["ratio"] == 0.25
    assert ratios(report["total"]["Light"]["tasks"]) == {"c": 0.25}
    assert ratios(report["per_class"]["Heavy"]["tasks"]) == {"a": 0.5, "b": 0.5}
    assert report["per_class"]["Light"]["ratio"] == 1.0


def test_fixed_count_classes_share_by_count() -> None:
    class Admin(User):
        fixed_count = 1

        @task
        def manage(self) -> None: ...

    class Visitor(User):
        fixed_count = 3

        @task
        def look(self) -> None: ...

    report = ratio_report([Admin, Visitor])
    assert report["total"]["Admin"]["ratio"] == 0.25
    assert report["total"]["Visitor"]["ratio"] == 0.75


def test_tasks_with_the_same_name_add_up() -> None:
    def work(user: Any) -> None: ...

    def other(user: Any) -> None: ...

    other.__name__ = "work"

    assert ratios(task_ratios([work, other, work, work])) == {"work": 1.0}


def test_no_tasks_no_ratios() -> None:
    assert task_ratios([]) == {}
    assert ratio_report([]) == {"per_class": {}, "total": {}}


def test_task_name_of_callables_without_a_name() -> None:
    class Callable:
        def __call__(self, user: Any) -> None: ...

        def __repr__(self) -> str:
            return "<callable>"

    assert task_name(Callable()) == "<callable>"


def test_equalize_weights_is_recursive_and_idempotent() -> None:
    class Inner(TaskSet):
        @task(9)
        def heavy(self) -> None: ...

        @task
        def light(self) -> None: ...

    class Outer(User):
        tasks = {Inner: 4}

        @task(2)
        def own(self) -> None: ...

    equalize_weights(Outer)
    equalize_weights(Outer)
    assert ratios(task_ratios(Outer.tasks)) == {
        "Inner": (0.5, {"heavy": 0.25, "light": 0.25}),
        "own": 0.5,
    }
