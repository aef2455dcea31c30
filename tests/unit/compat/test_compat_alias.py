"""The ``locust`` import alias: every listed module is horde's own module object."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator

import pytest

from horde.compat import LOCUST_MODULES, install_locust_alias, uninstall_locust_alias


@pytest.fixture
def alias() -> Iterator[None]:
    saved = {name: mod for name, mod in sys.modules.items() if name.split(".")[0] == "locust"}
    install_locust_alias()
    yield
    uninstall_locust_alias()
    sys.modules.update(saved)


NOT_PROVIDED = ["csv_request_logger", "dns", "milvus", "mongodb", "oai", "qdrant", "socketio"]


@pytest.mark.usefixtures("alias")
@pytest.mark.parametrize(
    "name",
    sorted(m for m in LOCUST_MODULES if m.removeprefix("locust.contrib.") not in NOT_PROVIDED),
)
def test_each_locust_module_is_the_horde_module(name: str) -> None:
    assert importlib.import_module(name) is importlib.import_module(LOCUST_MODULES[name])


@pytest.mark.usefixtures("alias")
@pytest.mark.parametrize("name", NOT_PROVIDED)
def test_contrib_modules_horde_lacks_say_so_in_one_line(name: str) -> None:
    from horde.exceptions import NotProvidedError

    with pytest.raises(
        NotProvidedError, match=rf"^locust\.contrib\.{name} is not provided by horde yet$"
    ):
        importlib.import_module(f"locust.contrib.{name}")


@pytest.mark.usefixtures("alias")
def test_the_web_ui_extension_points_are_reachable_as_in_locust() -> None:
    from locust.web import WebUI  # type: ignore[import-not-found]

    assert callable(WebUI.auth_required_if_enabled)


@pytest.mark.usefixtures("alias")
def test_a_module_horde_does_not_provide_is_not_found() -> None:
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("locust.rpc")


def test_uninstalling_forgets_the_alias() -> None:
    install_locust_alias()
    importlib.import_module("locust")
    uninstall_locust_alias()
    assert "locust" not in sys.modules
