"""What is run: one :class:`Scenario` per table row, in the order they run.

Groups (selectable with ``--only`` like the keys):

- ``wrk``: wrk's ceiling at 1, 10, 100 connections (``wrk-1`` ...);
- ``rps``: no-wait users at 1, 10, 100 (``http-1`` ... ``fast-100``);
- ``idle``: ``between(1, 2)`` users at 1,000 and 10,000 (``idle-http-10000`` ...): delivered vs
  offered rate, CPU, peak RSS;
- ``latency``: a steady 500 req/s against the 50 ms ``/delay`` (``latency-http``, ``latency-fast``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

USER_CLASSES = {"http": "HttpUser", "fast": "FastHttpUser"}
IDLE_MEAN_WAIT = 1.5  # seconds, the mean of between(1, 2)
LATENCY_RATE_PER_USER = 10  # constant_throughput(10)


@dataclass(frozen=True)
class Scenario:
    """One row: a load (or wrk's connection count) and how long it runs."""

    key: str
    group: str
    users: int  # users, or wrk's connections
    run_time: int  # seconds: the generator's -t, wrk's -d
    settle: float  # seconds after every user is connected before the steady window opens
    user_class: str = "HttpUser"
    spawn_rate: float = 1.0
    wait_function: str = "constant"
    wait_args: str = "0"
    path: str = "/"
    offered_rps: float | None = None

    @property
    def nominal_ramp(self) -> float:
        return self.users / self.spawn_rate

    @property
    def is_wrk(self) -> bool:
        return self.group == "wrk"


@dataclass(frozen=True)
class Sizes:
    """The knobs that differ between the full benchmark and ``--quick``."""

    duration: int
    rps_users: tuple[int, ...]
    idle_users: tuple[int, ...]
    latency_users: int
    settle: float
    idle_ramp: float  # seconds to spawn the idle users: spread over > 1 wait, so no lockstep
    load_classes: tuple[str, ...]  # user classes (keys of USER_CLASSES) for idle and latency


FULL = Sizes(
    duration=12,
    rps_users=(1, 10, 100),
    idle_users=(1000, 10000),
    latency_users=50,
    settle=1.0,
    idle_ramp=4.0,
    load_classes=("http", "fast"),
)
QUICK = Sizes(
    duration=2,
    rps_users=(1, 10),
    idle_users=(200,),
    latency_users=10,
    settle=0.5,
    idle_ramp=1.0,
    load_classes=("http",),
)


def build(sizes: Sizes) -> list[Scenario]:
    """Every scenario, wrk first so the ceiling is known before the generators run."""
    return [*_wrk(sizes), *_rps(sizes), *_idle(sizes), *_latency(sizes)]


def select(scenarios: list[Scenario], only: str | None) -> list[Scenario]:
    """The scenarios whose key or group is in the comma-separated ``only`` (all if None)."""
    if not only:
        return scenarios
    wanted = {name.strip() for name in only.split(",") if name.strip()}
    known = {s.key for s in scenarios} | {s.group for s in scenarios}
    unknown = sorted(wanted - known)
    if unknown:
        raise ValueError(
            f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    return [s for s in scenarios if s.key in wanted or s.group in wanted]


def _wrk(sizes: Sizes) -> list[Scenario]:
    return [
        Scenario(key=f"wrk-{n}", group="wrk", users=n, run_time=sizes.duration, settle=0.5)
        for n in sizes.rps_users
    ]


def _rps(sizes: Sizes) -> list[Scenario]:
    return [
        Scenario(
            key=f"{short}-{n}",
            group="rps",
            users=n,
            run_time=sizes.duration,
            settle=sizes.settle / 2,
            user_class=cls,
            spawn_rate=10 * n,  # all users in 0.1 s: the measured window is what counts
        )
        for short, cls in USER_CLASSES.items()
        for n in sizes.rps_users
    ]


def _idle(sizes: Sizes) -> list[Scenario]:
    settle = 2 * sizes.settle  # a whole wait (up to 2 s) after the last user connected
    return [
        Scenario(
            key=f"idle-{short}-{n}",
            group="idle",
            users=n,
            run_time=math.ceil(sizes.idle_ramp + settle) + sizes.duration,
            settle=settle,
            user_class=USER_CLASSES[short],
            spawn_rate=n / sizes.idle_ramp,
            wait_function="between",
            wait_args="1, 2",
            offered_rps=n / IDLE_MEAN_WAIT,
        )
        for n in sizes.idle_users
        for short in sizes.load_classes
    ]


def _latency(sizes: Sizes) -> list[Scenario]:
    n = sizes.latency_users
    return [
        Scenario(
            key=f"latency-{short}",
            group="latency",
            users=n,
            run_time=sizes.duration + 2,
            settle=sizes.settle,
            user_class=USER_CLASSES[short],
            spawn_rate=n,
            wait_function="constant_throughput",
            wait_args=str(LATENCY_RATE_PER_USER),
            path="/delay",
            offered_rps=n * LATENCY_RATE_PER_USER,
        )
        for short in sizes.load_classes
    ]
