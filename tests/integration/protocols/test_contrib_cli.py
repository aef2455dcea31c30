"""``locust.contrib`` modules horde does not provide: the command says so in one line, exit 3.

Locust 2.47 ships ``locust.contrib.{dns,socketio,mongodb,milvus,qdrant,oai,csv_request_logger}``
next to the ``fasthttp``, ``postgres`` and ``mqtt`` that horde maps onto its own users. A
locustfile importing one of the others must not start a test that cannot work, nor show a
traceback: one line naming the module and where the import is, and the locustfile exit code.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from conftest import run_horde
from horde.cli.exit_codes import ExitCode
from horde.compat.alias import LOCUST_MODULES
from horde.exceptions import NotProvidedError

NOT_PROVIDED = ["dns", "socketio", "mongodb", "milvus", "qdrant", "oai", "csv_request_logger"]


def test_the_list_is_what_the_alias_table_does_not_provide() -> None:
    refused = []
    for name, target in LOCUST_MODULES.items():
        if not name.startswith("locust.contrib."):
            continue
        try:
            importlib.import_module(target)
        except NotProvidedError:
            refused.append(name.removeprefix("locust.contrib."))
    assert sorted(refused) == sorted(NOT_PROVIDED)


@pytest.mark.parametrize(
    ("name", "statement"),
    [
        ("dns", "from locust.contrib.dns import DNSUser"),
        ("socketio", "import locust.contrib.socketio"),
        ("mongodb", "from locust.contrib import mongodb"),
    ],
)
def test_an_unprovided_contrib_module_is_one_line_and_exit_3(
    tmp_path: Path, name: str, statement: str
) -> None:
    (tmp_path / "locustfile.py").write_text(
        f"from locust import User, task\n{statement}\n\n\n"
        "class Visitor(User):\n    @task\n    def nothing(self):\n        pass\n",
        encoding="utf-8",
    )
    result = run_horde(["-f", "locustfile.py", "--headless", "-t", "1s"], cwd=tmp_path)
    assert result.returncode == ExitCode.LOCUSTFILE == 3, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0] == (
        "horde: error: error while importing locustfile locustfile.py, line 2: "
        f"locust.contrib.{name} is not provided by horde yet"
    )
    assert result.stdout == ""


def test_every_unprovided_module_is_listed_in_the_compatibility_guide() -> None:
    guide = (Path(__file__).parents[3] / "docs" / "compatibility.md").read_text(encoding="utf-8")
    section = guide[guide.index("## locust.contrib") :]
    for name in NOT_PROVIDED:
        assert f"`locust.contrib.{name}`" in section, name
