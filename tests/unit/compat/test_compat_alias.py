"""The ``locust`` import alias: every listed module is horde's own module object, reachable as
``import locust.X`` and ``from locust import X`` in any order; what horde lacks says so."""

from __future__ import annotations

import importlib
import inspect
import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

import horde.compat.locust
from conftest import REPO
from horde.compat import LOCUST_MODULES, install_locust_alias, uninstall_locust_alias
from horde.compat.alias import LOCUST_ONLY, LOCUST_PLUGINS, explain_import_error
from horde.exceptions import NotProvidedError

SUBMODULES = [
    "runners",
    "stats",
    "env",
    "web",
    "exception",
    "clients",
    "dispatch",
    "event",
    "user",
    "debug",
    "log",
    "argument_parser",
    "main",
]

# Each name is imported in a fresh interpreter, once with `from locust import X` first and once
# with `import locust.X` first: an attribute left behind by one spelling cannot hide the other.
ORDER_PROBE = """\
import importlib, json, sys
from horde.compat import install_locust_alias
install_locust_alias()
results = {}
for name in sys.argv[2:]:
    try:
        if sys.argv[1] == "from-first":
            first = getattr(__import__("locust", fromlist=[name]), name)
            second = importlib.import_module("locust." + name)
        else:
            first = importlib.import_module("locust." + name)
            namespace = {}
            exec(f"from locust import {name} as second", namespace)
            second = namespace["second"]
        results[name] = first is second and first.__name__.startswith("horde.")
    except Exception as exc:
        results[name] = f"{type(exc).__name__}: {exc}"
print(json.dumps(results))
"""


@pytest.fixture
def alias() -> Iterator[None]:
    saved = {name: mod for name, mod in sys.modules.items() if name.split(".")[0] == "locust"}
    install_locust_alias()
    yield
    uninstall_locust_alias()
    sys.modules.update(saved)


@pytest.fixture(scope="module")
def import_orders() -> dict[str, dict[str, object]]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    found = {}
    for order in ("from-first", "import-first"):
        proc = subprocess.run(
            [sys.executable, "-c", ORDER_PROBE, order, *SUBMODULES],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        found[order] = json.loads(proc.stdout)
    return found


NOT_PROVIDED = ["csv_request_logger", "dns", "milvus", "mongodb", "oai", "qdrant", "socketio"]


@pytest.mark.usefixtures("alias")
@pytest.mark.parametrize(
    "name",
    sorted(m for m in LOCUST_MODULES if m.removeprefix("locust.contrib.") not in NOT_PROVIDED),
)
def test_each_locust_module_is_the_horde_module(name: str) -> None:
    assert importlib.import_module(name) is importlib.import_module(LOCUST_MODULES[name])


@pytest.mark.parametrize("order", ["from-first", "import-first"])
@pytest.mark.parametrize("name", SUBMODULES)
def test_from_locust_import_submodule_works_in_either_order(
    import_orders: dict[str, dict[str, object]], order: str, name: str
) -> None:
    assert import_orders[order][name] is True


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
def test_aliasing_leaves_the_horde_module_its_own_spec() -> None:
    importlib.import_module("locust.runners")
    importlib.import_module("locust.env")
    assert sys.modules["horde.runners"].__spec__.name == "horde.runners"
    assert sys.modules["horde.env"].__spec__.name == "horde.env"
    assert importlib.util.find_spec("horde.env").name == "horde.env"


@pytest.mark.usefixtures("alias")
def test_importing_locust_user_task_keeps_the_task_decorator_of_locust_user() -> None:
    module = importlib.import_module("locust.user.task")
    from locust.user import task  # type: ignore[import-not-found]

    assert inspect.isfunction(task)
    assert inspect.isfunction(sys.modules["horde.user"].task)
    assert module is sys.modules["horde.user.task"]


@pytest.mark.usefixtures("alias")
@pytest.mark.parametrize("name", ["locust.rpc", "locust.webui", "locust.user.no_such_module"])
def test_a_module_horde_does_not_provide_says_so(name: str) -> None:
    with pytest.raises(NotProvidedError, match=rf"^{name} is not provided by horde yet"):
        importlib.import_module(name)


@pytest.mark.usefixtures("alias")
def test_from_locust_import_a_name_horde_lacks_says_so() -> None:
    missing = [
        n
        for n in sorted(LOCUST_ONLY)
        if n not in vars(horde.compat.locust) and f"locust.{n}" not in LOCUST_MODULES
    ]
    assert "webui" in missing  # Locust's React build: horde has its own page
    for name in missing:
        with pytest.raises(ImportError, match=rf"^locust\.{name} is not provided by horde yet"):
            exec(f"from locust import {name}", {})  # noqa: S102 - the statement under test


@pytest.mark.usefixtures("alias")
def test_probing_locust_for_an_unknown_name_stays_an_attribute_error() -> None:
    import locust  # type: ignore[import-not-found]

    assert not hasattr(locust, "NoSuchThing")
    assert getattr(locust, "NoSuchThing", None) is None
    with pytest.raises(ImportError, match="cannot import name 'NoSuchThing'"):
        exec("from locust import NoSuchThing", {})  # noqa: S102 - the statement under test


@pytest.mark.usefixtures("alias")
def test_dir_of_locust_lists_its_api() -> None:
    import locust

    assert {"HttpUser", "task", "events", "run_single_user"} <= set(dir(locust))


def test_a_missing_name_of_an_aliased_module_is_explained_with_the_locust_name() -> None:
    error = ImportError("cannot import name 'WorkerNode' from 'horde.runners' (/x.py)")
    error.name = "horde.runners"
    assert explain_import_error(error) == (
        "cannot import name 'WorkerNode' from locust.runners (horde's horde.runners): "
        "horde does not provide it yet"
    )


@pytest.mark.usefixtures("alias")
def test_a_misspelt_locust_name_gets_a_suggestion() -> None:
    with pytest.raises(ImportError) as caught:
        exec("from locust import HtpUser", {})  # noqa: S102 - the statement under test
    assert explain_import_error(caught.value) == (
        "cannot import name 'HtpUser' from locust (horde's horde.compat.locust): "
        "did you mean 'HttpUser'?"
    )


def test_an_import_error_unrelated_to_locust_is_not_explained() -> None:
    error = ModuleNotFoundError("No module named 'requests_toolbelt'", name="requests_toolbelt")
    assert explain_import_error(error) is None


def test_locust_plugins_is_explained_as_a_plugin_with_horde_equivalents() -> None:
    error = ModuleNotFoundError("No module named 'locust_plugins'", name="locust_plugins")
    message = explain_import_error(error)
    assert message == LOCUST_PLUGINS
    assert "Locust's API" not in message
    assert "events.request" in message
    assert "--threshold" in message
    assert "constant_total_ips" in message
    assert "\n" not in message


def test_uninstalling_forgets_the_alias() -> None:
    install_locust_alias()
    importlib.import_module("locust")
    uninstall_locust_alias()
    assert "locust" not in sys.modules
