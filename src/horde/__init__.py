"""horde: load testing in plain Python, Locust-compatible.

Importing horde has no side effects: nothing is monkey-patched and nothing heavy is imported until
a name is used (the ``horde`` command patches gevent itself before it imports anything else).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from horde._version import __version__

if TYPE_CHECKING:
    from horde.clients.http import HttpSession
    from horde.clients.measure import measured
    from horde.debug import run_single_user
    from horde.endpoints import Chain, Endpoint, Scenario, SequenceScenario, Step
    from horde.env import Environment
    from horde.event import Events, events
    from horde.exceptions import (
        CatchResponseError,
        HordeError,
        HttpClientError,
        HttpNotFoundError,
        HttpServerError,
        InterruptTaskSet,
        LocustError,
        OperationFailed,
        RescheduleTask,
        RescheduleTaskImmediately,
        ResponseError,
        RestError,
        StopTest,
        StopUser,
    )
    from horde.feeders import CsvFeeder, Feeder, JsonFeeder
    from horde.protocols.base import ProtocolClient, ProtocolUser
    from horde.protocols.grpc import GrpcUser
    from horde.protocols.mqtt import MqttUser
    from horde.protocols.postgres import PostgresUser
    from horde.protocols.socket import SocketUser
    from horde.protocols.websocket import WebSocketUser
    from horde.shape.base import LoadTestShape
    from horde.shape.scenario import (
        ClassExecutor,
        constant_arrival_rate,
        constant_vus,
        per_vu_iterations,
        ramping_arrival_rate,
        ramping_vus,
        shared_iterations,
    )
    from horde.stats.thresholds import Threshold
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
        constant_total_ips,
        tag,
        task,
        transition,
        transitions,
    )

_LAZY = {
    "ClassExecutor": "horde.shape.scenario",
    "constant_arrival_rate": "horde.shape.scenario",
    "constant_vus": "horde.shape.scenario",
    "per_vu_iterations": "horde.shape.scenario",
    "ramping_arrival_rate": "horde.shape.scenario",
    "ramping_vus": "horde.shape.scenario",
    "shared_iterations": "horde.shape.scenario",
    "CatchResponseError": "horde.exceptions",
    "Chain": "horde.endpoints",
    "CsvFeeder": "horde.feeders",
    "Endpoint": "horde.endpoints",
    "Environment": "horde.env",
    "Events": "horde.event",
    "FastHttpUser": "horde.user",
    "Feeder": "horde.feeders",
    "GrpcUser": "horde.protocols.grpc",
    "HordeError": "horde.exceptions",
    "HttpClientError": "horde.exceptions",
    "HttpLocust": "horde.user",
    "HttpNotFoundError": "horde.exceptions",
    "HttpServerError": "horde.exceptions",
    "HttpSession": "horde.clients.http",
    "HttpUser": "horde.user",
    "InterruptTaskSet": "horde.exceptions",
    "LoadTestShape": "horde.shape.base",
    "JsonFeeder": "horde.feeders",
    "Locust": "horde.user",
    "LocustError": "horde.exceptions",
    "MarkovTaskSet": "horde.user",
    "MqttUser": "horde.protocols.mqtt",
    "OperationFailed": "horde.exceptions",
    "PostgresUser": "horde.protocols.postgres",
    "ProtocolClient": "horde.protocols.base",
    "ProtocolUser": "horde.protocols.base",
    "RescheduleTask": "horde.exceptions",
    "RescheduleTaskImmediately": "horde.exceptions",
    "ResponseError": "horde.exceptions",
    "RestError": "horde.exceptions",
    "Scenario": "horde.endpoints",
    "SequenceScenario": "horde.endpoints",
    "SequentialTaskSet": "horde.user",
    "Step": "horde.endpoints",
    "SocketUser": "horde.protocols.socket",
    "StopTest": "horde.exceptions",
    "StopUser": "horde.exceptions",
    "TaskSet": "horde.user",
    "Threshold": "horde.stats.thresholds",
    "User": "horde.user",
    "WebSocketUser": "horde.protocols.websocket",
    "between": "horde.user",
    "constant": "horde.user",
    "constant_pacing": "horde.user",
    "constant_throughput": "horde.user",
    "constant_total_ips": "horde.user",
    "events": "horde.event",
    "measured": "horde.clients.measure",
    "run_single_user": "horde.debug",
    "tag": "horde.user",
    "task": "horde.user",
    "transition": "horde.user",
    "transitions": "horde.user",
}

__all__ = [
    "CatchResponseError",
    "Chain",
    "ClassExecutor",
    "CsvFeeder",
    "Endpoint",
    "Environment",
    "Events",
    "FastHttpUser",
    "Feeder",
    "GrpcUser",
    "HordeError",
    "HttpClientError",
    "HttpLocust",
    "HttpNotFoundError",
    "HttpServerError",
    "HttpSession",
    "HttpUser",
    "InterruptTaskSet",
    "JsonFeeder",
    "LoadTestShape",
    "Locust",
    "LocustError",
    "MarkovTaskSet",
    "MqttUser",
    "OperationFailed",
    "PostgresUser",
    "ProtocolClient",
    "ProtocolUser",
    "RescheduleTask",
    "RescheduleTaskImmediately",
    "ResponseError",
    "RestError",
    "Scenario",
    "SequenceScenario",
    "SequentialTaskSet",
    "SocketUser",
    "Step",
    "StopTest",
    "StopUser",
    "TaskSet",
    "Threshold",
    "User",
    "WebSocketUser",
    "__version__",
    "between",
    "constant",
    "constant_arrival_rate",
    "constant_pacing",
    "constant_throughput",
    "constant_total_ips",
    "constant_vus",
    "events",
    "measured",
    "per_vu_iterations",
    "ramping_arrival_rate",
    "ramping_vus",
    "run_single_user",
    "shared_iterations",
    "tag",
    "task",
    "transition",
    "transitions",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'horde' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
