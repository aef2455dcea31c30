"""``--processes N``: how many worker processes a command may fork."""

from __future__ import annotations

import os

import pytest

from horde.cli import distributed
from horde.cli.distributed import PROCESSES_PER_CORE, process_count
from horde.config import Settings
from horde.exceptions import ConfigError, HordeError


def test_minus_one_is_one_per_core() -> None:
    assert process_count(Settings(processes=-1)) == (os.cpu_count() or 1)


def test_up_to_the_limit_per_core_is_accepted() -> None:
    most = (os.cpu_count() or 1) * PROCESSES_PER_CORE
    assert process_count(Settings(processes=most)) == most


@pytest.mark.parametrize("count", [100_000, 10**12])
def test_a_typo_is_refused_before_forking(count: int) -> None:
    """``--processes 100000`` forked until the machine's process limit."""
    with pytest.raises(ConfigError, match=rf"^--processes {count} is more than 8 per core"):
        process_count(Settings(processes=count))


def test_a_fork_that_fails_is_one_error_naming_the_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The machine's process limit (EAGAIN from fork) was a traceback and exit code 4; the
    first fork fails here, so this test process never forks."""

    def refuse() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    def never(*_: object) -> int:
        raise AssertionError("no master or worker may run")

    monkeypatch.setattr(distributed.os, "fork", refuse)
    with pytest.raises(HordeError, match=r"^cannot start worker process 1 of 2: \[Errno 11\]"):
        distributed.run_processes(Settings(processes=2), never, never)
