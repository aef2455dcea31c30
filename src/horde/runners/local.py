"""PoolRunner: a runner whose users live in this process, in one :class:`UserPool`.

:class:`LocalRunner` (the whole test here) and the distributed mode's worker
(:class:`~horde.runners.worker.WorkerRunner`, its share of the test here) are both pool runners;
a worker is deliberately not a LocalRunner, since locustfiles tell the modes apart with
``isinstance``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import gevent
from gevent.pool import Group

from horde.dispatch import max_users
from horde.exceptions import HordeError
from horde.runners.base import (
    STATE_SPAWNING,
    Runner,
    _traceback_text,
)
from horde.runners.executors import ArrivalShare, PoolExecutor
from horde.runners.pool import StopPolicy, UserPool
from horde.shape.plan import DEFAULT_STOP_GRACE, RunPlan

if TYPE_CHECKING:
    from horde.user.users import User

logger = logging.getLogger(__name__)


class PoolRunner(Runner):
    """Runs users in this process."""

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        self.pool = UserPool(
            environment,
            self.clock,
            on_user_ended=self._user_ended,
            on_spawn_error=self._spawn_failed,
        )
        self.executor = PoolExecutor(self)
        self.class_executors: dict[str, PoolExecutor] = {}
        """The executors of the classes with one of their own (by class name)."""
        self.class_plans: dict[str, RunPlan] = {}
        self.share = (0, 1)
        """Which positions of the dispatch sequence this process runs (a worker's share)."""

    # -- views ----------------------------------------------------------------------------------

    @property
    def user_greenlets(self) -> Group:
        return self.pool.greenlets

    @property
    def users(self) -> list[User]:
        return self.pool.users

    @property
    def user_count(self) -> int:
        return self.pool.count

    @property
    def user_classes_count(self) -> dict[str, int]:
        counts = {cls.__name__: 0 for cls in self.environment.user_classes}
        counts.update({name: n for name, n in self.pool.counts.items() if n or name in counts})
        return counts

    def stop_policy(self) -> StopPolicy:
        """How users stop now: ``stop_timeout`` for tasks, the grace for requests in flight."""
        environment = self.environment
        grace = getattr(environment, "stop_grace", None)
        return StopPolicy(
            self.pool,
            float(environment.stop_timeout or 0),
            float(grace if grace is not None else DEFAULT_STOP_GRACE),
        )

    # -- starting -------------------------------------------------------------------------------

    def start_plan(self, plan: RunPlan) -> None:
        self.pool.prepare = None
        super().start_plan(plan)

    def _reserve_classes(self) -> None:
        self.pool.prepare_for = {}
        self.pool.reserved = frozenset(self.class_plans)
        self.class_executors = {}

    def run_class(self, name: str, plan: RunPlan) -> None:
        self._run_class_plan(name, plan, self.plan.run_time if self.plan is not None else None)

    def _run_class_plan(
        self, name: str, plan: RunPlan, limit: float | None, share: tuple[int, int] = (0, 1)
    ) -> None:
        """Run class ``name``'s own plan (a worker's ``share`` of it) on this pool; nothing
        of it is due after ``limit``, the test's run time."""
        cls = next(c for c in self.environment.user_classes if c.__name__ == name)
        executor = self.class_executors[name] = PoolExecutor(self, [cls])
        if limit is not None and (plan.run_time is None or plan.run_time > limit):
            plan = replace(plan, run_time=limit)
        part = f" (share {share[0] + 1} of {share[1]})" if share[1] > 1 else ""
        logger.info("%s: %s%s", name, plan.describe(), part)
        executor.run_class(plan, share)

    def run_iterations(self, plan: RunPlan) -> None:
        kind = "shared" if plan.executor == "shared-iterations" else "per-user"
        self.executor.iterations(kind, plan.iterations or 0, plan.users, plan.spawn_rate)

    def run_arrival(self, plan: RunPlan, ready: Callable[[], None] | None = None) -> bool:
        schedule = plan.schedule
        assert schedule is not None  # noqa: S101 - build_plan sets it for arrival executors
        share = ArrivalShare(
            schedule,
            max_users=plan.users,
            pre_allocated=plan.pre_allocated_users,
            max_lateness=plan.max_lateness,
            end=plan.run_time,
            drain=max(plan.stop_grace, 1.0),
        )
        return self.executor.arrival(share, plan.describe(), ready)

    def finish_executor(self) -> None:
        self.executor.finish()
        for executor in self.class_executors.values():
            executor.finish()

    def ramp_to(self, user_count: int, rate: float, classes: list[Any] | None = None) -> None:
        pool_classes = classes if classes is not None else list(self.environment.user_classes)
        reserved = self.pool.reserved  # classes with executors of their own
        pool_classes = [c for c in pool_classes if c.__name__ not in reserved]
        limit = max_users(pool_classes) if self.share == (0, 1) else None
        if limit is not None and user_count > limit:
            logger.warning("only %d users can run: every class has a fixed_count", limit)
            user_count = limit
        self.target_user_count = user_count
        self.spawn_rate = rate
        if self.spawning_greenlet is not None:
            self.spawning_greenlet.kill(block=True)
        self.state = STATE_SPAWNING
        self.spawning_greenlet = self.spawn_background(self._ramp, user_count, rate, pool_classes)

    def _ramp(self, target: int, rate: float, classes: list[Any]) -> None:
        started = self.pool.ramp(target, rate, classes, self.stop_policy(), self.share)
        self.spawning_greenlet = None
        if not started:
            return
        self._spawning_complete(self.pool.counts)

    def _spawn_failed(self, cls: type, exc: BaseException) -> None:
        logger.error("cannot start a %s user: %s", cls.__name__, exc)
        self.stats.log_exception(f"{type(exc).__name__}: {exc}", _traceback_text(exc))
        self.request_stop(f"a {cls.__name__} user could not start: {exc}")

    def spawn_users(self, user_classes_count: dict[str, int], wait: bool = False) -> list[User]:
        """Start extra users: ``{class name: how many}`` (Locust's low-level API)."""
        by_name = {c.__name__: c for c in self.environment.user_classes}
        unknown = set(user_classes_count) - set(by_name)
        if unknown:
            raise HordeError(f"unknown user class(es): {', '.join(sorted(unknown))}")
        started = []
        for name, count in user_classes_count.items():
            for _ in range(count):
                user = self.pool.spawn(by_name[name])
                if user is not None:
                    started.append(user)
        return started

    # -- stopping -------------------------------------------------------------------------------

    def stop_users(self, user_classes_count: dict[str, int]) -> None:
        """Stop ``{class name: how many}`` users, most recently started first."""
        chosen: list[User] = []
        for name, count in user_classes_count.items():
            matching = [u for u in reversed(self.users) if type(u).__name__ == name][:count]
            chosen += matching
        self.stop_policy().stop(chosen)

    def _stop_all_users(self) -> None:
        self.pool.stop_all(self.stop_policy())

    def _kill_all_users(self) -> None:
        self.pool.kill_all()

    def _called_by_a_user(self) -> bool:
        return gevent.getcurrent() in self.pool.greenlets


class LocalRunner(PoolRunner):
    """Runs every user in this process (the default)."""

    client_id = "local"
    worker_index = 0
    worker_count = 1
