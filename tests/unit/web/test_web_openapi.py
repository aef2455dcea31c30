"""``openapi.json`` is a valid OpenAPI document and describes exactly the routes the app serves."""

from __future__ import annotations

import re

from openapi_spec_validator import validate
from web_kit import SPEC, MakeWeb

from conftest import REPO
from horde.web.auth import PUBLIC_ENDPOINTS

pytest_plugins = ["web_fixtures"]

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def served_operations(make_web: MakeWeb, base_path: str = "") -> dict[tuple[str, str], str]:
    """``{(OpenAPI path, method): endpoint}`` of every route the app registers."""
    app = make_web(web_base_path=base_path).ui.app
    found = {}
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        path = path.removeprefix(base_path) or "/"
        for method in (rule.methods or set()) - IGNORED_METHODS:
            found[(path, method.lower())] = rule.endpoint
    return found


def documented_operations() -> set[tuple[str, str]]:
    return {(path, method) for path, item in SPEC["paths"].items() for method in item}


def test_the_spec_is_a_valid_openapi_document() -> None:
    validate(SPEC)
    assert SPEC["openapi"].startswith("3.1")


def test_every_route_is_documented_and_every_documented_route_exists(make_web: MakeWeb) -> None:
    served = set(served_operations(make_web))
    assert served - documented_operations() == set(), "served but not in openapi.json"
    assert documented_operations() - served == set(), "in openapi.json but not served"


def test_a_base_path_moves_the_same_routes(make_web: MakeWeb) -> None:
    assert set(served_operations(make_web, "/horde")) == documented_operations()


def test_protected_routes_document_the_401_and_public_ones_do_not(make_web: MakeWeb) -> None:
    for (path, method), endpoint in served_operations(make_web).items():
        responses = SPEC["paths"][path][method]["responses"]
        if endpoint in PUBLIC_ENDPOINTS:
            assert "401" not in responses, f"{method} {path} is public"
        else:
            assert "401" in responses, f"{method} {path} needs a login when one is set"


def test_every_schema_reference_resolves() -> None:
    text = (REPO / "src/horde/web/static/openapi.json").read_text(encoding="utf-8")
    names = set(re.findall(r'"#/components/schemas/([A-Za-z]+)"', text))
    assert names <= set(SPEC["components"]["schemas"])
    unused = set(SPEC["components"]["schemas"]) - names
    assert unused == set(), "schemas nothing refers to"


def test_docs_show_the_packaged_spec() -> None:
    packaged = (REPO / "src/horde/web/static/openapi.json").read_text(encoding="utf-8")
    assert (REPO / "docs/openapi.json").read_text(encoding="utf-8") == packaged
