"""Reading locust.conf-style files, pyproject.toml tables and environment variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from horde.config import OPTIONS, Option, Value
from horde.config.sources import (
    discover_config_files,
    read_conf_file,
    read_config_file,
    read_env,
    read_pyproject,
)
from horde.exceptions import ConfigError


def _conf(tmp_path: Path, text: str, name: str = "locust.conf") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _raw(values: dict[str, Value]) -> dict[str, object]:
    return {dest: v.raw for dest, v in values.items()}


# -- locust.conf ----------------------------------------------------------------------------


def test_conf_file_of_the_locust_documentation(tmp_path: Path) -> None:
    path = _conf(
        tmp_path,
        "# master.conf in current directory\n"
        "locustfile = locust_files/my_locust_file.py\n"
        "headless = true\n"
        "master = true\n"
        "expect-workers = 5\n"
        "host = https://target-system\n"
        "users = 100\n"
        "spawn-rate = 10\n"
        "run-time = 10m\n"
        "tags = [Critical, Normal]\n",
    )
    assert _raw(read_conf_file(path, OPTIONS)) == {
        "locustfile": "locust_files/my_locust_file.py",
        "headless": "true",
        "master": "true",
        "expect_workers": "5",
        "host": "https://target-system",
        "num_users": "100",
        "spawn_rate": "10",
        "run_time": "10m",
        "tags": ["Critical", "Normal"],
    }


def test_conf_origin_is_file_and_line(tmp_path: Path) -> None:
    path = _conf(tmp_path, "\n# comment\nusers = 3\n")
    assert read_conf_file(path, OPTIONS)["num_users"] == Value("3", f"{path}:3")


@pytest.mark.parametrize(
    ("line", "dest", "raw"),
    [
        ("users=7", "num_users", "7"),
        ("users : 7", "num_users", "7"),
        ("users 7", "num_users", "7"),
        ("num_users = 7", "num_users", "7"),
        ("num-users = 7", "num_users", "7"),
        ("spawn_rate = 2.5", "spawn_rate", "2.5"),
        ("users = 7  # seven", "num_users", "7"),
        ("users = 7 ; seven", "num_users", "7"),
        ('host = "http://h:1"', "host", "http://h:1"),
        ("host = 'http://h:1'  # quoted", "host", "http://h:1"),
        ("host = http://h/#frag", "host", "http://h/#frag"),
        ("host: http://h:8080/?a=b", "host", "http://h:8080/?a=b"),
        ("host = http://h:8080/?a=b", "host", "http://h:8080/?a=b"),
        ('web-login = "admin:pa ss # x"', "web_login", "admin:pa ss # x"),
        ("headless", "headless", "true"),
        ("headless  # no UI", "headless", "true"),
        ("headless#", "headless", "true"),
        ("headless = ", "headless", ""),
        ("tags = [a, b]", "tags", ["a", "b"]),
        ('tags = ["a", "b"]', "tags", ["a", "b"]),
        ("tags = [a, b]  # two", "tags", ["a", "b"]),
        ("tags = []", "tags", []),
        ("tags = a b", "tags", "a b"),
        ("  users = 7  ", "num_users", "7"),
    ],
)
def test_conf_line_syntax(tmp_path: Path, line: str, dest: str, raw: object) -> None:
    path = _conf(tmp_path, line + "\n")
    assert _raw(read_conf_file(path, OPTIONS)) == {dest: raw}


def test_conf_skips_comments_sections_and_blank_lines(tmp_path: Path) -> None:
    path = _conf(tmp_path, "[locust]\n\n# a comment\n; another\n   # indented\nusers = 1\n")
    assert _raw(read_conf_file(path, OPTIONS)) == {"num_users": "1"}


def test_conf_later_line_wins(tmp_path: Path) -> None:
    path = _conf(tmp_path, "users = 1\nusers = 2\n")
    assert read_conf_file(path, OPTIONS)["num_users"] == Value("2", f"{path}:2")


def test_conf_ignores_config_key(tmp_path: Path) -> None:
    path = _conf(tmp_path, "config = other.conf\nusers = 1\n")
    assert _raw(read_conf_file(path, OPTIONS)) == {"num_users": "1"}


def test_conf_unknown_key_suggests(tmp_path: Path) -> None:
    path = _conf(tmp_path, "users = 1\nspawn-rat = 3\n")
    with pytest.raises(ConfigError) as info:
        read_conf_file(path, OPTIONS)
    assert str(info.value) == f"{path}:2: unknown option 'spawn-rat' (did you mean 'spawn-rate'?)"


def test_conf_unknown_key_ignored_when_not_strict(tmp_path: Path) -> None:
    path = _conf(tmp_path, "my-custom = 1\nusers = 2\n")
    assert _raw(read_conf_file(path, OPTIONS, strict=False)) == {"num_users": "2"}


def test_conf_line_without_a_key(tmp_path: Path) -> None:
    path = _conf(tmp_path, "= 5\n")
    with pytest.raises(ConfigError, match=r"locust\.conf:1: expected 'key = value'"):
        read_conf_file(path, OPTIONS)


def test_conf_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"cannot read config file .*nope\.conf"):
        read_conf_file(tmp_path / "nope.conf", OPTIONS)


def test_conf_knows_custom_options(tmp_path: Path) -> None:
    custom = Option("my_arg", ("--my-arg",), kind="custom")
    path = _conf(tmp_path, "my-arg = 5\nmy_arg = 6\n")
    assert _raw(read_conf_file(path, (*OPTIONS, custom))) == {"my_arg": "6"}


# -- pyproject.toml -------------------------------------------------------------------------


def test_pyproject_native_types(tmp_path: Path) -> None:
    path = _conf(
        tmp_path,
        "[project]\nname = 'x'\n\n"
        "[tool.locust]\n"
        "users = 10\nspawn-rate = 2.5\nheadless = true\ntags = ['a', 'b']\nhost = 'http://h'\n",
        "pyproject.toml",
    )
    values = read_pyproject(path, OPTIONS)
    assert _raw(values) == {
        "num_users": 10,
        "spawn_rate": 2.5,
        "headless": True,
        "tags": ["a", "b"],
        "host": "http://h",
    }
    assert values["num_users"].origin == f"{path} [tool.locust] users"


def test_pyproject_horde_table_wins(tmp_path: Path) -> None:
    path = _conf(
        tmp_path,
        "[tool.horde]\nusers = 2\n\n[tool.locust]\nusers = 1\nrun_time = '1m'\n",
        "pyproject.toml",
    )
    values = read_pyproject(path, OPTIONS)
    assert values["num_users"] == Value(2, f"{path} [tool.horde] users")
    assert values["run_time"] == Value("1m", f"{path} [tool.locust] run_time")


def test_pyproject_without_tables(tmp_path: Path) -> None:
    text = "[project]\nname = 'x'\n[tool.ruff]\nline-length = 9\n"
    path = _conf(tmp_path, text, "pyproject.toml")
    assert read_pyproject(path, OPTIONS) == {}


def test_pyproject_unknown_key(tmp_path: Path) -> None:
    path = _conf(tmp_path, "[tool.horde]\nuserz = 2\n", "pyproject.toml")
    with pytest.raises(ConfigError, match=r"\[tool.horde\]: unknown option 'userz' \(did you mean"):
        read_pyproject(path, OPTIONS)
    assert read_pyproject(path, OPTIONS, strict=False) == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[tool.locust\n", "invalid TOML"),
        ("tool = 5\n", r"\[tool\] must be a table"),
        ("[tool]\nlocust = 5\n", r"\[tool.locust\] must be a table"),
    ],
)
def test_pyproject_malformed(tmp_path: Path, text: str, message: str) -> None:
    path = _conf(tmp_path, text, "pyproject.toml")
    with pytest.raises(ConfigError, match=message):
        read_pyproject(path, OPTIONS)


def test_read_config_file_picks_the_format(tmp_path: Path) -> None:
    toml = _conf(tmp_path, "[tool.locust]\nusers = 4\n", "extra.toml")
    conf = _conf(tmp_path, "users = 5\n", "extra.conf")
    assert _raw(read_config_file(toml, OPTIONS)) == {"num_users": 4}
    assert _raw(read_config_file(conf, OPTIONS)) == {"num_users": "5"}


# -- discovery ------------------------------------------------------------------------------


def test_discover_order_lowest_first(tmp_path: Path) -> None:
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    home.mkdir()
    cwd.mkdir()
    names = [
        home / ".locust.conf",
        home / ".horde.conf",
        cwd / "pyproject.toml",
        cwd / "locust.conf",
        cwd / "horde.conf",
    ]
    for path in names:
        path.write_text("", encoding="utf-8")
    (cwd / "other.conf").write_text("", encoding="utf-8")
    assert discover_config_files(cwd, home) == names
    assert discover_config_files(cwd, None) == names[2:]


def test_discover_skips_missing_files_and_directories(tmp_path: Path) -> None:
    (tmp_path / "locust.conf").mkdir()
    (tmp_path / "horde.conf").write_text("", encoding="utf-8")
    assert discover_config_files(tmp_path, tmp_path / "nohome") == [tmp_path / "horde.conf"]


# -- environment ----------------------------------------------------------------------------


def test_env_locust_and_horde_names() -> None:
    values, warnings = read_env(
        {"LOCUST_USERS": "5", "HORDE_SPAWN_RATE": "2", "PATH": "/bin", "LOCUST_OTHER": "x"},
        OPTIONS,
    )
    assert values == {
        "num_users": Value("5", "environment variable LOCUST_USERS"),
        "spawn_rate": Value("2", "environment variable HORDE_SPAWN_RATE"),
    }
    assert warnings == []


def test_env_horde_beats_locust() -> None:
    values, _ = read_env({"HORDE_USERS": "2", "LOCUST_USERS": "1"}, OPTIONS)
    assert values["num_users"] == Value("2", "environment variable HORDE_USERS")


@pytest.mark.parametrize(
    ("name", "dest"),
    [
        ("LOCUST_MODE_MASTER", "master"),
        ("LOCUST_MODE_WORKER", "worker"),
        ("LOCUST_MASTER_NODE_HOST", "master_host"),
        ("LOCUST_MASTER_NODE_PORT", "master_port"),
        ("LOCUST_CSV", "csv_prefix"),
        ("LOCUST_CSV_FULL_HISTORY", "stats_history_enabled"),
        ("LOCUST_USER_CLASSES", "user_classes"),
        ("LOCUST_LOCUSTFILE", "locustfile"),
        ("LOCUST_EXIT_CODE_ON_ERROR", "exit_code_on_error"),
    ],
)
def test_env_locust_special_names(name: str, dest: str) -> None:
    values, _ = read_env({name: "x"}, OPTIONS)
    assert values == {dest: Value("x", f"environment variable {name}")}


def test_env_kubernetes_service_variables_are_not_options() -> None:
    # Kubernetes sets these for a Service called "locust-master"; Locust renamed its variables
    # to LOCUST_MASTER_NODE_* so they would not clash.
    env = {
        "LOCUST_MASTER_PORT": "tcp://10.0.0.1:5557",
        "LOCUST_MASTER_SERVICE_HOST": "10.0.0.1",
        "LOCUST_MASTER_PORT_5557_TCP": "tcp://10.0.0.1:5557",
    }
    assert read_env(env, OPTIONS) == ({}, [])


@pytest.mark.parametrize(("name", "dest"), [("LOCUST_HATCH_RATE", "spawn_rate"),
                                            ("LOCUST_CLIENTS", "num_users")])  # fmt: skip
def test_env_legacy_names_with_a_warning(name: str, dest: str) -> None:
    values, warnings = read_env({name: "4"}, OPTIONS)
    assert values == {dest: Value("4", f"environment variable {name} (deprecated)")}
    assert len(warnings) == 1
    assert warnings[0].startswith(f"deprecated: {name} is now LOCUST_")


def test_env_new_name_beats_legacy_name() -> None:
    values, _ = read_env({"LOCUST_HATCH_RATE": "4", "LOCUST_SPAWN_RATE": "9"}, OPTIONS)
    assert values["spawn_rate"].raw == "9"


def test_env_unknown_horde_variable_is_a_warning_with_suggestion() -> None:
    values, warnings = read_env({"HORDE_USER": "5", "HORDE_ZZZZZZZZ": "1"}, OPTIONS)
    assert values == {}
    assert sorted(warnings) == [
        "ignoring unknown environment variable HORDE_USER (did you mean HORDE_USERS?)",
        "ignoring unknown environment variable HORDE_ZZZZZZZZ",
    ]


def test_env_custom_option_env_var() -> None:
    custom = Option("my_arg", ("--my-arg",), kind="custom", env=("MY_ARG",))
    values, warnings = read_env({"MY_ARG": "3", "HORDE_MY_ARG": "4"}, (*OPTIONS, custom))
    assert values == {"my_arg": Value("4", "environment variable HORDE_MY_ARG")}
    assert warnings == []
    values, _ = read_env({"MY_ARG": "3", "LOCUST_MY_ARG": "2"}, (*OPTIONS, custom))
    assert values == {"my_arg": Value("3", "environment variable MY_ARG")}


def test_pyproject_unreadable(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").mkdir()
    with pytest.raises(ConfigError, match=r"^cannot read .*pyproject\.toml"):
        read_pyproject(tmp_path / "pyproject.toml", OPTIONS)
