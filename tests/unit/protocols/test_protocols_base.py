"""The base client: one report per operation, failures mapped to messages and samples."""

from __future__ import annotations

import pytest

from conftest import Recorder
from horde.env import Environment
from horde.event import Events
from horde.exceptions import MissingExtraError, OperationFailed, RescheduleTask
from horde.protocols.base import ProtocolClient, ProtocolUser, missing_extra
from horde.user import task


class KvClient(ProtocolClient):
    request_type = "kv"
    failure_types = (KeyError, OSError)

    def __init__(self, events: Events) -> None:
        super().__init__(events.request, url="kv://store")
        self.store = {"a": b"12345"}

    def get(self, key: str) -> bytes:
        return self.call("GET", self.store.__getitem__, key)


def test_success_is_timed_named_and_sized(events: Events, recorder: Recorder) -> None:
    assert KvClient(events).get("a") == b"12345"
    call = recorder.only
    assert (call["request_type"], call["name"], call["response_length"]) == ("kv", "GET", 5)
    assert call["exception"] is None
    assert call["response_time"] >= 0
    assert call["url"] == "kv://store"


def test_failure_is_recorded_once_then_raised_as_operation_failed(
    events: Events, recorder: Recorder
) -> None:
    with pytest.raises(OperationFailed) as caught:
        KvClient(events).get("missing")
    assert isinstance(caught.value, RescheduleTask)  # ends the task quietly
    assert isinstance(caught.value.__cause__, KeyError)
    call = recorder.only
    assert call["exception"] == "KeyError: 'missing'"
    assert call["response"].url == "kv://store"


def test_other_exceptions_are_bugs_and_propagate_unrecorded(
    events: Events, recorder: Recorder
) -> None:
    client = KvClient(events)
    with pytest.raises(TypeError):
        client.call("GET", client.store.__getitem__, ["unhashable"])
    assert recorder.calls == []


def test_operation_block_records_length_and_renames(events: Events, recorder: Recorder) -> None:
    client = KvClient(events)
    with client.operation("SCAN") as op:
        op["length"] = 42
        op["name"] = "SCAN all"
    with pytest.raises(OperationFailed), client.operation("PUT"):
        raise ConnectionResetError(104, "reset by peer")
    ok, failed = recorder.calls
    assert (ok["name"], ok["response_length"], ok["exception"]) == ("SCAN all", 42, None)
    assert failed["exception"] == "ConnectionResetError: [Errno 104] reset by peer"


def test_messages_of_equal_failures_are_equal_whatever_the_whitespace(events: Events) -> None:
    client = KvClient(events)
    assert client.describe_error(OSError("a\n  b")) == "OSError: a b"
    assert client.describe_error(OSError()) == "OSError"


def test_sample_content_is_capped(events: Events) -> None:
    from horde.protocols.base import ProtocolSample

    sample = ProtocolSample(content="é" * 5000)
    assert len(sample.content) == 1025


def test_missing_extra_is_one_line_and_an_import_error() -> None:
    error = missing_extra("GrpcUser", "grpcio", "grpc")
    assert isinstance(error, ImportError)
    assert isinstance(error, MissingExtraError)
    assert str(error) == "GrpcUser needs the grpcio package: pip install 'horde[grpc]'"


class KvUser(ProtocolUser):
    host = "kv://store"
    closed = 0

    def make_client(self) -> KvClient:
        return KvClient(self.environment.events)

    def close_client(self) -> None:
        KvUser.closed += 1

    @task
    def get(self) -> None:
        self.client.get("a")


def test_user_makes_its_client_and_closes_it_after_on_stop(events: Events) -> None:
    user = KvUser(Environment(events=events))
    assert isinstance(user.client, KvClient)
    user._safe_on_stop()
    assert KvUser.closed == 1


def test_user_without_make_client_says_so(events: Events) -> None:
    class Bare(ProtocolUser):
        pass

    with pytest.raises(NotImplementedError, match=r"Bare.make_client\(\)"):
        Bare(Environment(events=events))
