"""The README's first commands: ``horde demo -t 3s`` and ``python -m horde --version``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, run_horde
from horde._version import __version__


@pytest.mark.slow
def test_demo_runs_and_prints_the_summary(tmp_path: Path) -> None:
    result = run_horde(["demo", "-t", "3s"], cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "horde demo: demo target at http://127.0.0.1:" in result.stdout
    assert "Summary:" in result.stdout
    assert "Aggregated" in result.stdout
    assert "Response time percentiles" in result.stdout
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # the demo writes no files unless asked to


def test_python_dash_m_horde_version(tmp_path: Path) -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), env.get("PYTHONPATH", "")])
    proc = subprocess.run(
        [sys.executable, "-m", "horde", "--version"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"horde {__version__} from ")
    assert proc.stderr == ""
