"""Listing and inspection flags, custom options, config files, and -f forms."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_horde
from horde._version import __version__

LOCUSTFILES = Path(__file__).parent / "locustfiles"
CUSTOM = str(LOCUSTFILES / "custom_options.py")
MULTI = LOCUSTFILES / "multi"


def test_list_user_classes(tmp_path: Path) -> None:
    result = run_horde(["-f", str(LOCUSTFILES / "delays.py"), "-l"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["Fast", "Slow"]


def test_f_takes_a_comma_list(tmp_path: Path) -> None:
    files = f"{MULTI / 'first.py'},{MULTI / 'second.py'}"
    result = run_horde(["-f", files, "--list"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["FirstUser", "SecondUser"]


def test_f_takes_a_directory_and_skips_underscore_files(tmp_path: Path) -> None:
    result = run_horde(["-f", str(MULTI), "--list"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["FirstUser", "SecondUser"]


def test_show_task_ratio(tmp_path: Path) -> None:
    result = run_horde(["-f", str(LOCUSTFILES / "delays.py"), "--show-task-ratio"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Task ratio per User class" in result.stdout
    assert "Total task ratio" in result.stdout
    assert "50.0%  Fast" in result.stdout
    assert "100.0%  fifty" in result.stdout


def test_show_task_ratio_json(tmp_path: Path) -> None:
    result = run_horde(
        ["-f", str(LOCUSTFILES / "delays.py"), "--show-task-ratio-json"], cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) == {"per_class", "total"}
    assert report["per_class"]["Fast"]["ratio"] == 1.0
    assert report["per_class"]["Fast"]["tasks"]["fifty"]["ratio"] == 1.0
    assert report["total"]["Fast"]["ratio"] == 0.5
    assert report["total"]["Slow"]["tasks"]["two_hundred"]["ratio"] == 0.5


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(tmp_path: Path, flag: str) -> None:
    result = run_horde([flag], cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith(f"horde {__version__} from ")
    assert "(Python 3." in result.stdout


def test_help_lists_builtin_and_custom_options(tmp_path: Path) -> None:
    result = run_horde(["-f", CUSTOM, "--help"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for flag in (
        "--locustfile",
        "--headless",
        "--users",
        "--spawn-rate",
        "--run-time",
        "--csv",
        "--json",
        "--exit-code-on-error",
        "--stop-timeout",
    ):
        assert flag in result.stdout
    assert "Options added by the locustfile" in result.stdout
    assert "--my-number" in result.stdout
    assert "--my-flag" in result.stdout


def test_help_without_a_locustfile(tmp_path: Path) -> None:
    result = run_horde(["--help"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "--headless" in result.stdout


def run_custom(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> str:
    result = run_horde(
        ["--headless", "-t", "10s", "--only-summary", *args], cwd=tmp_path, env=env, timeout=30
    )
    assert result.returncode == 0, result.stderr
    return next(line for line in result.stdout.splitlines() if line.startswith("my_number="))


def test_custom_option_defaults(tmp_path: Path) -> None:
    assert run_custom(tmp_path, "-f", CUSTOM) == "my_number=1 my_flag=False"


def test_custom_option_from_the_command_line(tmp_path: Path) -> None:
    line = run_custom(tmp_path, "-f", CUSTOM, "--my-number", "5", "--my-flag")
    assert line == "my_number=5 my_flag=True"


def test_custom_option_from_its_env_var(tmp_path: Path) -> None:
    assert run_custom(tmp_path, "-f", CUSTOM, env={"MY_NUMBER": "7"}) == (
        "my_number=7 my_flag=False"
    )


def test_command_line_beats_env_var(tmp_path: Path) -> None:
    line = run_custom(tmp_path, "-f", CUSTOM, "--my-number", "8", env={"MY_NUMBER": "7"})
    assert line == "my_number=8 my_flag=False"


CONFIG_FILES = {
    "horde.conf": "[horde]\nlocustfile = {path}\nmy-number = 9\nmy-flag = true\n",
    "locust.conf": "locustfile = {path}\nmy-number = 11\nmy-flag = true\n",
    "pyproject.toml": '[tool.horde]\nlocustfile = "{path}"\nmy-number = 13\nmy-flag = true\n',
}


@pytest.mark.parametrize("name", CONFIG_FILES)
def test_config_file_in_the_working_directory(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text(CONFIG_FILES[name].format(path=CUSTOM), encoding="utf-8")
    line = run_custom(tmp_path)
    number = {"horde.conf": 9, "locust.conf": 11, "pyproject.toml": 13}[name]
    assert line == f"my_number={number} my_flag=True"


def test_env_var_beats_config_file(tmp_path: Path) -> None:
    (tmp_path / "horde.conf").write_text(
        CONFIG_FILES["horde.conf"].format(path=CUSTOM), encoding="utf-8"
    )
    assert run_custom(tmp_path, env={"MY_NUMBER": "21"}) == "my_number=21 my_flag=True"


def test_builtin_options_from_env_and_config(tmp_path: Path) -> None:
    (tmp_path / "horde.conf").write_text(
        f"[horde]\nlocustfile = {CUSTOM}\nheadless = true\n", encoding="utf-8"
    )
    result = run_horde(
        ["-t", "10s", "--only-summary"],
        cwd=tmp_path,
        env={"HORDE_USERS": "3", "LOCUST_SPAWN_RATE": "100"},
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert "my_number=1 my_flag=False" in result.stdout
    assert "users=3 spawn_rate=100.0" in result.stdout
