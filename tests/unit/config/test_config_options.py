"""The option table agrees with Settings, the parser, config-file keys and env names."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from horde.config import LEGACY_FLAGS, OPTIONS, LegacyFlag, Option, Settings
from horde.config.options import BY_DEST, LEGACY_ENV

_NOT_OPTIONS = {"extra", "sources", "warnings"}
_SETTINGS_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}


def test_every_option_is_a_settings_field_and_back() -> None:
    dests = [o.dest for o in OPTIONS]
    assert len(dests) == len(set(dests)), "an option dest appears twice"
    assert set(dests) == set(_SETTINGS_FIELDS) - _NOT_OPTIONS


@pytest.mark.parametrize("option", OPTIONS, ids=lambda o: o.dest)
def test_option_default_matches_settings_default(option: Option) -> None:
    assert _SETTINGS_FIELDS[option.dest].default == option.default


def test_no_two_options_share_a_flag() -> None:
    flags = [f for o in OPTIONS for f in o.flags] + [f for lf in LEGACY_FLAGS for f in lf.flags]
    flags += ["-h", "--help", "-V", "--version"]
    repeated = [flag for flag, n in Counter(flags).items() if n > 1]
    assert repeated == []


@pytest.mark.parametrize("option", OPTIONS, ids=lambda o: o.dest)
def test_every_option_has_help(option: Option) -> None:
    assert option.help.strip()
    assert not option.help.endswith(".")  # argparse style: a phrase, not a sentence


def test_env_names_are_unique_across_options() -> None:
    names = [n for o in OPTIONS for n in o.env_names] + list(LEGACY_ENV)
    assert [n for n, c in Counter(names).items() if c > 1] == []


@pytest.mark.parametrize("option", OPTIONS, ids=lambda o: o.dest)
def test_env_names_have_the_two_prefixes(option: Option) -> None:
    names = option.env_names
    assert names[-1].startswith("HORDE_"), "HORDE_* is read last, so it wins"
    assert any(n.startswith("LOCUST_") for n in names)


def test_file_keys_are_unique_across_options() -> None:
    keys = [k for o in OPTIONS for k in o.file_keys]
    assert [k for k, c in Counter(keys).items() if c > 1] == []


@pytest.mark.parametrize(
    ("dest", "env_names"),
    [
        ("num_users", ("LOCUST_USERS", "HORDE_USERS")),
        ("spawn_rate", ("LOCUST_SPAWN_RATE", "HORDE_SPAWN_RATE")),
        ("run_time", ("LOCUST_RUN_TIME", "HORDE_RUN_TIME")),
        ("csv_prefix", ("LOCUST_CSV", "HORDE_CSV")),
        ("master", ("LOCUST_MODE_MASTER", "HORDE_MASTER")),
        ("worker", ("LOCUST_MODE_WORKER", "HORDE_WORKER")),
        ("master_host", ("LOCUST_MASTER_NODE_HOST", "HORDE_MASTER_HOST")),
        ("master_port", ("LOCUST_MASTER_NODE_PORT", "HORDE_MASTER_PORT")),
        ("user_classes", ("LOCUST_USER_CLASSES", "HORDE_USER_CLASSES")),
        ("list_commands", ("LOCUST_LIST", "HORDE_LIST")),
        ("stats_history_enabled", ("LOCUST_CSV_FULL_HISTORY", "HORDE_CSV_FULL_HISTORY")),
    ],
)
def test_locust_env_names(dest: str, env_names: tuple[str, ...]) -> None:
    assert BY_DEST[dest].env_names == env_names


def test_file_keys_accept_long_name_and_dest() -> None:
    assert BY_DEST["num_users"].file_keys == ("users", "num-users")
    assert BY_DEST["spawn_rate"].file_keys == ("spawn-rate",)
    assert BY_DEST["csv_prefix"].file_keys == ("csv", "csv-prefix")


@pytest.mark.parametrize("legacy", LEGACY_FLAGS, ids=lambda lf: lf.flags[-1])
def test_legacy_flags_point_at_real_options(legacy: LegacyFlag) -> None:
    assert legacy.dest in BY_DEST
    assert legacy.notice


def test_legacy_env_points_at_real_options() -> None:
    assert set(LEGACY_ENV.values()) <= set(BY_DEST)


def test_kinds_match_settings_annotations() -> None:
    expected = {
        "int": "int",
        "float": "float",
        "bool": "bool",
        "timespan": "float",
        "list": "tuple[str, ...]",
        "multi": "tuple[str, ...]",
        "loglevel": "str",
        "login": "str | bool",
        "str": "str",
    }
    for option in OPTIONS:
        annotation = str(_SETTINGS_FIELDS[option.dest].type)
        assert expected[option.kind] in annotation, option.dest
