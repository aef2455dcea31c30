"""The Locust-compatible user model: users, task sets, decorators and wait times."""

from horde.user.fast import FastHttpUser
from horde.user.legacy import HttpLocust, Locust
from horde.user.markov import MarkovTaskSet, transition, transitions
from horde.user.sequential import SequentialTaskSet
from horde.user.task import TaskSet, tag, task
from horde.user.users import HttpUser, User
from horde.user.wait_time import (
    between,
    constant,
    constant_pacing,
    constant_throughput,
    constant_total_ips,
)

__all__ = [
    "FastHttpUser",
    "HttpLocust",
    "HttpUser",
    "Locust",
    "MarkovTaskSet",
    "SequentialTaskSet",
    "TaskSet",
    "User",
    "between",
    "constant",
    "constant_pacing",
    "constant_throughput",
    "constant_total_ips",
    "tag",
    "task",
    "transition",
    "transitions",
]
