"""The run plan: everything that decides how load is applied, validated once and frozen.

One pure function, :func:`build_plan`, turns raw values (from Settings, the web UI's form or a
script) into a :class:`RunPlan`, with the same checks and the same messages wherever the values
came from. The Environment applies a plan (host, classes, tag filters); the runner executes it;
the distributed master will ship it to its workers as it is.

Executors, named as in k6:

============================  =========================================================
``ramping-vus``               closed model: ``-u`` users started at ``-r`` per second, each
                              running its tasks with its wait time (Locust's model); ``--stages``
                              ramps through several user counts
``shape``                     a LoadTestShape class of the locustfile decides the user count
``constant-arrival-rate``     open model: ``--arrival-rate R`` iterations start every second
                              whatever the target's speed, on a pool of at most ``-u`` users
``ramping-arrival-rate``      open model with stages of rates: ``--arrival-rate 30s:50,1m:200``
``shared-iterations``         ``-i N``: ``-u`` users run N iterations (tasks) in total, then stop
``per-vu-iterations``         ``--iterations-per-user N``: each of ``-u`` users runs N, then stops
============================  =========================================================
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from horde.config import MAX_USERS
from horde.exceptions import ConfigError
from horde.shape.arrival import RateSchedule, format_schedule, parse_arrival_rate
from horde.shape.stages import Stage, format_stages, parse_stages
from horde.stats.thresholds import Threshold, parse_thresholds

MAX_SPAWN_RATE = 1_000_000.0

EXECUTORS = (
    "ramping-vus",
    "constant-vus",
    "shape",
    "constant-arrival-rate",
    "ramping-arrival-rate",
    "shared-iterations",
    "per-vu-iterations",
)
ARRIVAL_EXECUTORS = frozenset({"constant-arrival-rate", "ramping-arrival-rate"})
DEFAULT_ARRIVAL_USERS = 100
"""Users an arrival-rate executor may start when -u is not given."""
DEFAULT_MAX_LATENESS = 10.0
DEFAULT_STOP_GRACE = 5.0


@dataclass(frozen=True)
class RunPlan:
    """How one test applies load. Immutable; built only by :func:`build_plan`."""

    executor: str
    users: int
    """Target users (closed model), or the most users the pool may hold (arrival rate)."""
    spawn_rate: float
    run_time: float | None = None
    stages: tuple[Stage, ...] = ()
    schedule: RateSchedule | None = None
    pre_allocated_users: int = 0
    max_lateness: float = DEFAULT_MAX_LATENESS
    """Arrival rate: an iteration that cannot start this many seconds after it was due is
    dropped (and counted) instead of started late."""
    iterations: int | None = None
    shape: str | None = None
    """Name of the LoadTestShape class driving the test (executor ``shape``)."""
    host: str | None = None
    user_classes: tuple[str, ...] | None = None
    tags: tuple[str, ...] | None = None
    exclude_tags: tuple[str, ...] | None = None
    thresholds: tuple[Threshold, ...] = ()
    stop_timeout: float = 0.0
    stop_grace: float = DEFAULT_STOP_GRACE
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def open_model(self) -> bool:
        return self.executor in ARRIVAL_EXECUTORS

    def describe(self) -> str:
        """One line for logs, the summary and reports."""
        text = {
            "ramping-vus": f"{self.users} users at {self.spawn_rate:g}/s",
            "constant-vus": f"{self.users} users",
            "shape": f"load shape {self.shape}",
            "shared-iterations": f"{self.iterations} iterations shared by {self.users} users",
            "per-vu-iterations": f"{self.iterations} iterations for each of {self.users} users",
        }.get(self.executor, "")
        if self.stages:
            text = f"stages {format_stages(self.stages)}"
        if self.schedule is not None:
            text = f"arrival rate {format_schedule(self.schedule)} on at most {self.users} users"
        limit = f", at most {self.run_time:g} s" if self.run_time else ""
        return f"{self.executor}: {text}{limit}"


def build_plan(
    values: Mapping[str, Any],
    *,
    shapes: Sequence[str] = (),
    explicit: frozenset[str] | set[str] = frozenset(),
) -> RunPlan:
    """Validate raw run values into a plan.

    ``values`` uses Settings' names: num_users, spawn_rate, run_time, stages, arrival_rate,
    iterations, iterations_per_user, executor, pre_allocated_users, max_lateness, shape, host,
    user_classes, tags, exclude_tags, thresholds, stop_timeout, stop_grace. ``shapes`` are the
    names of the LoadTestShape classes available; ``explicit`` the names the user set (rather
    than defaults), used to reject contradictions such as a shape with ``--arrival-rate``.
    """
    users = _users(values.get("num_users"))
    rate = _spawn_rate(values.get("spawn_rate"))
    run_time = _run_time(values.get("run_time"))
    executor = _executor(values, shapes, explicit)
    plan: dict[str, Any] = {
        "executor": executor,
        "users": users if users is not None else 1,
        "spawn_rate": rate if rate is not None else 1.0,
        "run_time": run_time,
        "host": values.get("host") or None,
        "user_classes": _names(values.get("user_classes")),
        "tags": _names(values.get("tags")),
        "exclude_tags": _names(values.get("exclude_tags")),
        "thresholds": parse_thresholds(values.get("thresholds") or ()),
        "stop_timeout": _seconds(values.get("stop_timeout"), "-s/--stop-timeout", 0.0),
        "stop_grace": _seconds(values.get("stop_grace"), "--stop-grace", DEFAULT_STOP_GRACE),
        "options": dict(values.get("options") or {}),
    }
    if executor == "shape":
        plan["shape"] = values.get("shape") or shapes[0]
    elif executor == "ramping-vus" and values.get("stages"):
        plan["stages"] = parse_stages(values["stages"], limit=MAX_USERS)
    elif executor in ARRIVAL_EXECUTORS:
        _arrival(plan, values, users)
    elif executor in ("shared-iterations", "per-vu-iterations"):
        key = "iterations" if executor == "shared-iterations" else "iterations_per_user"
        plan["iterations"] = _iterations(values.get(key), key)
    return RunPlan(**plan)


def _executor(values: Mapping[str, Any], shapes: Sequence[str], explicit: Any) -> str:
    chosen = {
        "stages": "ramping-vus",
        "arrival_rate": "arrival-rate",
        "iterations": "shared-iterations",
        "iterations_per_user": "per-vu-iterations",
    }
    given = [key for key in chosen if values.get(key) not in (None, "", (), [])]
    flags = {
        "stages": "--stages",
        "arrival_rate": "--arrival-rate",
        "iterations": "-i/--iterations",
        "iterations_per_user": "--iterations-per-user",
    }
    if len(given) > 1:
        raise ConfigError(f"{' and '.join(flags[k] for k in given)} exclude each other: pick one")
    shape = values.get("shape")
    if shape and shape not in shapes:
        available = ", ".join(shapes) or "none in the locustfile"
        raise ConfigError(f"unknown load shape {shape!r}; available: {available}")
    use_shape = bool(shapes) and values.get("shape") != "" and not given
    if given and shape:
        raise ConfigError(f"{flags[given[0]]} cannot be combined with the load shape {shape}")
    named = values.get("executor")
    if given:
        inferred = chosen[given[0]]
        if inferred == "arrival-rate":
            text = str(values["arrival_rate"])
            inferred = "ramping-arrival-rate" if ":" in text else "constant-arrival-rate"
    elif use_shape:
        inferred = "shape"
    else:
        inferred = "ramping-vus"
    if named:
        return _check_named(str(named), inferred, given)
    return inferred


def _check_named(named: str, inferred: str, given: list[str]) -> str:
    if named not in EXECUTORS:
        raise ConfigError(f"unknown executor {named!r}; choose from {', '.join(EXECUTORS)}")
    compatible = named == inferred or (named == "constant-vus" and inferred == "ramping-vus")
    if not compatible:
        needs = {
            "constant-arrival-rate": "--arrival-rate RATE",
            "ramping-arrival-rate": "--arrival-rate 30s:RATE,1m:RATE,...",
            "shared-iterations": "-i/--iterations N",
            "per-vu-iterations": "--iterations-per-user N",
            "shape": "a LoadTestShape class in the locustfile",
            "ramping-vus": "-u/-r or --stages",
            "constant-vus": "-u",
        }
        raise ConfigError(f"--executor {named} needs {needs[named]}")
    if named == "constant-vus" and given:
        raise ConfigError("--executor constant-vus takes no --stages")
    return inferred if named == "constant-vus" and inferred != "ramping-vus" else named


def _arrival(plan: dict[str, Any], values: Mapping[str, Any], users: int | None) -> None:
    schedule = parse_arrival_rate(str(values["arrival_rate"]))
    plan["schedule"] = schedule
    top = users if users is not None else DEFAULT_ARRIVAL_USERS
    plan["users"] = max(top, 1)
    peak = max(max(s.start_rate, s.end_rate) for s in schedule.segments)
    pre = values.get("pre_allocated_users")
    if pre is None:
        pre = min(plan["users"], max(1, math.ceil(peak / 10)))
    pre = _users(pre, "--pre-allocated-users")
    if pre is not None and pre > plan["users"]:
        raise ConfigError(
            f"--pre-allocated-users ({pre}) cannot exceed the most users -u ({plan['users']})"
        )
    plan["pre_allocated_users"] = pre or 0
    lateness = values.get("max_lateness")
    plan["max_lateness"] = _seconds(lateness, "--max-lateness", DEFAULT_MAX_LATENESS)


def _users(raw: Any, flag: str = "-u/--users") -> int | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        raise ConfigError(f"{flag} must be a whole number, got {raw!r}")
    try:
        value = int(raw) if not isinstance(raw, float) else _whole(raw, flag)
    except (TypeError, ValueError):
        raise ConfigError(f"{flag} must be a whole number, got {raw!r}") from None
    if value < 0 or value > MAX_USERS:
        raise ConfigError(
            f"{flag} must be between 0 and {MAX_USERS:,} (per process), got {value:,}"
        )
    return value


def _whole(raw: float, flag: str) -> int:
    if not math.isfinite(raw) or int(raw) != raw:
        raise ConfigError(f"{flag} must be a whole number, got {raw!r}")
    return int(raw)


def _spawn_rate(raw: Any) -> float | None:
    if raw is None or raw == "":
        return None
    try:
        rate = float(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"-r/--spawn-rate must be a number, got {raw!r}") from None
    if not (rate > 0 and rate <= MAX_SPAWN_RATE):
        raise ConfigError(
            f"-r/--spawn-rate must be above 0 and at most {MAX_SPAWN_RATE:,.0f}, got {raw!r}"
        )
    return rate


def _run_time(raw: Any) -> float | None:
    if raw is None or raw == "":
        return None
    value = float(raw)
    if not (value > 0 and math.isfinite(value)):
        raise ConfigError(
            f"-t/--run-time must be above 0, got {raw!r} (leave it out to run until stopped)"
        )
    return value


def _seconds(raw: Any, flag: str, default: float) -> float:
    if raw is None or raw == "":
        return default
    value = float(raw)
    if not (value >= 0 and math.isfinite(value)):
        raise ConfigError(f"{flag} must be 0 or more seconds, got {raw!r}")
    return value


MAX_ITERATIONS = 10**12


def _iterations(raw: Any, key: str) -> int:
    flag = "-i/--iterations" if key == "iterations" else "--iterations-per-user"
    try:
        value = raw if isinstance(raw, int) and not isinstance(raw, bool) else int(str(raw))
    except ValueError:
        raise ConfigError(f"{flag} must be a whole number, got {raw!r}") from None
    if not 1 <= value <= MAX_ITERATIONS:
        raise ConfigError(f"{flag} must be between 1 and {MAX_ITERATIONS:,}, got {raw!r}")
    return value


def _names(raw: Any) -> tuple[str, ...] | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        return tuple(part for part in raw.replace(",", " ").split() if part)
    return tuple(str(item) for item in raw)
