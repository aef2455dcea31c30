"""Looking at User classes without running them: tag filtering, equal weights, task ratios."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from horde.exceptions import LocustfileError
from horde.user.task import TaskSet

MAX_TASK_ENTRIES = 1_000_000
"""Weights expand into repeated task entries (Locust's representation, which scripts read):
beyond this many a class's weights are refused instead of exhausting memory."""


def _is_taskset(task: Any) -> bool:
    return isinstance(task, type) and issubclass(task, TaskSet)


def task_name(task: Any) -> str:
    return str(getattr(task, "__name__", repr(task)))


def filter_tasks_by_tags(
    holder: type, tags: Iterable[str] | None, exclude_tags: Iterable[str] | None
) -> None:
    """Keep only the tasks selected by ``tags`` and not by ``exclude_tags`` (recursively).

    Tags on a TaskSet apply to all its tasks. A TaskSet left without tasks is dropped. The class
    keeps its unfiltered tasks in ``_unfiltered_tasks``, so filtering again starts afresh.
    """
    include = set(tags) if tags is not None else None
    _filter(holder, include, set(exclude_tags or ()), set())


def _filter(holder: Any, include: set[str] | None, exclude: set[str], inherited: set[str]) -> None:
    if "_unfiltered_tasks" not in vars(holder):
        holder._unfiltered_tasks = list(holder.tasks)
    kept = []
    for task in holder._unfiltered_tasks:
        tags = inherited | getattr(task, "locust_tag_set", set())
        if _is_taskset(task):
            _filter(task, include, exclude, tags)
            if task.tasks:
                kept.append(task)
        elif (include is None or tags & include) and not tags & exclude:
            kept.append(task)
    holder.tasks = kept


def equalize_weights(holder: Any, seen: set[int] | None = None) -> None:
    """Give every task weight 1 (``--equal-weights``), recursively."""
    seen = seen if seen is not None else set()
    if id(holder) in seen:
        return
    seen.add(id(holder))
    holder.tasks = list(dict.fromkeys(holder.tasks))
    for task in holder.tasks:
        if _is_taskset(task):
            equalize_weights(task, seen)


def task_ratios(tasks: Sequence[Any], parent_ratio: float = 1.0) -> dict[str, Any]:
    """``{task name: {"ratio": r, "tasks": {...nested}}}``: each task's share of executions."""
    out: dict[str, Any] = {}
    if not tasks:
        return out
    counts: dict[Any, int] = {}
    for task in tasks:
        counts[task] = counts.get(task, 0) + 1
    for task, count in counts.items():
        ratio = parent_ratio * count / len(tasks)
        entry: dict[str, Any] = {"ratio": ratio}
        if _is_taskset(task):
            entry["tasks"] = task_ratios(task.tasks, ratio)
        key = task_name(task)
        if key in out:
            out[key]["ratio"] += ratio
        else:
            out[key] = entry
    return out


def ratio_report(user_classes: Sequence[Any]) -> dict[str, Any]:
    """Locust's ``--show-task-ratio-json`` shape: ``{"per_class": ..., "total": ...}``."""
    per_class = {
        cls.__name__: {"ratio": 1.0, "tasks": task_ratios(cls.tasks)} for cls in user_classes
    }
    weights = {cls.__name__: float(cls.weight) for cls in user_classes}
    fixed = [cls for cls in user_classes if cls.fixed_count]
    if fixed:
        weights = {cls.__name__: float(cls.fixed_count or 0) for cls in user_classes}
    total_weight = sum(weights.values()) or 1.0
    total = {
        cls.__name__: {
            "ratio": weights[cls.__name__] / total_weight,
            "tasks": task_ratios(cls.tasks, weights[cls.__name__] / total_weight),
        }
        for cls in user_classes
    }
    return {"per_class": per_class, "total": total}


def check_runnable(user_classes: Sequence[Any]) -> None:
    """Refuse, before anything runs, User classes that cannot run: no tasks (or only weight 0,
    or an empty TaskSet), a ``wait_time`` that is not a function, weights too large to expand.

    Raises LocustfileError naming the class and the fix (the command exits with code 3).
    """
    for cls in user_classes:
        _check_holder(cls, cls.__name__, set())
        wait = vars_lookup(cls, "wait_time")
        if wait is not None and not callable(wait):
            raise LocustfileError(
                f"{cls.__name__}.wait_time must be a function such as between(1, 3) or "
                f"constant(1), got {wait!r}"
            )


def _check_holder(holder: Any, path: str, seen: set[int]) -> None:
    if id(holder) in seen:
        return
    seen.add(id(holder))
    tasks = holder.tasks
    if len(tasks) > MAX_TASK_ENTRIES:
        raise LocustfileError(
            f"the task weights of {path} add up to {len(tasks):,}: use smaller weights "
            f"(at most {MAX_TASK_ENTRIES:,} in total; only their ratios matter)"
        )
    if not tasks:
        raise LocustfileError(
            f"{path} has no tasks: decorate methods with @task (weight above 0) or set "
            "tasks = [...]"
        )
    for task in tasks:
        if _is_taskset(task):
            _check_holder(task, f"{path} > {task.__name__}", seen)
            wait = vars_lookup(task, "wait_time")
            if wait is not None and not callable(wait):
                raise LocustfileError(
                    f"{task.__name__}.wait_time must be a function such as between(1, 3), "
                    f"got {wait!r}"
                )


def vars_lookup(cls: type, name: str) -> Any:
    """``name`` as defined on ``cls`` or a base, without binding (None if absent)."""
    for klass in cls.__mro__:
        if name in vars(klass):
            return vars(klass)[name]
    return None
