"""The web UI starts every test as one run plan (issue 7): each field of the form and the JSON
API reaches :func:`build_plan`, errors read as on the command line, the load driver (not the UI)
runs shapes, stages, arrival rates, iterations and the run-time limit, and only a
users-and-ramp test can be steered while it runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gevent
import pytest
from web_kit import MakeWeb, Shop, Web, check, wait_until

from horde.cli.parser import build_parser, parse
from horde.cli.session import RunSession
from horde.config import build_settings
from horde.exceptions import ConfigError
from horde.runners import STATE_INIT, STATE_RUNNING, STATE_SPAWNING, STATE_STOPPED
from horde.shape.base import LoadTestShape
from horde.testing import FakeClock

pytest_plugins = ["web_fixtures"]


class Steps(LoadTestShape):
    """Two steps up, then the end."""

    def tick(self) -> tuple[int, float] | None:
        elapsed = self.get_run_time()
        if elapsed < 2:
            return (2, 100.0)
        if elapsed < 4:
            return (4, 100.0)
        return None


class Flat(LoadTestShape):
    """Three users for ever."""

    def tick(self) -> tuple[int, float]:
        return (3, 100.0)


class Common(LoadTestShape):
    """Reads -u and -r, as Locust's use_common_options shapes do."""

    use_common_options = True

    def tick(self) -> tuple[int, float]:
        options = self.runner.environment.parsed_options
        return (int(options.num_users), float(options.spawn_rate))


def run(web: Web, path: str = "/api/v1/run", **fields: Any) -> Any:
    response = web.client.post(path, json=fields)
    assert response.status_code == 200, response.get_json()
    return check(response, path, "post")


def refused(web: Web, path: str = "/api/v1/run", **fields: Any) -> str:
    response = web.client.post(path, json=fields)
    document = check(response, path, "post")
    assert response.status_code == 400, document
    message: str = document.get("error") or document["message"]
    return message


def status(web: Web) -> Any:
    return check(web.client.get("/api/v1/status"), "/api/v1/status")


def with_shapes(
    make_web: MakeWeb, *shapes: LoadTestShape, web: dict[str, Any] | None = None, **env: Any
) -> Web:
    """A web UI over Shop users whose locustfile has ``shapes`` (the first is the default);
    ``env``: more Environment arguments, ``web``: WebUI arguments."""
    return make_web(
        Shop,
        env={
            "shape_class": shapes[0],
            "available_shape_classes": {type(s).__name__: s for s in shapes},
            **env,
        },
        **(web or {}),
    )


def advance(web: Web, clock: FakeClock, seconds: float) -> None:
    """Let ``seconds`` of virtual time pass, one second at a time (the driver ticks once a
    second), and give the runner's greenlets their turn."""
    for _ in range(int(seconds)):
        clock.advance(1.0)
        gevent.sleep(0)
    gevent.sleep(0)


# -- every field reaches the plan ------------------------------------------------------------------


def test_users_and_ramp_are_a_ramping_vus_plan(web: Web) -> None:
    document = run(web, user_count=3, spawn_rate=100, run_time="2m")
    plan = document["plan"]
    assert (plan["executor"], plan["users"], plan["spawn_rate"], plan["run_time"]) == (
        "ramping-vus",
        3,
        100,
        120,
    )
    assert plan["description"] == "ramping-vus: 3 users at 100/s, at most 120 s"
    assert (plan["steerable"], plan["not_steerable"]) == (True, None)
    assert document["run_time"] == 120
    assert web.runner.plan is not None
    assert web.runner.plan.run_time == 120, "the runner's driver holds the time limit"


