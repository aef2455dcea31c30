"""run_single_user: one user in this process, each request printed (for debuggers)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import REPO

SCRIPT = textwrap.dedent(
    """
    import sys
    from horde import HttpUser, StopUser, run_single_user, task

    class Probe(HttpUser):
        host = sys.argv[1]
        rounds = 0

        @task
        def look(self):
            Probe.rounds += 1
            if Probe.rounds > 3:
                raise StopUser()
            self.client.get("/api/items", name="items")
            self.client.get("/status/500", name="broken")

    run_single_user(Probe, include_time=True, include_length=True)
    print("done", Probe.rounds)
    """
)


def test_run_single_user_prints_each_request(demo_target: str, tmp_path: Path) -> None:
    script = tmp_path / "probe.py"
    script.write_text(SCRIPT, encoding="utf-8")
    out = subprocess.run(
        [sys.executable, str(script), demo_target],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    items = [ln for ln in lines if "items" in ln]
    broken = [ln for ln in lines if "broken" in ln]
    assert len(items) == 3
    assert all("| OK |" in ln and ln.rstrip().endswith("B") for ln in items)
    assert len(broken) == 3
    assert all("FAIL" in ln and "500" in ln for ln in broken)
    assert lines[-1] == "done 4"
