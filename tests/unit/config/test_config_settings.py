"""build_settings: layer precedence, recorded sources, conversion, validation, namespace."""

from __future__ import annotations

import argparse
import dataclasses
import itertools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from horde.config import Option, Settings, Value, build_settings, check_host
from horde.exceptions import ConfigError

CLI = "command line"


def cli(**values: Any) -> dict[str, Value]:
    return {dest: Value(raw, CLI) for dest, raw in values.items()}


@dataclasses.dataclass
class Dirs:
    cwd: Path
    home: Path

    def build(
        self,
        cli_values: Mapping[str, Value] | None = None,
        env: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> Settings:
        return build_settings(
            cli_values or {}, env=env or {}, cwd=self.cwd, home=self.home, **kwargs
        )

    def write(self, where: str, text: str) -> Path:
        base = self.home if where.startswith("~/") else self.cwd
        path = base / where.removeprefix("~/")
        path.write_text(text, encoding="utf-8")
        return path


@pytest.fixture
def dirs(tmp_path: Path) -> Dirs:
    (tmp_path / "cwd").mkdir()
    (tmp_path / "home").mkdir()
    return Dirs(tmp_path / "cwd", tmp_path / "home")


# -- defaults and layering ------------------------------------------------------------------


def test_defaults(dirs: Dirs) -> None:
    settings = dirs.build()
    assert settings == Settings()
    assert settings.sources == {}
    assert settings.warnings == ()
    assert settings.num_users is None
    assert settings.locustfile == "locustfile.py"


# Each layer sets users to its own number; the highest layer present must win.
_LAYERS = [
    "~/.locust.conf",
    "~/.horde.conf",
    "pyproject [tool.locust]",
    "pyproject [tool.horde]",
    "./locust.conf",
    "./horde.conf",
    "--config FILE",
    "LOCUST_USERS",
    "HORDE_USERS",
    "command line",
]


def _set_up_layers(dirs: Dirs, count: int) -> tuple[dict[str, Value], dict[str, str], list[str]]:
    """Create the lowest ``count`` layers; return cli, env and each layer's origin."""
    cli_values: dict[str, Value] = {}
    env: dict[str, str] = {}
    tables: list[str] = []
    origins: list[str] = []
    for number, layer in enumerate(_LAYERS[:count], start=1):
        if layer.startswith(("~/", "./")):
            path = dirs.write(layer.removeprefix("./"), f"# layer {number}\nusers = {number}\n")
            origins.append(f"{path}:2")
        elif layer.startswith("pyproject"):
            table = layer.split()[1]
            tables.append(f"{table}\nusers = {number}\n")
            dirs.write("pyproject.toml", "\n".join(tables))
            origins.append(f"{dirs.cwd / 'pyproject.toml'} {table} users")
        elif layer == "--config FILE":
            path = dirs.write("extra.conf", f"users = {number}\n")
            cli_values["config"] = Value(str(path), CLI)
            origins.append(f"{path}:1")
        elif layer == "command line":
            cli_values["num_users"] = Value(str(number), CLI)
            origins.append(CLI)
        else:
            env[layer] = str(number)
            origins.append(f"environment variable {layer}")
    return cli_values, env, origins


@pytest.mark.parametrize("count", range(len(_LAYERS) + 1), ids=["defaults", *_LAYERS])
def test_each_layer_overrides_the_ones_below(dirs: Dirs, count: int) -> None:
    cli_values, env, origins = _set_up_layers(dirs, count)
    settings = dirs.build(cli_values, env)
    if count == 0:
        assert settings.num_users is None
        assert "num_users" not in settings.sources
    else:
        assert settings.num_users == count
        assert settings.sources["num_users"] == origins[-1]


def test_layers_merge_per_option(dirs: Dirs) -> None:
    home_conf = dirs.write("~/.locust.conf", "run-time = 1m\nusers = 1\n")
    dirs.write("pyproject.toml", "[tool.locust]\nusers = 2\ntags = ['a']\n")
    local = dirs.write("locust.conf", "users = 3\n")
    settings = dirs.build(cli(host="http://h:1"), {"LOCUST_SPAWN_RATE": "4"})
    assert (settings.run_time, settings.num_users, settings.tags) == (60.0, 3, ("a",))
    assert (settings.spawn_rate, settings.host) == (4.0, "http://h:1")
    assert settings.sources == {
        "run_time": f"{home_conf}:1",
        "num_users": f"{local}:1",
        "tags": f"{dirs.cwd / 'pyproject.toml'} [tool.locust] tags",
        "spawn_rate": "environment variable LOCUST_SPAWN_RATE",
        "host": CLI,
    }


def test_home_is_optional(dirs: Dirs) -> None:
    dirs.write("~/.locust.conf", "users = 1\n")
    settings = build_settings({}, env={}, cwd=dirs.cwd)
    assert settings.num_users is None


def test_read_files_false_skips_discovered_files(dirs: Dirs) -> None:
    dirs.write("locust.conf", "users = 1\n")
    dirs.write("~/.locust.conf", "users = 2\n")
    assert dirs.build(read_files=False).num_users is None


def test_only_the_winning_value_is_converted(dirs: Dirs) -> None:
    dirs.write("~/.locust.conf", "users = lots\n")
    settings = dirs.build(cli(num_users="5"), {"HORDE_USERS": "ten"})
    assert settings.num_users == 5


# -- --config FILE --------------------------------------------------------------------------


def test_config_file_from_env(dirs: Dirs) -> None:
    path = dirs.write("ci.conf", "users = 12\n")
    settings = dirs.build(env={"LOCUST_CONFIG": str(path)})
    assert settings.num_users == 12
    assert settings.config == str(path)
    assert settings.sources["config"] == "environment variable LOCUST_CONFIG"


def test_config_file_on_command_line_beats_env(dirs: Dirs) -> None:
    a = dirs.write("a.conf", "users = 1\n")
    b = dirs.write("b.conf", "users = 2\n")
    assert dirs.build(cli(config=str(b)), {"HORDE_CONFIG": str(a)}).num_users == 2


def test_relative_config_file_is_relative_to_cwd(dirs: Dirs) -> None:
    (dirs.cwd / "conf").mkdir()
    dirs.write("conf/ci.conf", "users = 12\n")
    assert dirs.build(cli(config="conf/ci.conf")).num_users == 12


def test_toml_config_file(dirs: Dirs) -> None:
    dirs.write("ci.toml", "[tool.locust]\nusers = 12\n")
    assert dirs.build(cli(config="ci.toml")).num_users == 12


def test_missing_config_file_names_it(dirs: Dirs) -> None:
    with pytest.raises(ConfigError) as info:
        dirs.build(cli(config="missing.conf"))
    message = str(info.value)
    assert message.startswith("config file not found: ")
    assert str(dirs.cwd / "missing.conf") in message
    assert "(from command line)" in message


def test_config_file_unknown_key(dirs: Dirs) -> None:
    dirs.write("ci.conf", "users = 1\nrun-tim = 5m\n")
    with pytest.raises(ConfigError, match=r"ci\.conf:2: unknown option 'run-tim' \(did you mean"):
        dirs.build(cli(config="ci.conf"))
    assert dirs.build(cli(config="ci.conf"), strict=False).num_users == 1


@pytest.mark.parametrize(
    ("name", "text"),
    [("locust.conf", "userz = 1\n"), ("pyproject.toml", "[tool.locust]\nuserz = 1\n")],
)
def test_discovered_file_unknown_key(dirs: Dirs, name: str, text: str) -> None:
    dirs.write(name, text)
    with pytest.raises(ConfigError, match=r"unknown option 'userz' \(did you mean 'users'\?\)"):
        dirs.build()
    assert dirs.build(strict=False).num_users is None


# -- environment ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "field", "value"),
    [
        ({"LOCUST_MODE_MASTER": "true"}, "master", True),
        ({"LOCUST_MODE_WORKER": "1"}, "worker", True),
        ({"LOCUST_MASTER_NODE_HOST": "10.0.0.9"}, "master_host", "10.0.0.9"),
        ({"LOCUST_MASTER_NODE_PORT": "6000"}, "master_port", 6000),
        ({"LOCUST_CSV": "out/run"}, "csv_prefix", "out/run"),
        ({"LOCUST_CSV_FULL_HISTORY": "true"}, "stats_history_enabled", True),
        ({"LOCUST_TAGS": "a b"}, "tags", ("a", "b")),
        ({"LOCUST_EXCLUDE_TAGS": "a,b"}, "exclude_tags", ("a", "b")),
        ({"LOCUST_USER_CLASSES": "UserA UserB"}, "user_classes", ("UserA", "UserB")),
        ({"LOCUST_RUN_TIME": "1h20m"}, "run_time", 4800.0),
        ({"LOCUST_STOP_TIMEOUT": "10"}, "stop_timeout", 10.0),
        ({"LOCUST_LOGLEVEL": "debug"}, "loglevel", "DEBUG"),
        ({"LOCUST_HATCH_RATE": "3"}, "spawn_rate", 3.0),
        ({"LOCUST_CLIENTS": "3"}, "num_users", 3),
        ({"HORDE_HEADLESS": "yes"}, "headless", True),
        ({"HORDE_WEB_PORT": " 8090 "}, "web_port", 8090),
        ({"HORDE_SPAWN_RATE": "0.5"}, "spawn_rate", 0.5),
    ],
)
def test_env_values(dirs: Dirs, env: dict[str, str], field: str, value: object) -> None:
    settings = dirs.build(env=env)
    assert getattr(settings, field) == value
    assert settings.sources[field].startswith(f"environment variable {next(iter(env))}")


