"""Executors chosen per User class: a class attribute ``executor`` makes the class a scenario.

Most tests apply one load model to every class (``-u``, ``--arrival-rate``, ``-i``...). A test
that mixes models — say, browsing users in a closed model next to checkouts arriving at a fixed
rate whatever the site's speed — gives a class its own executor, as k6's scenarios do::

    class Browse(HttpUser):            # the run's executor (-u 50 -r 10)
        wait_time = between(1, 3)

    class Checkout(HttpUser):          # its own: 20 iterations a second, at most 40 users
        executor = constant_arrival_rate(20, max_users=40)

A class with an executor is left out of the run's own plan; its users are started, paced and
stopped by its executor alone. Each spec is validated into a :class:`~horde.shape.plan.RunPlan`
by the same :func:`~horde.shape.plan.build_plan` as the command line (so the same limits and
messages), with ``duration`` as its run time. The test ends at ``-t``, or once the run's
executor and every class executor are done.

The attribute may also be a dict with the same keys as :class:`ClassExecutor` (``kind`` or
k6's ``executor`` for the kind). Values of other types are not specs: a locustfile may use the
name for its own purposes (a thread pool, say) and is left alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from horde.config import parse_timespan
from horde.exceptions import ConfigError
from horde.shape.plan import RunPlan, build_plan

CLASS_EXECUTORS = (
    "constant-vus",
    "ramping-vus",
    "constant-arrival-rate",
    "ramping-arrival-rate",
    "shared-iterations",
    "per-vu-iterations",
)
ATTRIBUTE = "executor"


@dataclass(frozen=True)
class ClassExecutor:
    """What one User class runs: an executor kind and its parameters (k6's names, in Python)."""

    kind: str
    users: int | None = None
    """constant-vus: the users; ramping-vus: unused (its stages say); arrival rates: the most
    users the class may start; iterations: the users sharing (or each running) them."""
    spawn_rate: float | None = None
    rate: float | str | None = None
    """Arrival rates: iterations per second, or stages ``"30s:10,1m:50"``."""
    stages: str | None = None
    """ramping-vus: ``"30s:10,1m:10,10s:0"`` (DURATION:USERS[@RATE])."""
    iterations: int | None = None
    pre_allocated_users: int | None = None
    max_lateness: float | str | None = None
    duration: float | str | None = None
    """How long the class runs (seconds or ``"5m"``); None: until the test ends (or its
    iterations, stages or schedule are done)."""


def constant_vus(
    users: int, *, spawn_rate: float | None = None, duration: float | str | None = None
) -> ClassExecutor:
    """``users`` users of this class, started at ``spawn_rate``/s (all at once by default)."""
    return ClassExecutor("constant-vus", users=users, spawn_rate=spawn_rate, duration=duration)


def ramping_vus(stages: str) -> ClassExecutor:
    """This class's user count follows ``stages`` (``"30s:10,1m:10,10s:0"``)."""
    return ClassExecutor("ramping-vus", stages=stages)


def constant_arrival_rate(
    rate: float,
    *,
    max_users: int | None = None,
    pre_allocated_users: int | None = None,
    max_lateness: float | str | None = None,
    duration: float | str | None = None,
) -> ClassExecutor:
    """``rate`` iterations of this class start every second, however slow the target."""
    return ClassExecutor(
        "constant-arrival-rate",
        users=max_users,
        rate=rate,
        pre_allocated_users=pre_allocated_users,
        max_lateness=max_lateness,
        duration=duration,
    )


def ramping_arrival_rate(
    stages: str,
    *,
    max_users: int | None = None,
    pre_allocated_users: int | None = None,
    max_lateness: float | str | None = None,
) -> ClassExecutor:
    """Iterations of this class start at rates following ``stages`` (``"30s:10,1m:50"``)."""
    return ClassExecutor(
        "ramping-arrival-rate",
        users=max_users,
        rate=stages,
        pre_allocated_users=pre_allocated_users,
        max_lateness=max_lateness,
    )


def shared_iterations(
    iterations: int, *, users: int = 1, spawn_rate: float | None = None
) -> ClassExecutor:
    """``users`` users of this class run ``iterations`` tasks between them, then stop."""
    return ClassExecutor(
        "shared-iterations", users=users, spawn_rate=spawn_rate, iterations=iterations
    )


def per_vu_iterations(
    iterations: int, *, users: int = 1, spawn_rate: float | None = None
) -> ClassExecutor:
    """Each of ``users`` users of this class runs ``iterations`` tasks, then stops."""
    return ClassExecutor(
        "per-vu-iterations", users=users, spawn_rate=spawn_rate, iterations=iterations
    )


def executor_spec(cls: type) -> ClassExecutor | None:
    """The executor ``cls`` declares, or None (no attribute, or one that is not a spec)."""
    raw = getattr(cls, ATTRIBUTE, None)
    if isinstance(raw, ClassExecutor):
        return raw
    if isinstance(raw, str) and raw in CLASS_EXECUTORS:
        raise ConfigError(
            f"{cls.__name__}.executor = {raw!r} needs its parameters: use "
            f"horde.{raw.replace('-', '_')}(...) (see docs/compatibility.md)"
        )
    if isinstance(raw, Mapping) and ("kind" in raw or "executor" in raw):
        return _from_mapping(cls.__name__, raw)
    return None


def _from_mapping(name: str, raw: Mapping[str, Any]) -> ClassExecutor:
    values = dict(raw)
    kind = values.pop("kind", None) or values.pop("executor", None)
    known = set(ClassExecutor.__dataclass_fields__) - {"kind"}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(
            f"{name}.executor: unknown key {', '.join(map(repr, unknown))}; "
            f"known: kind, {', '.join(sorted(known))}"
        )
    return ClassExecutor(str(kind), **values)


def class_plan(name: str, spec: ClassExecutor, stop_grace: float | None = None) -> RunPlan:
    """Validate ``spec`` (of the class ``name``) into a plan; ConfigError naming the class."""
    kind = spec.kind
    if kind not in CLASS_EXECUTORS:
        raise ConfigError(
            f"{name}.executor: unknown kind {kind!r}; choose from {', '.join(CLASS_EXECUTORS)}"
        )
    fields = asdict(spec)
    values: dict[str, Any] = {
        "executor": kind,
        "num_users": fields["users"],
        "spawn_rate": fields["spawn_rate"],
        "pre_allocated_users": fields["pre_allocated_users"],
        "max_lateness": fields["max_lateness"],
        "stop_grace": stop_grace,
    }
    if kind in ("constant-arrival-rate", "ramping-arrival-rate"):
        values["arrival_rate"] = _required(name, kind, "rate", spec.rate)
    elif kind == "ramping-vus":
        values["stages"] = _required(name, kind, "stages", spec.stages)
    elif kind == "shared-iterations":
        values["iterations"] = _required(name, kind, "iterations", spec.iterations)
    elif kind == "per-vu-iterations":
        values["iterations_per_user"] = _required(name, kind, "iterations", spec.iterations)
    elif values["num_users"] is None:
        raise ConfigError(f"{name}.executor: constant-vus needs users")
    if values["spawn_rate"] is None and isinstance(values["num_users"], int):
        values["spawn_rate"] = max(1, values["num_users"])  # all at once, as k6 starts VUs
    try:
        values["run_time"] = _duration(spec.duration)
        return build_plan(values, explicit=set(values))
    except ConfigError as exc:
        raise ConfigError(f"{name}.executor: {exc}") from None


def _required(name: str, kind: str, key: str, value: Any) -> Any:
    if value is None or value == "":
        raise ConfigError(f"{name}.executor: {kind} needs {key}")
    return value


def _duration(raw: float | str | None) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        return float(parse_timespan(raw))
    return float(raw)


def class_plans(classes: Sequence[type], stop_grace: float | None = None) -> dict[str, RunPlan]:
    """``{class name: its plan}`` for the classes that declare an executor."""
    plans = {}
    for cls in classes:
        spec = executor_spec(cls)
        if spec is not None:
            plans[cls.__name__] = class_plan(cls.__name__, spec, stop_grace)
    return plans


def split_class_plan(plan: RunPlan, k: int, n: int) -> RunPlan | None:
    """Worker ``k`` of ``n``'s share of a class's plan (None: nothing for it to run). All
    shares together run what one process would: users by ``share``, shared iterations by
    ``share``, an arrival schedule's tickets ``k, k + n...`` (its users at least one each)."""
    users = _share(plan.users, k, n)
    rate = plan.spawn_rate / n
    kind = plan.executor
    if plan.schedule is not None:
        pre = _share(plan.pre_allocated_users, k, n)
        return replace(plan, users=max(1, users), pre_allocated_users=pre)
    if kind == "shared-iterations":
        iterations = _share(plan.iterations or 0, k, n)
        if not iterations:
            return None
        return replace(plan, iterations=iterations, users=max(1, users), spawn_rate=rate)
    if plan.stages:
        stages = tuple(
            replace(
                s,
                users=_share(s.users, k, n),
                spawn_rate=None if s.spawn_rate is None else s.spawn_rate / n,
            )
            for s in plan.stages
        )
        return replace(plan, stages=stages)
    if not users:
        return None
    return replace(plan, users=users, spawn_rate=rate)


def _share(total: int, k: int, n: int) -> int:
    """Positions ``k, k + n, k + 2n...`` of ``total``: how many are worker ``k``'s."""
    return len(range(k, total, n))


def describe(plans: Mapping[str, RunPlan]) -> str:
    """``"; Checkout: constant-arrival-rate: ..."`` for the summary (empty without plans)."""
    return "".join(f"; {name}: {plan.describe()}" for name, plan in plans.items())
