"""horde.event: hooks, listener errors, the request event, legacy event names."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

import horde.event
from horde.env import Environment
from horde.event import EventHook, Events, RequestEventHook, deprecation_notice
from horde.exceptions import (
    InterruptTaskSet,
    RescheduleTask,
    RescheduleTaskImmediately,
    StopTest,
    StopUser,
)

REQUEST_KWARGS = {
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


@pytest.fixture(autouse=True)
def fresh_notices() -> Iterator[None]:
    """Deprecation notices are once per process: start every test with none given."""
    saved = set(horde.event._notices_given)
    horde.event._notices_given.clear()
    yield
    horde.event._notices_given.clear()
    horde.event._notices_given.update(saved)


def notices(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "horde.event" and r.getMessage().startswith("deprecated:")
    ]


# -- EventHook --------------------------------------------------------------------------------


def test_add_fire_remove() -> None:
    hook = EventHook("demo")
    calls: list[dict[str, Any]] = []

    def listener(**kw: Any) -> None:
        calls.append(kw)

    assert hook.add_listener(listener) is listener
    hook.fire(a=1, b="x")
    assert calls == [{"a": 1, "b": "x"}]
    hook.remove_listener(listener)
    hook.fire(a=2)
    assert calls == [{"a": 1, "b": "x"}]
    assert hook.listeners == ()


def test_fire_is_keyword_only() -> None:
    hook = EventHook("demo")
    with pytest.raises(TypeError):
        hook.fire(1)  # type: ignore[misc]


def test_decorator_form() -> None:
    hook = EventHook("demo")
    seen: list[int] = []

    @hook.add_listener
    def on_demo(value: int, **_: Any) -> None:
        seen.append(value)

    hook.fire(value=7)
    assert seen == [7]
    assert on_demo in hook.listeners


def test_listeners_run_in_order_and_reverse() -> None:
    hook = EventHook("demo")
    order: list[str] = []
    hook.add_listener(lambda **_: order.append("first"))
    hook.add_listener(lambda **_: order.append("second"))
    hook.fire()
    hook.fire(reverse=True)
    assert order == ["first", "second", "second", "first"]


def test_iadd_and_isub() -> None:
    hook = EventHook("demo")
    seen: list[int] = []

    def listener(**_: Any) -> None:
        seen.append(1)

    hook += listener
    hook.fire()
    hook -= listener
    hook.fire()
    assert seen == [1]


def test_remove_unknown_listener_raises() -> None:
    with pytest.raises(ValueError, match="not in list"):
        EventHook("demo").remove_listener(lambda **_: None)


def test_failing_listener_is_logged_counted_and_others_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    events = Events()
    after: list[int] = []

    def broken(**_: Any) -> None:
        raise ValueError("listener bug")

    events.test_start.add_listener(broken)
    events.test_start.add_listener(lambda **_: after.append(1))
    with caplog.at_level(logging.ERROR, logger="horde.event"):
        events.test_start.fire(environment=None)
    assert after == [1]
    assert len(events.listener_errors) == 1
    name, exc = events.listener_errors[0]
    assert name == "test_start"
    assert isinstance(exc, ValueError)
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "test_start" in record.getMessage()
    assert record.exc_info is not None  # logged with its traceback


def test_custom_hook_assigned_to_events_counts_errors() -> None:
    events = Events()
    events.my_event = EventHook()  # type: ignore[attr-defined]
    events.my_event.add_listener(lambda **_: 1 / 0)  # type: ignore[attr-defined]
    events.my_event.fire()  # type: ignore[attr-defined]
    assert events.my_event.name == "my_event"  # type: ignore[attr-defined]
    assert [n for n, _ in events.listener_errors] == ["my_event"]
    events.named = EventHook("custom name")  # type: ignore[attr-defined]
    events.named.add_listener(lambda **_: 1 / 0)  # type: ignore[attr-defined]
    events.named.fire()  # type: ignore[attr-defined]
    assert [n for n, _ in events.listener_errors] == ["my_event", "custom name"]


@pytest.mark.parametrize(
    "signal",
    [StopUser(), StopTest(), RescheduleTask(), RescheduleTaskImmediately(), InterruptTaskSet()],
)
def test_control_flow_exceptions_propagate(signal: Exception) -> None:
    events = Events()
    later: list[int] = []

    def raiser(**_: Any) -> None:
        raise signal

    events.user_error.add_listener(raiser)
    events.user_error.add_listener(lambda **_: later.append(1))
    with pytest.raises(type(signal)):
        events.user_error.fire(user_instance=None, exception=None, tb=None)
    assert later == []
    assert events.listener_errors == []


def test_events_have_every_locust_name() -> None:
    events = Events()
    expected = {
        "request",
        "user_error",
        "report_to_master",
        "worker_report",
        "worker_connect",
        "spawning_complete",
        "quitting",
        "quit",
        "init",
        "init_command_line_parser",
        "test_start",
        "test_stopping",
        "test_stop",
        "reset_stats",
        "cpu_warning",
        "usage_monitor",
        "heartbeat_sent",
        "heartbeat_received",
        "request_success",
        "request_failure",
        "hatch_complete",
    }
    assert set(events.hooks()) == expected
    assert isinstance(events.request, RequestEventHook)
    assert all(hook.name == name for name, hook in events.hooks().items())


def test_environments_get_their_own_events_and_module_default_exists() -> None:
    assert isinstance(horde.event.events, Events)
    assert Environment().events is not Environment().events


# -- the request event ------------------------------------------------------------------------


def test_report_fires_locusts_exact_kwargs() -> None:
    hook = RequestEventHook("request")
    fired: list[dict[str, Any]] = []
    hook.add_listener(lambda **kw: fired.append(kw))
    hook.report("GET", "/x", 12.5, 100, url="http://h/x", start_time=1.0)
    [kw] = fired
    assert set(kw) == REQUEST_KWARGS
    assert kw == {
        "request_type": "GET",
        "name": "/x",
        "response_time": 12.5,
        "response_length": 100,
        "response": None,
        "context": {},
        "exception": None,
        "start_time": 1.0,
        "url": "http://h/x",
    }


def test_report_passes_context_and_exception_through() -> None:
    hook = RequestEventHook("request")
    fired: list[dict[str, Any]] = []
    hook.add_listener(lambda **kw: fired.append(kw))
    error = ValueError("boom")
    context = {"user": 3}
    hook.report("POST", "/y", None, 0, context=context, exception=error)
    assert fired[0]["context"] is context
    assert fired[0]["exception"] is error
    assert fired[0]["response_time"] is None


def test_report_accepts_a_locust_style_stats_listener() -> None:
    """Locust's stats listener signature: (request_type, name, response_time, response_length,
    exception=None, **kw)."""
    hook = RequestEventHook("request")
    got: list[tuple[Any, ...]] = []

    def listener(
        request_type: str,
        name: str,
        response_time: float,
        response_length: int,
        exception: Any = None,
        **_: Any,
    ) -> None:
        got.append((request_type, name, response_time, response_length, exception))

    hook.add_listener(listener)
    hook.report("GET", "/", 1.0, 2)
    assert got == [("GET", "/", 1.0, 2, None)]


def test_measure_records_time_and_length() -> None:
    hook = RequestEventHook("request")
    fired: list[dict[str, Any]] = []
    hook.add_listener(lambda **kw: fired.append(kw))
    with hook.measure("grpc", "Call", response_length=5, context={"a": 1}) as meta:
        meta["response_length"] = 42
        meta["name"] = "Renamed"
    [kw] = fired
    assert set(kw) == REQUEST_KWARGS
    assert kw["request_type"] == "grpc"
    assert kw["name"] == "Renamed"
    assert kw["response_length"] == 42
    assert kw["context"] == {"a": 1}
    assert kw["exception"] is None
    assert isinstance(kw["response_time"], float)
    assert kw["response_time"] >= 0
    assert isinstance(kw["start_time"], float)


def test_measure_records_the_exception_and_reraises() -> None:
    hook = RequestEventHook("request")
    fired: list[dict[str, Any]] = []
    hook.add_listener(lambda **kw: fired.append(kw))
    error = ConnectionError("down")
    with pytest.raises(ConnectionError), hook.measure("tcp", "connect"):
        raise error
    assert fired[0]["exception"] is error
    assert fired[0]["response_time"] >= 0


def test_measure_honours_an_exception_set_in_meta() -> None:
    hook = RequestEventHook("request")
    fired: list[dict[str, Any]] = []
    hook.add_listener(lambda **kw: fired.append(kw))
    with hook.measure("tcp", "send") as meta:
        meta["exception"] = "bad reply"
    assert fired[0]["exception"] == "bad reply"


def test_measure_feeds_environment_stats() -> None:
    env = Environment()
    with pytest.raises(RuntimeError), env.events.request.measure("job", "fails"):
        raise RuntimeError("nope")
    with env.events.request.measure("job", "works", response_length=10):
        pass
    assert env.stats.get("fails", "job").num_failures == 1
    assert env.stats.get("works", "job").num_requests == 1
    assert env.stats.get("works", "job").num_failures == 0
    assert env.stats.total.num_requests == 2


# -- legacy event names -----------------------------------------------------------------------


def test_request_success_listener_gets_the_old_arguments(caplog: pytest.LogCaptureFixture) -> None:
    events = Events()
    got: list[dict[str, Any]] = []

    def on_success(
        request_type: str, name: str, response_time: float, response_length: int
    ) -> None:
        got.append(
            {
                "request_type": request_type,
                "name": name,
                "response_time": response_time,
                "response_length": response_length,
            }
        )

    with caplog.at_level(logging.WARNING, logger="horde.event"):
        events.request_success += on_success
    events.request.report("GET", "/ok", 5.0, 10)
    events.request.report("GET", "/bad", 6.0, 0, exception=ValueError("x"))
    assert got == [
        {"request_type": "GET", "name": "/ok", "response_time": 5.0, "response_length": 10}
    ]
    assert len(notices(caplog)) == 1
    assert "request_success" in notices(caplog)[0]
    assert events.listener_errors == []


def test_request_failure_listener_gets_the_old_arguments() -> None:
    events = Events()
    got: list[tuple[Any, ...]] = []

    @events.request_failure.add_listener
    def on_failure(
        request_type: str, name: str, response_time: float, response_length: int, exception: Any
    ) -> None:
        got.append((request_type, name, response_time, response_length, exception))

    error = ValueError("x")
    events.request.report("GET", "/ok", 5.0, 10)
    events.request.report("GET", "/bad", 6.0, 0, exception=error)
    assert got == [("GET", "/bad", 6.0, 0, error)]
    assert events.listener_errors == []


def test_legacy_listeners_tolerate_a_request_fired_without_optional_kwargs() -> None:
    """A custom client may fire ``request`` with only the four required arguments."""
    events = Events()
    got: list[str] = []
    events.request_success.add_listener(lambda name, **_: got.append(name))
    events.request_failure.add_listener(lambda name, **_: got.append("failed " + name))
    events.request.fire(request_type="GET", name="/minimal", response_time=1.0, response_length=0)
    assert got == ["/minimal"]
    assert events.listener_errors == []


def test_removing_a_legacy_listener() -> None:
    events = Events()
    got: list[str] = []

    def listener(name: str, **_: Any) -> None:
        got.append(name)

    events.request_success.add_listener(listener)
    assert listener in events.request_success.listeners
    events.request_success -= listener
    events.request.report("GET", "/", 1.0, 0)
    assert got == []
    assert events.request.listeners == ()
    assert events.request_success.listeners == ()


def test_firing_legacy_events_records_requests(caplog: pytest.LogCaptureFixture) -> None:
    env = Environment()
    with caplog.at_level(logging.WARNING, logger="horde.event"):
        env.events.request_success.fire(
            request_type="xmlrpc", name="get_time", response_time=12.0, response_length=3
        )
        env.events.request_success.fire(
            request_type="xmlrpc", name="get_time", response_time=14.0, response_length=3
        )
        env.events.request_failure.fire(
            request_type="xmlrpc",
            name="get_time",
            response_time=20.0,
            response_length=0,
            exception=OSError("refused"),
        )
    entry = env.stats.get("get_time", "xmlrpc")
    assert entry.num_requests == 3
    assert entry.num_failures == 1
    assert entry.total_content_length == 6
    [error] = env.stats.errors.values()
    assert "refused" in error.error
    assert len(notices(caplog)) == 2  # one per legacy event fired, not one per call


def test_request_failure_fired_without_exception_still_counts_as_failure() -> None:
    env = Environment()
    env.events.request_failure.fire(
        request_type="GET", name="/", response_time=1.0, response_length=0
    )
    assert env.stats.get("/", "GET").num_failures == 1


def test_hatch_complete_shares_listeners_with_spawning_complete(
    caplog: pytest.LogCaptureFixture,
) -> None:
    events = Events()
    seen: list[tuple[str, int]] = []

    def old(user_count: int, **_: Any) -> None:
        seen.append(("old", user_count))

    def new(user_count: int, **_: Any) -> None:
        seen.append(("new", user_count))

    with caplog.at_level(logging.WARNING, logger="horde.event"):
        events.hatch_complete.add_listener(old)
    events.spawning_complete.add_listener(new)
    events.spawning_complete.fire(user_count=3)
    events.hatch_complete.fire(user_count=4)
    assert seen == [("old", 3), ("new", 3), ("old", 4), ("new", 4)]
    assert events.hatch_complete.listeners == events.spawning_complete.listeners
    events.hatch_complete.remove_listener(old)
    assert events.spawning_complete.listeners == (new,)
    assert len(notices(caplog)) == 1
    assert "spawning_complete" in notices(caplog)[0]


# -- deprecation_notice -----------------------------------------------------------------------


def test_deprecation_notice_once_per_key(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="horde.event"):
        deprecation_notice("k1", "old thing one")
        deprecation_notice("k1", "old thing one")
        deprecation_notice("k2", "old thing two")
    assert notices(caplog) == ["deprecated: old thing one", "deprecated: old thing two"]
