"""The JSON API (``/api/v1/*``) in front of a real Environment: every response matches
``openapi.json``, and each command does to the runner what the spec says."""

from __future__ import annotations

import logging
from typing import Any

import gevent
import pytest
from web_kit import (
    SPEC,
    Browser,
    Crash,
    MakeWeb,
    Shop,
    Web,
    check,
    report,
    wait_until,
)

from horde.runners import STATE_INIT, STATE_RUNNING, STATE_SPAWNING, STATE_STOPPED
from horde.testing import FakeClock
from horde.user import HttpUser, TaskSet, User, constant, tag, task

pytest_plugins = ["web_fixtures"]


def start(web: Web, path: str = "/api/v1/run", **fields: Any) -> Any:
    response = web.client.post(path, json={"user_count": 2, "spawn_rate": 100, **fields})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def names_requested(web: Web) -> set[str]:
    return {name for name, _ in web.env.stats.entries}


def test_status_before_a_test_is_ready_with_no_users(web: Web) -> None:
    status = check(web.client.get("/api/v1/status"), "/api/v1/status")
    assert status["state"] == STATE_INIT
    assert status["user_count"] == 0
    assert status["started_at"] is None
    assert [c["name"] for c in status["user_classes"]] == ["Shop"]


class Payment(User):
    """Fails with a response the sample keeps (status, headers, body excerpt, URL)."""

    wait_time = constant(0.01)

    @task
    def pay(self) -> None:
        response = _Response()
        self.environment.events.request.report(
            "POST", "/pay", 7.0, 9, exception="gateway busy", response=response, url=response.url
        )


class _Response:
    status_code = 503
    url = "http://shop.test/pay?order=1"
    headers = {"Retry-After": "5", "Set-Cookie": "session=top-secret"}  # noqa: RUF012
    content = b"the gateway is busy, retry later"
    request = None


def test_every_json_route_matches_the_spec_during_a_run(make_web: MakeWeb) -> None:
    web = make_web(Shop, Crash, Payment)
    start(web, user_count=3)
    wait_until(lambda: web.env.stats.exceptions and web.env.stats.errors, "failures")
    web.env.stats.tick(web.runner.user_count)  # one history point, without waiting a second
    web.fresh()
    checked = []
    for path, item in SPEC["paths"].items():
        get = item.get("get", {})
        if "application/json" in get.get("responses", {}).get("200", {}).get("content", {}):
            check(web.client.get(path), path)
            checked.append(path)
    check(web.client.get("/api/v1/history?name=/items&method=GET"), "/api/v1/history")
    check(web.client.get("/api/v1/logs?since=3"), "/api/v1/logs")
    assert {"/api/v1/stats", "/api/v1/snapshot", "/stats/requests", "/exceptions"} <= set(checked)


def test_run_starts_the_runner_and_answers_the_status(web: Web) -> None:
    status = check(
        web.client.post("/api/v1/run", json={"user_count": 3, "spawn_rate": 100}),
        "/api/v1/run",
        "post",
    )
    assert status["state"] in (STATE_SPAWNING, STATE_RUNNING)
    assert status["target_user_count"] == 3
    assert status["spawn_rate"] == 100
    web.wait_for_state(STATE_RUNNING)
    assert web.runner.user_count == 3
    web.wait_for_requests()


def test_run_accepts_a_form_and_locust_field_names(web: Web) -> None:
    response = web.client.post("/api/v1/run", data={"users": "2", "hatch_rate": "50"})
    check(response, "/api/v1/run", "post")
    web.wait_for_state(STATE_RUNNING)
    assert (web.runner.user_count, web.runner.spawn_rate) == (2, 50)


def test_run_while_running_steers_users_and_spawn_rate(web: Web) -> None:
    start(web, user_count=2)
    web.wait_for_state(STATE_RUNNING)
    start(web, user_count=5, spawn_rate=200, run_time="1h", host="http://ignored.test")
    wait_until(lambda: web.runner.user_count == 5, "5 users")
    start(web, user_count=1)
    wait_until(lambda: web.runner.user_count == 1, "1 user")
    status = check(web.client.get("/api/v1/status"), "/api/v1/status")
    assert status["target_user_count"] == 1
    assert status["run_time"] is None, "steering a running test changes users and rate only"
    assert web.env.host is None


