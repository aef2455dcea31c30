"""Locustfiles under the ``horde`` command: every ``locust.*`` module in both import spellings,
what horde does not provide (one line, exit 3), locust_plugins, and non-HTTP users whose host
is not a URL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import horde.compat.locust
from conftest import Result, run_horde
from horde.cli.exit_codes import ExitCode
from horde.compat.alias import LOCUST_MODULES, LOCUST_ONLY, LOCUST_PLUGINS
from horde.demo.process import server_counts

SUBMODULES = (
    "runners, stats, env, web, exception, clients, dispatch, event, user, debug, log, "
    "argument_parser, main"
)

VISITOR = """
from locust import HttpUser, constant, task


class Visitor(HttpUser):
    wait_time = constant(0.05)

    @task
    def items(self):
        self.client.get("/api/items")
"""

FROM_FIRST = f"""\
from locust import {SUBMODULES}
import locust.runners, locust.stats, locust.env, locust.web, locust.exception, locust.clients
import locust.dispatch, locust.event, locust.user, locust.debug, locust.log
import locust.argument_parser, locust.main

for name in "{SUBMODULES}".split(", "):
    assert globals()[name] is getattr(locust, name), name
from locust.stats import stats_history, stats_printer
from locust.log import setup_logging
from locust.main import create_environment
from locust.argument_parser import get_parser, parse_options
from locust.runners import LocalRunner
{VISITOR}"""

IMPORT_FIRST = f"""\
import locust.runners, locust.stats, locust.env, locust.web, locust.exception, locust.clients
import locust.dispatch, locust.event, locust.user, locust.debug, locust.log
import locust.argument_parser, locust.main
from locust import {SUBMODULES}

for name in "{SUBMODULES}".split(", "):
    assert globals()[name] is getattr(locust, name), name
from locust.user import task as task_decorator

assert callable(task_decorator) and not hasattr(task_decorator, "__path__")
{VISITOR}"""

RAW_TCP = """\
import socket
import time

from locust import User, constant, task


class RawTcp(User):
    \"\"\"A non-HTTP client (as a gRPC user is): its host is ADDRESS:PORT, not a URL.\"\"\"

    host = "HOST_PORT"
    wait_time = constant(0.05)

    @task
    def ping(self):
        address, port = self.host.rsplit(":", 1)
        start = time.perf_counter()
        exception, data = None, b""
        try:
            with socket.create_connection((address, int(port)), timeout=5) as sock:
                sock.sendall(b"GET /api/items HTTP/1.0\\r\\nHost: target\\r\\n\\r\\n")
                for _ in range(1000):  # the server closes after an HTTP/1.0 answer
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            if not data.startswith(b"HTTP/1.1 200") and not data.startswith(b"HTTP/1.0 200"):
                raise ValueError(f"unexpected answer {data[:40]!r}")
        except (OSError, ValueError) as exc:
            exception = exc
        self.environment.events.request.fire(
            request_type="tcp",
            name="ping",
            response_time=(time.perf_counter() - start) * 1000,
            response_length=len(data),
            exception=exception,
            context={},
        )
