"""Locust's web UI extension points that are about data, not routes.

- :func:`template_args`: what Locust's ``WebUI.update_template_args()`` puts in
  ``web_ui.template_args`` (same keys), for locustfiles that render ``index.html`` with extra
  arguments (Locust's ``examples/extend_web_ui.py``: ``extended_tabs``, ``extended_tables``,
  ``extended_csv_files``, which horde's page shows).
- :func:`update_user_class`: ``POST /user``, Locust's user-class picker. It sets ``host``,
  ``weight``, ``fixed_count`` and ``tasks`` (by name) of one User class. Unlike Locust, which
  sets any attribute the request names, only these four are accepted, each validated, and
  nothing changes unless all of them are valid.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from horde._version import __version__
from horde.config import check_host
from horde.config.limits import MAX_USERS, check_user_count
from horde.exceptions import ConfigError
from horde.runners import MasterRunner
from horde.user import FastHttpUser, HttpUser
from horde.web.snapshot import WEB_PERCENTILES
from horde.web.urls import without_credentials

USER_SETTINGS = ("host", "weight", "fixed_count", "tasks")


def worker_count(runner: Any) -> int:
    """Connected workers (0 unless this is a master, as Locust's ``/worker-count``)."""
    return int(getattr(runner, "worker_count", 0)) if isinstance(runner, MasterRunner) else 0


def _hosts(env: Any) -> tuple[str | None, bool, bool]:
    """(host to show, override warning, missing-host warning), as Locust computes them."""
    if env.host:
        return without_credentials(env.host), False, False
    hosts = {cls.host for cls in env.user_classes}
    if len(hosts) == 1:
        host = next(iter(hosts))
        return without_credentials(host), False, not host
    http = [c.host for c in env.user_classes if issubclass(c, HttpUser | FastHttpUser)]
    return None, bool(env.user_classes), not all(http)


def template_args(env: Any) -> dict[str, Any]:
    """Locust's ``template_args`` keys for the Environment ``env`` (hosts without
    credentials; ``history`` is left empty: horde's page reads it from the API)."""
    runner = env.runner
    options = env.parsed_options
    host, override_warning, missing_warning = _hosts(env)
    classes = env.available_user_classes or {}
    shape = env.shape_class
    common = bool(getattr(shape, "use_common_options", False))
    return {
        "locustfile": env.locustfile,
        "state": runner.state if runner else "missing",
        "is_distributed": isinstance(runner, MasterRunner),
        "user_count": runner.user_count if runner else 0,
        "version": __version__,
        "host": host or "",
        "history": [],
        "override_host_warning": override_warning,
        "missing_host_warning": missing_warning,
        "num_users": getattr(options, "num_users", None),
        "spawn_rate": getattr(options, "spawn_rate", None),
        "worker_count": worker_count(runner),
        "stats_history_enabled": getattr(options, "stats_history_enabled", False),
        "run_time": getattr(options, "run_time", None),
        "show_userclass_picker": False,
        "available_user_classes": sorted(classes),
        "available_shape_classes": ["Default", *sorted(env.available_shape_classes or {})],
        "hide_common_options": bool(shape is not None and not common),
        "shape_use_common_options": bool(shape is not None and common),
        "users": {name: _describe(cls) for name, cls in classes.items()},
        "percentiles_to_chart": [0.5, 0.95],
        "percentiles_to_statistics": list(WEB_PERCENTILES),
        "is_host_required": False,
        "profile": env.profile,
    }


def _describe(cls: Any) -> dict[str, Any]:
    return {
        "host": without_credentials(cls.host),
        "weight": cls.weight,
        "fixed_count": cls.fixed_count,
        "tasks": [getattr(t, "__name__", str(t)) for t in dict.fromkeys(cls.tasks)],
    }


def update_user_class(env: Any, body: object) -> None:
    """Apply Locust's ``POST /user`` body; ConfigError (nothing changed) when it is wrong."""
    if not isinstance(body, Mapping):
        raise ConfigError("POST /user takes a JSON object with user_class_name")
    name = body.get("user_class_name")
    if not isinstance(name, str):
        raise ConfigError("POST /user needs user_class_name, the name of a User class")
    cls = (env.available_user_classes or {}).get(name)
    if cls is None:
        raise ConfigError(f"unknown User class {name!r}")
    changes = {key: _setting(env, cls, key, value) for key, value in body.items()}
    for key, value in changes.items():
        if key == "tasks":
            if "_unfiltered_tasks" in vars(cls):
                cls._unfiltered_tasks = value
            cls.tasks = value
        elif key != "user_class_name":
            setattr(cls, key, value)


def _setting(env: Any, cls: Any, key: str, value: Any) -> Any:
    if key == "user_class_name":
        return value
    if key not in USER_SETTINGS:
        raise ConfigError(f"POST /user cannot set {key!r}: only {', '.join(USER_SETTINGS)}")
    if key == "host":
        if value in (None, ""):
            return None
        check_host(str(value))
        return str(value)
    if key == "fixed_count":
        return check_user_count(value, "fixed_count")
    if key == "weight":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok or not math.isfinite(value) or not 0 <= value <= MAX_USERS:
            raise ConfigError(f"weight must be a number from 0 to {MAX_USERS:,}, got {value!r}")
        return value
    return _tasks(env, cls, value)


def _tasks(env: Any, cls: Any, names: Any) -> list[Any]:
    """The class's tasks named in ``names`` (chosen from all it ever had, weights kept)."""
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ConfigError("tasks must be a list of task names")
    if not names:
        raise ConfigError("tasks must name at least one task")
    every = vars(cls).get("_horde_all_tasks")
    if every is None:
        every = list(env.available_user_tasks.get(cls.__name__) or [])
        every = every or list(vars(cls).get("_unfiltered_tasks") or cls.tasks)
        cls._horde_all_tasks = every
    known = {getattr(task, "__name__", "") for task in every}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ConfigError(f"unknown task {unknown[0]!r} of {cls.__name__}")
    return [task for task in every if getattr(task, "__name__", "") in names]


def extensions(args: Mapping[str, Any] | None) -> dict[str, Any]:
    """What the page shows of a locustfile's ``extended_tabs``, ``extended_tables`` and
    ``extended_csv_files`` template arguments (Locust's extend_web_ui example)."""
    args = args or {}
    tables = [t for t in args.get("extended_tables") or [] if isinstance(t, Mapping)]
    return {
        "tabs": [t for t in args.get("extended_tabs") or [] if isinstance(t, Mapping)],
        "csv_files": [f for f in args.get("extended_csv_files") or [] if isinstance(f, Mapping)],
        "columns": {t.get("key"): list(t.get("structure") or []) for t in tables},
    }