@pytest.mark.parametrize(
    ("fields", "executor", "expected"),
    [
        ({"stages": "1m:4@2, 30s:0"}, "ramping-vus", {"stages": "60s:4@2,30s:0"}),
        ({"stages": ["1m:4", "30s:0"]}, "ramping-vus", {"stages": "60s:4,30s:0"}),
        ({"stages": "1m:4\n30s:0"}, "ramping-vus", {"stages": "60s:4,30s:0"}),
        ({"arrival_rate": "20"}, "constant-arrival-rate", {"users": 100}),
        ({"arrival_rate": 20, "user_count": 8}, "constant-arrival-rate", {"users": 8}),
        (
            {"arrival_rate": "1m:5,1m:20", "user_count": 50},
            "ramping-arrival-rate",
            {"arrival_rate": "60s:5,60s:20"},
        ),
        ({"iterations": 7, "user_count": 2}, "shared-iterations", {"iterations": 7}),
        ({"iterations_per_user": "3", "user_count": 2}, "per-vu-iterations", {"iterations": 3}),
        ({"user_count": 2, "executor": "constant-vus"}, "constant-vus", {"users": 2}),
    ],
)
def test_each_load_model_field_chooses_its_executor(
    make_web: MakeWeb, fields: dict[str, Any], executor: str, expected: dict[str, Any]
) -> None:
    web = make_web(Shop, env={"clock": FakeClock()})  # nothing advances: the plan stays put
    plan = run(web, **fields)["plan"]
    assert plan["executor"] == executor
    for key, value in expected.items():
        assert plan[key] == value, (key, plan)
    assert plan["steerable"] is (
        executor in ("ramping-vus", "constant-vus") and "stages" not in fields
    )


def test_arrival_rate_bounds_reach_the_runner(make_web: MakeWeb) -> None:
    web = make_web(Shop, env={"clock": FakeClock()})
    run(web, arrival_rate="50", user_count=20, pre_allocated_users=4, max_lateness="2s")
    plan = web.runner.plan
    assert plan is not None
    assert (plan.users, plan.pre_allocated_users, plan.max_lateness) == (20, 4, 2.0)
    assert plan.schedule is not None


def test_thresholds_come_from_the_request_or_the_configuration(make_web: MakeWeb) -> None:
    web = make_web(Shop, env={"clock": FakeClock()}, defaults={"thresholds": ["rps>1"]})
    run(web, user_count=1)
    assert status(web)["plan"]["thresholds"] == ["rps>1"], "absent: the configured ones"
    web.client.post("/api/v1/stop")
    web.wait_for_state(STATE_STOPPED)
    run(web, user_count=1, thresholds="p95<300ms\n\n  fail_ratio<1% abort  \n")
    assert status(web)["plan"]["thresholds"] == ["p95<300ms", "fail_ratio<1% abort"]
    web.client.post("/api/v1/stop")
    web.wait_for_state(STATE_STOPPED)
    run(web, user_count=1, thresholds=[])
    assert status(web)["plan"]["thresholds"] == [], "an empty list: none"


def test_without_configured_thresholds_the_environments_own_apply(make_web: MakeWeb) -> None:
    web = make_web(Shop, env={"clock": FakeClock()})
    web.env.thresholds.append("requests>0")  # what an init listener does
    assert check(web.client.get("/api/v1/form"), "/api/v1/form")["thresholds"] == ["requests>0"]
    run(web, user_count=1)
    assert status(web)["plan"]["thresholds"] == ["requests>0"]


# -- errors: the command line's words --------------------------------------------------------------


def cli_error(argv: list[str], tmp_path: Path) -> str:
    """The error ``horde --headless ARGV`` reports for the load options (no locustfile run)."""
    parsed = parse(build_parser(), ["--headless", *argv]).values
    try:
        settings = build_settings(parsed, env={}, cwd=tmp_path, read_files=False)
        session = RunSession(settings, [type("Shop", (Shop,), {})], "locustfile.py")
        try:
            session.plan()
        finally:
            session.runner.quit()
            session.env.close()
    except ConfigError as exc:
        return str(exc)
    raise AssertionError(f"{argv} was accepted on the command line")


