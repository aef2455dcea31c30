"""Locust's web routes, as scripts written against Locust's UI call them (reference §3.1)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from web_kit import Crash, MakeWeb, Shop, Web, check, wait_until

from conftest import REPO
from horde.runners import STATE_RUNNING, STATE_STOPPED

pytest_plugins = ["web_fixtures"]

LOCUST_TOP_LEVEL = {
    "stats",
    "errors",
    "total_rps",
    "total_fail_per_sec",
    "current_rps",
    "current_fail_per_sec",
    "fail_ratio",
    "state",
    "user_count",
    "current_response_time_percentiles",
}
LOCUST_ENTRY = {
    "method",
    "name",
    "num_requests",
    "num_failures",
    "min_response_time",
    "max_response_time",
    "current_rps",
    "current_fail_per_sec",
    "avg_response_time",
    "median_response_time",
    "total_rps",
    "total_fail_per_sec",
    "response_time_percentile_0.95",
    "response_time_percentile_0.99",
    "avg_content_length",
}
LOCUST_STATS_CSV = [
    "Type", "Name", "Request Count", "Failure Count", "Median Response Time",
    "Average Response Time", "Min Response Time", "Max Response Time", "Average Content Size",
    "Requests/s", "Failures/s",
    "50%", "66%", "75%", "80%", "90%", "95%", "98%", "99%", "99.9%", "99.99%", "100%",
]  # fmt: skip


def swarm(web: Web, **form: str) -> dict[str, object]:
    response = web.client.post("/swarm", data={"user_count": "2", "spawn_rate": "100", **form})
    result: dict[str, object] = check(response, "/swarm", "post")
    return result


def test_swarm_with_locusts_form_fields_starts_the_test(make_web: MakeWeb) -> None:
    web = make_web(Shop)
    result = swarm(web, user_count="3", host="http://127.0.0.1:9", run_time="1h")
    assert result == {"success": True, "message": "Swarming started", "host": "http://127.0.0.1:9"}
    web.wait_for_state(STATE_RUNNING)
    assert web.runner.user_count == 3
    assert web.env.user_classes[0].host == "http://127.0.0.1:9"
    assert web.ui.control.run_time == 3600


def test_swarm_again_while_running_changes_the_user_count(web: Web) -> None:
    swarm(web)
    web.wait_for_state(STATE_RUNNING)
    swarm(web, user_count="4")
    wait_until(lambda: web.runner.user_count == 4, "4 users")


def test_swarm_with_bad_input_answers_success_false(web: Web) -> None:
    response = web.client.post("/swarm", data={"user_count": "-3", "spawn_rate": "1"})
    result = check(response, "/swarm", "post")
    assert response.status_code == 400
    assert result["success"] is False
    assert "-u/--users must be between 0 and 1,000,000" in result["message"]


def test_swarm_run_time_stops_the_test(web: Web) -> None:
    swarm(web, run_time="0.2")
    web.wait_for_state(STATE_STOPPED)
    assert web.runner.stop_reason == "run time limit reached"


def test_stop(web: Web) -> None:
    swarm(web)
    web.wait_for_requests()
    result = check(web.client.get("/stop"), "/stop")
    assert result == {"success": True, "message": "Test stopped"}
    web.wait_for_state(STATE_STOPPED)


def test_stats_reset(web: Web) -> None:
    swarm(web)
    web.wait_for_requests(3)
    response = web.client.get("/stats/reset")
    assert (response.status_code, response.get_data(as_text=True)) == (200, "ok")
    assert web.env.stats.total.num_requests < 3


def test_stats_requests_has_locusts_keys_and_the_aggregated_entry(make_web: MakeWeb) -> None:
    web = make_web(Shop)
    swarm(web)
    wait_until(lambda: web.env.stats.errors and len(web.env.stats.entries) == 2, "a failure")
    web.fresh()
    document = check(web.client.get("/stats/requests"), "/stats/requests")
    assert set(document) >= LOCUST_TOP_LEVEL
    assert document["state"] in ("spawning", "running")
    assert document["user_count"] == 2
    *entries, total = document["stats"]
    assert {e["name"] for e in entries} == {"/items", "/buy"}
    for entry in document["stats"]:
        assert set(entry) >= LOCUST_ENTRY, LOCUST_ENTRY - set(entry)
    assert total["name"] == "Aggregated"
    assert total["num_requests"] == sum(e["num_requests"] for e in entries)
    assert total["num_failures"] == sum(e["num_failures"] for e in entries)
    assert document["fail_ratio"] == total["num_failures"] / total["num_requests"]
    [error] = document["errors"]
    assert error == {
        "method": "POST",
        "name": "/buy",
        "error": "out of stock",
        "occurrences": error["occurrences"],
    }
    assert set(document["current_response_time_percentiles"]) >= {
        "response_time_percentile_0.5",
        "response_time_percentile_0.95",
    }


def test_stats_requests_before_any_test(web: Web) -> None:
    document = check(web.client.get("/stats/requests"), "/stats/requests")
    assert document["state"] == "ready"
    assert [e["name"] for e in document["stats"]] == ["Aggregated"]
    assert (document["errors"], document["fail_ratio"], document["total_rps"]) == ([], 0, 0)


def read_csv(web: Web, path: str, kind: str) -> list[list[str]]:
    response = web.client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=horde_")
    assert disposition.endswith(f"_{kind}.csv")
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_csv_downloads_have_locusts_headers(make_web: MakeWeb) -> None:
    web = make_web(Shop, Crash)
    swarm(web, user_count="3")
    wait_until(
        lambda: web.env.stats.errors and web.env.stats.exceptions and len(web.env.stats.entries),
        "failures and exceptions",
    )
    web.fresh()
    stats = read_csv(web, "/stats/requests/csv", "requests")
    assert stats[0] == LOCUST_STATS_CSV
    assert stats[-1][:2] == ["", "Aggregated"]
    failures = read_csv(web, "/stats/failures/csv", "failures")
    assert failures[0][:4] == ["Method", "Name", "Error", "Occurrences"]
    assert failures[1][:3] == ["POST", "/buy", "out of stock"]
    exceptions = read_csv(web, "/exceptions/csv", "exceptions")
    assert exceptions[0] == ["Count", "Message", "Traceback", "Nodes"]
    assert "the task broke" in exceptions[1][1]
    samples = read_csv(web, "/stats/failure_samples/csv", "failure_samples")
    assert samples[0][:3] == ["Method", "Name", "Error"]
    assert len(samples) > 1


def test_exceptions_tasks_and_logs_in_locusts_shapes(make_web: MakeWeb) -> None:
    web = make_web(Crash)
    swarm(web, user_count="1")
    wait_until(lambda: web.env.stats.exceptions, "an exception")
    web.fresh()
    [record] = check(web.client.get("/exceptions"), "/exceptions")["exceptions"]
    assert {"count", "msg", "traceback", "nodes"} <= set(record)
    tasks = check(web.client.get("/tasks"), "/tasks")
    assert tasks["per_class"]["Crash"]["tasks"] == {"crash": {"ratio": 1.0}}
    assert check(web.client.get("/logs"), "/logs") == {"master": [], "workers": {}}


def test_full_history_csv_needs_the_csv_option(make_web: MakeWeb, tmp_path: Path) -> None:
    missing = make_web(Shop).client.get("/stats/requests_full_history/csv")
    assert missing.status_code == 404
    assert "--csv" in check(missing, "/stats/requests_full_history/csv")["error"]
    history = tmp_path / "run_stats_history.csv"
    history.write_text("Timestamp,User Count\n1,2\n", encoding="utf-8")
    web = make_web(Shop, csv_history_path=str(history))
    with web.client.get("/stats/requests_full_history/csv") as response:
        assert response.status_code == 200
        assert response.get_data(as_text=True) == "Timestamp,User Count\n1,2\n"
        assert "attachment" in response.headers["Content-Disposition"]


def test_full_history_csv_with_a_relative_prefix_is_found_in_the_working_directory(
    make_web: MakeWeb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "run_stats_history.csv").write_text("Timestamp\n1\n", encoding="utf-8")
    web = make_web(Shop, csv_history_path="out/run_stats_history.csv")
    monkeypatch.chdir(REPO)  # what the process's directory is later must not matter
    with web.client.get("/stats/requests_full_history/csv") as response:
        assert response.status_code == 200
        assert response.get_data(as_text=True) == "Timestamp\n1\n"


def test_worker_count_is_zero_without_workers_as_in_locust(web: Web) -> None:
    assert check(web.client.get("/worker-count"), "/worker-count") == {"worker_count": 0}


def test_post_user_updates_a_user_class_as_locusts_class_picker_does(web: Web) -> None:
    shop = web.env.available_user_classes["Shop"]
    response = web.client.post(
        "/user",
        json={
            "user_class_name": "Shop",
            "host": "http://127.0.0.1:9",
            "weight": 3,
            "fixed_count": 2,
            "tasks": ["browse"],
        },
    )
    assert response.status_code == 201
    assert check(response, "/user", "post") == {}
    assert (shop.host, shop.weight, shop.fixed_count) == ("http://127.0.0.1:9", 3, 2)
    assert {t.__name__ for t in shop.tasks} == {"browse"}
    swarm(web, user_count="2")
    web.wait_for_requests(3)
    assert {name for name, _ in web.env.stats.entries} == {"/items"}


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"user_class_name": "Nobody"}, "unknown User class 'Nobody'"),
        ({"weight": 1}, "user_class_name"),
        ({"user_class_name": "Shop", "weight": -1}, "weight must be"),
        ({"user_class_name": "Shop", "weight": 10**12}, "weight must be"),
        ({"user_class_name": "Shop", "fixed_count": 10**9}, "at most 1,000,000"),
        ({"user_class_name": "Shop", "host": "not a url"}, "invalid host"),
        ({"user_class_name": "Shop", "tasks": ["nope"]}, "unknown task 'nope'"),
        ({"user_class_name": "Shop", "tasks": []}, "at least one task"),
        ({"user_class_name": "Shop", "client": "x"}, "cannot set 'client'"),
        ({"user_class_name": "Shop", "__class__": "x"}, "cannot set '__class__'"),
        ([1, 2], "a JSON object"),
    ],
)
def test_post_user_refuses_what_it_cannot_apply(web: Web, body: object, says: str) -> None:
    shop = web.env.available_user_classes["Shop"]
    before = (shop.host, shop.weight, shop.fixed_count, list(shop.tasks))
    response = web.client.post("/user", json=body)
    assert response.status_code == 400
    assert says in check(response, "/user", "post")["error"]
    assert (shop.host, shop.weight, shop.fixed_count, list(shop.tasks)) == before
