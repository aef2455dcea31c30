"""Load models through the horde command against the real demo target: Locust's custom_shape
examples, --stages, --arrival-rate, -i, thresholds and --junit-xml.

Counts are checked against the target's own counters (requests counted on arrival); nothing here
measures time. The arrival-rate and iteration runs are exact by construction: the tickets due
before the time limit, or the N iterations, are all started and all recorded.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import xmlschema
from junitparser import JUnitXml

from conftest import Result, run_horde
from horde.cli.exit_codes import ExitCode
from horde.testing import server_counts

HERE = Path(__file__).resolve().parent
SHAPES = HERE / "locustfiles" / "custom_shape"
JUNIT_SCHEMA = HERE / "schemas" / "junit.xsd"

ITEMS = """\
from locust import FastHttpUser, constant, task


class Shopper(FastHttpUser):
    wait_time = constant(0.2)

    @task
    def items(self):
        self.client.get("/api/items")
"""


def horde(tmp_path: Path, target: str, *args: str, source: str = ITEMS) -> Result:
    (tmp_path / "locustfile.py").write_text(source, encoding="utf-8")
    return run_horde(
        ["--headless", "-H", target, "--only-summary", *args], cwd=tmp_path, timeout=90
    )


def history_users(prefix: Path) -> list[int]:
    with open(f"{prefix}_stats_history.csv", newline="", encoding="utf-8") as handle:
        return [int(row["User Count"]) for row in csv.DictReader(handle)]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("example", "first_stage_users"),
    [
        ("stages.py", 10),
        ("step_load.py", 10),
        ("double_wave.py", 20),
        ("staging_user_classes.py", 10),
    ],
)
def test_locust_shape_examples_run_unchanged(
    example: str, first_stage_users: int, fresh_target: str, tmp_path: Path
) -> None:
    result = run_horde(
        [
            "-f",
            str(SHAPES / example),
            "--headless",
            "-H",
            fresh_target,
            "-t",
            "3s",
            "--csv",
            str(tmp_path / "run"),
            "--only-summary",
        ],
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "load shape" in result.stderr
    users = history_users(tmp_path / "run")
    assert first_stage_users in users
    assert max(users) == first_stage_users
    assert server_counts(fresh_target)["by_path"]["GET /"] > 0


def test_stages_end_the_test_by_themselves(fresh_target: str, tmp_path: Path) -> None:
    result = horde(tmp_path, fresh_target, "--stages", "1s:3,1s:3,1s:0", "--csv", "run")
    assert result.returncode == 0, result.stderr
    assert "all stages done" in result.stderr
    assert max(history_users(tmp_path / "run")) == 3


def test_an_arrival_rate_starts_exactly_rate_times_seconds(
    fresh_target: str, tmp_path: Path
) -> None:
    result = horde(tmp_path, fresh_target, "--arrival-rate", "40", "-u", "20", "-t", "3s")
    assert result.returncode == 0, result.stderr
    assert server_counts(fresh_target)["by_path"]["GET /api/items"] == 120
    assert "120 requests" in result.stdout


def test_iterations_run_exactly_n_tasks(fresh_target: str, tmp_path: Path) -> None:
    result = horde(tmp_path, fresh_target, "-i", "17", "-u", "4", "-r", "100")
    assert result.returncode == 0, result.stderr
    assert "all iterations done" in result.stderr
    assert server_counts(fresh_target)["by_path"]["GET /api/items"] == 17


MIXED = (HERE / "locustfiles" / "class_executors.py").read_text(encoding="utf-8")


def test_executors_per_user_class_next_to_the_runs(fresh_target: str, tmp_path: Path) -> None:
    result = horde(tmp_path, fresh_target, "-u", "2", "-r", "10", "-t", "3s", source=MIXED)
    assert result.returncode == 0, result.stderr
    by_path = server_counts(fresh_target)["by_path"]
    assert by_path["GET /api/items/7"] == 90  # 30 per second for 3 s, exactly
    assert by_path["GET /something"] == 5
    assert 2 <= by_path["GET /api/items"] <= 2 * 7  # the closed model's 2 users
    assert "Checkout: constant-arrival-rate: arrival rate 30/s on at most 10 users" in (
        result.stderr
    )


def test_a_bad_class_executor_is_one_line_and_exit_2(fresh_target: str, tmp_path: Path) -> None:
    source = MIXED.replace("constant_arrival_rate(30,", "constant_arrival_rate(-30,")
    result = horde(tmp_path, fresh_target, "-t", "1s", source=source)
    assert result.returncode == ExitCode.USAGE
    assert "Checkout.executor:" in result.stderr
    assert "Traceback" not in result.stderr
    assert server_counts(fresh_target)["total"] == 0


def test_thresholds_pass_fail_exit_code_and_junit(fresh_target: str, tmp_path: Path) -> None:
    result = horde(
        tmp_path,
        fresh_target,
        "-u", "2", "-r", "10", "-t", "2s",
        "--threshold", "p95<30s",
        "--threshold", "GET /api/items: fail_ratio<1%",
        "--threshold", "rps>100000",
        "--junit-xml", "junit.xml",
    )  # fmt: skip
    assert result.returncode == ExitCode.THRESHOLDS, result.stderr
    assert "Thresholds: 2 of 3 passed" in result.stdout
    assert "✓ p95<30s:" in result.stdout
    assert "✗ rps>100000:" in result.stdout
    xmlschema.XMLSchema(JUNIT_SCHEMA).validate(tmp_path / "junit.xml")
    suites = {suite.name: suite for suite in JUnitXml.fromfile(str(tmp_path / "junit.xml"))}
    thresholds = suites["horde thresholds"]
    assert (thresholds.tests, thresholds.failures) == (3, 1)
    failed = [case.name for case in thresholds if not case.is_passed]
    assert failed == ["rps>100000"]
    assert suites["horde requests"].tests == 1


def test_an_abort_threshold_stops_the_test_early(fresh_target: str, tmp_path: Path) -> None:
    result = horde(
        tmp_path,
        fresh_target,
        "-u", "2", "-r", "10", "-t", "60s",
        "--threshold", "requests<3 abort",
    )  # fmt: skip
    assert result.returncode == ExitCode.THRESHOLDS, result.stderr
    assert "Aborted by threshold: requests<3 abort" in result.stdout
    assert "threshold requests<3 abort failed" in result.stderr


def test_locust_plugins_checks_are_thresholds(fresh_target: str, tmp_path: Path) -> None:
    result = horde(tmp_path, fresh_target, "-u", "1", "-t", "1s", "--check-rps", "100000")
    assert result.returncode == ExitCode.THRESHOLDS, result.stderr
    assert "✗ rps>=100000:" in result.stdout


def test_thresholds_declared_in_the_locustfile(fresh_target: str, tmp_path: Path) -> None:
    source = ITEMS + '\nthresholds = ["failures<1", "GET /nowhere: p50<1s"]\n'
    result = horde(tmp_path, fresh_target, "-u", "1", "-t", "1s", source=source)
    assert result.returncode == ExitCode.THRESHOLDS, result.stderr
    assert "✓ failures<1:" in result.stdout
    assert "✗ GET /nowhere: p50<1s: no requests" in result.stdout


def test_junit_lists_failing_request_names(fresh_target: str, tmp_path: Path) -> None:
    source = ITEMS.replace('"/api/items"', '"/api/fail"')
    result = horde(
        tmp_path, fresh_target, "-u", "1", "-t", "1s", "--junit-xml", "j.xml", source=source
    )
    assert result.returncode == ExitCode.FAILURES, result.stderr
    suites = {suite.name: suite for suite in JUnitXml.fromfile(str(tmp_path / "j.xml"))}
    (case,) = list(suites["horde requests"])
    assert case.name == "GET /api/fail"
    (failure,) = case.result
    assert "requests failed" in (failure.message or "")
    assert "500" in (failure.text or "")


STALL_ONCE = """\
import time