def test_legacy_env_warns(dirs: Dirs) -> None:
    settings = dirs.build(env={"LOCUST_HATCH_RATE": "3"})
    assert settings.warnings == ("deprecated: LOCUST_HATCH_RATE is now LOCUST_SPAWN_RATE",)


def test_unknown_horde_env_is_a_warning_not_an_error(dirs: Dirs) -> None:
    settings = dirs.build(env={"HORDE_SPAWNRATE": "3", "LOCUST_WHATEVER": "1"})
    assert settings.spawn_rate is None
    assert settings.warnings == (
        "ignoring unknown environment variable HORDE_SPAWNRATE (did you mean HORDE_SPAWN_RATE?)",
    )


# -- conversion -----------------------------------------------------------------------------

_TRUE = ["1", "true", "True", "TRUE", "yes", "on", "t", "y", " true "]
_FALSE = ["0", "false", "False", "no", "off", "f", "n", ""]


@pytest.mark.parametrize(
    ("raw", "value"), [(r, True) for r in _TRUE] + [(r, False) for r in _FALSE]
)
def test_bool_words(dirs: Dirs, raw: str, value: bool) -> None:
    assert dirs.build(env={"HORDE_HEADLESS": raw}).headless is value


@given(st.sampled_from(["true", "yes", "on", "1", "false", "no", "off", "0"]), st.data())
def test_bool_words_any_case(tmp_path_factory: pytest.TempPathFactory, word: str,
                             data: st.DataObject) -> None:  # fmt: skip
    mixed = "".join(
        c.upper() if data.draw(st.booleans(), label=f"upper {i}") else c for i, c in enumerate(word)
    )
    cwd = tmp_path_factory.getbasetemp()
    settings = build_settings({}, env={"HORDE_HEADLESS": mixed}, cwd=cwd, read_files=False)
    assert settings.headless is (word in {"true", "yes", "on", "1"})