def test_stop_ends_the_test(web: Web) -> None:
    start(web)
    web.wait_for_requests()
    status = check(web.client.post("/api/v1/stop"), "/api/v1/stop", "post")
    assert status["state"] in ("stopping", STATE_STOPPED, STATE_RUNNING, STATE_SPAWNING)
    web.wait_for_state(STATE_STOPPED)
    assert web.runner.user_count == 0
    assert web.runner.stop_reason == "stopped from the web UI"


def test_stop_without_a_test_changes_nothing(web: Web) -> None:
    check(web.client.post("/api/v1/stop"), "/api/v1/stop", "post")
    gevent.sleep(0.05)
    assert web.runner.state == STATE_INIT
    assert web.runner.stop_reason is None


def test_a_new_run_after_a_stop_starts_from_zero(web: Web) -> None:
    start(web)
    web.wait_for_requests(5)
    web.client.post("/api/v1/stop")
    web.wait_for_state(STATE_STOPPED)
    start(web, user_count=1)
    web.wait_for_state(STATE_RUNNING)
    assert web.runner.stop_reason is None
    assert web.env.stats.total.num_requests < 5 or web.env.stats.end_time is None


def test_reset_zeroes_the_statistics_at_once(web: Web) -> None:
    start(web)
    wait_until(lambda: names_requested(web) == {"/items", "/buy"}, "both names")
    check(web.client.get("/api/v1/stats"), "/api/v1/stats")
    web.client.post("/api/v1/stop")
    web.wait_for_state(STATE_STOPPED)
    reset = check(web.client.post("/api/v1/reset"), "/api/v1/reset", "post")
    assert reset == {"reset": True}
    stats = check(web.client.get("/api/v1/stats"), "/api/v1/stats")
    assert stats["total"]["num_requests"] == 0, "the cached snapshot must not survive a reset"
    assert {e["name"] for e in stats["entries"]} == {"/items", "/buy"}, "names are kept"


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"spawn_rate": 1}, "missing the number of users"),
        ({"user_count": ""}, "missing the number of users"),
        ({"user_count": -1}, "-u/--users must be between 0 and 1,000,000"),
        ({"user_count": "ten"}, "-u/--users (web UI): 'ten' is not a whole number"),
        ({"user_count": 1.5}, "-u/--users (web UI): 1.5 is not a whole number"),
        ({"user_count": 1, "spawn_rate": 0}, "-r/--spawn-rate must be above 0"),
        ({"user_count": 1, "spawn_rate": "fast"}, "-r/--spawn-rate (web UI): 'fast' is not a num"),
        ({"user_count": 1, "spawn_rate": "nan"}, "'nan' is not a finite number"),
        ({"user_count": 1, "host": "example.com"}, "invalid host 'example.com'"),
        ({"user_count": 1, "host": "ftp://example.com"}, "invalid host"),
        ({"user_count": 1, "run_time": "1x"}, "-t/--run-time (web UI): '1x'"),
        ({"user_count": 1, "run_time": "-5s"}, "must not be negative"),
        ({"user_count": 1, "run_time": ["1m", "2m"]}, "-t/--run-time (web UI): ['1m', '2m']"),
        ({"user_count": 1, "user_classes": ["Nobody"]}, "unknown User class Nobody"),
        ({"user_count": 1, "tags": ["no-such-tag"]}, "leave no task to run"),
    ],
)
def test_invalid_input_is_refused_with_a_clear_error(
    web: Web, fields: dict[str, Any], says: str
) -> None:
    response = web.client.post("/api/v1/run", json=fields)
    error = check(response, "/api/v1/run", "post")
    assert response.status_code == 400
    assert says in error["error"]
    assert web.runner.state == STATE_INIT
    assert web.runner.user_count == 0


def test_a_refused_tag_filter_leaves_the_tasks_as_they_were(web: Web) -> None:
    shop = web.env.user_classes[0]
    before = list(shop.tasks)
    assert web.client.post("/api/v1/run", json={"user_count": 1, "tags": ["nope"]}).status_code
    assert shop.tasks == before
    assert web.env.tags is None
    assert web.env.user_classes == [shop]


def test_a_body_that_is_not_an_object_is_a_missing_user_count(web: Web) -> None:
    response = web.client.post("/api/v1/run", json=[1, 2])
    assert response.status_code == 400
    assert "missing the number of users" in response.get_json()["error"]


