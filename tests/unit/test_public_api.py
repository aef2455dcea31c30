"""The public API is pinned: adding or removing a name must be a deliberate change here."""

from __future__ import annotations

import subprocess
import sys

import pytest

import horde

EXPECTED = [
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


def test_all_is_pinned_and_sorted() -> None:
    assert horde.__all__ == EXPECTED
    assert sorted(horde.__all__) == horde.__all__


def test_every_public_name_resolves() -> None:
    for name in horde.__all__:
        assert getattr(horde, name) is not None, name


def test_unknown_attribute_raises_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchThing"):
        horde.NoSuchThing  # type: ignore[attr-defined]  # noqa: B018


def test_import_has_no_side_effects() -> None:
    """``import horde`` patches nothing and loads neither requests nor gevent's monkey."""
    code = (
        "import sys, horde\n"
        "assert 'requests' not in sys.modules, 'requests imported'\n"
        "from horde import HttpUser, Environment\n"
        "import gevent.monkey\n"
        "assert not gevent.monkey.is_anything_patched(), 'patched'\n"
        "print('ok')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_version_is_a_string() -> None:
    assert isinstance(horde.__version__, str)
    assert horde.__version__.count(".") >= 2
