"""horde.stats is sans-I/O: no networking or concurrency imports, no direct reads of the clock."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import horde.stats

PACKAGE = Path(horde.stats.__file__).parent
MODULES = sorted(PACKAGE.glob("*.py"))
FORBIDDEN_IMPORTS = {
    "gevent",
    "greenlet",
    "zmq",
    "flask",
    "requests",
    "urllib3",
    "socket",
    "threading",
    "time",
}
CLOCK_READS = {"time", "monotonic", "perf_counter", "time_ns", "monotonic_ns", "sleep"}


def imported_roots(tree: ast.AST) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def direct_clock_reads(tree: ast.AST) -> list[str]:
    """``time.time()``-style calls and ``datetime.now()``-style calls (by name, not via a clock)."""
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        if isinstance(owner, ast.Name) and (
            (owner.id == "time" and node.func.attr in CLOCK_READS)
            or (owner.id in {"datetime", "date"} and node.func.attr in {"now", "utcnow", "today"})
        ):
            found.append(f"{owner.id}.{node.func.attr} (line {node.lineno})")
    return found


def test_the_package_has_the_expected_modules() -> None:
    names = {m.stem for m in MODULES}
    assert {"histogram", "window", "entry", "errors", "history", "snapshot", "registry"} <= names


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.name)
def test_no_io_or_concurrency_imports(module: Path) -> None:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    assert imported_roots(tree) & FORBIDDEN_IMPORTS == set()


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.name)
def test_no_direct_clock_reads(module: Path) -> None:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    assert direct_clock_reads(tree) == []


def test_stats_imports_only_lower_layers() -> None:
    allowed = {"horde.stats", "horde._types", "horde.exceptions", "horde.clock", "horde.timespan"}
    for module in MODULES:
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("horde"):
                assert any(node.module.startswith(a) for a in allowed), (module.name, node.module)


def test_the_checker_would_catch_a_violation() -> None:
    bad = ast.parse("import time\nfrom gevent import sleep\nx = time.monotonic()\n")
    assert imported_roots(bad) & FORBIDDEN_IMPORTS == {"time", "gevent"}
    assert direct_clock_reads(bad) == ["time.monotonic (line 3)"]
    assert direct_clock_reads(ast.parse("self.clock.time()")) == []


def test_importing_stats_loads_no_io_library() -> None:
    code = (
        "import sys, horde.stats\n"
        "bad = {'gevent', 'zmq', 'flask', 'requests', 'urllib3'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"
