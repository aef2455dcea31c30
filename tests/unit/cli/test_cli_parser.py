"""The command-line parser: Locust's flags, legacy spellings, unknown flags, custom options."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

import pytest

from horde import event
from horde.cli.parser import (
    CLI,
    HordeArgumentParser,
    ParsedArgs,
    build_parser,
    parse,
    reject_unknown,
)
from horde.config import OPTIONS, Settings, Value, build_settings
from horde.exceptions import ConfigError


@pytest.fixture(autouse=True)
def fresh_notices(monkeypatch: pytest.MonkeyPatch) -> None:
    """Deprecation notices are logged once per process: start each test with none given."""
    monkeypatch.setattr(event, "_notices_given", set())


@pytest.fixture
def parser() -> HordeArgumentParser:
    return build_parser()


def raw(parser: HordeArgumentParser, *argv: str) -> dict[str, Any]:
    parsed = parse(parser, argv)
    assert parsed.unknown == []
    assert all(v.origin == CLI for v in parsed.values.values())
    return {dest: v.raw for dest, v in parsed.values.items()}


def settings(parser: HordeArgumentParser, tmp_path: Path, *argv: str) -> Settings:
    parsed = parse(parser, argv)
    reject_unknown(parser, parsed.unknown)
    return build_settings(
        parsed.values, env={}, cwd=tmp_path, custom=parser.custom_options, read_files=False
    )


# -- Locust's flags -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["-f", "a.py"], {"locustfile": "a.py"}),
        (["--locustfile", "a.py,b.py"], {"locustfile": "a.py,b.py"}),
        (["--config", "x.conf"], {"config": "x.conf"}),
        (["-H", "http://h"], {"host": "http://h"}),
        (["--host=http://h"], {"host": "http://h"}),
        (["-u", "5"], {"num_users": "5"}),
        (["--users", "5"], {"num_users": "5"}),
        (["-r", "2"], {"spawn_rate": "2"}),
        (["--spawn-rate", "2"], {"spawn_rate": "2"}),
        (["-t", "1m"], {"run_time": "1m"}),
        (["--run-time", "1m"], {"run_time": "1m"}),
        (["-l"], {"list_commands": True}),
        (["--list"], {"list_commands": True}),
        (["--show-task-ratio"], {"show_task_ratio": True}),
        (["--show-task-ratio-json"], {"show_task_ratio_json": True}),
        (["--exit-code-on-error", "3"], {"exit_code_on_error": "3"}),
        (["-s", "5s"], {"stop_timeout": "5s"}),
        (["--stop-timeout", "5s"], {"stop_timeout": "5s"}),
        (["--equal-weights"], {"equal_weights": True}),
        (["--headless"], {"headless": True}),
        (["--autostart"], {"autostart": True}),
        (["--autoquit", "10"], {"autoquit": "10"}),
        (["--autoquit", "-1"], {"autoquit": "-1"}),
        (["--web-host", "0.0.0.0"], {"web_host": "0.0.0.0"}),
        (["-P", "8090"], {"web_port": "8090"}),
        (["--web-port", "8090"], {"web_port": "8090"}),
        (["--web-base-path", "/x"], {"web_base_path": "/x"}),
        (["--tls-cert", "c.pem", "--tls-key", "k.pem"], {"tls_cert": "c.pem", "tls_key": "k.pem"}),
        (["--master"], {"master": True}),
        (["--worker"], {"worker": True}),
        (["--master-host", "m"], {"master_host": "m"}),
        (["--master-port", "6000"], {"master_port": "6000"}),
        (["--master-bind-host", "*"], {"master_bind_host": "*"}),
        (["--master-bind-port", "6000"], {"master_bind_port": "6000"}),
        (["--expect-workers", "3"], {"expect_workers": "3"}),
        (["--processes", "-1"], {"processes": "-1"}),
        (["-T", "a", "b"], {"tags": ["a", "b"]}),
        (["--tags", "a,b"], {"tags": ["a,b"]}),
        (["-E", "x"], {"exclude_tags": ["x"]}),
        (["--exclude-tags", "x", "y"], {"exclude_tags": ["x", "y"]}),
        (["--csv", "out/run"], {"csv_prefix": "out/run"}),
        (["--csv-full-history"], {"stats_history_enabled": True}),
        (["--print-stats"], {"print_stats": True}),
        (["--only-summary"], {"only_summary": True}),
        (["--reset-stats"], {"reset_stats": True}),
        (["--json"], {"json": True}),
        (["--json-file", "r"], {"json_file": "r"}),
        (["-L", "debug"], {"loglevel": "debug"}),
        (["--loglevel", "ERROR"], {"loglevel": "ERROR"}),
        (["--logfile", "l.log"], {"logfile": "l.log"}),
        (["--skip-log-setup"], {"skip_log_setup": True}),
        (["--debug"], {"debug": True}),
        (["UserA"], {"user_classes": ["UserA"]}),
        (["UserA", "UserB"], {"user_classes": ["UserA", "UserB"]}),
        ([], {}),
    ],
)
def test_flag_to_dest(
    parser: HordeArgumentParser, argv: list[str], expected: dict[str, Any]
) -> None:
    assert raw(parser, *argv) == expected


def test_every_option_flag_is_known_to_the_parser(parser: HordeArgumentParser) -> None:
    by_flag = {s: a.dest for a in parser._actions for s in a.option_strings}
    for option in OPTIONS:
        for flag in option.flags:
            if flag.startswith("-"):
                assert by_flag[flag] == option.dest


def test_a_typical_headless_run(parser: HordeArgumentParser, tmp_path: Path) -> None:
    argv = ["-u", "100", "-r", "20", "-t", "1m", "-H", "http://h:8080"]
    result = settings(parser, tmp_path, *argv, "--csv", "out", "--headless")
    assert result.num_users == 100
    assert result.spawn_rate == 20.0
    assert result.run_time == 60.0
    assert result.host == "http://h:8080"
    assert result.csv_prefix == "out"
    assert result.headless is True
    assert all(result.sources[d] == CLI for d in ("num_users", "spawn_rate", "run_time", "host"))


def test_user_classes_after_options(parser: HordeArgumentParser, tmp_path: Path) -> None:
    result = settings(parser, tmp_path, "--headless", "-u", "2", "UserA", "UserB")
    assert result.user_classes == ("UserA", "UserB")


def test_user_classes_before_options(parser: HordeArgumentParser, tmp_path: Path) -> None:
    result = settings(parser, tmp_path, "UserA", "UserB", "--headless")
    assert result.user_classes == ("UserA", "UserB")


@pytest.mark.parametrize("argv", [["-T", "a", "b"], ["-T", "a,b"], ["-T", "a,", "b"]])
def test_tags_spellings(parser: HordeArgumentParser, tmp_path: Path, argv: list[str]) -> None:
    assert settings(parser, tmp_path, *argv).tags == ("a", "b")


def test_tags_then_user_class_needs_another_option_between(
    parser: HordeArgumentParser, tmp_path: Path
) -> None:
    # As with Locust (argparse nargs="*"): a name right after -T is taken as a tag.
    result = settings(parser, tmp_path, "-T", "a", "--headless", "UserA")
    assert (result.tags, result.user_classes) == (("a",), ("UserA",))


def test_later_flag_wins(parser: HordeArgumentParser) -> None:
    assert raw(parser, "-u", "1", "--users", "2") == {"num_users": "2"}


def test_flag_missing_its_value_is_a_config_error(parser: HordeArgumentParser) -> None:
    with pytest.raises(ConfigError, match=r"argument -u/--users: expected one argument"):
        parse(parser, ["-u"])


def test_no_abbreviations(parser: HordeArgumentParser) -> None:
    parsed = parse(parser, ["--spawn", "3"])
    assert parsed.unknown == ["--spawn"]


def test_negative_users_reaches_validation(parser: HordeArgumentParser, tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"-u/--users must be between 0 and 1,000,000 \(per process\), got -5"
    ):
        settings(parser, tmp_path, "-u", "-5")


# -- --help and --version -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "help_", "version"),
    [
        (["-h"], True, False),
        (["--help"], True, False),
        (["-V"], False, True),
        (["--version"], False, True),
        (["-u", "1", "--help"], True, False),
        (["-u", "1"], False, False),
    ],
)
def test_help_and_version_detected(
    parser: HordeArgumentParser, argv: list[str], help_: bool, version: bool
) -> None:
    parsed = parse(parser, argv)
    assert (parsed.help, parsed.version) == (help_, version)
    assert "help" not in parsed.values
    assert "version" not in parsed.values


def test_help_text_lists_groups_and_hides_legacy_flags(parser: HordeArgumentParser) -> None:
    text = parser.format_help()
    for title in ("Common options", "Web UI", "Distributed runs", "Tag filters", "Logging"):
        assert title in text
    assert "--spawn-rate" in text
    assert "--hatch-rate" not in text
    assert "--no-web" not in text
    assert "Options added by the locustfile" not in text  # no custom options yet


# -- legacy flags ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "dest", "value", "notice"),
    [
        (["--hatch-rate", "5"], "spawn_rate", "5", "--hatch-rate is now --spawn-rate"),
        (["-c", "10"], "num_users", "10", "-c/--clients is now -u/--users"),
        (["--clients", "10"], "num_users", "10", "-c/--clients is now -u/--users"),
        (["--no-web"], "headless", True, "--no-web is now --headless"),
        (["--slave"], "worker", True, "--slave is now --worker"),
        (
            ["--expect-slaves", "2"],
            "expect_workers",
            "2",
            "--expect-slaves is now --expect-workers",
        ),
        (["--csv-base-name", "o"], "csv_prefix", "o", "--csv-base-name is now --csv"),
    ],
)
def test_legacy_flag(
    parser: HordeArgumentParser,
    caplog: pytest.LogCaptureFixture,
    argv: list[str],
    dest: str,
    value: object,
    notice: str,
) -> None:
    with caplog.at_level(logging.WARNING, logger="horde.event"):
        assert raw(parser, *argv) == {dest: value}
    assert [r.getMessage() for r in caplog.records] == [f"deprecated: {notice}"]


def test_legacy_flags_build_settings(parser: HordeArgumentParser, tmp_path: Path) -> None:
    argv = ["--no-web", "-c", "10", "--hatch-rate", "5", "--csv-base-name", "o"]
    result = settings(parser, tmp_path, *argv)
    assert (result.headless, result.num_users, result.spawn_rate) == (True, 10, 5.0)
    assert result.csv_prefix == "o"
    assert result.sources["num_users"] == CLI


def test_legacy_notice_once_per_process(
    parser: HordeArgumentParser, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="horde.event"):
        parse(parser, ["-c", "1"])
        parse(parser, ["--clients", "2"])
        parse(build_parser(), ["-c", "3"])
    assert len(caplog.records) == 1


@pytest.mark.parametrize(
    "argv",
    [["--hatch-rate", "1", "-r", "9"], ["-r", "9", "--hatch-rate", "1"]],
)
def test_new_flag_beats_legacy_flag_in_any_order(
    parser: HordeArgumentParser, argv: list[str]
) -> None:
    assert raw(parser, *argv) == {"spawn_rate": "9"}


# -- unknown arguments ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--userz", "10"], "unknown option '--userz' (did you mean '--users'?); see horde --help"),
        (["--spawnrate=3"], "unknown option '--spawnrate' (did you mean '--spawn-rate'?)"),
        (["--hedless"], "unknown option '--hedless' (did you mean '--headless'?)"),
        (["--xyzzy-plugh"], "unknown option '--xyzzy-plugh'; see horde --help"),
        (["--step-load"], "unknown option '--step-load'"),
    ],
)
def test_unknown_flag(parser: HordeArgumentParser, argv: list[str], message: str) -> None:
    parsed = parse(parser, argv)
    assert parsed.unknown[0] == argv[0]
    with pytest.raises(ConfigError) as info:
        reject_unknown(parser, parsed.unknown)
    assert str(info.value).startswith(message)


def test_unknown_flag_suggests_no_hidden_legacy_flag(parser: HordeArgumentParser) -> None:
    with pytest.raises(ConfigError) as info:
        reject_unknown(parser, ["--client"])
    assert "--clients" not in str(info.value)


def test_stray_positional(parser: HordeArgumentParser) -> None:
    parsed = parse(parser, ["UserA", "-u", "1", "UserB"])
    with pytest.raises(ConfigError, match=r"^unexpected argument 'UserB': name User classes"):
        reject_unknown(parser, parsed.unknown)


def test_nothing_unknown(parser: HordeArgumentParser) -> None:
    reject_unknown(parser, [])


def test_parsed_args_defaults() -> None:
    assert ParsedArgs() == ParsedArgs(values={}, unknown=[], help=False, version=False)


# -- options added by the locustfile ---------------------------------------------------------


def add_locust_docs_options(parser: argparse.ArgumentParser) -> None:
    """What a locustfile's init_command_line_parser listener does (Locust's documentation)."""
    parser.add_argument(
        "--my-arg", type=int, default=3, env_var="MY_ARG", include_in_web_ui=True, is_secret=False,
        help="a number",
    )  # fmt: skip
    parser.add_argument("--my-flag", action="store_true")
    parser.add_argument("--no-cache", action="store_false", dest="cache")
    parser.add_argument("--env", choices=["dev", "staging", "prod"], default="dev")
    parser.add_argument("--password", is_secret=True, default="s3cret", is_required=False)


def test_custom_options_are_recorded(parser: HordeArgumentParser) -> None:
    add_locust_docs_options(parser)
    by_dest = {o.dest: o for o in parser.custom_options}
    assert list(by_dest) == ["my_arg", "my_flag", "cache", "env", "password"]
    my_arg = by_dest["my_arg"]
    assert (my_arg.flags, my_arg.kind, my_arg.default, my_arg.converter) == (
        ("--my-arg",), "custom", 3, int,
    )  # fmt: skip
    assert my_arg.env_names == ("LOCUST_MY_ARG", "MY_ARG", "HORDE_MY_ARG")
    assert my_arg.extra == {"env_var": "MY_ARG", "include_in_web_ui": True, "is_secret": False}
    assert my_arg.help == "a number"
    assert (by_dest["my_flag"].kind, by_dest["my_flag"].default) == ("bool", False)
    assert (by_dest["cache"].kind, by_dest["cache"].default) == ("bool", True)
    assert by_dest["env"].choices == ("dev", "staging", "prod")
    assert by_dest["password"].extra == {"is_secret": True, "is_required": False}
    assert "Options added by the locustfile" in parser.format_help()


def test_custom_defaults_flow_into_extra(parser: HordeArgumentParser, tmp_path: Path) -> None:
    add_locust_docs_options(parser)
    result = settings(parser, tmp_path)
    assert result.extra == {
        "my_arg": 3, "my_flag": False, "cache": True, "env": "dev", "password": "s3cret"
    }  # fmt: skip
    assert result.as_namespace().my_arg == 3


def test_custom_values_from_the_command_line(parser: HordeArgumentParser, tmp_path: Path) -> None:
    add_locust_docs_options(parser)
    result = settings(
        parser, tmp_path, "--my-arg", "7", "--my-flag", "--no-cache", "--env", "prod", "-u", "1"
    )
    assert result.extra == {
        "my_arg": 7, "my_flag": True, "cache": False, "env": "prod", "password": "s3cret"
    }  # fmt: skip
    assert result.num_users == 1
    assert result.sources["my_arg"] == CLI


def test_custom_values_from_env_var_and_config_file(
    parser: HordeArgumentParser, tmp_path: Path
) -> None:
    add_locust_docs_options(parser)
    (tmp_path / "locust.conf").write_text("env = staging\nmy-flag = true\n", encoding="utf-8")
    parsed = parse(parser, [])
    result = build_settings(
        parsed.values, env={"MY_ARG": "11"}, cwd=tmp_path, custom=parser.custom_options
    )
    assert result.extra["my_arg"] == 11
    assert result.extra["env"] == "staging"
    assert result.extra["my_flag"] is True
    assert result.sources["my_arg"] == "environment variable MY_ARG"
    assert result.sources["env"] == f"{tmp_path / 'locust.conf'}:1"


def test_custom_type_error(parser: HordeArgumentParser, tmp_path: Path) -> None:
    add_locust_docs_options(parser)
    with pytest.raises(ConfigError, match=r"^invalid value for --my-arg: invalid literal for int"):
        settings(parser, tmp_path, "--my-arg", "many")


def test_custom_choices_error(parser: HordeArgumentParser, tmp_path: Path) -> None:
    add_locust_docs_options(parser)
    with pytest.raises(ConfigError, match=r"--env: 'qa'; choose from dev, staging, prod"):
        settings(parser, tmp_path, "--env", "qa")


def test_unknown_flag_suggests_custom_option(parser: HordeArgumentParser) -> None:
    add_locust_docs_options(parser)
    with pytest.raises(ConfigError, match=r"did you mean '--my-arg'\?"):
        reject_unknown(parser, ["--my-ar"])


def test_custom_options_in_an_argument_group(parser: HordeArgumentParser, tmp_path: Path) -> None:
    # locust-plugins adds its options through parser.add_argument_group(...)
    group = parser.add_argument_group("locust-plugins - Extras")
    group.add_argument("--loops", type=int, default=0, env_var="LOCUST_LOOPS")
    exclusive = group.add_mutually_exclusive_group()
    exclusive.add_argument("--fast", action="store_true")
    exclusive.add_argument("--slow", action="store_true")
    assert [o.dest for o in parser.custom_options] == ["loops", "fast", "slow"]
    result = settings(parser, tmp_path, "--loops", "5", "--fast")
    assert result.extra == {"loops": 5, "fast": True, "slow": False}
    with pytest.raises(ConfigError, match="not allowed with argument"):
        parse(parser, ["--fast", "--slow"])
    env_result = build_settings(
        {}, env={"LOCUST_LOOPS": "9"}, cwd=tmp_path, custom=parser.custom_options
    )
    assert env_result.extra["loops"] == 9
    assert "locust-plugins - Extras" in parser.format_help()


def test_a_locustfile_adding_a_builtin_option_gets_the_builtin(
    parser: HordeArgumentParser, tmp_path: Path
) -> None:
    # locust-plugins' -i/--iterations is built into horde: re-adding it is not a conflict
    group = parser.add_argument_group("locust-plugins - Extras")
    group.add_argument("-i", "--iterations", type=int, default=0, env_var="LOCUST_ITERATIONS")
    assert parser.custom_options == []
    assert settings(parser, tmp_path, "-i", "5").iterations == 5
    from_env = build_settings({}, env={"LOCUST_ITERATIONS": "9"}, cwd=tmp_path)
    assert from_env.iterations == 9


def test_custom_mutually_exclusive_group_on_the_parser(
    parser: HordeArgumentParser, tmp_path: Path
) -> None:
    exclusive = parser.add_mutually_exclusive_group()
    exclusive.add_argument("--red", action="store_true")
    exclusive.add_argument("--blue", action="store_true")
    assert settings(parser, tmp_path, "--blue").extra == {"red": False, "blue": True}


def test_custom_options_with_nargs(parser: HordeArgumentParser, tmp_path: Path) -> None:
    parser.add_argument("--ids", type=int, nargs="+", choices=[1, 2, 3])
    assert settings(parser, tmp_path, "--ids", "1", "3").extra == {"ids": [1, 3]}
    with pytest.raises(ConfigError, match="--ids: 4; choose from 1, 2, 3"):
        settings(parser, tmp_path, "--ids", "1", "4")


def test_two_pass_parse_like_main(tmp_path: Path) -> None:
    """First pass without the locustfile's options, second pass with them."""
    argv = ["--headless", "--my-arg", "5", "UserA"]
    parser = build_parser()
    first = parse(parser, argv)
    assert first.unknown == ["--my-arg"]
    early = build_settings(first.values, env={"MY_ARG": "1"}, cwd=tmp_path, strict=False)
    assert early.headless is True
    add_locust_docs_options(parser)
    second = parse(parser, argv)
    reject_unknown(parser, second.unknown)
    final = build_settings(second.values, env={}, cwd=tmp_path, custom=parser.custom_options)
    assert final.extra["my_arg"] == 5
    assert final.user_classes == ("UserA",)


def test_core_options_are_not_custom(parser: HordeArgumentParser) -> None:
    assert parser.custom_options == []


def test_value_type_is_exported() -> None:
    assert Value("1", CLI).origin == "command line"


def test_plain_parser_groups_are_not_custom() -> None:
    plain = HordeArgumentParser(prog="x")
    plain.add_argument_group("g").add_argument("--a")
    plain.add_mutually_exclusive_group().add_argument("--b", action="store_true")
    assert plain.custom_options == []
    assert vars(plain.parse_args(["--a", "1", "--b"])) == {"a": "1", "b": True}
