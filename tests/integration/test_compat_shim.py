"""horde-locust-shim, installed for real (pip, offline) into throwaway virtual environments.

Each environment sees this interpreter's packages (horde, its dependencies, pip) through a
``.pth`` file, so nothing is downloaded; the shim itself is built and installed from
``shim/locust-shim`` by pip as a user would. Locust's own examples (``locust_examples/``, copied
with their licence) then run as plain scripts against the demo target. Only the parameters that
point outside the test are replaced when they are written out: the target host (an internet site
or ``localhost:80`` in the examples), the web UI's fixed port (port 0 here) and a 30-second run.

The refusal test installs Locust 2.47.0's own wheel, which ``scripts/test.sh`` downloads into
``tmp/wheels`` (tests send no traffic beyond loopback).
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import sysconfig
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from conftest import REPO
from horde.demo.process import server_counts

pytestmark = pytest.mark.slow

SHIM = REPO / "shim" / "locust-shim"
EXAMPLES = Path(__file__).parent / "locust_examples"
LOCUST_WHEELS = REPO / "tmp" / "wheels"
LOCUST_VERSION = "2.47.0"
WAIT = 60.0
"""Upper bound of any wait on a child process (never reached when things work)."""

LOCUSTFILE = """\
from locust import HttpUser, constant, task


class Visitor(HttpUser):
    wait_time = constant(0.05)

    @task
    def items(self):
        self.client.get("/api/items")
"""


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HORDE_", "LOCUST_"))}
    env.pop("PYTHONPATH", None)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=WAIT * 2,
        check=False,
    )


def make_venv(path: Path) -> Path:
    """A virtual environment without pip of its own that sees this interpreter's packages."""
    made = run(sys.executable, "-m", "venv", "--without-pip", path)
    assert made.returncode == 0, made.stderr
    python = path / "bin" / "python"
    purelib = run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))")
    outer = sysconfig.get_path("purelib")
    Path(purelib.stdout.strip(), "_horde_outer.pth").write_text(
        f"{REPO / 'src'}\nimport site; site.addsitedir({outer!r})\n", encoding="utf-8"
    )
    return python


