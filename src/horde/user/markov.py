"""MarkovTaskSet: the next task is drawn from the current task's weighted transitions.

::

    class Shop(MarkovTaskSet):
        @transition("browse")                      # the first Markov task is the start state
        def login(self): ...

        @transitions({"add_to_cart": 3, "browse": 1, "logout": 1})
        def browse(self): ...

        @transitions([("checkout", 1), ("browse", 2), "logout"])
        def add_to_cart(self): ...

Class creation checks the graph: every target must exist and be a Markov task, every Markov task
needs a transition, and ``@tag`` is refused (tags would cut the chain). Unreachable tasks warn.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, TypeVar

from horde.exceptions import LocustfileError
from horde.user.task import TaskSet, TaskSetMeta

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


class MarkovTaskSetError(LocustfileError):
    """Base class of MarkovTaskSet definition errors."""


class NoMarkovTasksError(MarkovTaskSetError):
    """A MarkovTaskSet defines no @transition/@transitions methods."""


class InvalidTransitionError(MarkovTaskSetError):
    """A transition names a missing method, or a task has no way out."""


class NonMarkovTaskTransitionError(MarkovTaskSetError):
    """A transition targets a method that is not itself a Markov task."""


class MarkovTaskTagError(MarkovTaskSetError):
    """@tag was used inside a MarkovTaskSet."""


def _add_transitions(func: F, pairs: Iterable[tuple[str, int]]) -> F:
    if func.__name__ == "run":
        raise MarkovTaskSetError("@transition cannot decorate run(): it is the TaskSet's own loop")
    if func.__name__ in ("on_start", "on_stop"):
        logger.warning(
            "@transition on %s: it runs as a step of the chain and also on start/stop",
            func.__name__,
        )
    existing: list[tuple[str, int]] = list(getattr(func, "markov_transitions", []))
    for target, weight in pairs:
        if isinstance(weight, bool) or not isinstance(weight, int) or weight < 1:
            raise InvalidTransitionError(
                f"transition {func.__name__} -> {target}: weight must be a whole number >= 1"
            )
        existing.append((target, weight))
    func.markov_transitions = existing  # type: ignore[attr-defined]
    return func


def transition(func_name: str, weight: int = 1) -> Callable[[F], F]:
    """Declare one transition from the decorated task to ``func_name``."""
    return lambda func: _add_transitions(func, [(func_name, weight)])


def transitions(weights: Mapping[str, int] | Iterable[str | tuple[str, int]]) -> Callable[[F], F]:
    """Declare several transitions: ``{"a": 2, "b": 1}`` or ``["a", ("b", 2)]``."""
    if isinstance(weights, Mapping):
        pairs = list(weights.items())
    else:
        pairs = [_transition_pair(entry) for entry in weights]
    return lambda func: _add_transitions(func, pairs)


def _transition_pair(entry: object) -> tuple[str, int]:
    if isinstance(entry, str):
        return entry, 1
    if isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], str):
        return entry[0], entry[1]
    raise InvalidTransitionError(
        f"@transitions: {entry!r} is neither a task name nor a (task name, weight) pair"
    )


class MarkovTaskSetMeta(TaskSetMeta):
    def __new__(mcs, name: str, bases: tuple[type, ...], attrs: dict[str, Any]) -> TaskSetMeta:
        cls = super().__new__(mcs, name, bases, attrs)
        if attrs.get("abstract") or not any(isinstance(b, MarkovTaskSetMeta) for b in bases):
            return cls
        _build_chain(cls, name)
        return cls


def _build_chain(cls: Any, name: str) -> None:
    members = {k: v for k, v in vars(cls).items() if callable(v)}
    markov = {k: v for k, v in members.items() if hasattr(v, "markov_transitions")}
    if not markov:
        raise NoMarkovTasksError(
            f"{name} has no Markov tasks: decorate methods with @transition or @transitions"
        )
    for key, func in markov.items():
        if hasattr(func, "locust_tag_set"):
            raise MarkovTaskTagError(f"{name}.{key}: @tag is not supported in a MarkovTaskSet")
        for target, _ in func.markov_transitions:
            if target not in members:
                raise InvalidTransitionError(
                    f"{name}.{key}: transition to unknown method {target!r}"
                )
            if target not in markov:
                raise NonMarkovTaskTransitionError(
                    f"{name}.{key}: {target!r} is not a Markov task (add @transition to it)"
                )
    chain = {
        key: ([t for t, _ in func.markov_transitions], [w for _, w in func.markov_transitions])
        for key, func in markov.items()
    }
    start = next(iter(markov))
    _warn_unreachable(name, start, chain)
    cls._markov_chain = chain
    cls._markov_start = start
    cls.tasks = [markov[start]]


def _warn_unreachable(name: str, start: str, chain: dict[str, tuple[list[str], list[int]]]) -> None:
    seen, todo = {start}, [start]
    while todo:
        for target in chain[todo.pop()][0]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    for key in chain:
        if key not in seen:
            logger.warning("%s.%s cannot be reached from %s", name, key, start)


class MarkovTaskSet(TaskSet, metaclass=MarkovTaskSetMeta):
    """Runs tasks as a Markov chain, starting at the first task that declares transitions."""

    _markov_chain: ClassVar[dict[str, tuple[list[str], list[int]]]] = {}
    _markov_start: ClassVar[str] = ""

    def __init__(self, parent: Any) -> None:
        super().__init__(parent)
        self._current = self._markov_start

    def get_next_task(self) -> Any:
        current = self._current
        targets, weights = self._markov_chain[current]
        self._current = random.choices(targets, weights)[0]
        return getattr(self, current)