def test_run_time_stops_the_test(web: Web) -> None:
    status = start(web, run_time="0.2s")
    assert status["run_time"] == 0.2
    web.wait_for_state(STATE_STOPPED)
    assert web.runner.stop_reason == "run time limit reached"


def test_a_new_run_without_run_time_is_not_stopped_by_the_old_limit(make_web: MakeWeb) -> None:
    clock = FakeClock()
    web = make_web(Shop, env={"clock": clock})
    start(web, run_time="1h")
    web.client.post("/api/v1/stop")
    web.wait_for_state(STATE_STOPPED)
    status = start(web)
    assert status["run_time"] is None
    clock.advance(7200)  # the old limit's deadline passes: nothing waits for it any more
    gevent.sleep(0.01)
    assert web.runner.state in (STATE_SPAWNING, STATE_RUNNING)
    assert web.runner.stop_reason is None


class Site(HttpUser):
    """Needs a host; never runs a task in these tests (no user count)."""

    @task
    def home(self) -> None:
        self.client.get("/")


def test_host_from_the_form_applies_to_the_user_classes(make_web: MakeWeb) -> None:
    web = make_web(Site, Browser, env={"parsed_options": _options()})
    status = check(
        web.client.post(
            "/api/v1/run", json={"user_count": 0, "spawn_rate": 1, "host": " http://127.0.0.1:9 "}
        ),
        "/api/v1/run",
        "post",
    )
    assert status["host"] == "http://127.0.0.1:9"
    assert web.env.host == "http://127.0.0.1:9"
    assert {cls.host for cls in web.env.user_classes} == {"http://127.0.0.1:9"}
    assert web.env.parsed_options.host == "http://127.0.0.1:9"
    form = check(web.client.get("/api/v1/form"), "/api/v1/form")
    assert form["host"] == "http://127.0.0.1:9"


def test_an_http_user_without_any_host_is_refused(make_web: MakeWeb) -> None:
    web = make_web(Site)
    response = web.client.post("/api/v1/run", json={"user_count": 1})
    assert response.status_code == 400
    assert "no host: Site need one" in check(response, "/api/v1/run", "post")["error"]


def test_the_form_shows_the_defaults_given_on_the_command_line(make_web: MakeWeb) -> None:
    web = make_web(
        Shop,
        env={"tags": ["read"]},
        defaults={"num_users": 7, "spawn_rate": 3.5, "run_time_text": "5m"},
    )
    form = check(web.client.get("/api/v1/form"), "/api/v1/form")
    assert (form["users"], form["spawn_rate"], form["run_time"]) == (7, 3.5, "5m")
    assert form["user_classes"] == ["Shop"]
    assert form["tags"] == ["read", "write"]
    assert (form["selected_tags"], form["excluded_tags"]) == (["read"], [])
    assert form["custom_options"] == []


def test_tags_choose_the_tasks_that_run(web: Web) -> None:
    start(web, tags="read")
    web.wait_for_requests(5)
    assert names_requested(web) == {"/items"}
    assert web.env.parsed_options is None


def test_exclude_tags_skip_tasks(web: Web) -> None:
    start(web, exclude_tags=["read"])
    web.wait_for_requests(5)
    assert names_requested(web) == {"/buy"}


def test_a_later_run_can_clear_the_tag_filter(web: Web) -> None:
    start(web, tags=["write"])
    web.wait_for_requests()
    web.client.post("/api/v1/stop")
    web.wait_for_state(STATE_STOPPED)
    start(web, tags=[])
    wait_until(lambda: names_requested(web) == {"/items", "/buy"}, "both tasks")
    assert web.env.tags is None


def test_a_class_a_filter_dropped_comes_back_when_a_later_filter_selects_it(
    make_web: MakeWeb,
) -> None:
    web = make_web(Shop, Browser, env={"tags": ["read"]})
    assert [c.__name__ for c in web.env.user_classes] == ["Shop"], "Browser has no tagged task"
    start(web, user_count=4, tags="")
    wait_until(lambda: {"/items", "/"} <= names_requested(web), "both classes' requests")
    assert sorted(c.__name__ for c in web.env.user_classes) == ["Browser", "Shop"]