@given(
    st.text(alphabet=st.characters(codec="ascii", categories=["L", "N"]), min_size=1).filter(
        lambda s: s.strip().lower() not in {*(w.strip().lower() for w in _TRUE), *_FALSE}
    )
)
def test_other_words_are_not_bools(tmp_path_factory: pytest.TempPathFactory, word: str) -> None:
    cwd = tmp_path_factory.getbasetemp()
    with pytest.raises(ConfigError, match=r"--headless \(environment variable HORDE_HEADLESS\)"):
        build_settings({}, env={"HORDE_HEADLESS": word}, cwd=cwd, read_files=False)


def test_bool_from_command_line_is_kept(dirs: Dirs) -> None:
    assert dirs.build(cli(headless=True)).headless is True


def test_toml_native_types(dirs: Dirs) -> None:
    dirs.write(
        "pyproject.toml",
        "[tool.locust]\nusers = 10\nspawn-rate = 2\nheadless = true\ntags = ['a', 'b c']\n"
        "run-time = 90\nstop-timeout = '1m'\nloglevel = 'warning'\n",
    )
    settings = dirs.build()
    assert settings.num_users == 10
    assert settings.spawn_rate == 2.0
    assert isinstance(settings.spawn_rate, float)
    assert settings.headless is True
    assert settings.tags == ("a", "b", "c")
    assert (settings.run_time, settings.stop_timeout) == (90.0, 60.0)
    assert settings.loglevel == "WARNING"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("users = 10.5", "10.5 is not a whole number"),
        ("users = true", "True is not a whole number"),
        ("spawn-rate = false", "False is not a number"),
        ("headless = 'maybe'", "'maybe' is not true or false"),
        ("run-time = true", "True"),
    ],
)
def test_toml_wrong_types(dirs: Dirs, text: str, message: str) -> None:
    dirs.write("pyproject.toml", f"[tool.locust]\n{text}\n")
    with pytest.raises(ConfigError, match=message):
        dirs.build()


