"""The benchmark script still works: a tiny ``--quick`` run has numbers for horde, Locust and wrk.

The script installs what it needs itself (nginx, its echo module and wrk with apt-get, Locust
2.47.0 in ``benchmarks/.venv-locust``), so this only skips on a machine with neither nginx nor
apt-get. No timing is asserted: only that each tool produced a figure.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _cells(table: str, row_start: str) -> list[str]:
    """The cells of the first markdown row starting with ``row_start``."""
    row = next(line for line in table.splitlines() if line.startswith(row_start))
    return [cell.strip() for cell in row.strip("|").split("|")]


def _is_number(cell: str) -> bool:
    try:
        float(cell.replace(",", "").rstrip("x"))
    except ValueError:
        return False
    return True


@pytest.mark.timeout(240)
def test_quick_benchmark_reports_horde_locust_and_wrk(tmp_path: Path) -> None:
    if shutil.which("apt-get") is None and shutil.which("nginx") is None:
        pytest.skip("nginx is not installed and there is no apt-get to install it")
    command = [sys.executable, "benchmarks/run.py", "--quick", "--only", "http-1,wrk-1"]
    done = subprocess.run(
        [*command, "--output", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=220,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    table = (tmp_path / "latest.md").read_text(encoding="utf-8")
    assert "| HttpUser | 1 |" in done.stdout  # the table is printed too

    connections, counted, own, _cpu = _cells(table, "| 1 |")
    assert connections == "1"
    assert _is_number(counted), table
    assert _is_number(own), table

    cls, users, horde, locust, ratio, horde_wrk, locust_wrk, *_ = _cells(table, "| HttpUser | 1 |")
    assert (cls, users) == ("HttpUser", "1")
    assert all(_is_number(c) for c in (horde, locust, ratio)), table
    assert horde_wrk.endswith(" %"), table
    assert locust_wrk.endswith(" %"), table
