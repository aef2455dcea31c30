"""Exit codes of a run (documented in horde.cli.exit_codes.ExitCode)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_horde
from horde.cli import exit_codes
from horde.cli.exit_codes import ExitCode

LOCUSTFILES = Path(__file__).parent / "locustfiles"

pytestmark = pytest.mark.slow


def run(
    target: str, tmp_path: Path, locustfile: str, *extra: str, env: dict[str, str] | None = None
) -> tuple[int, str]:
    result = run_horde(
        [
            "-f",
            str(LOCUSTFILES / locustfile),
            "--headless",
            "-H",
            target,
            "-t",
            "1s",
            "--only-summary",
            *extra,
        ],
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert "Traceback" not in result.stderr
    return result.returncode, result.stdout


def test_documented_values() -> None:
    assert [(c.name, int(c)) for c in ExitCode] == [
        ("OK", 0),
        ("FAILURES", 1),
        ("USAGE", 2),
        ("LOCUSTFILE", 3),
        ("INTERNAL", 4),
        ("OUTPUT", 5),
        ("THRESHOLDS", 6),
        ("REGRESSION", 7),
        ("DISTRIBUTED", 8),
        ("INTERRUPTED", 130),
    ]
    doc = exit_codes.__doc__ or ""
    for code in ExitCode:
        assert f"{int(code):<4}  {code.name}" in doc  # the module docstring documents each one


def test_clean_run_exits_0(demo_target: str, tmp_path: Path) -> None:
    code, stdout = run(demo_target, tmp_path, "steady.py")
    assert code == ExitCode.OK
    assert "0 failed" in stdout


def test_failures_exit_1(demo_target: str, tmp_path: Path) -> None:
    code, stdout = run(demo_target, tmp_path, "failing.py")
    assert code == ExitCode.FAILURES
    assert "/api/fail" in stdout


def test_user_exceptions_alone_exit_1(demo_target: str, tmp_path: Path) -> None:
    code, stdout = run(demo_target, tmp_path, "raising.py")
    assert code == ExitCode.FAILURES
    assert "0 failed" in stdout
    assert "KeyError: 'missing key, on purpose'" in stdout


def test_exit_code_on_error(demo_target: str, tmp_path: Path) -> None:
    code, _ = run(demo_target, tmp_path, "failing.py", "--exit-code-on-error", "3")
    assert code == 3


def test_exit_code_on_error_does_not_touch_clean_runs(demo_target: str, tmp_path: Path) -> None:
    code, _ = run(demo_target, tmp_path, "steady.py", "--exit-code-on-error", "3")
    assert code == ExitCode.OK


@pytest.mark.parametrize("wanted", [0, 42])
def test_process_exit_code_set_in_quitting_wins(
    demo_target: str, tmp_path: Path, wanted: int
) -> None:
    code, stdout = run(
        demo_target, tmp_path, "exit_code_listener.py", env={"WANTED_EXIT_CODE": str(wanted)}
    )
    assert "/api/fail" in stdout  # the run had failures: without the listener it would exit 1
    assert code == wanted


def test_internal_runner_failure_still_writes_outputs(demo_target: str, tmp_path: Path) -> None:
    result = run_horde(
        [
            "-f",
            str(LOCUSTFILES / "runner_breaks.py"),
            "--headless",
            "-H",
            demo_target,
            "-t",
            "20s",
            "--only-summary",
            "--csv",
            str(tmp_path / "run"),
            "--json-file",
            str(tmp_path / "run"),
        ],
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == ExitCode.INTERNAL
    assert "the statistics tick broke on purpose" in result.stderr
    assert "Traceback" not in result.stderr
    assert "Summary:" in result.stdout
    for suffix in (
        "_stats.csv",
        "_stats_history.csv",
        "_failures.csv",
        "_exceptions.csv",
        "_failure_samples.csv",
        ".json",
    ):
        assert (tmp_path / f"run{suffix}").stat().st_size > 0
    assert "/api/items" in (tmp_path / "run_stats.csv").read_text(encoding="utf-8")