from locust import FastHttpUser, task

START = time.monotonic()


class Reader(FastHttpUser):
    stalled = False

    @task
    def read(self):
        if not Reader.stalled and time.monotonic() - START > 1.5:
            Reader.stalled = True
            self.client.get("/delay/2000", name="/api/items")  # the target stalls for 2 s
        else:
            self.client.get("/api/items")
"""


def test_coordinated_omission_the_corrected_p99_shows_a_stall_the_raw_one_hides(
    fresh_target: str, tmp_path: Path
) -> None:
    """One user, 50 iterations a second, and the target stalls once for 2 s: the ~100
    iterations due during the stall start late. Their service times are short (the raw p99
    hides the stall: one slow sample in ~300), but measured from when they were due the p99
    is close to the stall's length."""
    args = ["--arrival-rate", "50", "-u", "1", "--pre-allocated-users", "1", "--max-lateness"]
    args += ["10s", "-t", "6s", "--json-file", "out", "--csv", "run"]
    result = horde(tmp_path, fresh_target, *args, source=STALL_ONCE)
    assert result.returncode == 0, result.stderr
    document = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    raw_p99 = document["aggregated"]["percentiles"]["0.99"]
    corrected = document["corrected"]["aggregated"]
    corrected_p99 = corrected["percentiles"]["0.99"]
    assert corrected["num_requests"] == document["aggregated"]["num_requests"] == 300
    assert document["corrected"]["dropped_iterations"] == 0
    assert corrected_p99 > 1000  # most of the 2 s stall, as a user arriving then would see it
    assert raw_p99 * 4 < corrected_p99  # the service times hide it
    assert "from the intended start" in result.stdout
    assert (tmp_path / "run_stats_corrected.csv").is_file()
