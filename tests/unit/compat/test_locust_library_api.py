"""What scripts using Locust as a library call besides Environment: ``locust.log``,
``locust.stats`` (stats_printer, stats_history), ``locust.argument_parser`` and ``locust.main``.

Imported through the alias, as a script run with the horde-locust-shim (or a locustfile) does.
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import gevent
import pytest

from horde.compat import install_locust_alias, uninstall_locust_alias
from horde.env import Environment
from horde.event import Events, events
from horde.exceptions import ConfigError
from horde.user import User, constant, task


class Quiet(User):
    wait_time = constant(1)

    @task
    def nothing(self) -> None:
        """Never runs: these tests start no user."""


@pytest.fixture
def locust() -> Iterator[Any]:
    """``import locust`` as horde gives it; the alias is removed afterwards."""
    saved = {name: mod for name, mod in sys.modules.items() if name.split(".")[0] == "locust"}
    install_locust_alias()
    yield importlib.import_module("locust")
    uninstall_locust_alias()
    sys.modules.update(saved)


def module(name: str) -> ModuleType:
    return importlib.import_module(name)


# -- locust.log ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("locust")
def test_setup_logging_takes_any_case_and_replaces_its_own_handler() -> None:
    setup_logging = module("locust.log").setup_logging
    root = logging.getLogger()
    before = list(root.handlers)
    level = root.level
    try:
        setup_logging("info")
        setup_logging("debug")
        added = [h for h in root.handlers if h not in before]
        assert len(added) == 1
        assert root.level == logging.DEBUG
    finally:
        for handler in [h for h in root.handlers if h not in before]:
            root.removeHandler(handler)
        root.setLevel(level)


def test_the_command_and_locust_log_share_one_setup_logging() -> None:
    from horde.cli.logs import setup_logging as command_setup
    from horde.log import setup_logging

    assert command_setup is setup_logging


# -- locust.stats -------------------------------------------------------------------------------


@pytest.mark.usefixtures("locust")
def test_stats_printer_prints_the_table_until_killed(capsys: pytest.CaptureFixture[str]) -> None:
    stats_module = module("locust.stats")
    env = Environment(user_classes=[Quiet], events=Events())
    env.events.request.fire(
        request_type="GET", name="/api/items", response_time=12.0, response_length=10
    )
    printer = gevent.spawn(stats_module.stats_printer(env.stats))
    gevent.sleep(0)  # the printer prints once, then sleeps CONSOLE_STATS_INTERVAL_SEC
    printer.kill()
    out = capsys.readouterr().out
    assert "/api/items" in out
    assert "Aggregated" in out
    assert stats_module.CONSOLE_STATS_INTERVAL_SEC == 2.0


@pytest.mark.usefixtures("locust")
def test_stats_history_returns_because_the_runner_records_history() -> None:
    stats_module = module("locust.stats")
    env = Environment(user_classes=[Quiet], events=Events())
    runner = env.create_local_runner()
    history = gevent.spawn(stats_module.stats_history, runner)
    history.join(timeout=5)
    assert history.dead
    assert history.successful()


@pytest.mark.usefixtures("locust")
def test_locust_stats_keeps_the_statistics_api() -> None:
    import horde.stats

    stats_module = module("locust.stats")
    assert stats_module.RequestStats is horde.stats.RequestStats
    assert stats_module.PERCENTILES_TO_REPORT == horde.stats.PERCENTILES_TO_REPORT


# -- locust.argument_parser and locust.main -------------------------------------------------------


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No config file and no HORDE_/LOCUST_ variable reaches the parser."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    for key in list(__import__("os").environ):
        if key.startswith(("HORDE_", "LOCUST_")):
            monkeypatch.delenv(key)


@pytest.mark.usefixtures("locust", "clean_env")
def test_parse_options_gives_every_option_typed() -> None:
    parse_options = module("locust.argument_parser").parse_options
    args = ["-H", "http://127.0.0.1:9", "-u", "3", "-t", "1m", "--reset-stats"]
    options = parse_options(args=args)
    assert options.host == "http://127.0.0.1:9"
    assert options.num_users == 3
    assert options.run_time == 60
    assert options.reset_stats is True
    assert options.spawn_rate is None
    assert options.web_port == 8089
    assert options.tags is None


@pytest.mark.usefixtures("locust", "clean_env")
def test_get_parser_includes_the_options_locustfiles_add(monkeypatch: pytest.MonkeyPatch) -> None:
    def add(parser: Any, **_: Any) -> None:
        parser.add_argument("--my-users-file", default="users.csv", env_var="MY_USERS_FILE")

    events.init_command_line_parser.add_listener(add)
    try:
        monkeypatch.setenv("MY_USERS_FILE", "people.csv")
        assert module("locust.argument_parser").get_parser().parse_args([]).my_users_file == (
            "people.csv"
        )
    finally:
        events.init_command_line_parser.remove_listener(add)


@pytest.mark.usefixtures("locust", "clean_env")
def test_parse_options_reads_locust_environment_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LOCUST_USERS", "7")
    assert module("locust.argument_parser").parse_options(args=[]).num_users == 7


@pytest.mark.usefixtures("locust", "clean_env")
@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["-u", "many"], "invalid value for -u/--users"),
        (["--no-such-flag"], "unknown option '--no-such-flag'"),
        (["-H", "localhost:8080"], "invalid host 'localhost:8080'"),
    ],
)
def test_parse_options_raises_config_error_on_bad_input(args: list[str], says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        module("locust.argument_parser").parse_options(args=args)


@pytest.mark.usefixtures("locust", "clean_env")
def test_get_parser_refuses_a_config_file_list_it_cannot_honour() -> None:
    with pytest.raises(ConfigError, match="--config FILE"):
        module("locust.argument_parser").get_parser(default_config_files=["a.conf"])


@pytest.mark.usefixtures("locust", "clean_env")
def test_create_environment_applies_the_options() -> None:
    options = module("locust.argument_parser").parse_options(
        args=["-H", "http://127.0.0.1:9", "--reset-stats"]
    )
    own = Events()
    env = module("locust.main").create_environment([Quiet], options, events=own)
    try:
        assert env.host == "http://127.0.0.1:9"
        assert env.reset_stats is True
        assert env.parsed_options is options
        assert env.events is own
        assert env.user_classes == [Quiet]
    finally:
        env.close()
        Quiet.host = None


@pytest.mark.usefixtures("locust")
def test_locust_main_main_is_the_horde_command() -> None:
    from horde.cli.entry import main

    assert module("locust.main").main is main
