"""WebRun, the command's web UI mode, in process: ``--autostart``/``--autoquit`` and the CSV
history's snapshot shared with the web UI (the end-to-end runs are in tests/integration)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from web_kit import Shop, wait_until

from horde.cli import webrun
from horde.cli.parser import build_parser, parse
from horde.cli.webrun import WebRun
from horde.config import build_settings

MakeRun = Callable[..., WebRun]


@pytest.fixture
def make_run(tmp_path: Path) -> Iterator[MakeRun]:
    made: list[WebRun] = []

    def make(*argv: str) -> WebRun:
        values = parse(build_parser(), ["-P", "0", *argv]).values
        settings = build_settings(values, env={}, cwd=tmp_path, read_files=False)
        made.append(WebRun(settings, [type("Shop", (Shop,), {})], "locustfile.py"))
        return made[-1]

    yield make
    for run in made:
        run.runner.quit()
        run.web_ui.stop()
        run.env.close()
        if run.csv is not None:
            run.csv.close()


def test_the_csv_history_snapshot_serves_the_web_ui(make_run: MakeRun, tmp_path: Path) -> None:
    run = make_run("--csv", str(tmp_path / "run"))
    run.start_outputs()
    run.env.events.request.report("GET", "/a", 3.0, 1)
    run._csv_tick()
    snapshot = run.web_ui.cache.get()
    assert run.web_ui.cache.computed == 0, "no snapshot of its own"
    assert snapshot.total.num_requests == 1
    client = run.web_ui.app.test_client()
    assert client.get("/api/v1/stats").get_json()["total"]["num_requests"] == 1
    assert run.web_ui.cache.computed == 0
    history = (tmp_path / "run_stats_history.csv").read_text(encoding="utf-8").splitlines()
    assert len(history) == 2


def test_autostart_starts_the_test_and_autoquit_ends_the_session(make_run: MakeRun) -> None:
    run = make_run("--autostart", "-u", "2", "-r", "100", "-t", "0.2s", "--autoquit", "0")
    run._autostart(run.plan())
    status = run.web_ui.control.status()
    assert (status["target_user_count"], status["run_time"]) == (2, 0.2)
    wait_until(run.quit.is_set, "--autoquit to end the session")
    assert run.runner.stop_reason == "run time limit reached"
    assert run.env.stats.total.num_requests > 0


def test_autostart_without_autoquit_keeps_serving(make_run: MakeRun) -> None:
    run = make_run("--autostart", "-u", "1", "-r", "100", "-t", "0.1s")
    run._autostart(run.plan())
    wait_until(run.runner.stopped.is_set, "the run time limit")
    assert not run.quit.is_set()


def test_print_stats_writes_the_table_while_serving(
    make_run: MakeRun, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(webrun, "PRINT_STATS_INTERVAL", 0.01)
    run = make_run("--print-stats")
    run.env.events.request.report("GET", "/printed", 3.0, 1)
    run.runner.spawn_background(run._print_stats)
    wait_until(lambda: "/printed" in capsys.readouterr().out, "a printed table")