"""

FAST_VISITOR = VISITOR.replace("HttpUser", "FastHttpUser")


def write(tmp_path: Path, source: str, name: str = "locustfile.py") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")
    return path


LOCUST_JSON_RUN = ("--headless", "-u", "2", "-r", "10", "-t", "1s", "--only-summary")
LOCUST_JSON_RUN += ("--json", "--json-format", "locust")  # Locust's own --json document


def headless(tmp_path: Path, *args: str) -> Result:
    return run_horde(
        [*LOCUST_JSON_RUN, *args],
        cwd=tmp_path,
        timeout=60,
    )


def assert_one_line(result: Result, code: ExitCode, says: str) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("horde: error: ")
    assert says in lines[0], lines[0]
    return lines[0]


@pytest.mark.slow
@pytest.mark.parametrize("source", [FROM_FIRST, IMPORT_FIRST], ids=["from-first", "import-first"])
def test_every_locust_submodule_imports_in_either_spelling(
    source: str, fresh_target: str, tmp_path: Path
) -> None:
    write(tmp_path, source)
    result = headless(tmp_path, "-H", fresh_target)
    assert result.returncode == 0, result.stderr
    entries = json.loads(result.stdout)
    assert sum(e["num_requests"] for e in entries) > 0


def test_a_name_horde_lacks_is_one_line_naming_it(tmp_path: Path) -> None:
    provided = set(vars(horde.compat.locust)) | {
        m.split(".")[1] for m in LOCUST_MODULES if "." in m
    }
    missing = sorted(LOCUST_ONLY - provided, key=lambda n: (n != "LoadTestShape", n))
    write(tmp_path, f"from locust import HttpUser, {missing[0]}\n")
    line = assert_one_line(
        headless(tmp_path), ExitCode.LOCUSTFILE, f"locust.{missing[0]} is not provided by horde yet"
    )
    assert "locustfile.py, line 1" in line


@pytest.mark.parametrize(
    ("statement", "says"),
    [
        ("import locust.input_events", "locust.input_events is not provided by horde yet"),
        (
            "from locust.contrib.nothing_here import Client",
            "locust.contrib.nothing_here is not provided by horde yet",
        ),
        (
            "from locust.runners import NoSuchRunner",
            "cannot import name 'NoSuchRunner' from locust.runners (horde's horde.runners): "
            "horde does not provide it yet",
        ),
        ("from locust.stats import NoSuchWriter", "from locust.stats (horde's"),
    ],
)
def test_missing_locust_modules_and_names_are_one_line(
    statement: str, says: str, tmp_path: Path
) -> None:
    write(tmp_path, f"from locust import HttpUser\n{statement}\n")
    assert_one_line(headless(tmp_path), ExitCode.LOCUSTFILE, says)


def test_locust_plugins_names_what_horde_offers_instead(tmp_path: Path) -> None:
    write(tmp_path, f"import locust_plugins\n{VISITOR}")
    line = assert_one_line(headless(tmp_path), ExitCode.LOCUSTFILE, LOCUST_PLUGINS)
    assert "Locust's API" not in line


def test_an_installed_locust_plugins_failing_inside_gets_the_same_message(tmp_path: Path) -> None:
    # locust-plugins present (next to the locustfile here) but reaching into Locust internals
    write(tmp_path, "from locust.runners import WorkerNode\n", "locust_plugins/__init__.py")
    write(tmp_path, f"import locust_plugins\n{VISITOR}")
    assert_one_line(headless(tmp_path), ExitCode.LOCUSTFILE, LOCUST_PLUGINS)


@pytest.mark.slow
def test_a_user_that_is_not_http_may_have_a_host_that_is_not_a_url(
    fresh_target: str, tmp_path: Path
) -> None:
    host_port = fresh_target.removeprefix("http://").rstrip("/")
    write(tmp_path, RAW_TCP.replace("HOST_PORT", host_port))
    result = headless(tmp_path)
    assert result.returncode == 0, result.stderr
    (entry,) = json.loads(result.stdout)
    assert (entry["method"], entry["name"]) == ("tcp", "ping")
    assert entry["num_requests"] > 0
    assert entry["num_failures"] == 0
    # a request in flight when the run stops reached the target but fired no event
    assert server_counts(fresh_target)["by_path"]["GET /api/items"] >= entry["num_requests"]


@pytest.mark.parametrize(
    ("source", "says"),
    [
        (
            VISITOR.replace("    wait_time", '    host = "localhost:50051"\n    wait_time'),
            "invalid host 'localhost:50051' (the host of Visitor)",
        ),
        (
            FAST_VISITOR.replace("    wait_time", '    host = "localhost:50051"\n    wait_time'),
            "invalid host 'localhost:50051' (the host of Visitor)",
        ),
        (FAST_VISITOR, "Visitor has no host"),
    ],
    ids=["HttpUser", "FastHttpUser", "FastHttpUser without host"],
)
def test_http_users_still_need_an_absolute_url(source: str, says: str, tmp_path: Path) -> None:
    write(tmp_path, source)
    assert_one_line(headless(tmp_path), ExitCode.USAGE, says)
