"""The web API refuses user counts and spawn rates that are not finite, negative or too large,
with the same bound and wording as the command line (issue 13, item 19; the words are the run
plan's since issue 7, see test_web_plan.py)."""

from __future__ import annotations

from typing import Any

import pytest
from web_kit import Web, check

from horde.config.limits import MAX_USERS, check_spawn_rate, check_user_count
from horde.exceptions import ConfigError
from horde.runners import STATE_INIT

pytest_plugins = ["web_fixtures"]


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"user_count": 100_000_000}, f"between 0 and {MAX_USERS:,}"),
        ({"user_count": MAX_USERS + 1}, f"between 0 and {MAX_USERS:,}"),
        ({"user_count": 10**30}, f"between 0 and {MAX_USERS:,}"),
        ({"user_count": "1e9"}, "whole number"),
        ({"user_count": 1e308}, "whole number"),
        ({"user_count": "nan"}, "whole number"),
        ({"user_count": True}, "whole number"),
        ({"user_count": -1}, f"between 0 and {MAX_USERS:,}"),
        ({"user_count": 1, "spawn_rate": "nan"}, "finite"),
        ({"user_count": 1, "spawn_rate": "inf"}, "finite"),
        ({"user_count": 1, "spawn_rate": -1}, "above 0"),
        ({"user_count": 1, "spawn_rate": 0}, "above 0"),
        ({"user_count": 1, "spawn_rate": 1e12}, f"at most {MAX_USERS:,}"),
        ({"user_count": 1, "spawn_rate": True}, "is not a number"),
    ],
)
def test_hostile_counts_are_refused_before_anything_starts(
    web: Web, fields: dict[str, Any], says: str
) -> None:
    for path in ("/api/v1/run", "/swarm"):
        response = web.client.post(path, json=fields)
        assert response.status_code == 400, (path, response.get_json())
        document = check(response, path, "post")
        message = document.get("error") or document.get("message")
        assert says in message, message
    assert web.runner.state == STATE_INIT
    assert web.runner.user_count == 0


def test_the_bound_itself_is_accepted() -> None:
    assert check_user_count(MAX_USERS, "user_count") == MAX_USERS
    assert check_spawn_rate(float(MAX_USERS), "spawn_rate") == MAX_USERS


def test_the_validators_name_where_the_value_came_from() -> None:
    with pytest.raises(ConfigError, match=r"^-u/--users must be at most 1,000,000, got 2,000,000"):
        check_user_count(2_000_000, "-u/--users")