def test_user_classes_choose_who_runs(make_web: MakeWeb) -> None:
    web = make_web(Shop, Browser)
    start(web, user_classes=["Browser"])
    web.wait_for_requests(3)
    assert names_requested(web) == {"/"}
    assert check(web.client.get("/api/v1/status"), "/api/v1/status")["user_classes_count"] == {
        "Browser": 2
    }


def test_failures_carry_samples_with_the_response(make_web: MakeWeb) -> None:
    web = make_web(Payment)
    start(web, user_count=1)
    web.wait_for_requests(2)
    failures = check(web.client.get("/api/v1/failures"), "/api/v1/failures")["failures"]
    [group] = failures
    assert (group["method"], group["name"], group["error"]) == ("POST", "/pay", "gateway busy")
    assert group["occurrences"] >= 1
    assert group["first_seen"] <= group["last_seen"]
    sample = group["samples"][0]
    assert sample["status_code"] == 503
    assert sample["url"] == "http://shop.test/pay?order=1"
    assert sample["body_excerpt"] == "the gateway is busy, retry later"
    assert sample["response_headers"]["Retry-After"] == "5"
    assert sample["response_headers"]["Set-Cookie"] == "<redacted>"


def test_exceptions_in_tasks_are_listed_with_their_traceback(make_web: MakeWeb) -> None:
    web = make_web(Crash)
    start(web, user_count=1)
    wait_until(lambda: web.env.stats.exceptions, "an exception")
    [record] = check(web.client.get("/api/v1/exceptions"), "/api/v1/exceptions")["exceptions"]
    assert record["count"] >= 1
    assert "ValueError" in record["msg"]
    assert "the task broke" in record["traceback"]
    assert "def crash" in record["traceback"] or "crash" in record["traceback"]


def test_tasks_give_the_ratios(web: Web) -> None:
    tasks = check(web.client.get("/api/v1/tasks"), "/api/v1/tasks")
    assert tasks["per_class"]["Shop"]["tasks"] == {
        "browse": {"ratio": 0.75},
        "buy": {"ratio": 0.25},
    }
    assert tasks["total"]["Shop"]["ratio"] == 1.0


def test_logs_return_recent_lines_and_what_is_new_since(web: Web) -> None:
    log = logging.getLogger("horde.test.web")
    log.addHandler(web.ui.logs)
    try:
        log.warning("first line")
        log.warning("second line")
    finally:
        log.removeHandler(web.ui.logs)
    logs = check(web.client.get("/api/v1/logs"), "/api/v1/logs")
    texts = [line["text"] for line in logs["lines"]]
    assert texts[-2].endswith("first line")
    assert texts[-1].endswith("second line")
    newer = check(web.client.get(f"/api/v1/logs?since={logs['next'] - 1}"), "/api/v1/logs")
    assert [line["text"] for line in newer["lines"]] == texts[-1:]
    assert check(web.client.get("/api/v1/logs?since=x"), "/api/v1/logs")["lines"] == logs["lines"]


def test_history_gives_the_total_and_one_name(web: Web) -> None:
    start(web)
    wait_until(lambda: names_requested(web) == {"/items", "/buy"}, "both names")
    web.env.stats.tick(web.runner.user_count)
    web.fresh()
    total = check(web.client.get("/api/v1/history"), "/api/v1/history")
    assert total["name"] == "Aggregated"
    assert total["points"][-1]["num_requests"] >= 3
    assert {"name": "/items", "method": "GET"} in total["series"]
    one = check(web.client.get("/api/v1/history?name=/buy"), "/api/v1/history")
    assert (one["name"], one["method"]) == ("/buy", "")
    assert one["points"][-1]["num_failures"] >= 1
    unknown = check(web.client.get("/api/v1/history?name=/nope"), "/api/v1/history")
    assert unknown["points"] == []


def test_the_snapshot_has_everything_and_downloads_as_a_file(make_web: MakeWeb) -> None:
    web = make_web(Shop, Crash)
    start(web)
    wait_until(lambda: web.env.stats.exceptions and web.env.stats.errors, "a failure")
    web.fresh()
    snap = check(web.client.get("/api/v1/snapshot"), "/api/v1/snapshot")
    assert snap["status"]["state"] in (STATE_SPAWNING, STATE_RUNNING)
    assert {e["name"] for e in snap["stats"]["entries"]} <= {"/items", "/buy"}
    assert snap["failures"][0]["name"] == "/buy"
    assert snap["exceptions"][0]["count"] >= 1
    assert "Shop" in snap["tasks"]["per_class"]
    download = web.client.get("/api/v1/snapshot?download=1")
    assert download.headers["Content-Disposition"] == "attachment; filename=horde_snapshot.json"