def test_conf_file_list_syntax(dirs: Dirs) -> None:
    dirs.write("locust.conf", 'tags = [a, "b"]\nexclude-tags = x y\n')
    settings = dirs.build()
    assert (settings.tags, settings.exclude_tags) == (("a", "b"), ("x", "y"))


def test_list_values_from_the_command_line(dirs: Dirs) -> None:
    settings = dirs.build(cli(tags=["a,b", "c"], user_classes=["U1"]))
    assert settings.tags == ("a", "b", "c")
    assert settings.user_classes == ("U1",)


# -- headless defaults ----------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["headless", "autostart"])
def test_headless_defaults_users_and_rate_to_one(dirs: Dirs, flag: str) -> None:
    settings = dirs.build(cli(**{flag: True}))
    assert (settings.num_users, settings.spawn_rate) == (1, 1.0)
    assert "num_users" not in settings.sources


def test_headless_keeps_given_users_and_rate(dirs: Dirs) -> None:
    settings = dirs.build(cli(headless=True, num_users="50"), {"HORDE_SPAWN_RATE": "5"})
    assert (settings.num_users, settings.spawn_rate) == (50, 5.0)


def test_no_defaults_without_headless(dirs: Dirs) -> None:
    settings = dirs.build()
    assert (settings.num_users, settings.spawn_rate) == (None, None)


