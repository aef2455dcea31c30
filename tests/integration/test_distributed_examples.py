"""Locust's own examples that use distributed mode run unchanged: custom messages between the
master and its workers (examples/custom_messages.py) and ``worker_index`` (examples/
worker_index.py), with ``--processes 2`` (a master and two worker processes)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from conftest import REPO, run_horde

EXAMPLES = Path(__file__).parent / "locust_examples" / "distributed"

pytestmark = pytest.mark.slow

RUN = ["-u", "4", "-r", "10", "-t", "2s", "--only-summary"]


def test_custom_messages_example(fresh_target: str, tmp_path: Path) -> None:
    result = run_horde(
        ["-f", str(EXAMPLES / "custom_messages.py"), "--processes", "2", "--headless", *RUN],
        cwd=tmp_path,
        env={"LOCUST_HOST": fresh_target},
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout  # three processes print to it: lines may interleave
    # the master split four user names between the two workers, each thanked it ...
    assert out.count("Thanks for the 2 users!") == 2
    # ... and sent a message handled concurrently on the master (its listener sleeps 10 s)
    assert out.count("concurrent_message received with data: 'Message to concurrent handler'") == 2
    # every user got one of the names the master sent before the users started
    assert set(re.findall(r"User\d", out)) == {f"User{i}" for i in range(4)}


def test_worker_index_example(tmp_path: Path) -> None:
    (tmp_path / "mythings_0.csv").write_text("thing\nzero-a\nzero-b\n")
    (tmp_path / "mythings_1.csv").write_text("thing\none-a\none-b\n")
    plugins = str(EXAMPLES / "plugins")
    result = run_horde(
        ["-f", str(EXAMPLES / "worker_index.py"), "--processes", "2", "--headless", *RUN],
        cwd=tmp_path,
        env={"PYTHONPATH": os.pathsep.join([plugins, str(REPO / "src")])},
    )
    assert result.returncode == 0, result.stderr
    for thing in ("zero-a", "zero-b", "one-a", "one-b"):
        assert f"{{'thing': '{thing}'}}" in result.stdout


def test_a_unique_feeder_hands_each_record_to_one_worker_only(tmp_path: Path) -> None:
    """The master owns the feeder's counter: the workers' users never get the same record."""
    locustfile = Path(__file__).parent / "locustfiles" / "distributed_feeder.py"
    args = ["-f", str(locustfile), "--processes", "2", "--headless", "-u", "4", "-r", "100"]
    result = run_horde([*args, "-t", "20s", "--only-summary"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    taken = re.findall(r"took (\d) (r\d+)", result.stdout)
    records = [record for _, record in taken]
    assert len(records) == len(set(records)) > 64  # no record twice; more than one block
    assert {worker for worker, _ in taken} == {"0", "1"}
    assert "has handed out all its 600 records" in result.stderr