@pytest.mark.parametrize(
    ("argv", "fields"),
    [
        (["-u", "ten"], {"user_count": "ten"}),
        (["-u", "1.5"], {"user_count": "1.5"}),
        (["-u", "2000000"], {"user_count": 2_000_000}),
        (["-r", "fast"], {"user_count": 1, "spawn_rate": "fast"}),
        (["-r", "nan"], {"user_count": 1, "spawn_rate": "nan"}),
        (["-t", "1x"], {"user_count": 1, "run_time": "1x"}),
        (["--stages", "5s:many"], {"stages": "5s:many"}),
        (["--stages", "5s:1", "--arrival-rate", "3"], {"stages": "5s:1", "arrival_rate": 3}),
        (["-i", "0"], {"iterations": 0}),
        (["-i", "many"], {"iterations": "many"}),
        (["--iterations-per-user", "0"], {"iterations_per_user": "0"}),
        (["--arrival-rate", "nan"], {"arrival_rate": "nan"}),
        (["--arrival-rate", "10s:x"], {"arrival_rate": "10s:x"}),
        (
            ["--arrival-rate", "10", "-u", "5", "--pre-allocated-users", "9"],
            {"arrival_rate": "10", "user_count": 5, "pre_allocated_users": 9},
        ),
        (
            ["--arrival-rate", "10", "--max-lateness", "soon"],
            {"arrival_rate": 10, "max_lateness": "soon"},
        ),
        (["--threshold", "p95<"], {"user_count": 1, "thresholds": ["p95<"]}),
        (["--threshold", "p95<1s later"], {"user_count": 1, "thresholds": "p95<1s later"}),
        (["--executor", "bogus"], {"user_count": 1, "executor": "bogus"}),
        (["--executor", "shared-iterations"], {"user_count": 1, "executor": "shared-iterations"}),
        (["--shape", "Nope"], {"user_count": 1, "shape": "Nope"}),
    ],
)
def test_errors_read_as_on_the_command_line(
    web: Web, tmp_path: Path, argv: list[str], fields: dict[str, Any]
) -> None:
    said = refused(web, **fields)
    assert said.replace(" (web UI)", "") == cli_error(argv, tmp_path)
    assert web.runner.state == STATE_INIT, "nothing started"
    assert web.runner.plan is None


BIG_STAGES = ",".join(["1s:1"] * 1001)


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"stages": BIG_STAGES}, "--stages (web UI): at most 1,000 stages, got 1,001"),
        ({"arrival_rate": BIG_STAGES}, "--arrival-rate (web UI): at most 1,000 stages"),
        ({"stages": "1s:" + "1" * 100_000}, "--stages (web UI): '1s:111"),
        ({"user_count": 1, "thresholds": ["rps>1"] * 101}, "at most 100 thresholds"),
        ({"user_count": 1, "thresholds": "rps>1\n" * 101}, "at most 100 thresholds"),
        ({"user_count": 1, "thresholds": ["p95<" + "9" * 5000]}, "too long"),
        ({"user_count": 1, "shape": "S" * 100_000}, "is too long"),
        ({"user_count": 1, "user_classes": ["U" * 100_000]}, "user_classes must be names"),
        ({"user_count": 1, "user_classes": {"Shop": 1}}, "user_classes must be names"),
        ({"user_count": [1] * 100_000}, "is not one value"),
    ],
)
def test_oversized_fields_are_refused_in_a_short_line(
    web: Web, fields: dict[str, Any], says: str
) -> None:
    message = refused(web, **fields)
    assert says in message
    assert len(message) < 300, "an error never echoes the whole input"
    assert web.runner.state == STATE_INIT


def test_the_plan_document_is_built_once_per_plan(make_web: MakeWeb) -> None:
    web = make_web(Shop, env={"clock": FakeClock()})
    run(web, stages=",".join(["1s:1"] * 1000))
    first = web.ui.control.plan_document()
    assert web.ui.control.plan_document() is first
    assert status(web)["plan"]["not_steerable"] == (
        "the stages (1000) decide the users of this test: stop it and start another to change them"
    )


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"user_count": 1, "run_time": {"a": 1}}, "-t/--run-time (web UI): {'a': 1} is not one"),
        ({"user_count": [1, 2]}, "-u/--users (web UI): [1, 2] is not one value"),
        ({"stages": {"a": 1}}, "--stages (web UI): {'a': 1} is not text"),
        ({"stages": [True]}, "--stages (web UI): [True] is not text"),
        ({"stages": ",, \n"}, "missing the number of users"),
        ({"user_count": 1, "thresholds": [1]}, "a threshold must be a string"),
        ({"user_count": 1, "thresholds": {"p95": 1}}, "give a list of thresholds"),
        ({"user_count": 1, "shape": 3}, "--shape (web UI): 3 is not a class name"),
        ({"user_count": 1, "user_classes": [3]}, "user_classes must be names"),
        ({"iterations": 10**13}, "-i/--iterations must be between 1 and 1,000,000,000,000"),
        ({"arrival_rate": "1e308"}, "invalid arrival rate"),
        ({"arrival_rate": "-5"}, "invalid arrival rate"),
        ({"user_count": 1, "max_lateness": "inf"}, "--max-lateness (web UI): 'inf'"),
        ({"user_count": 1, "run_time": "nan"}, "-t/--run-time (web UI): 'nan'"),
    ],
)
def test_hostile_load_fields_are_one_clear_error(
    web: Web, fields: dict[str, Any], says: str
) -> None:
    assert says in refused(web, **fields)
    assert web.runner.state == STATE_INIT


