"""``catch_response=True``: judging responses inside the ``with`` block (Locust's semantics)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import gevent
import gevent.event
import pytest
from requests.exceptions import HTTPError

from conftest import Recorder, free_port
from horde.clients import HttpSession, ResponseContextManager
from horde.clients import response as response_module
from horde.env import Environment
from horde.event import Events
from horde.exceptions import (
    CatchResponseError,
    HordeError,
    LocustError,
    RescheduleTask,
    ResponseError,
)

pytest_plugins = ["hostile"]


@pytest.fixture
def session(fresh_target: str, events: Events) -> Iterator[HttpSession]:
    with HttpSession(fresh_target, request_event=events.request) as session:
        yield session


def catch(session: HttpSession, url: str, **kwargs: Any) -> ResponseContextManager:
    response = session.get(url, catch_response=True, **kwargs)
    assert isinstance(response, ResponseContextManager)
    return response


def test_nothing_is_recorded_before_the_block_ends(
    session: HttpSession, recorder: Recorder
) -> None:
    with catch(session, "/status/200") as response:
        assert response.status_code == 200
        assert recorder.calls == []
    assert recorder.only["exception"] is None
    assert recorder.only["response"] is response


def test_default_judgement_applies_without_a_call(session: HttpSession, recorder: Recorder) -> None:
    with catch(session, "/status/500", name="/status/[code]"):
        pass
    assert isinstance(recorder.only["exception"], HTTPError)
    assert str(recorder.only["exception"]).endswith("for url: /status/[code]")


def test_success_turns_a_404_into_a_success(session: HttpSession, recorder: Recorder) -> None:
    with catch(session, "/api/items/1000000001") as response:
        assert response.status_code == 404
        response.success()
    assert recorder.only["exception"] is None


def test_failure_message_turns_a_200_into_a_catch_response_error(
    session: HttpSession, recorder: Recorder
) -> None:
    with catch(session, "/about") as response:
        response.failure("no founding year")
    exception = recorder.only["exception"]
    assert isinstance(exception, CatchResponseError)
    assert str(exception) == "no founding year"


def test_failure_with_an_exception_object_records_it(
    session: HttpSession, recorder: Recorder
) -> None:
    error = ValueError("bad payload")
    with catch(session, "/json/1") as response:
        response.failure(error)
    assert recorder.only["exception"] is error


@pytest.mark.parametrize(
    ("calls", "failed"),
    [(("failure", "success"), False), (("success", "failure"), True), (("failure",) * 2, True)],
)
def test_the_last_call_wins(
    session: HttpSession, recorder: Recorder, calls: tuple[str, ...], failed: bool
) -> None:
    with catch(session, "/status/200") as response:
        for index, call in enumerate(calls):
            if call == "success":
                response.success()
            else:
                response.failure(f"failure {index}")
    exception = recorder.only["exception"]
    assert (exception is not None) == failed
    if failed:
        assert str(exception) == f"failure {len(calls) - 1}"


def test_raising_a_response_error_records_a_failure_and_is_swallowed(
    session: HttpSession, recorder: Recorder
) -> None:
    error = ResponseError("wrong body")
    with catch(session, "/status/200"):
        raise error
    assert recorder.only["exception"] is error


def test_a_response_error_overrides_an_earlier_success(
    session: HttpSession, recorder: Recorder
) -> None:
    with catch(session, "/status/200") as response:
        response.success()
        raise CatchResponseError("changed my mind")
    assert str(recorder.only["exception"]) == "changed my mind"


def test_an_exception_after_success_propagates_and_the_success_is_recorded(
    session: HttpSession, recorder: Recorder
) -> None:
    def task() -> None:
        with catch(session, "/status/200") as response:
            response.success()
            raise KeyError("bug in the test script")

    with pytest.raises(KeyError):
        task()
    assert recorder.only["exception"] is None, "as in Locust: judged, then raised past"


def test_an_exception_after_failure_propagates_and_the_failure_is_recorded(
    session: HttpSession, recorder: Recorder
) -> None:
    def task() -> None:
        with catch(session, "/status/200") as response:
            response.failure("judged bad")
            raise KeyError("then crashed")

    with pytest.raises(KeyError):
        task()
    assert str(recorder.only["exception"]) == "judged bad"


def test_an_unjudged_exception_propagates_and_records_a_failure(
    session: HttpSession, recorder: Recorder
) -> None:
    # Locust records nothing here; horde records the request that reached the server, failed
    # by the exception (a check that crashed did not pass), and still lets the exception out.
    with pytest.raises(HTTPError), catch(session, "/status/500") as response:
        response.raise_for_status()
    exception = recorder.only["exception"]
    assert isinstance(exception, HTTPError)
    assert str(exception).startswith("500 Server Error")


def test_request_meta_name_and_context_are_editable(
    session: HttpSession, recorder: Recorder
) -> None:
    with catch(session, "/json/3") as response:
        response.request_meta["name"] = "/json/[n]"
        response.request_meta["context"]["checked"] = True
    assert recorder.only["name"] == "/json/[n]"
    assert recorder.only["context"] == {"checked": True}


def test_renaming_in_the_block_renames_the_failure_message(
    fresh_target: str,
) -> None:
    env = Environment()
    with HttpSession(fresh_target, request_event=env.events.request) as session:
        for code in (500, 502):
            with catch(session, f"/status/{code}") as response:
                response.request_meta["name"] = "/status/[5xx]"
        for _ in range(2):
            with catch(session, "/status/503") as response:
                response.request_meta["name"] = "/status/[5xx]"
    env.close()
    messages = sorted(error.error for error in env.stats.errors.values())
    assert messages == [
        "HTTPError('500 Server Error: Internal Server Error for url: /status/[5xx]')",
        "HTTPError('502 Server Error: Bad Gateway for url: /status/[5xx]')",
        "HTTPError('503 Server Error: Service Unavailable for url: /status/[5xx]')",
    ]
    assert env.stats.get("/status/[5xx]", "GET").num_failures == 4


def test_an_exception_stored_in_request_meta_is_kept(
    session: HttpSession, recorder: Recorder
) -> None:
    error = ResponseError("set by hand")
    with catch(session, "/status/500") as response:
        response.request_meta["name"] = "renamed"
        response.request_meta["exception"] = error
    assert recorder.only["exception"] is error


def test_raise_for_status_honours_manual_results(session: HttpSession) -> None:
    with catch(session, "/status/404") as response:
        response.success()
        response.raise_for_status()  # success() wins over the status
    with catch(session, "/status/200") as response:
        response.failure("judged bad")
        with pytest.raises(CatchResponseError, match="judged bad"):
            response.raise_for_status()
    with catch(session, "/status/404") as response:
        with pytest.raises(HTTPError):
            response.raise_for_status()
        response.success()


def test_success_and_failure_need_catch_response(session: HttpSession) -> None:
    response = session.get("/status/200")
    with pytest.raises(HordeError, match=r"catch_response=True"):
        response.success()


def test_catch_response_on_a_connection_error(recorder: Recorder) -> None:
    events = Events()
    events.request.add_listener(recorder)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with (
        HttpSession(f"http://127.0.0.1:{port}", request_event=events.request) as session,
        catch(session, "/down") as response,
    ):
        assert response.status_code == 0
        assert response.error is not None
        with pytest.raises(Exception, match="Connection refused"):
            response.raise_for_status()
        response.success()
    assert recorder.only["exception"] is None


def test_response_body_is_usable_in_the_block(session: HttpSession, recorder: Recorder) -> None:
    with catch(session, "/json/4") as response:
        if len(response.json()) != 4:
            response.failure("wrong length")
    assert recorder.only["exception"] is None
    assert recorder.only["response_length"] == len(response.content)


def test_ok_honours_manual_results_and_never_raises(session: HttpSession) -> None:
    with catch(session, "/status/404") as response:
        assert not response.ok
        response.success()
        assert response.ok
    with catch(session, "/status/200") as response:
        assert response.ok
        response.failure(ValueError("judged bad"))
        assert not response.ok


# -- misuse and exceptions, on both clients (Locust 2.47's behaviour, checked against it) --------


@pytest.mark.parametrize("kind", ["fast", "http"], indirect=True)
@pytest.mark.parametrize("call", ["success", "failure"])
def test_a_verdict_before_the_block_raises_locust_error(
    client: Any, recorder: Recorder, call: str
) -> None:
    response = client().get("/ok", catch_response=True)
    with pytest.raises(LocustError, match=rf"response\.{call}\(\) before the with-block"):
        getattr(response, call)(*(["too early"] if call == "failure" else []))
    assert recorder.calls == []
    with response:
        pass
    assert recorder.only["exception"] is None, "the block still judges it, once"


@pytest.mark.parametrize("kind", ["fast", "http"], indirect=True)
def test_a_verdict_after_the_block_changes_nothing_and_says_so_once(
    client: Any, recorder: Recorder, caplog: pytest.LogCaptureFixture, monkeypatch: Any
) -> None:
    monkeypatch.setattr(response_module, "_warned_late", set())
    session = client()
    for _ in range(2):
        with session.get("/ok", catch_response=True) as response:
            response.success()
        response.failure("too late")  # Locust ignores it silently; no exception either
    assert [call["exception"] for call in recorder.calls] == [None, None]
    late = [r for r in caplog.records if "after its with-block" in r.getMessage()]
    assert len(late) == 1


@pytest.mark.parametrize("kind", ["fast", "http"], indirect=True)
def test_conflicting_verdicts_are_not_an_error_and_the_last_one_wins(
    client: Any, recorder: Recorder
) -> None:
    with client().get("/ok", catch_response=True) as response:
        response.success()
        response.failure("no")
        response.success()
        response.failure("final answer")
    assert str(recorder.only["exception"]) == "final answer"


@pytest.mark.parametrize("kind", ["fast", "http"], indirect=True)
@pytest.mark.parametrize(("path", "failed"), [("/ok", False), ("/no-such-page", True)])
def test_a_control_flow_signal_in_the_block_records_by_the_status_and_propagates(
    client: Any, recorder: Recorder, path: str, failed: bool
) -> None:
    session = client()

    def task() -> None:
        with session.get(path, catch_response=True):
            raise RescheduleTask

    with pytest.raises(RescheduleTask):
        task()
    assert (recorder.only["exception"] is not None) is failed


@pytest.mark.parametrize("kind", ["fast", "http"], indirect=True)
def test_a_user_killed_inside_the_block_still_records_its_request(
    client: Any, recorder: Recorder
) -> None:
    session = client()
    inside = gevent.event.Event()

    def task() -> None:
        with session.get("/ok", catch_response=True):
            inside.set()
            gevent.sleep(10)

    user = gevent.spawn(task)
    assert inside.wait(10)
    user.kill(block=True, timeout=10)
    assert recorder.only["exception"] is None


@pytest.mark.parametrize("kind", ["fast", "http"], indirect=True)
def test_an_exception_after_a_verdict_propagates_and_the_verdict_is_recorded(
    client: Any, recorder: Recorder
) -> None:
    session = client()

    def task() -> None:
        with session.get("/ok", catch_response=True) as response:
            response.success()
            raise KeyError("a bug after the check")

    with pytest.raises(KeyError):
        task()
    assert recorder.only["exception"] is None


@pytest.mark.parametrize("kind", ["fast", "http"], indirect=True)
def test_a_connection_error_leaves_content_none_as_locust_does(
    client: Any, recorder: Recorder, kind: str
) -> None:
    response = client(base_url=f"http://127.0.0.1:{free_port()}").get("/gone")
    assert response.status_code == 0
    assert response.content is None
    assert response.text == ("" if kind == "http" else None)  # Locust's HttpUser / FastHttpUser
    assert recorder.only["exception"] is not None
