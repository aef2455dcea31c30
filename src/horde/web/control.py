"""RunControl: what the web UI (and its JSON API) can do to a test, in one place.

The routes never touch the runner directly: they call these methods. A new test is one
:class:`~horde.shape.plan.RunPlan`, built by :func:`~horde.shape.plan.build_plan` from the form
(:mod:`horde.web.runform` reads it), applied by the Environment and run by the runner's load
driver, exactly as the command line's own tests: the run-time limit, shapes, stages, arrival
rates, iterations and abort thresholds live there, not here. Bad input raises
:class:`~horde.exceptions.ConfigError` with the command line's words; nothing has changed then.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import gevent

from horde.config import Option, check_host
from horde.config.settings import convert
from horde.exceptions import ConfigError
from horde.reports.metadata import ThresholdOutcome
from horde.runners import STATE_CLEANUP, STATE_INIT, STATE_STOPPED, STATE_STOPPING, Runner
from horde.shape.plan import RunPlan, build_plan
from horde.stats.thresholds import ThresholdSource, evaluate, format_value
from horde.user import FastHttpUser, HttpUser
from horde.web import describe
from horde.web.runform import (
    LOAD_MODELS,
    ORIGIN,
    class_names,
    load_values,
    shape_choice,
    tag_list,
    threshold_list,
)
from horde.web.urls import without_credentials

STEERABLE = frozenset({"ramping-vus", "constant-vus"})


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
        self.defaults: dict[str, Any] = dict(defaults or {})
        """What the start form shows first (the command line's values; see :meth:`form`).
        ``thresholds``, when present, are the configured thresholds a request without any
        runs with; without it, the Environment's own (``environment.thresholds``)."""
        self.started_at: float | None = None
        self.on_start: list[Callable[[RunPlan], None]] = []
        """Called with the plan of each test started (or steered) here."""
        self._started: RunPlan | None = None
        self._plan: RunPlan | None = None
        self._document: tuple[RunPlan, dict[str, Any]] | None = None
        self._chosen = [cls.__name__ for cls in describe.initial_classes(environment)]

    @property
    def runner(self) -> Runner:
        runner: Runner = self.environment.runner
        return runner

    @property
    def plan(self) -> RunPlan | None:
        """The plan of the current (or last) test, with the users and spawn rate it was
        steered to since; None before any test or for a test started without a plan."""
        current = self.runner.plan
        if current is not None and current is self._started:
            return self._plan
        return current

    @property
    def chosen_classes(self) -> list[str]:
        """Names of the User classes chosen so far (the next tag filter starts from them)."""
        return list(self._chosen)

    @property
    def run_time(self) -> float | None:
        plan = self.plan
        return plan.run_time if plan is not None else None

    # -- commands -------------------------------------------------------------------------------

    def submit(self, data: Mapping[str, Any]) -> RunPlan | None:
        """Start a test from form or JSON input; while one runs, change its users and spawn
        rate instead (Locust's /swarm does both). Returns the plan now running."""
        state = self.runner.state
        if state in (STATE_STOPPING, STATE_CLEANUP):
            raise ConfigError("the test is stopping: start again once it has stopped")
        if state in (STATE_INIT, STATE_STOPPED):
            return self.start_plan(self.build(data))
        return self.steer(data)

    def build(self, data: Mapping[str, Any]) -> RunPlan:
        """The plan of a new test from form or JSON input (validated; nothing changes)."""
        values = load_values(data)
        given = set(values)
        shape = shape_choice(data)
        if shape is None:
            shape = self._default_shape(values)
        values["shape"] = shape
        listed = threshold_list(data.get("thresholds"))
        values["thresholds"] = listed if listed is not None else self.configured_thresholds()
        values["stop_timeout"] = self.environment.stop_timeout
        values["stop_grace"] = self.environment.stop_grace
        values["host"] = self._host(data.get("host"))
        if not values["host"]:
            self._check_hosts()
        values.update(self._selection(data))
        values["options"] = self._custom(data)
        if shape:
            given.add("shape")
        plan = build_plan(
            values, shapes=list(self.environment.available_shape_classes), explicit=given
        )
        if plan.executor in STEERABLE and not plan.stages and "num_users" not in given:
            raise ConfigError("missing the number of users (user_count)")
        return plan

    def start_plan(self, plan: RunPlan) -> RunPlan:
        """Apply ``plan`` to the Environment and start it (a new test)."""
        runner = self.runner
        if runner.state not in (STATE_INIT, STATE_STOPPED):
            raise ConfigError("a test is running: stop it before starting another")
        env = self.environment
        env.apply_plan(plan)
        stats = env.stats
        if runner.state == STATE_INIT and not stats.total.num_requests and not stats.exceptions:
            # a UI may wait minutes for its first test: the totals' clock (requests per second
            # over the run) starts with the test, as it does for every later one
            stats.reset_all()
        if plan.user_classes is not None:
            self._chosen = list(plan.user_classes)
        if plan.tags is not None and getattr(env.parsed_options, "equal_weights", False):
            env.assign_equal_weights()  # the tag filter restored the tasks' own weights
        self._record_options(plan)
        runner.start_plan(plan)
        gevent.sleep(0)  # the driver's first step (a shape's first tick): the answer shows it
        self.started_at = env.clock.time()
        self._started = self._plan = plan
        self._notify(plan)
        return plan

    def steer(self, data: Mapping[str, Any]) -> RunPlan | None:
        """Change the users and spawn rate of the running test (a closed-model one only)."""
        plan = self.plan
        if plan is not None and (plan.executor not in STEERABLE or plan.stages):
            raise ConfigError(describe.not_steerable(plan))
        asked = [key for key in (*LOAD_MODELS, "shape", "shape_class") if data.get(key)]
        if asked:
            raise ConfigError(
                f"a running test only changes its users and spawn rate, not {asked[0]}: stop it "
                "to start another test"
            )
        values = load_values({k: data.get(k) for k in ("user_count", "users", "spawn_rate")})
        if "num_users" not in values:
            raise ConfigError("missing the number of users (user_count)")
        base = describe.steer_values(plan) if plan is not None else {"shape": ""}
        steered = build_plan({**base, **values}, shapes=(), explicit=set(values))
        self.runner.ramp_to(steered.users, steered.spawn_rate)
        if plan is None:
            return None
        self._plan = steered
        self._notify(steered)
        return steered

    def stop(self) -> None:
        """Stop the running test (nothing to do when none runs)."""
        if self.runner.state not in (STATE_INIT, STATE_STOPPED):
            self.runner.request_stop("stopped from the web UI")

    def reset(self) -> None:
        self.runner.reset_stats()

    def _notify(self, plan: RunPlan) -> None:
        for listener in list(self.on_start):
            listener(plan)

    # -- reading input --------------------------------------------------------------------------

    def _default_shape(self, values: Mapping[str, Any]) -> str | None:
        """The shape a request that names none runs: the Environment's (the command line's
        --shape, else the locustfile's first), unless it asks for another load model."""
        if any(values.get(key) is not None for key in LOAD_MODELS):
            return None
        shape = self.environment.shape_class
        return type(shape).__name__ if shape is not None else None

    def configured_thresholds(self) -> list[Any]:
        """The thresholds a request that gives none runs with (strings or Threshold objects)."""
        if "thresholds" in self.defaults:
            return list(self.defaults["thresholds"])
        return list(getattr(self.environment, "thresholds", None) or [])

    def _selection(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """User classes and tag filters. A filter always starts from every task of the classes
        chosen so far (so a class an earlier filter emptied can come back); classes chosen
        without a filter keep the current one."""
        classes = class_names(data.get("user_classes"))
        tags = tag_list(data.get("tags"))
        exclude = tag_list(data.get("exclude_tags"))
        if classes is None and tags is None and exclude is None:
            return {}
        env = self.environment
        return {
            "user_classes": classes or list(self._chosen),
            "tags": tags if tags is not None else list(env.tags or []),
            "exclude_tags": exclude if exclude is not None else list(env.exclude_tags or []),
        }

    def _host(self, value: Any) -> str | None:
        """The host a form asks for. The form shows the current host without its
        ``user:password@`` (see :mod:`horde.web.urls`); sent back as shown, it means the
        current host, credentials included."""
        if not value:
            return None
        host = str(value).strip()
        current = self.environment.host or describe.class_host(self.environment.user_classes)
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
                values[option.dest] = convert(option, raw, ORIGIN)
            value = values.get(option.dest, getattr(current, option.dest, option.default))
            if option.extra.get("is_required") and value in (None, ""):
                raise ConfigError(f"{option.flags[-1]} is required: fill it in")
        return values

    def _record_options(self, plan: RunPlan) -> None:
        """Mirror the test's values in ``parsed_options``, where locustfiles (and shapes with
        ``use_common_options``) read them."""
        env = self.environment
        options = env.parsed_options
        if options is None:
            return
        for key, value in plan.options.items():
            setattr(options, key, value)
        if plan.host:
            options.host = plan.host
        if plan.executor != "shape" or _common_options(env, plan):
            options.num_users = plan.users
            options.spawn_rate = plan.spawn_rate
        options.run_time = plan.run_time
        options.tags, options.exclude_tags = env.tags, env.exclude_tags

    # -- describing -----------------------------------------------------------------------------

    def thresholds(self) -> list[ThresholdOutcome]:
        """The thresholds of the current (or last) test, checked against the statistics now."""
        plan = self.plan
        if plan is None or not plan.thresholds:
            return []
        stats = self.environment.stats
        source = ThresholdSource(stats.total, stats.entries, stats.now())
        return [
            ThresholdOutcome(
                r.expression,
                r.observed,
                r.passed,
                format_value(r.threshold, r.observed) if r.observed is not None else "",
            )
            for r in evaluate(plan.thresholds, source)
        ]

    def plan_document(self) -> dict[str, Any] | None:
        """The plan as the status shows it, built once per plan (every tab polls it)."""
        plan = self.plan
        if plan is None:
            return None
        cached = self._document
        if cached is None or cached[0] is not plan:
            document = describe.plan_json(plan)
            document["description"] = self.environment.describe_load(plan)  # + class executors
            document["classes"] = {
                name: own.describe() for name, own in self.environment.class_plans.items()
            }
            cached = self._document = (plan, document)
        return cached[1]

    def status(self) -> dict[str, Any]:
        return describe.status(self)

    def form(self) -> dict[str, Any]:
        return describe.form(self)


def _common_options(env: Any, plan: RunPlan) -> bool:
    shape = env.available_shape_classes.get(plan.shape) if plan.shape else None
    return bool(getattr(shape, "use_common_options", False))