# -- shapes ----------------------------------------------------------------------------------------


def test_a_shape_drives_the_run_and_the_target_follows_it(make_web: MakeWeb) -> None:
    clock = FakeClock()
    web = with_shapes(make_web, Steps(), Flat(), clock=clock)
    result = check(web.client.post("/swarm", data={"user_count": "50"}), "/swarm", "post")
    assert result["message"] == "Swarming started using shape class 'Steps'"  # Locust's words
    first = status(web)
    assert first["plan"]["shape"] == "Steps"
    assert first["plan"]["description"] == "shape: load shape Steps"
    assert first["plan"]["steerable"] is False
    assert first["target_user_count"] == 2, "the shape's first tick, not user_count"
    advance(web, clock, 2)
    wait_until(lambda: web.runner.target_user_count == 4, "the second step")
    advance(web, clock, 2)
    web.wait_for_state(STATE_STOPPED)
    assert web.runner.stop_reason == "the load shape ended"


def test_the_shape_can_be_chosen_or_left_out(make_web: MakeWeb) -> None:
    clock = FakeClock()
    web = with_shapes(make_web, Steps(), Flat(), clock=clock)
    run(web, user_count=5, shape="Flat")
    assert status(web)["plan"]["shape"] == "Flat"
    assert web.env.shape_class is web.env.available_shape_classes["Flat"]
    assert web.runner.target_user_count == 3
    web.client.post("/api/v1/stop")
    web.wait_for_state(STATE_STOPPED)
    for none in ({"shape": ""}, {"shape_class": "Default"}):
        run(web, user_count=5, spawn_rate=100, **none)
        plan = status(web)["plan"]
        assert (plan["executor"], plan["shape"], plan["users"]) == ("ramping-vus", None, 5)
        web.client.post("/api/v1/stop")
        web.wait_for_state(STATE_STOPPED)
    run(web, stages="10s:2")  # another load model: the default shape steps aside
    assert status(web)["plan"]["stages"] == "10s:2"
    assert web.ui.control.plan is not None
    web.client.post("/api/v1/stop")
    web.wait_for_state(STATE_STOPPED)
    assert "cannot be combined with the load shape Flat" in refused(
        web, stages="10s:2", shape="Flat"
    )


def test_a_shape_with_common_options_reads_the_forms_users(make_web: MakeWeb) -> None:
    from types import SimpleNamespace

    options = SimpleNamespace(host=None, num_users=None, spawn_rate=None, run_time=None)
    web = with_shapes(make_web, Common(), clock=FakeClock(), parsed_options=options)
    form = check(web.client.get("/api/v1/form"), "/api/v1/form")
    assert form["shapes"] == [
        {
            "name": "Common",
            "use_common_options": True,
            "description": "Reads -u and -r, as Locust's use_common_options shapes do.",
        }
    ]
    run(web, user_count=6, spawn_rate=3)
    assert (options.num_users, options.spawn_rate) == (6, 3.0)
    assert web.runner.target_user_count == 6


def test_a_shape_without_common_options_leaves_parsed_options_alone(make_web: MakeWeb) -> None:
    from types import SimpleNamespace

    options = SimpleNamespace(host=None, num_users=9, spawn_rate=2.0, run_time=None)
    web = with_shapes(make_web, Flat(), clock=FakeClock(), parsed_options=options)
    run(web, user_count=50)
    assert (options.num_users, options.spawn_rate) == (9, 2.0)


def test_the_form_offers_the_shapes_and_preselects_the_configured_one(make_web: MakeWeb) -> None:
    web = make_web(
        Shop,
        env={
            "shape_class": Steps(),
            "available_shape_classes": {"Steps": Steps(), "Flat": Flat()},
        },
        defaults={"shape": "Flat"},
    )
    form = check(web.client.get("/api/v1/form"), "/api/v1/form")
    assert [s["name"] for s in form["shapes"]] == ["Steps", "Flat"]
    assert form["shapes"][0]["description"] == "Two steps up, then the end."
    assert (form["shape"], form["load_model"]) == ("Flat", "users")


