"""How a master splits iterations and arrival-rate schedules among its workers (pure).

Only the first ``m = min(workers, users)`` workers take part, so each has at least one user.
Worker ``k`` of them gets:

* ``-i N`` (shared iterations): iterations ``k, k + m, k + 2m...`` of the N, that is
  ``len(range(k, N, m))`` of them, run by its users as one process would run them;
* ``--iterations-per-user N``: N per user, as in one process;
* an arrival rate: the schedule's tickets ``k, k + m, k + 2m...``, each due exactly when the
  schedule says, so all workers together start iterations at the plan's exact rate; its share of
  ``-u`` (the most users) and of ``--pre-allocated-users`` likewise.
"""

from __future__ import annotations

from typing import Any, TypeVar

from horde.dispatch import share
from horde.shape.plan import RunPlan

T = TypeVar("T")


def gate_workers(plan: RunPlan, live: list[T]) -> list[T]:
    """The workers that take part in an iteration or arrival-rate plan."""
    return live[: max(0, min(len(live), plan.users))]


def gate_body(plan: RunPlan, k: int, count: int) -> dict[str, Any]:
    """The ``gate`` of worker ``k`` of ``count`` in its spawn message."""
    if plan.executor == "shared-iterations":
        return {"kind": "shared", "iterations": share(plan.iterations or 0, k, count)}
    if plan.executor == "per-vu-iterations":
        return {"kind": "per-user", "iterations": plan.iterations or 0}
    schedule = plan.schedule
    if schedule is None:
        return {"kind": "users"}
    return {
        "kind": "arrival",
        "segments": [[s.duration, s.start_rate, s.end_rate] for s in schedule.segments],
        "open_ended": schedule.open_ended,
        "end": plan.run_time,
        "max_lateness": plan.max_lateness,
        "pre_allocated": share(plan.pre_allocated_users, k, count),
    }
