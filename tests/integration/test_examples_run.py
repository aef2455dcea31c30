"""Every file in examples/ runs as documented against the demo target, without failures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import REPO, run_horde

EXAMPLES = sorted((REPO / "examples").glob("*.py"))


@pytest.mark.slow
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_runs_cleanly(path: Path, fresh_target: str, tmp_path: Path) -> None:
    result = run_horde(
        [
            "-f",
            str(path),
            "--headless",
            "-u",
            "4",
            "-r",
            "4",
            "-t",
            "3s",
            "-H",
            fresh_target,
            "--json",
            "--only-summary",
        ],
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    entries = json.loads(result.stdout)["stats"]
    assert sum(e["num_requests"] for e in entries) > 0
    assert sum(e["num_failures"] for e in entries) == 0
    assert "Traceback" not in result.stderr