def test_the_form_shows_the_configured_load_model(make_web: MakeWeb) -> None:
    web = with_shapes(
        make_web,
        Steps(),
        web={"defaults": {"arrival_rate": "30s:50", "pre_allocated_users": 5, "max_lateness": 2.5}},
    )
    form = check(web.client.get("/api/v1/form"), "/api/v1/form")
    assert form["load_model"] == "arrival_rate"
    assert (form["arrival_rate"], form["pre_allocated_users"], form["max_lateness"]) == (
        "30s:50",
        5,
        "2.5s",
    )
    assert form["shape"] == "", "an arrival rate was asked for: no shape preselected"
    assert form["users"] == 100, "without -u an arrival rate's pool holds 100 users"


def test_locusts_template_args_say_whether_a_shape_hides_the_common_options(
    make_web: MakeWeb,
) -> None:
    plain = with_shapes(make_web, Flat())
    plain.ui.update_template_args()
    assert plain.ui.template_args["hide_common_options"] is True
    assert plain.ui.template_args["available_shape_classes"] == ["Default", "Flat"]
    common = with_shapes(make_web, Common())
    common.ui.update_template_args()
    assert common.ui.template_args["hide_common_options"] is False
    assert common.ui.template_args["shape_use_common_options"] is True


# -- the load driver runs it -----------------------------------------------------------------------


def test_the_run_time_limit_belongs_to_the_driver(make_web: MakeWeb) -> None:
    clock = FakeClock()
    web = make_web(Shop, env={"clock": clock})
    run(web, user_count=1, spawn_rate=100, run_time="10s")
    advance(web, clock, 9)
    assert web.runner.state in (STATE_SPAWNING, STATE_RUNNING)
    advance(web, clock, 1)
    web.wait_for_state(STATE_STOPPED)
    assert web.runner.stop_reason == "run time limit reached"
    assert status(web)["elapsed"] == 10


def test_the_first_test_counts_its_rate_from_its_own_start(make_web: MakeWeb) -> None:
    clock = FakeClock()
    web = make_web(Shop, env={"clock": clock})
    clock.advance(600)  # the page stayed open ten minutes before Start
    started = clock.time()
    run(web, user_count=1, spawn_rate=100, thresholds=["rps>0"])
    assert web.env.stats.total.start_time == started
    assert web.env.stats.start_time == started


def test_stages_run_to_their_end(make_web: MakeWeb) -> None:
    clock = FakeClock()
    web = make_web(Shop, env={"clock": clock})
    run(web, stages="2s:4@100,2s:1@100")
    assert web.runner.target_user_count == 4
    advance(web, clock, 2)
    wait_until(lambda: web.runner.target_user_count == 1, "the second stage")
    advance(web, clock, 2)
    web.wait_for_state(STATE_STOPPED)
    assert web.runner.stop_reason == "all stages done"


def test_shared_iterations_stop_the_test_when_done(web: Web) -> None:
    run(web, iterations=6, user_count=2, spawn_rate=100)
    web.wait_for_state(STATE_STOPPED)
    assert web.runner.stop_reason == "all iterations done"
    assert web.env.stats.total.num_requests == 6


# -- steering a running test -----------------------------------------------------------------------


def test_steering_a_users_and_ramp_test_rebuilds_its_plan(make_web: MakeWeb) -> None:
    web = make_web(Shop, env={"clock": FakeClock()}, defaults={"thresholds": ["rps>1"]})
    run(web, user_count=2, spawn_rate=100, run_time="1h")
    steered = run(web, user_count=7, spawn_rate=50)
    assert steered["plan"]["description"] == "ramping-vus: 7 users at 50/s, at most 3600 s"
    assert steered["plan"]["thresholds"] == ["rps>1"]
    assert steered["target_user_count"] == 7
    assert "7 users at 50/s" in web.ui.control.plan.describe()  # type: ignore[union-attr]
    assert "-u/--users (web UI): 'many' is not a whole number" in refused(web, user_count="many")
    assert "missing the number of users" in refused(web, spawn_rate=3)


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"stages": "1m:3"}, "the stages 60s:3 decide the users of this test"),
        ({"arrival_rate": 5}, "starts iterations at an arrival rate (constant-arrival-rate)"),
        ({"iterations": 10**6, "user_count": 1}, "runs a number of iterations (shared-iterations)"),
    ],
)
def test_a_test_that_is_not_users_and_ramp_cannot_be_steered(
    make_web: MakeWeb, fields: dict[str, Any], says: str
) -> None:
    web = make_web(Shop, env={"clock": FakeClock()})
    run(web, **fields)
    message = refused(web, user_count=9, spawn_rate=9)
    assert says in message
    assert "stop it" in message
    assert status(web)["plan"]["not_steerable"] == message
    assert web.runner.target_user_count != 9


