"""RunControl: what the web UI (and its JSON API) can do to a test, in one place.

The routes never touch the runner directly: they call these methods, which validate input with
the same converters as the command line and raise :class:`~horde.exceptions.ConfigError` with a
message fit for the user.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from horde._version import __version__
from horde.config import Option, check_host, parse_timespan
from horde.config.limits import check_spawn_rate, check_user_count
from horde.config.settings import convert
from horde.exceptions import ConfigError, TimespanError
from horde.runners import STATE_CLEANUP, STATE_INIT, STATE_STOPPED, STATE_STOPPING, Runner
from horde.user import FastHttpUser, HttpUser
from horde.web.urls import without_credentials


@dataclass
class RunRequest:
    """A validated request to start (or steer) a test."""

    users: int
    spawn_rate: float
    host: str | None = None
    run_time: float | None = None
    user_classes: list[str] | None = None
    tags: list[str] | None = None
    exclude_tags: list[str] | None = None
    options: dict[str, Any] = field(default_factory=dict)


class RunControl:
    """Start, steer, stop and describe the test of one Environment."""

    def __init__(
        self,
        environment: Any,
        *,
        custom_options: tuple[Option, ...] = (),
        defaults: Mapping[str, Any] | None = None,
    ) -> None:
        self.environment = environment
        self.custom_options = custom_options
        self.defaults = dict(defaults or {})
        self.run_time: float | None = None
        self.started_at: float | None = None
        self._timer: Any = None
        self._chosen = _initial_classes(environment)

    @property
    def runner(self) -> Runner:
        runner: Runner = self.environment.runner
        return runner

    # -- commands -------------------------------------------------------------------------------

    def start(self, request: RunRequest) -> None:
        """Start a test, or change users/spawn rate of the running one.

        A new test applies everything in ``request``; a running one only takes the user count
        and spawn rate. Raises ConfigError while a test is stopping, or when the tag filters
        leave no task to run (nothing is changed then).
        """
        runner = self.runner
        if runner.state in (STATE_STOPPING, STATE_CLEANUP):
            raise ConfigError("the test is stopping: start again once it has stopped")
        new_test = runner.state in (STATE_INIT, STATE_STOPPED)
        if new_test:
            self._apply(request)
        runner.start(request.users, request.spawn_rate)
        if new_test:
            self.started_at = self.environment.clock.time()
            self.run_time = request.run_time
            if self._timer is not None:
                self._timer.kill(block=False)
            self._timer = runner.schedule_stop(request.run_time) if request.run_time else None

    def _apply(self, request: RunRequest) -> None:
        env = self.environment
        self._select(request)
        if request.host:
            env.host = request.host
            for cls in env.user_classes:
                cls.host = request.host
        options = env.parsed_options
        if options is not None:
            for key, value in request.options.items():
                setattr(options, key, value)
            if request.host:
                options.host = request.host
            options.num_users = request.users
            options.spawn_rate = request.spawn_rate
            options.run_time = request.run_time
            options.tags, options.exclude_tags = env.tags, env.exclude_tags

    def _select(self, request: RunRequest) -> None:
        """Choose the User classes and filter their tasks by tag, starting from the classes
        chosen before (so a class an earlier filter left without tasks can come back)."""
        if request.user_classes is None and request.tags is None and request.exclude_tags is None:
            return
        env = self.environment
        chosen = self._chosen
        if request.user_classes:
            chosen = [env.available_user_classes[name] for name in request.user_classes]
        previous = (env.tags, env.exclude_tags)
        if request.tags is not None:
            env.tags = request.tags or None
        if request.exclude_tags is not None:
            env.exclude_tags = request.exclude_tags or None
        try:
            self._filter(chosen)
        except ConfigError:
            env.tags, env.exclude_tags = previous
            self._filter(self._chosen)
            raise
        self._chosen = chosen

    def _filter(self, classes: list[Any]) -> None:
        env = self.environment
        env.user_classes = list(classes)
        env._filter_tasks_by_tags()
        if getattr(env.parsed_options, "equal_weights", False):
            env.assign_equal_weights()

    def stop(self) -> None:
        """Stop the running test (nothing to do when none runs)."""
        if self._timer is not None:
            self._timer.kill(block=False)
            self._timer = None
        if self.runner.state not in (STATE_INIT, STATE_STOPPED):
            self.runner.request_stop("stopped from the web UI")

    def reset(self) -> None:
        self.runner.reset_stats()

    # -- parsing input --------------------------------------------------------------------------

    def parse(self, data: Mapping[str, Any]) -> RunRequest:
        """Validate form or JSON input (Locust's field names or horde's)."""
        users = _first(data, "users", "user_count")
        rate = _first(data, "spawn_rate", "hatch_rate")
        if users is None:
            raise ConfigError("missing the number of users (user_count)")
        request = RunRequest(
            users=check_user_count(_int(users, "user_count"), "user_count"),
            spawn_rate=check_spawn_rate(
                _float(rate, "spawn_rate") if rate not in (None, "") else 1.0, "spawn_rate"
            ),
        )
        request.host = self._host(data.get("host"))
        run_time = data.get("run_time")
        if run_time not in (None, ""):
            if not isinstance(run_time, str | int | float):
                raise ConfigError(
                    f"run_time must be one time span such as 90s or 1h30m, got {run_time!r}"
                )
            try:
                request.run_time = parse_timespan(run_time)
            except TimespanError as exc:
                raise ConfigError(str(exc)) from exc
        if not request.host:
            self._check_hosts()
        classes = data.get("user_classes")
        if classes:
            names = [classes] if isinstance(classes, str) else list(classes)
            unknown = [n for n in names if n not in self.environment.available_user_classes]
            if unknown:
                raise ConfigError(f"unknown User class {', '.join(unknown)}")
            request.user_classes = names
        request.tags = _tag_list(data.get("tags"))
        request.exclude_tags = _tag_list(data.get("exclude_tags"))
        request.options = self._custom(data)
        return request

    def _host(self, value: Any) -> str | None:
        """The host a form asks for. The form shows the current host without its
        ``user:password@`` (see :mod:`horde.web.urls`); sent back as shown, it means the
        current host, credentials included."""
        if not value:
            return None
        host = str(value).strip()
        current = self.environment.host or _class_host(self.environment.user_classes)
        if current and host != current and host == without_credentials(current):
            return str(current)
        check_host(host)
        return host

    def _check_hosts(self) -> None:
        env = self.environment
        if env.host:
            return
        missing = [
            cls.__name__
            for cls in env.user_classes
            if issubclass(cls, HttpUser | FastHttpUser) and not cls.host
        ]
        if missing:
            raise ConfigError(f"no host: {', '.join(missing)} need one; fill in the Host field")

    def _custom(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Values of the locustfile's options, converted as on the command line. A secret left
        empty keeps its value (the form never shows it); a required one must have a value."""
        values: dict[str, Any] = {}
        current = self.environment.parsed_options
        for option in self.custom_options:
            raw = data.get(option.dest)
            secret = bool(option.extra.get("is_secret"))
            if option.dest in data and not (secret and raw in (None, "")):
                if option.kind == "bool":
                    raw = raw in (True, "true", "on", "1", 1, "yes")
                values[option.dest] = convert(option, raw, "web UI")
            value = values.get(option.dest, getattr(current, option.dest, option.default))
            if option.extra.get("is_required") and value in (None, ""):
                raise ConfigError(f"{option.flags[-1]} is required: fill it in")
        return values

    # -- describing -----------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        runner = self.runner
        env = self.environment
        now = env.clock.time()
        ended = env.stats.end_time if runner.state == STATE_STOPPED else None
        return {
            "state": runner.state,
            "user_count": runner.user_count,
            "target_user_count": runner.target_user_count,
            "spawn_rate": runner.spawn_rate,
            "user_classes_count": runner.user_classes_count,
            "host": without_credentials(env.host or _class_host(env.user_classes)),
            "run_time": self.run_time,
            "started_at": self.started_at,
            "elapsed": ((ended or now) - self.started_at) if self.started_at else None,
            "stop_reason": runner.stop_reason,
            "locustfile": env.locustfile,
            "version": __version__,
            "cpu_usage": runner.cpu_usage,
            "memory_usage": runner.memory_usage,
            "user_classes": [
                {
                    "name": cls.__name__,
                    "weight": cls.weight,
                    "fixed_count": cls.fixed_count,
                    "host": without_credentials(cls.host),
                }
                for cls in env.available_user_classes.values()
            ],
        }

    def form(self) -> dict[str, Any]:
        """What the start form shows: defaults and the locustfile's own options."""
        return {
            "users": self.defaults.get("num_users") or 1,
            "spawn_rate": self.defaults.get("spawn_rate") or 1,
            "host": without_credentials(
                self.environment.host or _class_host(self.environment.user_classes)
            )
            or "",
            "run_time": self.defaults.get("run_time_text") or "",
            "user_classes": list(self.environment.available_user_classes),
            "tags": sorted(
                _all_tags([*self.environment.available_user_classes.values(), *self._chosen])
            ),
            "selected_tags": list(self.environment.tags or []),
            "excluded_tags": list(self.environment.exclude_tags or []),
            "custom_options": [
                _describe_option(
                    option, getattr(self.environment.parsed_options, option.dest, option.default)
                )
                for option in self.custom_options
                if option.extra.get("include_in_web_ui", True)
            ],
        }