def test_stats_counts_match_the_runner(web: Web) -> None:
    start(web)
    wait_until(lambda: names_requested(web) == {"/items", "/buy"}, "both names")
    web.client.post("/api/v1/stop")
    web.wait_for_state(STATE_STOPPED)
    web.fresh()
    stats = check(web.client.get("/api/v1/stats"), "/api/v1/stats")
    total = web.env.stats.total
    assert stats["state"] == STATE_STOPPED
    assert stats["total"]["num_requests"] == total.num_requests
    assert stats["total"]["num_failures"] == total.num_failures
    assert stats["entry_count"] == 2
    assert stats["error_count"] == total.num_failures
    assert stats["error_groups"] == 1
    assert stats["total"]["percentiles"]["0.5"] == 5.0


def test_elapsed_stops_growing_when_the_test_stops(make_web: MakeWeb) -> None:
    clock = FakeClock()
    web = make_web(Shop, env={"clock": clock})
    start(web)
    clock.advance(5)
    web.client.post("/api/v1/stop")
    web.wait_for_state(STATE_STOPPED)
    clock.advance(100)
    status = check(web.client.get("/api/v1/status"), "/api/v1/status")
    assert status["elapsed"] == 5


class Slow(User):
    """A task that takes long, so a graceful stop has to wait for it."""

    wait_time = constant(0)

    @task
    def work(self) -> None:
        report(self, "/work")
        gevent.sleep(60)


def test_starting_while_the_test_is_stopping_is_refused(make_web: MakeWeb) -> None:
    web = make_web(Slow, env={"stop_timeout": 60})
    start(web, user_count=1)
    web.wait_for_requests()
    web.client.post("/api/v1/stop")
    web.wait_for_state("stopping")
    response = web.client.post("/api/v1/run", json={"user_count": 3})
    assert response.status_code == 400
    assert "stopping" in check(response, "/api/v1/run", "post")["error"]
    assert web.runner.target_user_count == 1


def _options(**values: Any) -> Any:
    from types import SimpleNamespace

    return SimpleNamespace(host=None, num_users=None, spawn_rate=None, run_time=None, **values)


def test_a_new_run_after_the_run_time_limit_clears_the_old_timer(web: Web) -> None:
    start(web, run_time="0.1s")
    web.wait_for_state(STATE_STOPPED)
    start(web)
    web.wait_for_state(STATE_RUNNING)
    assert web.ui.control.run_time is None
    assert web.runner.plan is not None
    assert web.runner.plan.run_time is None


def test_refiltering_by_tag_keeps_equal_weights(make_web: MakeWeb) -> None:
    web = make_web(
        Shop, env={"parsed_options": _options(equal_weights=True), "equal_weights": True}
    )
    ratios = check(web.client.get("/api/v1/tasks"), "/api/v1/tasks")["per_class"]["Shop"]["tasks"]
    assert ratios == {"browse": {"ratio": 0.5}, "buy": {"ratio": 0.5}}
    start(web, user_count=0, exclude_tags=[])
    again = check(web.client.get("/api/v1/tasks"), "/api/v1/tasks")["per_class"]["Shop"]["tasks"]
    assert again == ratios


class Checkout(TaskSet):
    wait_time = constant(0.01)

    @tag("pay")
    @task
    def pay(self) -> None:
        report(self.user, "/pay")


class Nested(User):
    wait_time = constant(0.01)
    tasks = [Checkout]  # noqa: RUF012 - Locust's way of listing TaskSets


def test_tags_of_nested_task_sets_are_offered_and_filter(make_web: MakeWeb) -> None:
    web = make_web(Nested, Browser)
    form = check(web.client.get("/api/v1/form"), "/api/v1/form")
    assert form["tags"] == ["pay"]
    start(web, tags=["pay"])
    web.wait_for_requests(3)
    assert names_requested(web) == {"/pay"}
