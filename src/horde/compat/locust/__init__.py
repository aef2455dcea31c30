"""What ``import locust`` gives inside the horde command: horde's API under Locust's names."""

from horde._version import __version__
from horde.debug import run_single_user
from horde.event import Events, events
from horde.shape.base import LoadTestShape
from horde.user import (
    FastHttpUser,
    HttpLocust,
    HttpUser,
    Locust,
    MarkovTaskSet,
    SequentialTaskSet,
    TaskSet,
    User,
    between,
    constant,
    constant_pacing,
    constant_throughput,
    tag,
    task,
    transition,
    transitions,
)
from horde.user import wait_time as wait_time

__all__ = [
    "Events",
    "FastHttpUser",
    "HttpLocust",
    "HttpUser",
    "LoadTestShape",
    "Locust",
    "MarkovTaskSet",
    "SequentialTaskSet",
    "TaskSet",
    "User",
    "__version__",
    "between",
    "constant",
    "constant_pacing",
    "constant_throughput",
    "events",
    "run_single_user",
    "tag",
    "task",
    "transition",
    "transitions",
    "wait_time",
]