def _initial_classes(env: Any) -> list[Any]:
    """The classes of the test, with those the command line's tag filters left without tasks
    (they run again if the web UI's filters select some of their tasks)."""
    current = list(env.user_classes)
    dropped = [
        cls
        for cls in env.available_user_classes.values()
        if cls not in current and vars(cls).get("_unfiltered_tasks") and not cls.tasks
    ]
    return current + dropped


def _tag_list(value: Any) -> list[str] | None:
    """Tags from a form ("a, b" or repeated fields) or JSON (a list): None when not given (the
    current filter stays), an empty list when given empty (the filter is cleared)."""
    if value is None:
        return None
    items = list(value) if isinstance(value, list | tuple) else [value]
    return [tag for item in items for tag in str(item).replace(",", " ").split() if tag]


def _describe_option(option: Option, value: Any) -> dict[str, Any]:
    secret = bool(option.extra.get("is_secret"))
    return {
        "name": option.dest,
        "label": option.flags[-1],
        "help": option.help,
        "kind": "bool" if option.kind == "bool" else "text",
        "value": "" if secret else value,
        "secret": secret,
        "required": bool(option.extra.get("is_required")),
        "choices": list(option.choices) if option.choices is not None else None,
    }


def _all_tags(classes: Any) -> set[str]:
    """Every @tag used by the tasks of ``classes`` (nested TaskSets included)."""
    found: set[str] = set()
    seen: set[int] = set()
    todo = list(classes)
    while todo:
        holder = todo.pop()
        if id(holder) in seen:
            continue
        seen.add(id(holder))
        found |= set(getattr(holder, "locust_tag_set", ()))
        tasks = vars(holder).get("_unfiltered_tasks", getattr(holder, "tasks", ()))
        for task in tasks:
            found |= set(getattr(task, "locust_tag_set", ()))
            if isinstance(task, type):
                todo.append(task)
    return found


def _class_host(classes: Any) -> str | None:
    hosts = {cls.host for cls in classes if getattr(cls, "host", None)}
    return hosts.pop() if len(hosts) == 1 else None


def _first(data: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        if key in data and data[key] not in (None, ""):
            return data[key]
    return None


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool | float):
        raise ConfigError(f"{name} must be a whole number, got {value!r}")
    try:
        return int(str(value).strip())
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {value!r}") from None


def _float(value: Any, name: str) -> float:
    if isinstance(value, bool):
        raise ConfigError(f"{name} must be a number, got {value!r}")
    try:
        result = float(str(value).strip())
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(result):
        raise ConfigError(f"{name} must be a finite number, got {value!r}")
    return result
