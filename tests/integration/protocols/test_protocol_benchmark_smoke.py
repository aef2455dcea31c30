"""benchmarks/protocols.py still works: a tiny ``--quick`` run has figures for horde and Locust.

The script provisions Locust 2.47 in benchmarks/.venv-locust (as benchmarks/run.py does) unless
``HORDE_BENCH_LOCUST`` names a Locust already installed, and adds the protocol libraries to
Locust's environment. No timing is asserted: only that each tool produced a figure for each
scenario, with no failed operation.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_quick_protocol_benchmark_reports_horde_and_locust(tmp_path: Path) -> None:
    command = [sys.executable, "benchmarks/protocols.py", "--quick", "--duration", "3"]
    done = subprocess.run(
        [*command, "--only", "ws,grpc", "--output", str(tmp_path)],
        cwd=REPO,
        env={
            k: v
            for k, v in os.environ.items()
            if not k.startswith("HORDE_") or k.startswith("HORDE_BENCH")
        },
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    table = (tmp_path / "protocols.md").read_text(encoding="utf-8")
    for key in ("ws", "grpc"):
        row = next(line for line in table.splitlines() if line.startswith(f"| {key} |"))
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        horde_ops, locust_ops, *_rest, ratio, _server = cells[1:]
        assert horde_ops != "n/a", table
        assert locust_ops != "n/a", table
        assert ratio.endswith("x"), table
    runs = json.loads((tmp_path / "protocols.json").read_text(encoding="utf-8"))["runs"]
    assert {(r["scenario"], r["tool"]) for r in runs} == {
        (s, t) for s in ("ws", "grpc") for t in ("horde", "locust")
    }
    assert all(r["metrics"]["tool_failures"] == 0 for r in runs), runs
    assert all(r["metrics"]["tool_requests"] > 0 for r in runs), runs
