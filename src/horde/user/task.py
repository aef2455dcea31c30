"""Tasks and TaskSets: ``@task``, ``@tag`` and the task loop every simulated user runs.

The loop (``TaskSet.run``): run ``on_start``; then forever pick a task (weighted random, or the
queue filled by ``schedule_task``), run it, and ``wait()``. Control flow:

* ``RescheduleTask``: end the task, wait, pick another.
* ``RescheduleTaskImmediately``: end the task, pick another without waiting.
* ``InterruptTaskSet`` (``self.interrupt()``): run ``on_stop`` and return to the parent TaskSet.
* ``StopUser`` / a kill from the runner: run ``on_stop`` and end the user.
* ``StopTest``: propagate, so the runner stops the whole test.
* Any other exception: fire ``user_error``, record it, wait, continue (unless the Environment was
  created with ``catch_exceptions=False``: then it propagates, reported once however deeply the
  TaskSets are nested).
* No task to pick (none declared, or ``--tags`` removed them all): fire ``user_error`` once and
  stop the user, rather than fail again and again.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from gevent import GreenletExit

from horde.event import deprecation_notice
from horde.exceptions import (
    InterruptTaskSet,
    LocustfileError,
    MissingWaitTimeError,
    RescheduleTask,
    RescheduleTaskImmediately,
    StopTest,
    StopUser,
)
from horde.user.wait_time import legacy_wait, paces, start_pacing

if TYPE_CHECKING:
    from horde.user.users import User

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

STATE_RUNNING, STATE_WAITING, STATE_STOPPING = "running", "waiting", "stopping"


MAX_WEIGHT = 1_000_000
"""A task weight becomes that many entries in the class's task list (Locust's representation):
larger weights would exhaust memory before anything runs; only ratios matter."""


def _check_weight(weight: object, what: str) -> int:
    if isinstance(weight, bool) or not isinstance(weight, int) or weight < 0:
        raise LocustfileError(
            f"invalid task weight {weight!r} for {what}: use a whole number of 0 or more"
        )
    if weight > MAX_WEIGHT:
        raise LocustfileError(
            f"task weight {weight:,} for {what} is too large: use at most {MAX_WEIGHT:,} "
            "(only the ratios between weights matter)"
        )
    return weight


def task(weight: Any = 1) -> Any:
    """Mark a method (or nested TaskSet class) as a task; ``@task`` or ``@task(weight)``."""

    def mark(func: F) -> F:
        name = getattr(func, "__name__", repr(func))
        if name in ("on_start", "on_stop"):
            logger.warning("@task on %s: it is called automatically, not as a task", name)
        if name == "run":
            raise LocustfileError("@task cannot decorate run(): it is the user's own loop")
        func.locust_task_weight = _check_weight(weight, f"@task on {name}")  # type: ignore[attr-defined]
        return func

    if callable(weight) and not isinstance(weight, type | int):
        func, weight = weight, 1
        return mark(func)
    if isinstance(weight, type):  # @task on a TaskSet class, no parentheses
        cls, weight = weight, 1
        return mark(cls)
    return mark


def tag(*tags: str) -> Callable[[F], F]:
    """Tag a task or TaskSet; select with ``--tags`` / ``--exclude-tags``."""
    for name in tags:
        if not isinstance(name, str):
            raise LocustfileError(f"@tag takes strings, got {name!r}")

    def mark(func: F) -> F:
        existing: set[str] = getattr(func, "locust_tag_set", set())
        func.locust_tag_set = existing | set(tags)  # type: ignore[attr-defined]
        return func

    return mark


def collect_tasks(bases: Iterable[type], attrs: dict[str, Any]) -> list[Any]:
    """The expanded task list of a new class: inherited tasks, ``tasks`` and ``@task`` members.

    Weights expand into repeats (weight 3 appears three times), so ``random.choice`` is weighted.
    Declaration order is kept (the ``tasks`` list sits where it was written), which is the
    execution order of a SequentialTaskSet.
    """
    found: list[Any] = []
    for base in bases:
        inherited = getattr(base, "tasks", None)
        if inherited:
            found.extend(inherited)
    owner = attrs.get("__qualname__", "?")
    for key, value in attrs.items():
        if key == "tasks" and value is not None:
            found.extend(_expand_declared(value, owner))
        elif hasattr(value, "locust_task_weight"):
            found.extend([value] * value.locust_task_weight)
    return found


def _expand_declared(tasks: Any, owner: str) -> list[Any]:
    items = tasks.items() if isinstance(tasks, dict) else tasks
    try:
        iterator = iter(items)
    except TypeError:
        raise LocustfileError(
            f"{owner}.tasks must be a list or dict of tasks, got {type(tasks).__name__}"
        ) from None
    out: list[Any] = []
    for item in iterator:
        if isinstance(item, tuple):
            if len(item) != 2:
                raise LocustfileError(f"{owner}.tasks: expected (task, weight) pairs, got {item!r}")
            func, weight = item
            out.extend([func] * _check_weight(weight, f"{_task_name(func)} in {owner}.tasks"))
        elif callable(item):
            out.append(item)
        else:
            raise LocustfileError(f"{owner}.tasks: {item!r} is not callable nor a TaskSet")
    return out


def _task_name(func: Any) -> str:
    return str(getattr(func, "__name__", repr(func)))


class TaskSetMeta(type):
    """Collects the tasks of a TaskSet class when it is defined."""

    def __new__(mcs, name: str, bases: tuple[type, ...], attrs: dict[str, Any]) -> TaskSetMeta:
        attrs["tasks"] = collect_tasks(bases, attrs)
        if "min_wait" in attrs or "max_wait" in attrs:
            apply_legacy_wait(name, attrs, bases)
        return super().__new__(mcs, name, bases, attrs)


def apply_legacy_wait(name: str, attrs: dict[str, Any], bases: tuple[type, ...]) -> None:
    """Turn Locust 0.x ``min_wait``/``max_wait`` (ms) into ``wait_time`` unless one is set."""
    if attrs.get("wait_time") is not None:
        return

    def lookup(key: str) -> Any:
        if attrs.get(key) is not None:
            return attrs[key]
        return next((getattr(b, key) for b in bases if getattr(b, key, None) is not None), None)

    low, high = lookup("min_wait"), lookup("max_wait")
    if low is None and high is None:
        return
    low = high if low is None else low
    high = low if high is None else high
    deprecation_notice(
        "min_wait", f"{name}: min_wait/max_wait in ms; use wait_time = between(min_s, max_s)"
    )
    attrs["wait_time"] = legacy_wait(float(low), float(high))


class TaskSet(metaclass=TaskSetMeta):
    """A group of tasks a user runs until ``interrupt()`` hands control back to the parent."""

    tasks: ClassVar[list[Any]] = []
    min_wait: ClassVar[float | None] = None
    max_wait: ClassVar[float | None] = None
    wait_function: ClassVar[Any] = None

    def __init__(self, parent: TaskSet | User) -> None:
        self._task_queue: list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = []
        self.parent = parent
        self._user: User = parent if not isinstance(parent, TaskSet) else parent.user

    @property
    def user(self) -> User:
        """The User running this TaskSet."""
        return self._user

    @property
    def locust(self) -> User:
        deprecation_notice("TaskSet.locust", "TaskSet.locust is now TaskSet.user")
        return self._user

    @property
    def client(self) -> Any:
        """The user's client (``self.user.client``)."""
        return self._user.client  # type: ignore[attr-defined]

    @property
    def environment(self) -> Any:
        return self._user.environment

    def on_start(self) -> None:
        """Called when the user starts running this TaskSet."""

    def on_stop(self) -> None:
        """Called when this TaskSet stops: interrupted, or its user stopped."""

    # -- the task loop --------------------------------------------------------------------------

    def run(self) -> None:
        try:
            self.on_start()
        except InterruptTaskSet as exc:
            raise _after_interrupt(exc) from exc
        for instance in (self, self._user):
            if paces(instance):
                start_pacing(instance)
        while True:
            try:
                self._run_one()
            except InterruptTaskSet as exc:
                self._safe_on_stop()
                raise _after_interrupt(exc) from exc
            except (StopUser, GreenletExit, StopTest):
                self._safe_on_stop()
                raise
            except Exception as exc:  # noqa: BLE001 - user code: record it and carry on
                self._user_error(exc)

    def _run_one(self) -> None:
        if not self._task_queue:
            self.schedule_task(self._pick_task())
        try:
            self._check_stop_condition()
            self.execute_next_task()
        except RescheduleTaskImmediately:
            return
        except RescheduleTask:
            pass
        self.wait()

    def _pick_task(self) -> Any:
        try:
            return self.get_next_task()
        except LocustfileError as exc:  # nothing to run: retrying would only repeat the error
            self._report_error(exc)
            raise StopUser from exc

    def _user_error(self, exc: Exception) -> None:
        self._report_error(exc)
        self.wait()

    def _report_error(self, exc: Exception) -> None:
        """Fire ``user_error`` (the statistics count it and log its traceback once per kind);
        re-raise instead if the Environment catches nothing."""
        user = self._user
        if exc is user._uncaught_error:  # already reported by a nested TaskSet: pass it up
            raise exc
        environment = user.environment
        environment.events.user_error.fire(user_instance=self, exception=exc, tb=exc.__traceback__)
        if not environment.catch_exceptions:
            user._uncaught_error = exc
            raise exc

    def _safe_on_stop(self) -> None:
        try:
            self.on_stop()
        except (StopUser, GreenletExit):
            raise
        except Exception as exc:  # noqa: BLE001 - user code: recorded through user_error
            self._user.environment.events.user_error.fire(
                user_instance=self, exception=exc, tb=exc.__traceback__
            )
            logger.error(
                "error in on_stop of %s: %s: %s", type(self).__name__, type(exc).__name__, exc
            )

    def execute_next_task(self) -> None:
        func, args, kwargs = self._task_queue.pop(0)
        self.execute_task(func, *args, **kwargs)

    def execute_task(self, task: Any, *args: Any, **kwargs: Any) -> None:
        if getattr(task, "__self__", None) is self:
            task(*args, **kwargs)
        elif isinstance(task, type) and issubclass(task, TaskSet):
            task(self).run(*args, **kwargs)
        else:
            task(self, *args, **kwargs)

    def schedule_task(
        self,
        task_callable: Callable[..., Any],
        first: bool = False,
        *,
        args: Iterable[Any] | None = None,
        kwargs: dict[str, Any] | None = None,
    ) -> None:
        """Queue a task to run next (``first=True``) or after the already queued ones."""
        item = (task_callable, tuple(args or ()), dict(kwargs or {}))
        if first:
            self._task_queue.insert(0, item)
        else:
            self._task_queue.append(item)

    def get_next_task(self) -> Any:
        if not self.tasks:
            raise LocustfileError(_no_tasks_message(type(self)))
        return random.choice(self.tasks)

    def wait_time(self) -> float:
        """Seconds to wait after a task: the user's ``wait_time`` unless this TaskSet sets one."""
        user_wait = getattr(type(self._user), "wait_time", None)
        if user_wait is not None:
            value: float = self._user.wait_time()
            return value
        raise MissingWaitTimeError(
            f"{type(self._user).__name__} has no wait_time: set e.g. wait_time = between(1, 3)"
        )

    def wait(self) -> None:
        """Sleep for ``wait_time()``; a stopping user is stopped here."""
        self._check_stop_condition()
        user = self._user
        seconds = self.wait_time()
        if not (isinstance(seconds, int | float) and 0.0 <= seconds <= MAX_WAIT):  # NaN too
            _invalid_wait(self, seconds)
        user._state = STATE_WAITING
        self._sleep(seconds)
        self._check_stop_condition()
        user._state = STATE_RUNNING

    def _sleep(self, seconds: float) -> None:
        self._user.environment.clock.sleep(seconds)

    def _check_stop_condition(self) -> None:
        user = self._user
        if user._state == STATE_STOPPING or user._halt:
            raise StopUser

    def interrupt(self, reschedule: bool = True) -> None:
        """Leave this TaskSet; the parent picks its next task (at once if ``reschedule``)."""
        raise InterruptTaskSet(reschedule)


