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
HUGE_WEIGHT = WITH_HOST.replace("@task\n", "@task(10**9)\n")
ZERO_WEIGHT_TASK = WITH_HOST.replace("@task\n", "@task(0)\n")
NO_TASKS = WITH_HOST.replace("    @task\n    def items(self):\n", "    def items(self):\n")
EMPTY_TASKSET = """\
from locust import HttpUser, TaskSet


class Empty(TaskSet):
    pass


class Visitor(HttpUser):
    host = "http://127.0.0.1:9"
    tasks = [Empty]
"""
ZERO_WEIGHT_CLASS = WITH_HOST.replace("    wait_time", "    weight = 0\n    wait_time")
HUGE_FIXED_COUNT = WITH_HOST.replace("    wait_time", "    fixed_count = 10**9\n    wait_time")
STRING_WAIT = WITH_HOST.replace("wait_time = constant(0.1)", 'wait_time = "between(1, 2)"')
NAN_BETWEEN = WITH_HOST.replace("wait_time = constant(0.1)", 'wait_time = between(float("nan"), 1)')
NAN_BETWEEN = NAN_BETWEEN.replace("import HttpUser,", "import HttpUser, between,")
SYS_EXIT = "import sys\n\nsys.exit('set TOKEN first')\n"


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
    "master beyond loopback without a secret": Case(
        ["--master", "--master-bind-host", "0.0.0.0", "--master-bind-port", "0"],
        ExitCode.USAGE,
        "with no shared secret: anyone reaching the port could join",
    ),
    "zero processes": Case(["--processes", "0"], ExitCode.USAGE, "--processes must be -1"),
    "master and processes": Case(
        ["--master", "--processes", "2"], ExitCode.USAGE, "--processes starts its own master"
    ),
    "unreadable secret file": Case(
        ["--worker", "--secret-file", "/nonexistent/secret"],
        ExitCode.USAGE,
        "cannot read --secret-file /nonexistent/secret",
    ),
    "short secret": Case(
        ["--master", "--master-bind-port", "0"],
        ExitCode.USAGE,
        "HORDE_SECRET is too short",
        env={"HORDE_SECRET": "abc"},
    ),
    "short secret with processes": Case(  # checked once before forking: it was one line each
        ["--processes", "2"],
        ExitCode.USAGE,
        "HORDE_SECRET is too short",
        env={"HORDE_SECRET": "abc"},
        files={"locustfile.py": WITH_HOST},
    ),
    "zero heartbeat interval": Case(
        ["--master", "--heartbeat-interval", "0"], ExitCode.USAGE, "--heartbeat-interval"
    ),
    "huge task weight": Case(
        [], ExitCode.LOCUSTFILE, "task weight 1,000,000,000", files={"locustfile.py": HUGE_WEIGHT}
    ),
    "only weight-0 tasks": Case(
        [], ExitCode.LOCUSTFILE, "Visitor has no tasks", files={"locustfile.py": ZERO_WEIGHT_TASK}
    ),
    "no tasks": Case(
        [], ExitCode.LOCUSTFILE, "Visitor has no tasks", files={"locustfile.py": NO_TASKS}
    ),
    "empty TaskSet": Case(
        [],
        ExitCode.LOCUSTFILE,
        "Visitor > Empty has no tasks",
        files={"locustfile.py": EMPTY_TASKSET},
    ),
    "every class weight 0": Case(
        [], ExitCode.LOCUSTFILE, "Visitor has weight 0", files={"locustfile.py": ZERO_WEIGHT_CLASS}
    ),
    "huge fixed_count": Case(
        [], ExitCode.LOCUSTFILE, "invalid fixed_count", files={"locustfile.py": HUGE_FIXED_COUNT}
    ),
    "string wait_time": Case(
        [],
        ExitCode.LOCUSTFILE,
        "Visitor.wait_time must be a function such as between(1, 3)",
        files={"locustfile.py": STRING_WAIT},
    ),
    "NaN in between()": Case(
        [],
        ExitCode.LOCUSTFILE,
        "the wait must be a finite number",
        files={"locustfile.py": NAN_BETWEEN},
    ),
    "sys.exit in the locustfile": Case(
        [],
        ExitCode.LOCUSTFILE,
        "exited while loading: set TOKEN first",
        files={"locustfile.py": SYS_EXIT},
    ),
    "huge user count": Case(["-u", "1000000000"], ExitCode.USAGE, "between 0 and 1,000,000"),
    "zero run time": Case(["-t", "0"], ExitCode.USAGE, "leave it out to run until stopped"),
    "negative run time": Case(["-t", "-5s"], ExitCode.USAGE, "it must not be negative"),
    "negative autoquit": Case(["--autoquit", "-5"], ExitCode.USAGE, "--autoquit must be 0 or more"),
    "headless and autostart": Case(["--autostart"], ExitCode.USAGE, "pick one"),
    "non-UTF-8 config file": Case(
        [],
        ExitCode.USAGE,
        "is not UTF-8 text",
        files={"locustfile.py": WITH_HOST, "horde.conf": "users = 5 # caf\xe9\n"},
    ),
    "two load models": Case(
        ["--stages", "5s:1", "--arrival-rate", "5"], ExitCode.USAGE, "exclude each other"
    ),
    "bad stages": Case(["--stages", "5s:many"], ExitCode.USAGE, "users must be a whole number"),
    "bad threshold": Case(["--threshold", "p95<soon"], ExitCode.USAGE, "invalid threshold"),
    "unwritable CSV": Case(
        ["--csv", "/proc/horde-test/run"], ExitCode.OUTPUT, "cannot write CSV files"
    ),
}


def run_case(case: Case, tmp_path: Path, *extra: str) -> Result:
    for name, text in case.files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("latin-1") if "\xe9" in text else text.encode("utf-8"))
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


@pytest.mark.parametrize("stem", ["horde", "locust", "json"])
def test_a_locustfile_named_like_a_module_does_not_shadow_it(
    stem: str, fresh_target: str, tmp_path: Path
) -> None:
    # in a folder of its own: `python -m horde` (how tests run the command) would otherwise take
    # a horde.py in its working directory for the package itself, before horde's code runs
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / f"{stem}.py").write_text(GOOD, encoding="utf-8")
    result = run_horde(
        ["-f", f"tests/{stem}.py", "--headless", "-t", "1s", "-H", fresh_target, "--only-summary"],
        cwd=tmp_path,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert "Aggregated" in result.stdout


CLASS_EXECUTOR = WITH_HOST.replace(
    "    wait_time", "    executor = __import__('horde').constant_vus(-2)\n    wait_time"
)


@pytest.mark.parametrize(
    ("files", "args", "says"),
    [
        ({"locustfile.py": WITH_HOST}, ["--stages", "bogus"], "invalid stage 'bogus'"),
        ({"locustfile.py": CLASS_EXECUTOR}, [], "Visitor.executor: -u/--users must be"),
    ],
    ids=["bad stages", "bad class executor"],
)
def test_bad_plan_with_processes_tells_the_workers_to_leave(
    files: dict[str, str], args: list[str], says: str, tmp_path: Path
) -> None:
    """The master refuses the plan before starting: its forked workers are told to leave at
    once (they used to be waited for, then killed)."""
    result = run_case(Case(["--processes", "2", *args], ExitCode.USAGE, says, files), tmp_path)
    assert result.returncode == ExitCode.USAGE, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(f"horde: error: {says}")
    assert "did not exit: killing it" not in result.stderr
