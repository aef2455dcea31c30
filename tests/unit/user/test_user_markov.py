"""MarkovTaskSet: transitions, the start state, observed frequencies, definition errors."""

# ruff: noqa: RUF012 - `tasks = [...]` class attributes, as a locustfile writes them, are the subject

from __future__ import annotations

import itertools
import logging
import random
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from horde.env import Environment
from horde.exceptions import LocustfileError, StopUser
from horde.user import MarkovTaskSet, User, constant, tag, transition, transitions
from horde.user.markov import (
    InvalidTransitionError,
    MarkovTaskTagError,
    NoMarkovTasksError,
    NonMarkovTaskTransitionError,
)

CHI2_CRITICAL = {1: 10.83, 2: 13.82, 3: 16.27}  # p = 0.001


@pytest.fixture(autouse=True)
def seeded() -> Iterator[None]:
    state = random.getstate()
    random.seed(2024)
    yield
    random.setstate(state)


class Holder(User):
    wait_time = constant(0)


def walk(chain: type[MarkovTaskSet], steps: int) -> list[str]:
    """Names of the first ``steps`` tasks the chain picks."""
    taskset = chain(Holder(Environment()))
    return [taskset.get_next_task().__name__ for _ in range(steps)]


def chi_square(observed: Counter[str], weights: dict[str, int]) -> float:
    total, weight_sum = sum(observed.values()), sum(weights.values())
    assert set(observed) <= set(weights)
    return sum(
        (observed[k] - total * w / weight_sum) ** 2 / (total * w / weight_sum)
        for k, w in weights.items()
    )


class Shop(MarkovTaskSet):
    @transition("browse")
    def login(self) -> None: ...

    @transitions({"browse": 1, "cart": 3, "logout": 2})
    def browse(self) -> None: ...

    @transitions([("checkout", 2), "browse"])
    def cart(self) -> None: ...

    @transition("logout", 3)
    @transition("browse")
    def checkout(self) -> None: ...

    @transition("login")
    def logout(self) -> None: ...


def test_start_state_is_the_first_markov_task() -> None:
    assert walk(Shop, 2) == ["login", "browse"]


def test_every_step_follows_a_declared_transition() -> None:
    allowed = {
        "login": {"browse"},
        "browse": {"browse", "cart", "logout"},
        "cart": {"checkout", "browse"},
        "checkout": {"logout", "browse"},
        "logout": {"login"},
    }
    path = walk(Shop, 5000)
    for here, there in itertools.pairwise(path):
        assert there in allowed[here], f"{here} -> {there}"
    assert set(path) == set(allowed)


@pytest.mark.parametrize(
    ("state", "weights"),
    [
        ("browse", {"browse": 1, "cart": 3, "logout": 2}),  # dict form
        ("cart", {"checkout": 2, "browse": 1}),  # list form, bare name = weight 1
        ("checkout", {"logout": 3, "browse": 1}),  # stacked @transition
    ],
)
def test_observed_transition_frequencies_match_weights(state: str, weights: dict[str, int]) -> None:
    path = walk(Shop, 60_000)
    observed = Counter(b for a, b in itertools.pairwise(path) if a == state)
    assert sum(observed.values()) > 3000
    assert chi_square(observed, weights) < CHI2_CRITICAL[len(weights) - 1], observed


def test_markov_taskset_runs_inside_a_user() -> None:
    visits: list[str] = []

    class Loop(MarkovTaskSet):
        @transition("b")
        def a(self) -> None:
            visits.append("a")

        @transition("a")
        def b(self) -> None:
            visits.append("b")
            if len(visits) >= 6:
                raise StopUser

    class Person(User):
        wait_time = constant(0)
        tasks = [Loop]

    Person(Environment()).run()
    assert visits == ["a", "b"] * 3


def test_each_instance_starts_from_the_start_state() -> None:
    assert walk(Shop, 1) == walk(Shop, 1) == ["login"]


def test_abstract_markov_taskset_is_not_validated() -> None:
    class Base(MarkovTaskSet):
        abstract = True

    assert Base.tasks == []


def test_transitions_decorators_return_the_function() -> None:
    def f(self: Any) -> None: ...

    assert transition("g")(f) is f
    assert transitions({"g": 2})(f) is f
    assert f.markov_transitions == [("g", 1), ("g", 2)]  # type: ignore[attr-defined]


# -- definition errors ------------------------------------------------------------------------


def test_errors_are_locustfile_errors() -> None:
    for error in (
        NoMarkovTasksError,
        InvalidTransitionError,
        NonMarkovTaskTransitionError,
        MarkovTaskTagError,
    ):
        assert issubclass(error, LocustfileError)


def test_no_markov_tasks() -> None:
    with pytest.raises(NoMarkovTasksError, match="Empty has no Markov tasks"):

        class Empty(MarkovTaskSet):
            def plain(self) -> None: ...


def test_transition_to_an_unknown_task() -> None:
    with pytest.raises(InvalidTransitionError, match=r"Broken\.a: .*unknown method 'nowhere'"):

        class Broken(MarkovTaskSet):
            @transition("nowhere")
            def a(self) -> None: ...


@pytest.mark.parametrize("weight", [0, -1, 1.5, "2", True])
def test_bad_transition_weight(weight: Any) -> None:
    with pytest.raises(InvalidTransitionError, match=r"a -> b: weight must be a whole number"):

        class Broken(MarkovTaskSet):
            @transition("b", weight)
            def a(self) -> None: ...

            @transition("a")
            def b(self) -> None: ...


@pytest.mark.parametrize("entries", [[("b",)], [("b", 1, 2)], [3], [None], [(1, "b")]])
def test_bad_transitions_list_entry(entries: list[Any]) -> None:
    with pytest.raises(InvalidTransitionError, match="neither a task name nor a"):
        transitions(entries)


def test_transition_to_a_non_markov_task() -> None:
    with pytest.raises(NonMarkovTaskTransitionError, match=r"'helper' is not a Markov task"):

        class Broken(MarkovTaskSet):
            @transition("helper")
            def a(self) -> None: ...

            def helper(self) -> None: ...


def test_tags_are_refused() -> None:
    with pytest.raises(MarkovTaskTagError, match=r"Tagged\.a: @tag is not supported"):

        class Tagged(MarkovTaskSet):
            @tag("x")
            @transition("a")
            def a(self) -> None: ...


def test_transition_on_run_is_refused() -> None:
    with pytest.raises(LocustfileError, match="run"):

        class Broken(MarkovTaskSet):
            @transition("run")
            def run(self) -> None: ...  # type: ignore[override]


def test_transition_on_on_start_warns(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="horde.user.markov"):

        class Odd(MarkovTaskSet):
            @transition("on_start")
            def on_start(self) -> None: ...

    assert "on_start" in caplog.text


def test_unreachable_state_warns(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="horde.user.markov"):

        class Island(MarkovTaskSet):
            @transition("a")
            def a(self) -> None: ...

            @transition("a")
            def lonely(self) -> None: ...

    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["Island.lonely cannot be reached from a"]


def test_reachable_chain_does_not_warn(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="horde.user.markov"):

        class Fine(MarkovTaskSet):
            @transition("b")
            def a(self) -> None: ...

            @transition("a")
            def b(self) -> None: ...

    assert caplog.records == []
