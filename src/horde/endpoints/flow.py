"""Chains and scenarios: sequences of endpoint requests, as values any user can run.

::

    checkout = Chain([login, (cart, "POST"), (cart, "GET")])        # stops at the first failure
    browse = Scenario([home, Step(item, chance=30, params={"id": 7})], wait=0.5, runtime=20)

    class Shopper(HttpUser):
        @task
        def buy(self):
            if checkout.run(self):          # truthy when every request made succeeded
                ...

A step is an :class:`~horde.endpoints.Endpoint`, a tuple ``(endpoint, method)`` or
``(endpoint, method, chance)``, or a :class:`Step`. ``chance`` is a percentage (0-100): the step
is skipped otherwise, which is not a failure. Unless ``independent``, a failed request ends the
pass (a Chain's only pass, a Scenario's current pass). Waits sleep the user's greenlet; a user
asked to stop ends its flow at the next step.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import gevent

from horde._types import Clock
from horde.clock import SYSTEM_CLOCK
from horde.endpoints.endpoint import Endpoint
from horde.endpoints.result import Result
from horde.endpoints.state import owner
from horde.exceptions import EndpointError
from horde.user.task import STATE_STOPPING

_IDLE_PASS = 0.01
"""Seconds a runtime-bound scenario sleeps after a pass whose steps chance all skipped."""


@dataclass(frozen=True)
class Step:
    """One request of a flow: an endpoint, its method, the chance (percent) it is made, and
    the path placeholders it fills."""

    endpoint: Endpoint
    method: str | None = None
    chance: float = 100.0
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.endpoint, Endpoint):
            raise EndpointError(f"a step needs an Endpoint, got {self.endpoint!r}")
        chance = self.chance
        if (
            isinstance(chance, bool)
            or not isinstance(chance, int | float)
            or not 0 <= chance <= 100
        ):
            raise EndpointError(f"a step's chance is a percentage from 0 to 100, got {chance!r}")

    def run(self, user: Any, rng: random.Random | Any = random) -> Result | None:
        """Make the request (None if the chance said no)."""
        if self.chance < 100 and rng.random() * 100 >= self.chance:
            return None
        return self.endpoint.call(user, self.method, **self.params)


def as_step(item: Any) -> Step:
    """A Step from an Endpoint, ``(endpoint, method)``, ``(endpoint, method, chance)`` or Step."""
    if isinstance(item, Step):
        return item
    if isinstance(item, Endpoint):
        return Step(item)
    if isinstance(item, tuple) and 1 <= len(item) <= 3:
        return Step(*item)
    raise EndpointError(
        f"a flow step is an Endpoint, (endpoint, method) or (endpoint, method, chance): {item!r}"
    )


@dataclass
class FlowResult:
    """What a run of a flow did: the Results of the requests made, in order."""

    results: list[Result] = field(default_factory=list)
    completed: bool = True
    """False if a request failed (a dependent pass ends there) or the user was asked to stop
    before the flow was done."""

    def __bool__(self) -> bool:
        return self.completed

    @property
    def last(self) -> Result | None:
        return self.results[-1] if self.results else None


class Chain:
    """Steps made one after the other, once; ``wait`` seconds between two requests."""

    def __init__(
        self,
        steps: Iterable[Any],
        *,
        independent: bool = False,
        wait: float = 0.0,
        rng: random.Random | None = None,
    ) -> None:
        self.steps = [as_step(item) for item in steps]
        self.independent = bool(independent)
        self.wait = _seconds(wait, "wait")
        self.rng: Any = rng or random

    def run(self, user: Any) -> FlowResult:
        """Run the steps as ``user`` (a User or TaskSet)."""
        outcome = FlowResult()
        self._pass(owner(user), self.steps, outcome)
        return outcome

    def _pass(self, user: Any, steps: list[Step], outcome: FlowResult) -> bool:
        """One pass over ``steps``; False when it ended on a failure or the user is stopping."""
        for step in steps:
            if _stopping(user):
                outcome.completed = False
                return False
            if outcome.results and self.wait:
                gevent.sleep(self.wait)
            result = step.run(user, self.rng)
            if result is None:
                continue
            outcome.results.append(result)
            if not result.ok:
                outcome.completed = False
                if not self.independent:
                    return False
        return True


class Scenario(Chain):
    """Steps made in passes until ``runtime`` seconds have gone by (one pass without runtime);
    ``wait`` seconds (default 1) between two requests. A pass that has begun is finished."""

    def __init__(
        self,
        steps: Iterable[Any],
        *,
        wait: float = 1.0,
        runtime: float | None = None,
        independent: bool = False,
        rng: random.Random | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        super().__init__(steps, independent=independent, wait=wait, rng=rng)
        self.runtime = None if runtime is None else _seconds(runtime, "runtime")
        self.clock = clock

    def run(self, user: Any) -> FlowResult:
        """Passes until the runtime is over (at least one)."""
        user = owner(user)
        outcome = FlowResult()
        deadline = None if self.runtime is None else self.clock.monotonic() + self.runtime
        while True:
            made = len(outcome.results)
            self._one(user, outcome)
            if deadline is None or _stopping(user) or self.clock.monotonic() >= deadline:
                return outcome
            if len(outcome.results) == made:  # every step skipped: yield, never spin
                gevent.sleep(self.wait or _IDLE_PASS)

    def run_once(self, user: Any) -> FlowResult:
        """One pass, whatever the runtime."""
        outcome = FlowResult()
        self._one(owner(user), outcome)
        return outcome

    def _one(self, user: Any, outcome: FlowResult) -> None:
        """One pass; a failure ends it (unless independent), the next pass starts afresh."""
        self._pass(user, self.steps, outcome)


class SequenceScenario(Scenario):
    """Several sequences of steps, each run in turn with its own chance (percent).

    ``sequences`` is a list of step lists, or of ``(step list, chance)`` pairs. A failure ends
    its sequence (unless ``independent``); the next sequence still runs.
    """

    def __init__(
        self,
        sequences: Iterable[Any],
        *,
        wait: float = 1.0,
        runtime: float | None = None,
        independent: bool = False,
        rng: random.Random | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        super().__init__(
            [], wait=wait, runtime=runtime, independent=independent, rng=rng, clock=clock
        )
        self.sequences = [_sequence(item) for item in sequences]

    def _one(self, user: Any, outcome: FlowResult) -> None:
        for steps, chance in self.sequences:
            if _stopping(user):
                return
            if chance < 100 and self.rng.random() * 100 >= chance:
                continue
            self._pass(user, steps, outcome)


def _sequence(item: Any) -> tuple[list[Step], float]:
    chance: Any = 100.0
    steps = item
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], list | tuple):
        steps, chance = item
    _percent(chance, "a sequence's chance")
    if not isinstance(steps, list | tuple):
        raise EndpointError(f"a sequence is a list of steps, got {steps!r}")
    return [as_step(step) for step in steps], float(chance)


def _percent(value: Any, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
        raise EndpointError(f"{what} is a percentage from 0 to 100, got {value!r}")


def _seconds(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise EndpointError(f"{what} must be a number of seconds, 0 or more, got {value!r}")
    if value == float("inf"):
        raise EndpointError(f"{what} must be a finite number of seconds")
    return float(value)


def _stopping(user: Any) -> bool:
    """The runner asked this user to stop after its current task."""
    return getattr(user, "_state", None) == STATE_STOPPING
