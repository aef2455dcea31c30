"""What the web UI shows of a test: the status document, the start form's defaults, and the
words for a running test that cannot be steered. Read-only views of the Environment, the
runner and the run plan; :class:`~horde.web.control.RunControl` serves them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from horde._version import __version__
from horde.config import Option, format_timespan
from horde.runners import STATE_STOPPED
from horde.shape.arrival import format_schedule
from horde.shape.plan import DEFAULT_ARRIVAL_USERS, RunPlan
from horde.shape.stages import format_stages
from horde.web.runform import threshold_text
from horde.web.urls import without_credentials

if TYPE_CHECKING:
    from horde.web.control import RunControl

LOAD_MODEL_FIELDS = ("stages", "arrival_rate", "iterations", "iterations_per_user")


def status(control: RunControl) -> dict[str, Any]:
    """The ``/api/v1/status`` document."""
    runner = control.runner
    env = control.environment
    now = env.clock.time()
    ended = env.stats.end_time if runner.state == STATE_STOPPED else None
    started = control.started_at
    plan = control.plan
    return {
        "state": runner.state,
        "user_count": runner.user_count,
        "target_user_count": runner.target_user_count,
        "spawn_rate": runner.spawn_rate,
        "user_classes_count": runner.user_classes_count,
        "host": without_credentials(env.host or class_host(env.user_classes)),
        "run_time": plan.run_time if plan is not None else None,
        "started_at": started,
        "elapsed": ((ended or now) - started) if started else None,
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
        "plan": control.plan_document(),
        "dropped_iterations": int(getattr(env.stats, "dropped_iterations", 0)),
    }


def plan_json(plan: RunPlan) -> dict[str, Any]:
    """How the test applies load, for the top bar and scripts."""
    refusal = not_steerable(plan)
    return {
        "executor": plan.executor,
        "description": plan.describe(),
        "shape": plan.shape if plan.executor == "shape" else None,
        "users": plan.users,
        "spawn_rate": plan.spawn_rate,
        "run_time": plan.run_time,
        "stages": format_stages(plan.stages) if plan.stages else None,
        "arrival_rate": format_schedule(plan.schedule) if plan.schedule is not None else None,
        "iterations": plan.iterations,
        "thresholds": [threshold_text(t) for t in plan.thresholds],
        "steerable": refusal is None,
        "not_steerable": refusal,
    }


def not_steerable(plan: RunPlan) -> str | None:
    """Why the users of a running test following ``plan`` cannot be changed (None: they can)."""
    if plan.executor == "shape":
        return (
            f"the load shape {plan.shape} decides the users of this test: stop it to change "
            "the load"
        )
    if plan.stages:
        named = format_stages(plan.stages) if len(plan.stages) <= 5 else f"({len(plan.stages)})"
        return (
            f"the stages {named} decide the users of this test: stop it and start another to "
            "change them"
        )
    if plan.open_model:
        return (
            f"this test starts iterations at an arrival rate ({plan.executor}), not by user "
            "count: stop it and start another to change the rate"
        )
    if plan.iterations is not None:
        return (
            f"this test runs a number of iterations ({plan.executor}): stop it and start "
            "another to change it"
        )
    return None


def steer_values(plan: RunPlan) -> dict[str, Any]:
    """build_plan's values that rebuild ``plan`` (a users-and-ramp one) with new users/rate."""
    return {
        "executor": plan.executor,
        "num_users": plan.users,
        "spawn_rate": plan.spawn_rate,
        "run_time": plan.run_time,
        "shape": "",
        "host": plan.host,
        "user_classes": plan.user_classes,
        "tags": plan.tags,
        "exclude_tags": plan.exclude_tags,
        "thresholds": plan.thresholds,
        "stop_timeout": plan.stop_timeout,
        "stop_grace": plan.stop_grace,
        "options": plan.options,
    }


# -- the start form ------------------------------------------------------------------------------


def form(control: RunControl) -> dict[str, Any]:
    """The ``/api/v1/form`` document: what the start form shows first."""
    env = control.environment
    defaults = control.defaults
    shapes = env.available_shape_classes or {}
    model = next((key for key in LOAD_MODEL_FIELDS if defaults.get(key)), "users")
    pool = DEFAULT_ARRIVAL_USERS if model == "arrival_rate" else 1
    return {
        "users": defaults.get("num_users") or pool,
        "spawn_rate": defaults.get("spawn_rate") or 1,
        "host": without_credentials(env.host or class_host(env.user_classes)) or "",
        "run_time": defaults.get("run_time_text") or "",
        "user_classes": list(env.available_user_classes),
        "tags": sorted(all_tags([*env.available_user_classes.values(), *control_classes(control)])),
        "selected_tags": list(env.tags or []),
        "excluded_tags": list(env.exclude_tags or []),
        "custom_options": [
            _describe_option(option, getattr(env.parsed_options, option.dest, option.default))
            for option in control.custom_options
            if option.extra.get("include_in_web_ui", True)
        ],
        "shapes": [
            {
                "name": name,
                "use_common_options": bool(getattr(shape, "use_common_options", False)),
                "description": _first_line(type(shape).__doc__),
            }
            for name, shape in shapes.items()
        ],
        "shape": _default_shape(env, defaults),
        "load_model": model,
        "stages": _stages_text(defaults.get("stages")),
        "arrival_rate": str(defaults.get("arrival_rate") or ""),
        "pre_allocated_users": defaults.get("pre_allocated_users"),
        "max_lateness": _timespan(defaults.get("max_lateness")),
        "iterations": defaults.get("iterations"),
        "iterations_per_user": defaults.get("iterations_per_user"),
        "thresholds": [threshold_text(t) for t in control.configured_thresholds()],
    }


def _default_shape(env: Any, defaults: dict[str, Any]) -> str:
    """The shape the form preselects: --shape, else the Environment's (the locustfile's
    first); "" when there is none or another load model was asked for."""
    shapes = env.available_shape_classes or {}
    if any(defaults.get(key) for key in LOAD_MODEL_FIELDS):
        return ""
    named = defaults.get("shape")
    if named in shapes:
        return str(named)
    current = env.shape_class
    name = type(current).__name__ if current is not None else ""
    return name if name in shapes else ""


def _timespan(seconds: Any) -> str:
    return format_timespan(float(seconds)) if isinstance(seconds, int | float) else ""


def _first_line(text: str | None) -> str:
    lines = [line.strip() for line in (text or "").strip().splitlines()]
    return lines[0] if lines else ""


def control_classes(control: RunControl) -> list[Any]:
    available = control.environment.available_user_classes
    return [available[name] for name in control.chosen_classes if name in available]


def initial_classes(env: Any) -> list[Any]:
    """The classes of the test, with those the command line's tag filters left without tasks
    (they run again if the web UI's filters select some of their tasks)."""
    current = list(env.user_classes)
    dropped = [
        cls
        for cls in env.available_user_classes.values()
        if cls not in current and vars(cls).get("_unfiltered_tasks") and not cls.tasks
    ]
    return current + dropped


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


def all_tags(classes: Any) -> set[str]:
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


def class_host(classes: Any) -> str | None:
    hosts = {cls.host for cls in classes if getattr(cls, "host", None)}
    return hosts.pop() if len(hosts) == 1 else None


def _stages_text(value: object) -> str:
    """The stages default as the form's text field shows it (a list from a config file)."""
    if not value:
        return ""
    if isinstance(value, list | tuple):
        return ",".join(str(item) for item in value)
    return str(value)