# -- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cli_values", "env", "message"),
    [
        ({"num_users": "-5"}, {}, r"^-u/--users must be between 0 and 1,000,000 .*, got -5$"),
        ({}, {"HORDE_USERS": "-5"}, r"got -5 \(from environment variable HORDE_USERS\)"),
        ({}, {"HORDE_USERS": "ten"},
         r"^invalid value for -u/--users \(environment variable HORDE_USERS\): "
         r"'ten' is not a whole number$"),
        ({"num_users": "2.5"}, {}, r"^invalid value for -u/--users: '2.5' is not a whole number"),
        ({"spawn_rate": "0"}, {}, r"^-r/--spawn-rate must be above 0, got 0$"),
        ({"spawn_rate": "-1"}, {}, r"-r/--spawn-rate must be above 0, got -1"),
        ({"spawn_rate": "nan"}, {}, r"-r/--spawn-rate: 'nan' is not a finite number"),
        ({"spawn_rate": "inf"}, {}, r"'inf' is not a finite number"),
        ({"spawn_rate": "fast"}, {}, r"-r/--spawn-rate: 'fast' is not a number"),
        ({"run_time": "soon"}, {}, r"^invalid value for -t/--run-time: 'soon': use seconds"),
        ({}, {"LOCUST_RUN_TIME": "1x"}, r"-t/--run-time \(environment variable LOCUST_RUN_TIME\)"),
        ({"stop_timeout": "-5"}, {}, r"-s/--stop-timeout: .*must not be negative"),
        ({"exit_code_on_error": "256"}, {},
         r"^--exit-code-on-error must be between 0 and 255, got 256$"),
        ({"exit_code_on_error": "-1"}, {}, r"between 0 and 255, got -1"),
        ({"web_port": "70000"}, {}, r"^--web-port must be a port \(0-65535\), got 70000$"),
        ({}, {"HORDE_MASTER_PORT": "-1"},
         r"--master-port must be a port \(0-65535\), got -1 \(from environment variable"),
        ({"master_bind_port": "65536"}, {}, r"--master-bind-port must be a port"),
        ({"web_port": "http"}, {}, r"-P/--web-port: 'http' is not a whole number"),
        ({"master": True, "worker": True}, {}, r"--master and --worker exclude each other"),
        ({"master": True}, {"LOCUST_MODE_WORKER": "true"}, r"--master and --worker"),
        ({"loglevel": "LOUD"}, {},
         r"^invalid value for -L/--loglevel: 'LOUD' is not one of DEBUG, INFO, WARNING, "
         r"ERROR, CRITICAL$"),
        ({"web_base_path": "ui"}, {}, r"--web-base-path must start with '/', got 'ui'"),
        # a master sent these to its workers, which refused them: a test with no worker at all
        ({"heartbeat_interval": "1e308"}, {}, r"^--heartbeat-interval must be between 0.1 and "
         r"86,400 seconds, got 1e\+308$"),
        ({"heartbeat_interval": "0.000001"}, {}, r"--heartbeat-interval must be between 0.1"),
        ({"master_heartbeat_timeout": "1e300"}, {}, r"--master-heartbeat-timeout must be "
         r"between twice --heartbeat-interval \(2\) and 86,400 seconds, got 1e\+300"),
        ({"master_heartbeat_timeout": "0.001"}, {}, r"--master-heartbeat-timeout must be"),
        ({"heartbeat_interval": "40"}, {}, r"between twice --heartbeat-interval \(80\)"),
        ({"worker": True, "master_port": "0"}, {}, r"^--master-port must be the master's port "
         r"\(1-65535\), got 0"),
    ],
)  # fmt: skip
def test_invalid_values(
    dirs: Dirs, cli_values: dict[str, Any], env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        dirs.build(cli(**cli_values), env)


def test_invalid_value_in_conf_file_names_file_and_line(dirs: Dirs) -> None:
    path = dirs.write("locust.conf", "\nusers = ten\n")
    with pytest.raises(ConfigError) as info:
        dirs.build()
    expected = f"invalid value for -u/--users ({path}:2): 'ten' is not a whole number"
    assert str(info.value) == expected


def test_negative_users_from_conf_file_names_file(dirs: Dirs) -> None:
    path = dirs.write("locust.conf", "users = -1\n")
    with pytest.raises(ConfigError, match=f"got -1 \\(from {path}:1\\)"):
        dirs.build()


def test_zero_users_is_allowed(dirs: Dirs) -> None:
    assert dirs.build(cli(num_users="0", headless=True)).num_users == 0


@pytest.mark.parametrize(
    "host",
    [
        "localhost:8080",
        "127.0.0.1:8080",
        "ftp://x",
        "http://",
        "https://",
        "http:///path",
        "http://:8080",
        "example.com",
        "//example.com",
        "/path",
    ],
)
def test_bad_host(dirs: Dirs, host: str) -> None:
    with pytest.raises(ConfigError, match=r"invalid host .*use an absolute URL such as http://"):
        dirs.build(cli(host=host))


@pytest.mark.parametrize("host", ["http://x:99999", "http://x:abc", "http://x:-1", "http://x:0"])
def test_bad_host_port(dirs: Dirs, host: str) -> None:
    with pytest.raises(ConfigError, match=r"invalid port in host .*use a number from 1 to 65535"):
        dirs.build(cli(host=host))


def test_bad_host_from_env_names_the_variable(dirs: Dirs) -> None:
    with pytest.raises(ConfigError, match=r"\(from environment variable LOCUST_HOST\)"):
        dirs.build(env={"LOCUST_HOST": "localhost:8080"})


@pytest.mark.parametrize(
    "host",
    [
        "http://127.0.0.1:8080",
        "https://example.com",
        "https://example.com/base/",
        "http://[::1]:8080",
        "HTTP://EXAMPLE.COM",
        "http://user:pw@h:1/x?y=1",
    ],
)
def test_good_host(dirs: Dirs, host: str) -> None:
    assert dirs.build(cli(host=host)).host == host
    check_host(host)


def test_empty_host_means_unset(dirs: Dirs) -> None:
    assert dirs.build(env={"LOCUST_HOST": ""}).host == ""


def test_check_host_where_suffix() -> None:
    with pytest.raises(ConfigError, match=r"^invalid host 'x' \(the host of U\): use"):
        check_host("x", " (the host of U)")


# -- the Settings object --------------------------------------------------------------------


def test_settings_is_frozen() -> None:
    settings = Settings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.num_users = 5  # type: ignore[misc]
    changed = settings.replace(num_users=5)
    assert (settings.num_users, changed.num_users) == (None, 5)


@pytest.mark.parametrize(
    ("debug", "loglevel", "expected"),
    [(False, "INFO", False), (True, "INFO", True), (False, "DEBUG", True)],
)
def test_show_tracebacks(debug: bool, loglevel: str, expected: bool) -> None:
    assert Settings(debug=debug, loglevel=loglevel).show_tracebacks is expected


def test_as_namespace_uses_locust_names(dirs: Dirs) -> None:
    custom = Option("my_arg", ("--my-arg",), kind="custom", default=3, converter=int)
    settings = dirs.build(
        cli(
            num_users="10",
            spawn_rate="2",
            host="http://h:1",
            run_time="1m",
            csv_prefix="out",
            stats_history_enabled=True,
            headless=True,
            tags=["a", "b"],
            user_classes=["U"],
        ),
        custom=[custom],
    )
    ns = settings.as_namespace()
    assert ns.num_users == 10
    assert ns.spawn_rate == 2.0
    assert ns.host == "http://h:1"
    assert ns.run_time == 60.0
    assert ns.csv_prefix == "out"
    assert ns.stats_history_enabled is True
    assert ns.headless is True
    assert ns.tags == ["a", "b"]
    assert isinstance(ns.tags, list)
    assert ns.exclude_tags is None
    assert ns.user_classes == ["U"]
    assert ns.my_arg == 3
    assert ns.web_port == 8089
    assert ns.exit_code_on_error == 1
    for internal in ("extra", "sources", "warnings"):
        assert not hasattr(ns, internal)
    field_names = {f.name for f in dataclasses.fields(Settings)} - {"extra", "sources", "warnings"}
    assert set(vars(ns)) == field_names | {"my_arg"}


# -- options added by a locustfile -----------------------------------------------------------


def _my_arg(**kwargs: Any) -> Option:
    base: dict[str, Any] = {
        "kind": "custom", "default": 3, "converter": int, "env": ("MY_ARG",), "group": "custom"
    }  # fmt: skip
    base.update(kwargs)
    return Option("my_arg", ("--my-arg",), **base)


def test_custom_option_default(dirs: Dirs) -> None:
    settings = dirs.build(custom=[_my_arg()])
    assert settings.extra == {"my_arg": 3}
    assert "my_arg" not in settings.sources


def test_custom_option_string_default_goes_through_type(dirs: Dirs) -> None:
    assert dirs.build(custom=[_my_arg(default="5")]).extra == {"my_arg": 5}


@pytest.mark.parametrize(
    ("where", "text", "env", "origin_end"),
    [
        ("locust.conf", "my-arg = 9\n", {}, "locust.conf:1"),
        ("pyproject.toml", "[tool.locust]\nmy-arg = 9\n", {}, "[tool.locust] my-arg"),
        ("pyproject.toml", "[tool.locust]\nmy_arg = '9'\n", {}, "[tool.locust] my_arg"),
        (None, "", {"MY_ARG": "9"}, "environment variable MY_ARG"),
        (None, "", {"HORDE_MY_ARG": "9"}, "environment variable HORDE_MY_ARG"),
    ],
)
def test_custom_option_sources(
    dirs: Dirs, where: str | None, text: str, env: dict[str, str], origin_end: str
) -> None:
    if where:
        dirs.write(where, text)
    settings = dirs.build(env=env, custom=[_my_arg()])
    assert settings.extra == {"my_arg": 9}
    assert settings.sources["my_arg"].endswith(origin_end)


def test_custom_option_command_line_wins(dirs: Dirs) -> None:
    dirs.write("locust.conf", "my-arg = 1\n")
    settings = dirs.build(cli(my_arg="2"), {"MY_ARG": "3"}, custom=[_my_arg()])
    assert settings.extra == {"my_arg": 2}


def test_custom_option_bad_value(dirs: Dirs) -> None:
    with pytest.raises(ConfigError, match=r"^invalid value for --my-arg \(environment variable "
                                          r"MY_ARG\): invalid literal for int"):  # fmt: skip
        dirs.build(env={"MY_ARG": "x"}, custom=[_my_arg()])


def test_custom_option_choices(dirs: Dirs) -> None:
    option = Option(
        "target_env", ("--target-env",), kind="custom", default="dev", choices=("dev", "prod")
    )
    assert dirs.build(env={"HORDE_TARGET_ENV": "prod"}, custom=[option]).extra == {
        "target_env": "prod"
    }
    with pytest.raises(ConfigError, match=r"--target-env .*: 'qa'; choose from dev, prod"):
        dirs.build(env={"HORDE_TARGET_ENV": "qa"}, custom=[option])


def test_custom_option_choices_checked_per_item(dirs: Dirs) -> None:
    option = Option("envs", ("--envs",), kind="custom", choices=("dev", "prod"))
    assert dirs.build(cli(envs=["dev", "prod"]), custom=[option]).extra == {"envs": ["dev", "prod"]}
    with pytest.raises(ConfigError, match="'qa'; choose from"):
        dirs.build(cli(envs=["dev", "qa"]), custom=[option])


def test_custom_option_typed_choices(dirs: Dirs) -> None:
    option = Option("level", ("--level",), kind="custom", converter=int, choices=(1, 2, 3))
    assert dirs.build(cli(level="2"), custom=[option]).extra == {"level": 2}
    with pytest.raises(ConfigError, match="choose from 1, 2, 3"):
        dirs.build(cli(level="4"), custom=[option])


def test_custom_option_float_from_toml_int(dirs: Dirs) -> None:
    dirs.write("pyproject.toml", "[tool.locust]\nratio = 2\n")
    option = Option("ratio", ("--ratio",), kind="custom", converter=float)
    settings = dirs.build(custom=[option])
    assert settings.extra == {"ratio": 2.0}
    assert isinstance(settings.extra["ratio"], float)


def test_custom_option_without_type_keeps_value(dirs: Dirs) -> None:
    option = Option("note", ("--note",), kind="custom", default="hi")
    assert dirs.build(custom=[option]).extra == {"note": "hi"}
    assert dirs.build(env={"HORDE_NOTE": "yo"}, custom=[option]).extra == {"note": "yo"}


def test_custom_bool_option(dirs: Dirs) -> None:
    option = Option("my_flag", ("--my-flag",), kind="bool", default=False, group="custom")
    assert dirs.build(custom=[option]).extra == {"my_flag": False}
    assert dirs.build(env={"HORDE_MY_FLAG": "on"}, custom=[option]).extra == {"my_flag": True}
    dirs.write("locust.conf", "my-flag\n")
    assert dirs.build(custom=[option]).extra == {"my_flag": True}


def test_custom_option_env_in_first_pass_is_a_warning_only(dirs: Dirs) -> None:
    # The first (lenient) pass does not know the locustfile's options yet.
    settings = dirs.build(env={"HORDE_MY_ARG": "4"}, strict=False)
    assert settings.extra == {}
    assert len(settings.warnings) == 1


def test_every_combination_of_sources_is_recorded(dirs: Dirs) -> None:
    dirs.write("locust.conf", "users = 1\n")
    for use_env, use_cli in itertools.product([False, True], repeat=2):
        settings = dirs.build(
            cli(num_users="3") if use_cli else None, {"HORDE_USERS": "2"} if use_env else None
        )
        expected = 3 if use_cli else 2 if use_env else 1
        assert settings.num_users == expected


def test_custom_option_toml_bool_reaches_type_as_locust_spells_it(dirs: Dirs) -> None:
    dirs.write("pyproject.toml", "[tool.locust]\nmode = true\n")
    option = Option("mode", ("--mode",), kind="custom", converter=str)
    assert dirs.build(custom=[option]).extra == {"mode": "true"}


def test_custom_option_suppressed_default_is_none(dirs: Dirs) -> None:
    option = Option("quiet", ("--quiet",), kind="custom", default=argparse.SUPPRESS)
    assert dirs.build(custom=[option]).extra == {"quiet": None}


def test_stages_and_thresholds_from_a_config_file_keep_their_items_whole(tmp_path: Path) -> None:
    (tmp_path / "horde.conf").write_text(
        'stages = [30s:10, 1m:10]\nthreshold = ["GET /api: p99<1s", "fail_ratio<1%"]\n',
        encoding="utf-8",
    )
    settings = build_settings({}, env={}, cwd=tmp_path)
    assert settings.stages == ("30s:10", "1m:10")
    assert settings.thresholds == ("GET /api: p99<1s", "fail_ratio<1%")
