"""Options a locustfile adds through ``init_command_line_parser``: shown in the start form (secrets
masked), converted like command-line values, and set on ``environment.parsed_options``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from web_kit import MakeWeb, Shop, Web, check

from horde.cli.parser import build_parser, parse
from horde.config import build_settings
from horde.event import Events

pytest_plugins = ["web_fixtures"]


def add_options(parser: Any, **_: Any) -> None:
    """What a locustfile's ``init_command_line_parser`` listener does."""
    parser.add_argument("--batch-size", type=int, default=10, help="items per order")
    parser.add_argument("--api-key", is_secret=True, default="from-env-key", help="the key")
    parser.add_argument("--region", choices=["eu", "us"], default="eu")
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--internal", include_in_web_ui=False, default="x")
    parser.add_argument("--customer", is_required=True, default="acme")


@pytest.fixture
def web(make_web: MakeWeb, tmp_path: Path) -> Web:
    events = Events()
    events.init_command_line_parser.add_listener(add_options)
    parser = build_parser()
    events.init_command_line_parser.fire(parser=parser)
    settings = build_settings(
        parse(parser, ["--batch-size", "25"]).values,
        env={},
        cwd=tmp_path,
        read_files=False,
        custom=parser.custom_options,
    )
    return make_web(
        Shop,
        env={"events": events, "parsed_options": settings.as_namespace()},
        custom_options=tuple(parser.custom_options),
    )


def run(web: Web, **fields: Any) -> Any:
    return web.client.post("/api/v1/run", json={"user_count": 0, "spawn_rate": 1, **fields})


def test_the_form_lists_the_options_with_their_values_and_masks_secrets(web: Web) -> None:
    form = check(web.client.get("/api/v1/form"), "/api/v1/form")
    options = {option["name"]: option for option in form["custom_options"]}
    assert list(options) == ["batch_size", "api_key", "region", "dry_run", "customer"]
    assert options["batch_size"] == {
        "name": "batch_size",
        "label": "--batch-size",
        "help": "items per order",
        "kind": "text",
        "value": 25,
        "secret": False,
        "required": False,
        "choices": None,
    }
    assert (options["api_key"]["value"], options["api_key"]["secret"]) == ("", True)
    assert "from-env-key" not in web.client.get("/api/v1/form").get_data(as_text=True)
    assert options["region"]["choices"] == ["eu", "us"]
    assert options["dry_run"]["kind"] == "bool"
    assert options["customer"]["required"] is True


def test_values_from_the_form_reach_parsed_options(web: Web) -> None:
    response = run(web, batch_size="40", region="us", dry_run="on", api_key="new-key")
    check(response, "/api/v1/run", "post")
    options = web.env.parsed_options
    assert (options.batch_size, options.region, options.dry_run) == (40, "us", True)
    assert options.api_key == "new-key"
    assert options.internal == "x"
    form = check(web.client.get("/api/v1/form"), "/api/v1/form")
    shown = {option["name"]: option["value"] for option in form["custom_options"]}
    assert shown["batch_size"] == 40
    assert shown["api_key"] == ""


def test_a_secret_left_empty_keeps_its_value(web: Web) -> None:
    check(run(web, api_key="", batch_size=5), "/api/v1/run", "post")
    assert web.env.parsed_options.api_key == "from-env-key"
    assert web.env.parsed_options.batch_size == 5


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"batch_size": "many"}, "invalid value for --batch-size"),
        ({"region": "mars"}, "'mars'; choose from eu, us"),
        ({"customer": ""}, "--customer is required"),
    ],
)
def test_a_bad_option_value_is_refused(web: Web, fields: dict[str, Any], says: str) -> None:
    response = run(web, **fields)
    assert response.status_code == 400
    assert says in check(response, "/api/v1/run", "post")["error"]
    assert web.env.parsed_options.batch_size == 25, "nothing is applied"
    assert web.runner.state == "ready"


def test_swarm_takes_custom_options_as_form_fields(web: Web) -> None:
    response = web.client.post(
        "/swarm", data={"user_count": "0", "spawn_rate": "1", "batch_size": "7"}
    )
    assert check(response, "/swarm", "post")["success"] is True
    assert web.env.parsed_options.batch_size == 7