def pip(python: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return run(python, "-m", "pip", "--disable-pip-version-check", "--no-input", *args)


def install_shim(python: Path) -> subprocess.CompletedProcess[str]:
    return pip(python, "install", "--no-index", SHIM)


@pytest.fixture(scope="module")
def shim_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    python = make_venv(tmp_path_factory.mktemp("shim") / "venv")
    installed = install_shim(python)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return python


def example(name: str, tmp_path: Path, replace: dict[str, tuple[str, int]]) -> Path:
    """Locust's example ``name`` written to ``tmp_path``; each replaced text must occur exactly
    as often as stated, so a changed example fails here instead of running something else."""
    source = (EXAMPLES / name).read_text(encoding="utf-8")
    for old, (new, count) in replace.items():
        assert source.count(old) == count, f"{name}: {old!r} occurs {source.count(old)} times"
        source = source.replace(old, new)
    path = tmp_path / name
    path.write_text(source, encoding="utf-8")
    return path


class Lines:
    """Lines of a child's stream, read by a thread, waited for with a bound."""

    def __init__(self, stream: IO[str]) -> None:
        self.seen: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self._thread.start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self._queue.put(line)
        self._queue.put(None)

    def wait_for(self, pattern: str) -> re.Match[str]:
        while True:
            line = self._queue.get(timeout=WAIT)
            assert line is not None, f"stream ended without {pattern!r}:\n{''.join(self.seen)}"
            self.seen.append(line)
            found = re.search(pattern, line)
            if found:
                return found

    def rest(self) -> str:
        """Everything the stream carried (waits for it to end)."""
        self._thread.join(WAIT)
        while not self._queue.empty():
            line = self._queue.get_nowait()
            if line is not None:
                self.seen.append(line)
        return "".join(self.seen)


@pytest.fixture
def spawn() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(WAIT)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def popen(
    spawned: list[subprocess.Popen[str]], *args: str | Path, cwd: Path
) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [str(a) for a in args],
        cwd=cwd,
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    spawned.append(proc)
    return proc


def get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
        return response.status, response.read()


# -- Locust's debugging pattern: python locustfile.py ---------------------------------------------


def test_the_debugging_example_runs_as_a_plain_script(
    shim_python: Path, fresh_target: str, tmp_path: Path
) -> None:
    path = example("debugging_advanced.py", tmp_path, {"http://localhost": (fresh_target, 2)})
    result = run(shim_python, path, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "running User1"
    assert lines[-1] == "done!"
    assert any("/hello1" in line for line in lines)
    assert any("/hello2" in line for line in lines)
    counts = server_counts(fresh_target)["by_path"]
    assert (counts["GET /hello1"], counts["GET /hello2"]) == (1, 1)


def test_the_debugging_example_stops_on_ctrl_c(
    shim_python: Path, fresh_target: str, tmp_path: Path, spawn: list[subprocess.Popen[str]]
) -> None:
    path = example("debugging.py", tmp_path, {"http://localhost": (fresh_target, 1)})
    proc = popen(spawn, shim_python, path, cwd=tmp_path)
    assert proc.stdout is not None
    Lines(proc.stdout).wait_for(r"GET\s+\| /hello ")
    proc.send_signal(signal.SIGINT)
    assert proc.wait(WAIT) == 0, proc.stderr.read() if proc.stderr else ""
    assert server_counts(fresh_target)["by_path"]["GET /hello"] >= 1


# -- Locust as a library: examples/use_as_lib.py --------------------------------------------------


def test_the_use_as_lib_example_runs_with_its_web_ui(
    shim_python: Path, fresh_target: str, tmp_path: Path, spawn: list[subprocess.Popen[str]]
) -> None:
    path = example(
        "use_as_lib.py",
        tmp_path,
        {
            "https://docs.locust.io": (fresh_target, 1),
            'create_web_ui("127.0.0.1", 8089)': ('create_web_ui("127.0.0.1", 0)', 1),
            "gevent.spawn_later(30, runner.quit)": ("gevent.spawn_later(3, runner.quit)", 1),
        },
    )
    proc = popen(spawn, shim_python, path, cwd=tmp_path)
    assert proc.stderr is not None
    assert proc.stdout is not None
    stderr = Lines(proc.stderr)
    stdout = Lines(proc.stdout)
    url = stderr.wait_for(r"web UI at (http://127\.0\.0\.1:\d+/)").group(1)
    assert get(url)[0] == 200
    stderr.wait_for(re.escape('All users spawned: {"MyUser": 1} (1 total users)'))
    status, body = get(url + "stats/requests")
    assert status == 200
    assert json.loads(body)["user_count"] == 1
    assert proc.wait(WAIT) == 0, stderr.rest()
    tables = stdout.rest()
    assert re.search(r"GET\s+\| /\s+\|", tables), tables
    assert "Aggregated" in tables
    assert "Traceback" not in stderr.rest()
    assert server_counts(fresh_target)["by_path"]["GET /"] > 0


# -- python -m locust and the locust command ------------------------------------------------------


def test_python_m_locust_runs_the_horde_command(
    shim_python: Path, fresh_target: str, tmp_path: Path
) -> None:
    (tmp_path / "locustfile.py").write_text(LOCUSTFILE, encoding="utf-8")
    args = ["-f", "locustfile.py", "--headless", "-u", "2", "-r", "10", "-t", "1s"]
    result = run(
        shim_python,
        "-m",
        "locust",
        *args,
        "-H",
        fresh_target,
        "--json",
        "--only-summary",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert sum(e["num_requests"] for e in json.loads(result.stdout)["stats"]) > 0


def test_the_locust_command_is_horde(shim_python: Path, tmp_path: Path) -> None:
    result = run(shim_python.parent / "locust", "--version", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("horde ")


PATCH_PROBE = (
    "import locust, gevent.monkey, horde.event; "
    "print(gevent.monkey.is_module_patched('socket'), locust.events is horde.event.events)"
)


def test_import_locust_patches_gevent_as_locust_does(shim_python: Path, tmp_path: Path) -> None:
    assert run(shim_python, "-c", PATCH_PROBE, cwd=tmp_path).stdout.split() == ["True", "True"]


def test_locust_skip_monkey_patch_is_honoured(shim_python: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(shim_python), "-c", PATCH_PROBE],
        cwd=tmp_path,
        env={**child_env(), "LOCUST_SKIP_MONKEY_PATCH": "1"},
        capture_output=True,
        text=True,
        timeout=WAIT,
        check=False,
    )
    assert result.stdout.split() == ["False", "True"], result.stderr


# -- IDEs and type checkers -----------------------------------------------------------------------

TYPED = """\
from locust import HttpUser, between, events, task
from locust.env import Environment
from locust.log import setup_logging
from locust.runners import LocalRunner
from locust.stats import RequestStats, stats_printer


class Visitor(HttpUser):
    wait_time = between(1, 2)

    @task
    def home(self) -> None:
        self.client.get("/")


env = Environment(user_classes=[Visitor], events=events)
runner: LocalRunner = env.create_local_runner()
printer = stats_printer(env.stats)
stats: RequestStats = env.stats
setup_logging("INFO")
env.create_local_runner(no_such_argument=1)
"""


def test_type_checkers_resolve_locust_through_the_stubs(shim_python: Path, tmp_path: Path) -> None:
    (tmp_path / "typed.py").write_text(TYPED, encoding="utf-8")
    result = run(
        sys.executable,
        "-m",
        "mypy",
        "--python-executable",
        shim_python,
        "--no-incremental",
        "--cache-dir",
        os.devnull,
        "typed.py",
        cwd=tmp_path,
    )
    # the one error is the deliberate bad call: every locust name resolved to horde's types
    assert "Found 1 error in 1 file" in result.stdout, result.stdout
    assert 'typed.py:21: error: Unexpected keyword argument "no_such_argument"' in result.stdout


# -- never next to Locust itself ------------------------------------------------------------------


def test_the_shim_refuses_to_sit_next_to_locust(tmp_path: Path) -> None:
    wheels = sorted(LOCUST_WHEELS.glob(f"locust-{LOCUST_VERSION}-*.whl"))
    assert wheels, f"no Locust wheel in {LOCUST_WHEELS}: scripts/test.sh downloads it"
    python = make_venv(tmp_path / "venv")
    assert install_shim(python).returncode == 0

    locust_installed = pip(python, "install", "--no-index", "--no-deps", wheels[-1])
    assert locust_installed.returncode == 0, locust_installed.stderr
    says = f"but Locust {LOCUST_VERSION} ("
    imported = run(python, "-c", "import locust", cwd=tmp_path)
    assert imported.returncode == 1
    assert "LocustInstalledError: horde-locust-shim makes `import locust` give horde" in (
        imported.stderr
    )
    assert says in imported.stderr
    command = run(python, "-c", "import horde_locust_shim; horde_locust_shim.main()", cwd=tmp_path)
    assert command.returncode == 2
    assert command.stderr.startswith("locust: error: horde-locust-shim makes")
    assert says in command.stderr

    reinstalled = install_shim(python)
    assert reinstalled.returncode != 0
    assert f"horde-locust-shim refuses to install: Locust {LOCUST_VERSION}" in (
        reinstalled.stdout + reinstalled.stderr
    )
