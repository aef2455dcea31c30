"""The web options on the command line, in the environment and in config files:
``--web-login`` with or without a value, ``--web-login-file``, ``--web-allowed-hosts``."""

from __future__ import annotations

from pathlib import Path

import pytest

from horde.cli.parser import build_parser, parse
from horde.config import Settings, build_settings
from horde.exceptions import ConfigError


def settings(
    argv: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> Settings:
    parsed = parse(build_parser(), argv)
    return build_settings(
        parsed.values, env=env or {}, cwd=cwd or Path("/nonexistent"), read_files=False
    )


def test_a_bare_web_login_is_locusts_flask_login_flag() -> None:
    assert settings(["--web-login"]).web_login is True
    assert settings(["--web-login", "-u", "3"]).web_login is True


def test_a_value_is_hordes_own_login() -> None:
    assert settings(["--web-login", "alice:pw:with:colons"]).web_login == "alice:pw:with:colons"
    assert settings(["--web-login=alice:pw"]).web_login == "alice:pw"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"LOCUST_WEB_LOGIN": "true"}, True),
        ({"LOCUST_WEB_LOGIN": "false"}, None),
        ({"HORDE_WEB_LOGIN": "alice:s3cret"}, "alice:s3cret"),
        ({"LOCUST_WEB_LOGIN": "true", "HORDE_WEB_LOGIN": "alice:s3cret"}, "alice:s3cret"),
    ],
)
def test_the_environment_sets_either_kind(env: dict[str, str], expected: object) -> None:
    result = settings([], env)
    assert result.web_login == expected
    assert "environment variable" in result.sources["web_login"]


def test_a_value_without_a_colon_is_refused_without_echoing_it() -> None:
    with pytest.raises(ConfigError, match="--web-login must look like USER:PASSWORD") as caught:
        settings(["--web-login", "hunter2"])
    assert "hunter2" not in str(caught.value)


def test_login_and_login_file_exclude_each_other() -> None:
    with pytest.raises(ConfigError, match="either --web-login or --web-login-file"):
        settings(["--web-login", "a:b", "--web-login-file", "x.txt"])
    assert settings(["--web-login-file", "x.txt"]).web_login_file == "x.txt"


def test_allowed_hosts_take_several_names() -> None:
    assert settings(["--web-allowed-hosts", "a.example", ".corp.example"]).web_allowed_hosts == (
        "a.example",
        ".corp.example",
    )
    from_env = settings([], {"HORDE_WEB_ALLOWED_HOSTS": "a.example,b.example"})
    assert from_env.web_allowed_hosts == ("a.example", "b.example")
