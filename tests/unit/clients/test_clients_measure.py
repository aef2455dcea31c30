"""Recording non-HTTP calls: the ``measured`` decorator and ``events.request.measure()``."""

from __future__ import annotations

import time

import pytest

from conftest import Recorder
from horde.clients import measured
from horde.clients.measure import request_hook_of
from horde.env import Environment
from horde.event import EventHook, Events

EVENT_KWARGS = {
    "request_type",
    "name",
    "response_time",
    "response_length",
    "response",
    "context",
    "exception",
    "start_time",
    "url",
}


class FakeEnvironment:
    def __init__(self, events: Events) -> None:
        self.events = events


class Client:
    """A custom client the way a locustfile would write one: it holds ``request_event``."""

    def __init__(self, events: Events) -> None:
        self.request_event = events.request

    @measured("redis", name="GET session")
    def get(self, key: str) -> str:
        time.sleep(0.02)
        return f"value of {key}"

    @measured("redis", length=len)
    def scan(self, count: int) -> list[int]:
        return list(range(count))

    @measured("redis")
    def broken(self) -> None:
        raise ConnectionResetError("redis went away")


class UserLike:
    """What a User offers: ``environment``."""

    def __init__(self, events: Events) -> None:
        self.environment = FakeEnvironment(events)

    @measured("grpc", name="Login")
    def login(self, who: str, *, tag: str = "") -> tuple[str, str]:
        return who, tag


class TaskSetLike:
    """What a TaskSet offers: ``user`` (whose ``environment`` has the events)."""

    def __init__(self, events: Events) -> None:
        self.user = UserLike(events)

    @measured("job")
    def run_job(self) -> int:
        return 42


def test_measured_records_timing_name_and_type(events: Events, recorder: Recorder) -> None:
    assert Client(events).get("k") == "value of k"
    call = recorder.only
    assert set(call) == EVENT_KWARGS
    assert call["request_type"] == "redis"
    assert call["name"] == "GET session"
    assert 20 <= call["response_time"] < 2000
    assert call["exception"] is None
    assert call["response_length"] == 0
    assert call["context"] == {}
    assert call["response"] is None
    assert call["url"] is None
    assert abs(call["start_time"] - time.time()) < 5


def test_measured_name_defaults_to_the_function_and_length_is_computed(
    events: Events, recorder: Recorder
) -> None:
    assert Client(events).scan(7) == list(range(7))
    assert recorder.only["name"] == "scan"
    assert recorder.only["response_length"] == 7


def test_measured_exception_marks_a_failure_and_is_re_raised(
    events: Events, recorder: Recorder
) -> None:
    with pytest.raises(ConnectionResetError, match="redis went away"):
        Client(events).broken()
    assert isinstance(recorder.only["exception"], ConnectionResetError)
    assert recorder.only["name"] == "broken"


def test_measured_keeps_the_function_metadata() -> None:
    assert Client.get.__name__ == "get"
    assert Client.scan.__qualname__ == "Client.scan"


def test_measured_finds_the_event_through_environment(events: Events, recorder: Recorder) -> None:
    assert UserLike(events).login("ann", tag="t") == ("ann", "t")
    assert (recorder.only["request_type"], recorder.only["name"]) == ("grpc", "Login")


def test_measured_finds_the_event_through_user(events: Events, recorder: Recorder) -> None:
    assert TaskSetLike(events).run_job() == 42
    assert recorder.only["name"] == "run_job"


def test_measured_without_an_owner_raises_a_clear_type_error() -> None:
    class Orphan:
        @measured("x")
        def call(self) -> None:
            raise AssertionError("never runs")

    with pytest.raises(TypeError, match=r"self.environment, self.user or self.request_event"):
        Orphan().call()


def test_request_hook_of_ignores_a_plain_event_hook_attribute(events: Events) -> None:
    class Owner:
        request_event = EventHook("not the request event")
        environment = FakeEnvironment(events)

    assert request_hook_of(Owner()) is events.request


def test_measured_records_into_environment_stats() -> None:
    env = Environment()
    user = UserLike(env.events)
    user.login("a")
    user.login("b")
    env.close()
    entry = env.stats.get("Login", "grpc")
    assert (entry.num_requests, entry.num_failures) == (2, 0)


def test_events_request_measure_block(events: Events, recorder: Recorder) -> None:
    with events.request.measure("sql", "SELECT 1", context={"db": "main"}) as meta:
        time.sleep(0.01)
        meta["response_length"] = 3
    call = recorder.only
    assert (call["request_type"], call["name"]) == ("sql", "SELECT 1")
    assert call["response_length"] == 3
    assert call["context"] == {"db": "main"}
    assert call["response_time"] >= 10
    assert call["exception"] is None


def test_events_request_measure_exception_fails_and_propagates(
    events: Events, recorder: Recorder
) -> None:
    error = TimeoutError("db slow")
    with pytest.raises(TimeoutError), events.request.measure("sql", "SELECT slow"):
        raise error
    assert recorder.only["exception"] is error


def test_events_request_measure_failure_groups_in_stats() -> None:
    env = Environment()
    for _ in range(3):
        with pytest.raises(ValueError, match="bad row"), env.events.request.measure("sql", "q"):
            raise ValueError("bad row")
    env.close()
    (group,) = env.stats.errors.values()
    assert group.occurrences == 3
    assert group.error == "ValueError('bad row')"


def test_a_stop_lets_a_measured_call_finish_as_it_does_an_http_request() -> None:
    """A user inside a @measured call was treated as idle by the stop and killed mid-call: the
    call was recorded as "cancelled at stop" (a failure, and exit code 1) though it would have
    finished in a moment. Now the call is in flight for the stop, as a request is."""
    import gevent.event

    from horde.user import User, constant, task

    started = gevent.event.Event()

    class Slowish(User):
        wait_time = constant(0)

        @task
        @measured("tcp", name="op")
        def op(self) -> None:
            started.set()
            gevent.sleep(0.2)

    env = Environment(user_classes=[Slowish], stop_grace=5.0)
    runner = env.create_local_runner()
    runner.start(1, 10)
    try:
        assert started.wait(5)
        runner.stop()
    finally:
        runner.quit()
    entry = env.stats.entries[("op", "tcp")]
    assert entry.num_requests >= 1
    assert entry.num_failures == 0