def test_a_shape_test_cannot_be_steered_from_swarm_either(make_web: MakeWeb) -> None:
    web = with_shapes(make_web, Flat(), clock=FakeClock())
    run(web)
    message = refused(web, "/swarm", user_count=9, spawn_rate=9)
    assert (
        message == "the load shape Flat decides the users of this test: stop it to change the load"
    )
    assert web.runner.target_user_count == 3


def test_a_running_test_refuses_another_load_model(make_web: MakeWeb) -> None:
    web = make_web(Shop, env={"clock": FakeClock()})
    run(web, user_count=2, spawn_rate=100)
    message = refused(web, user_count=2, stages="1m:4")
    assert message == (
        "a running test only changes its users and spawn rate, not stages: stop it to start "
        "another test"
    )
    assert web.runner.plan is not None
    assert web.runner.plan.stages == ()


def test_a_test_started_without_a_plan_can_still_be_steered(web: Web) -> None:
    web.runner.start(1, 100)  # a locustfile or a library user started it directly
    web.wait_for_state(STATE_RUNNING)
    document = run(web, user_count=3, spawn_rate=100)
    assert document["plan"] is None
    wait_until(lambda: web.runner.user_count == 3, "3 users")


# -- thresholds, live ------------------------------------------------------------------------------


@pytest.fixture
def judged(make_web: MakeWeb) -> Web:
    web = make_web(Shop)
    run(
        web, user_count=1, spawn_rate=100, thresholds=["requests>0", "p95<1ms", "GET /nope: p99<1s"]
    )
    web.wait_for_requests(3)
    web.fresh()
    return web


def test_thresholds_are_checked_live(judged: Web) -> None:
    document = check(judged.client.get("/api/v1/thresholds"), "/api/v1/thresholds")
    results = {t["expression"]: t for t in document["thresholds"]}
    assert results["requests>0"]["passed"] is True
    assert results["p95<1ms"] == {
        "expression": "p95<1ms",
        "observed": 5.0,
        "passed": False,
        "text": "5 ms",
    }
    assert results["GET /nope: p99<1s"]["observed"] is None, "nothing measured: no pass"
    assert document["passed"] is False


def test_metrics_and_the_report_show_the_live_thresholds(judged: Web) -> None:
    metrics = judged.client.get("/metrics").get_data(as_text=True)
    assert 'horde_threshold_passed{expression="requests>0"} 1.0' in metrics
    assert 'horde_threshold_passed{expression="p95<1ms"} 0.0' in metrics
    report = judged.client.get("/api/v1/report").get_data(as_text=True)
    assert "p95&lt;1ms" in report or "p95<1ms" in report
    assert "ramping-vus: 1 users at 100/s" in report


def test_without_thresholds_the_list_is_empty_and_passes(web: Web) -> None:
    document = check(web.client.get("/api/v1/thresholds"), "/api/v1/thresholds")
    assert document == {"thresholds": [], "passed": True}


def test_two_starts_at_once_start_one_test(make_web: MakeWeb) -> None:
    web = make_web(Shop, env={"clock": FakeClock()})
    posts = [
        gevent.spawn(web.client.post, "/api/v1/run", json={"stages": f"1m:{n}"}) for n in (2, 3)
    ]
    gevent.joinall(posts, timeout=10, raise_error=True)
    codes = sorted(post.value.status_code for post in posts)
    assert codes == [200, 400], "the second one met a running stages test"
    refusal = next(post.value for post in posts if post.value.status_code == 400)
    assert "decide the users of this test" in refusal.get_json()["error"]
    assert web.runner.plan is not None
    assert len(web.runner.plan.stages) == 1
