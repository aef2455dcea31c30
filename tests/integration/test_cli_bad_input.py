"""Every bad input: one clear line on stderr, a documented exit code, no traceback.

The traceback appears only when asked for (``--debug`` or ``-L DEBUG``). An unreachable target
is not bad input: it is recorded as failures (status 0) and the run goes on to its time limit.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import Result, free_port, run_horde
from horde.cli.exit_codes import ExitCode

GOOD = """\
from locust import HttpUser, constant, task


class Visitor(HttpUser):
    wait_time = constant(0.1)

    @task
    def items(self):
        self.client.get("/api/items")
"""
NO_HOST = GOOD
WITH_HOST = GOOD.replace("    wait_time", '    host = "http://127.0.0.1:9"\n    wait_time')
SYNTAX_ERROR = "from locust import HttpUser\n\n\nclass Broken(HttpUser:\n    pass\n"
IMPORT_ERROR = "from locust import HttpUser\nimport no_such_module_for_horde_tests\n"
NO_USER = "from locust import TaskSet\n\nVALUE = 1\n"
NEGATIVE_WEIGHT = WITH_HOST.replace("@task\n", "@task(-1)\n")


@dataclass
class Case:
    args: list[str]
    code: ExitCode
    says: str
    files: dict[str, str] = field(default_factory=lambda: {"locustfile.py": WITH_HOST})
    env: dict[str, str] = field(default_factory=dict)


CASES = {
    "missing locustfile": Case(
        ["-f", "nope.py"], ExitCode.LOCUSTFILE, "locustfile not found: nope.py", files={}
    ),
    "syntax error": Case(
        [], ExitCode.LOCUSTFILE, "locustfile.py, line 4", files={"locustfile.py": SYNTAX_ERROR}
    ),
    "import error": Case(
        [],
        ExitCode.LOCUSTFILE,
        "line 2: ModuleNotFoundError: No module named 'no_such_module_for_horde_tests'",
        files={"locustfile.py": IMPORT_ERROR},
    ),
    "no User class": Case(
        [], ExitCode.LOCUSTFILE, "no User class found", files={"locustfile.py": NO_USER}
    ),
    "empty directory": Case(
        ["-f", "empty"],
        ExitCode.LOCUSTFILE,
        "no locustfiles",
        files={"empty/readme.txt": "nothing here"},
    ),
    "negative task weight": Case(
        [], ExitCode.LOCUSTFILE, "invalid task weight -1", files={"locustfile.py": NEGATIVE_WEIGHT}
    ),
    "unknown user class": Case(
        ["Nobody"], ExitCode.USAGE, "unknown User class Nobody; available: Visitor"
    ),
    "host without scheme": Case(
        ["-H", "localhost:8080"], ExitCode.USAGE, "invalid host 'localhost:8080'"
    ),
    "unknown flag": Case(
        ["--spawn-rat", "5"],
        ExitCode.USAGE,
        "unknown option '--spawn-rat' (did you mean '--spawn-rate'?)",
    ),
    "bad time span": Case(["-t", "1x"], ExitCode.USAGE, "-t/--run-time: '1x'"),
    "negative users": Case(["-u", "-5"], ExitCode.USAGE, "-u/--users must be between 0 and"),
    "HttpUser without host": Case(
        [], ExitCode.USAGE, "Visitor has no host", files={"locustfile.py": NO_HOST}
    ),
    "bad env var": Case([], ExitCode.USAGE, "HORDE_USERS", env={"HORDE_USERS": "ten"}),
    "unknown config key": Case(
        [],
        ExitCode.USAGE,
        "horde.conf:2: unknown option 'bogus'",
        files={"locustfile.py": WITH_HOST, "horde.conf": "[horde]\nbogus = 1\n"},
    ),
    "bad config value": Case(
        [],
        ExitCode.USAGE,
        "locust.conf",
        files={"locustfile.py": WITH_HOST, "locust.conf": "users = many\n"},
    ),
    "distributed": Case(
        ["--master"],
        ExitCode.USAGE,
        "distributed mode (--master/--worker/--processes) is not available",
    ),
    "unwritable CSV": Case(
        ["--csv", "/proc/horde-test/run"], ExitCode.OUTPUT, "cannot write CSV files"
    ),
}


def run_case(case: Case, tmp_path: Path, *extra: str) -> Result:
    for name, text in case.files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    args = ["--headless", "-t", "1s"]
    return run_horde([*args, *case.args, *extra], cwd=tmp_path, env=case.env, timeout=30)


def assert_one_clear_line(result: Result, code: ExitCode, says: str) -> None:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("horde: error: ")
    assert says in lines[0]
    assert result.stdout == ""


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_bad_input(case: Case, tmp_path: Path) -> None:
    assert_one_clear_line(run_case(case, tmp_path), case.code, case.says)


def test_unreadable_locustfile(tmp_path: Path) -> None:
    # A file that opens but fails to read, even for root: the process's own memory at offset 0.
    (tmp_path / "locustfile.py").symlink_to("/proc/self/mem")
    result = run_horde(["--headless", "-t", "1s"], cwd=tmp_path, timeout=30)
    assert_one_clear_line(result, ExitCode.LOCUSTFILE, "cannot read locustfile")


@pytest.mark.parametrize("flag", [["--debug"], ["-L", "DEBUG"]])
@pytest.mark.parametrize("name", ["import error", "bad time span"])
def test_traceback_only_when_debugging(tmp_path: Path, flag: list[str], name: str) -> None:
    case = CASES[name]
    result = run_case(case, tmp_path, *flag)
    assert result.returncode == case.code
    assert "Traceback (most recent call last)" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("horde: error: ")


@pytest.mark.slow
def test_unreachable_target_is_recorded_as_failures(tmp_path: Path) -> None:
    target = f"http://127.0.0.1:{free_port()}"
    (tmp_path / "locustfile.py").write_text(GOOD, encoding="utf-8")
    result = run_horde(
        ["--headless", "-H", target, "-u", "2", "-t", "2s", "--csv", "run", "--only-summary"],
        cwd=tmp_path,
        timeout=30,
    )
    assert result.returncode == ExitCode.FAILURES, result.stderr
    assert "Traceback" not in result.stderr
    assert "run time limit reached" in result.stderr
    with open(tmp_path / "run_stats.csv", newline="", encoding="utf-8") as handle:
        total = next(row for row in csv.DictReader(handle) if row["Name"] == "Aggregated")
    assert int(total["Request Count"]) > 2  # the users kept trying until the time limit
    assert total["Failure Count"] == total["Request Count"]
    with open(tmp_path / "run_failure_samples.csv", newline="", encoding="utf-8") as handle:
        samples = list(csv.DictReader(handle))
    assert samples
    assert {s["Status"] for s in samples} == {"0"}
    assert all(s["URL"] == f"{target}/api/items" for s in samples)
    assert "Connection refused" in samples[0]["Error"] or "refused" in samples[0]["Error"]