MAX_WAIT = 365 * 86400.0
"""Longest wait a wait_time may ask for (a year); NaN, infinite or negative waits are refused."""


def _invalid_wait(taskset: TaskSet, seconds: object) -> None:
    """A wait_time returned NaN, a negative or absurd value: stop the test, saying which."""
    owner = type(taskset._user).__name__
    own = getattr(type(taskset), "wait_time", None)
    if own is not None and not isinstance(taskset, DefaultTaskSet):
        owner = type(taskset).__name__
    error = MissingWaitTimeError(
        f"{owner}.wait_time returned {seconds!r}: a wait must be a finite number of seconds, "
        "0 or more"
    )
    environment = taskset._user.environment
    environment.events.user_error.fire(user_instance=taskset, exception=error, tb=None)
    logger.error("%s; stopping the test", error)
    raise StopTest(str(error))


def _after_interrupt(exc: InterruptTaskSet) -> Exception:
    return RescheduleTaskImmediately() if exc.reschedule else RescheduleTask()


def _no_tasks_message(cls: type) -> str:
    return (
        f"{cls.__name__} has no tasks: decorate methods with @task or set tasks = [...]"
        " (or the --tags/--exclude-tags filters removed them all)"
    )


class DefaultTaskSet(TaskSet):
    """The root TaskSet that runs a User's own ``tasks`` with the User as ``self``.

    Under an iteration or arrival-rate executor (``user._gate`` set) each task it runs is one
    iteration: the gate is asked before it (it may block until the iteration is due, or stop
    the user when none is left) and told after it, whatever the task did.
    """

    def _run_one(self) -> None:
        gate = self._user._gate
        if gate is None:
            super()._run_one()
            return
        gate.acquire(self._user)
        at_once = False
        try:
            if not self._task_queue:
                self.schedule_task(self._pick_task())
            self._check_stop_condition()
            self.execute_next_task()
        except RescheduleTaskImmediately:
            at_once = True
        except RescheduleTask:
            pass
        finally:
            gate.release(self._user)
        if not at_once:
            self.wait()

    def wait(self) -> None:
        gate = self._user._gate
        if gate is not None and not gate.waits:
            self._check_stop_condition()  # open model: the gate paces, wait_time is not used
            return
        super().wait()

    def get_next_task(self) -> Any:
        tasks = self._user.tasks
        if not tasks:
            raise LocustfileError(_no_tasks_message(type(self._user)))
        return random.choice(tasks)

    def execute_task(self, task: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(task, type) and issubclass(task, TaskSet):
            task(self._user).run(*args, **kwargs)
        elif getattr(task, "__self__", None) is self._user:  # a scheduled bound method
            task(*args, **kwargs)
        else:
            task(self._user, *args, **kwargs)
