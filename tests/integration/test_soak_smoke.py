"""The soak benchmark still works: a ``--quick`` run against the demo target samples horde's
memory and reports the summary's hidden names. No timing or memory figure is asserted (those
belong in docs/benchmarks.md): only that the run happened and was sampled."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.mark.timeout(120)
def test_quick_soak_samples_a_run_with_many_names(tmp_path: Path) -> None:
    command = [sys.executable, "benchmarks/soak.py", "--quick", "--target", "demo"]
    done = subprocess.run(
        [*command, "--output", str(tmp_path / "soak")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    raw = json.loads((tmp_path / "soak.json").read_text(encoding="utf-8"))
    assert raw["exit_code"] == 0, raw["stderr_tail"]
    points = raw["points"]
    assert len(points) >= 3
    assert all(p["rss_mb"] > 0 for p in points)
    assert points[-1]["server_requests"] > points[0]["server_requests"]
    if points[-1]["server_requests"] > 2_000:  # every name was requested: the table was cut
        assert "more names, not shown" in raw["hidden_names_note"]
    assert "| t (s) | RSS (MB) |" in (tmp_path / "soak.md").read_text(encoding="utf-8")
