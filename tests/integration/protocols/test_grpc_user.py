"""GrpcClient / GrpcUser against a real grpcio server on loopback: every call shape, errors."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from conftest import Recorder, free_port
from grpc_service import compile_service, probe_server
from horde.env import Environment
from horde.event import Events
from horde.exceptions import ConfigError, OperationFailed
from horde.protocols.grpc import GrpcClient, GrpcUser


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> tuple[ModuleType, ModuleType]:
    return compile_service(tmp_path_factory.mktemp("probe"))


@pytest.fixture(scope="module")
def target(service: tuple[ModuleType, ModuleType]) -> Iterator[str]:
    with probe_server(*service) as (port, _):
        yield f"127.0.0.1:{port}"


@pytest.fixture
def stub(service: tuple[ModuleType, ModuleType], target: str, events: Events) -> Iterator[Any]:
    with GrpcClient(events.request, target) as client:
        yield client.stub(service[1].ProbeStub)


def test_unary_call_is_named_by_service_and_method(
    service: tuple[ModuleType, ModuleType], stub: Any, recorder: Recorder
) -> None:
    pb2 = service[0]
    assert stub.Echo(pb2.Msg(text="hi", number=3)).text == "hi"
    call = recorder.only
    assert (call["request_type"], call["name"]) == ("grpc", "/horde.test.Probe/Echo")
    assert call["response_length"] == pb2.Msg(text="hi", number=3).ByteSize()
    assert call["exception"] is None


def test_with_call_and_future_still_work(
    service: tuple[ModuleType, ModuleType], stub: Any, recorder: Recorder
) -> None:
    pb2 = service[0]
    reply, call = stub.Echo.with_call(pb2.Msg(text="a"))
    assert reply.text == "a"
    assert call.code().name == "OK"
    assert stub.Echo.future(pb2.Msg(text="b")).result().text == "b"
    assert len(recorder.calls) == 2


def test_server_stream_is_one_operation_timed_to_its_last_message(
    service: tuple[ModuleType, ModuleType], stub: Any, recorder: Recorder
) -> None:
    pb2 = service[0]
    replies = stub.Count(pb2.Msg(text="n", number=4))
    assert recorder.calls == []  # nothing recorded before the stream is read
    assert [r.text for r in replies] == ["n0", "n1", "n2", "n3"]
    call = recorder.only
    assert call["name"] == "/horde.test.Probe/Count"
    assert call["response_length"] == sum(
        pb2.Msg(text=f"n{i}", number=i).ByteSize() for i in range(4)
    )


def test_stream_read_in_part_is_recorded_when_abandoned(
    service: tuple[ModuleType, ModuleType], stub: Any, recorder: Recorder
) -> None:
    pb2 = service[0]
    replies = stub.Count(pb2.Msg(text="n", number=100))
    assert next(replies).text == "n0"
    replies._messages.close()  # what garbage collection of an abandoned stream does
    assert recorder.only["exception"] is None


def test_stream_breaking_midway_is_a_failure(
    service: tuple[ModuleType, ModuleType], stub: Any, recorder: Recorder
) -> None:
    pb2 = service[0]
    got = []
    with pytest.raises(OperationFailed, match="INTERNAL: stream broke"):
        got.extend(stub.Count(pb2.Msg(text="break", number=2)))
    assert len(got) == 2
    assert recorder.only["response"].status_code == 13


def test_client_stream_and_bidi(
    service: tuple[ModuleType, ModuleType], stub: Any, recorder: Recorder
) -> None:
    pb2 = service[0]
    assert stub.Sum(iter([pb2.Msg(number=n) for n in (1, 2, 3)])).number == 6
    assert [r.text for r in stub.Chat(iter([pb2.Msg(text="x"), pb2.Msg(text="y")]))] == ["X", "Y"]
    assert recorder.names() == ["/horde.test.Probe/Sum", "/horde.test.Probe/Chat"]


@pytest.mark.parametrize(("code", "number"), [("NOT_FOUND", 5), ("PERMISSION_DENIED", 7)])
def test_status_codes_become_failures_with_code_details_and_trailers(
    service: tuple[ModuleType, ModuleType], stub: Any, recorder: Recorder, code: str, number: int
) -> None:
    pb2 = service[0]
    with pytest.raises(OperationFailed) as caught:
        stub.Fail(pb2.Msg(text=code))
    import grpc

    assert isinstance(caught.value.__cause__, grpc.RpcError)
    call = recorder.only
    assert call["exception"] == f"{code}: asked to fail with {code}"
    sample = call["response"]
    assert sample.status_code == number
    assert sample.headers["retry-after"] == "7"
    assert sample.content == f"asked to fail with {code}".encode()


def test_unreachable_target_is_unavailable(
    service: tuple[ModuleType, ModuleType], events: Events, recorder: Recorder
) -> None:
    with GrpcClient(events.request, f"127.0.0.1:{free_port()}") as client:
        with pytest.raises(OperationFailed, match="UNAVAILABLE"):
            client.stub(service[1].ProbeStub).Echo(service[0].Msg(), timeout=5)
    assert recorder.only["response"].status_code == 14


def test_user_builds_client_and_stub_from_host(
    service: tuple[ModuleType, ModuleType], target: str, events: Events, recorder: Recorder
) -> None:
    class Probe(GrpcUser):
        host = f"grpc://{target}"
        stub_class = service[1].ProbeStub

    user = Probe(Environment(events=events))
    assert user.stub.Echo(service[0].Msg(text="u")).text == "u"
    user.close_client()
    assert recorder.only["url"] == target

    class NoPort(GrpcUser):
        host = "localhost"

    with pytest.raises(ConfigError, match="must be HOST:PORT"):
        NoPort(Environment(events=events))
