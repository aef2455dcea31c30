"""Distributed mode with real processes and real ZeroMQ sockets on 127.0.0.1.

The demo target counts every request it receives; the master's merged counts must equal them
after a run ended by the time limit, SIGTERM or Ctrl-C on the master, and after a worker was
SIGKILLed once everything it recorded had been reported. A worker killed while busy loses what
it did since its last report, and the summary says so.
"""

from __future__ import annotations

import csv
import json
import signal
import socket
from pathlib import Path

import msgpack
import pytest

from conftest import run_horde
from distributed_kit import FAST, SECRET, Proc, spawn, start_master, start_worker, stop_all
from horde.cli.exit_codes import ExitCode
from horde.demo.process import server_counts
from horde.transport.zmq import ZmqClient

LOCUSTFILES = Path(__file__).parent / "locustfiles"
COUNTED = str(LOCUSTFILES / "counted.py")
VICTIM = str(LOCUSTFILES / "distributed_idle_victim.py")
UNLIMITED = {"COUNTED_ROUNDS": "0"}
NOWHERE = ["-H", "http://127.0.0.1:9"]
"""A host for runs that never start a test (HTTP users need one to be accepted)."""

pytestmark = pytest.mark.slow


def master_total(proc: Proc) -> int:
    """Requests in the master's --json report (printed on stdout at the end)."""
    report = json.loads(proc.stdout)
    return sum(entry["num_requests"] for entry in report["stats"])


def headless(*extra: str) -> list[str]:
    return ["--headless", "-u", "6", "-r", "100", "--json", "--only-summary", *FAST, *extra]


def test_processes_two_workers_count_exactly(fresh_target: str, tmp_path: Path) -> None:
    reports = ["--archive", "archive", "--html", "report.html", "--csv", "run"]
    args = ["-f", COUNTED, "--processes", "2", *headless("-H", fresh_target, "-t", "3s")]
    proc = spawn([*args, *reports], tmp_path, UNLIMITED)
    try:
        assert proc.finish() == 0, proc.stderr
    finally:
        stop_all(proc)
    assert "2 worker(s) connected" in proc.stderr
    total = server_counts(fresh_target)["total"]
    assert master_total(proc) == total > 0
    # the master's reports hold the merged statistics: CSV, HTML and the archive with plots
    with open(tmp_path / "run_stats.csv", encoding="utf-8") as handle:
        aggregated = [row for row in csv.DictReader(handle) if row["Name"] == "Aggregated"]
    assert int(aggregated[0]["Request Count"]) == total
    assert (tmp_path / "report.html").stat().st_size > 0
    (folder,) = (tmp_path / "archive").iterdir()
    assert {"report.html", "report.json", "plots"} <= {p.name for p in folder.iterdir()}
    archived = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert archived["aggregated"]["num_requests"] == total
    assert any((folder / "plots").glob("*.png"))


def test_classes_with_their_own_executors_across_worker_processes(
    fresh_target: str, tmp_path: Path
) -> None:
    locustfile = str(LOCUSTFILES / "class_executors.py")
    args = ["-f", locustfile, "--processes", "2", "--headless", "-u", "2", "-r", "10"]
    proc = spawn([*args, "-t", "3s", "-H", fresh_target, "--json", "--only-summary"], tmp_path)
    try:
        assert proc.finish() == 0, proc.stderr
    finally:
        stop_all(proc)
    by_path = server_counts(fresh_target)["by_path"]
    assert by_path["GET /something"] == 5
    # 30 per second for 3 s, split into two exact shares (each worker's starts a few ms after
    # the master's clock: an iteration due in that last instant may be cut by the stop)
    assert 88 <= by_path["GET /api/items/7"] <= 90
    assert master_total(proc) == server_counts(fresh_target)["total"]
    assert proc.stderr.count("Checkout: constant-arrival-rate") >= 2  # each worker's share


def test_a_failing_worker_process_sets_the_exit_code(tmp_path: Path) -> None:
    """--processes: a worker whose init listener failed leaves its master at once, telling it
    why, and the command exits 1 as one process would (it used to exit 0, then 4 after running
    the worker's users anyway)."""
    args = ["-f", str(LOCUSTFILES / "worker_init_fails.py"), "--processes", "2"]
    proc = spawn([*args, *headless("-t", "30s", *NOWHERE)], tmp_path)
    try:
        assert proc.finish() == ExitCode.FAILURES, proc.stderr
    finally:
        stop_all(proc)
    assert proc.stderr.count("this worker's setup failed") >= 2
    # the master logs each worker leaving, unless it gave up (and quit) after the first one
    assert "left: its init listener failed (RuntimeError)" in proc.stderr
    # whether the test had started when they left: it ends at once, not at -t 30s
    assert "every worker has left" in proc.stderr or "left before the test" in proc.stderr


def test_a_worker_whose_init_failed_leaves_and_exits_1(tmp_path: Path) -> None:
    """A separate --worker whose init listener failed runs nothing: it tells its master why it
    leaves and exits 1 (it used to run its users and exit 4)."""
    locustfile = str(LOCUSTFILES / "worker_init_fails.py")
    master, port = start_master(
        ["-f", locustfile, "--master", *headless("-t", "30s", *NOWHERE)], tmp_path
    )
    worker = start_worker(locustfile, port, tmp_path)
    try:
        assert worker.finish() == ExitCode.FAILURES, worker.stderr
        master.finish()
    finally:
        stop_all(master, worker)
    assert "this worker leaves its master" in worker.stderr
    assert "All users spawned" not in worker.stderr
    assert "worker 0 left: its init listener failed (RuntimeError)" in master.stderr
    assert "every worker has left" in master.stderr  # the master's test ended at once


def test_a_worker_says_at_once_when_the_master_host_does_not_resolve(tmp_path: Path) -> None:
    worker = spawn(["-f", COUNTED, "--worker", "--master-host", "no-such-host.invalid"], tmp_path)
    try:
        worker.wait_for(r"cannot resolve the master host 'no-such-host.invalid'")
    finally:
        stop_all(worker)


def test_master_and_three_authenticated_workers(fresh_target: str, tmp_path: Path) -> None:
    secret = {**UNLIMITED, "HORDE_SECRET": SECRET}
    args = ["-f", COUNTED, "--master", "--expect-workers", "3"]
    master, port = start_master(
        [*args, *headless("-H", fresh_target, "-t", "3s")], tmp_path, secret
    )
    workers = [start_worker(COUNTED, port, tmp_path, env=secret) for _ in range(3)]
    try:
        assert master.finish() == 0, master.stderr
        assert [w.finish() for w in workers] == [0, 0, 0], [w.stderr for w in workers]
    finally:
        stop_all(master, *workers)
    assert master.stderr.count("authenticated; ") == 3
    assert all("leaving the master: the master quit" in w.stderr for w in workers)  # was silent
    assert master_total(master) == server_counts(fresh_target)["total"] > 0


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_the_master_loses_nothing(
    fresh_target: str, tmp_path: Path, signum: signal.Signals
) -> None:
    args = ["-f", COUNTED, "--processes", "2", *headless("-H", fresh_target)]
    proc = spawn(args, tmp_path, UNLIMITED)
    try:
        proc.wait_for(r"master: All users spawned")
        proc.popen.send_signal(signum)
        assert proc.finish() == 0, proc.stderr
    finally:
        stop_all(proc)
    assert f"{signum.name} received" in proc.stderr
    assert master_total(proc) == server_counts(fresh_target)["total"] > 0
    assert json.loads(proc.stdout)["metadata"]["worker_count"] == 2  # was 0: "a local run"


def test_a_second_ctrl_c_on_the_master_stops_the_workers_users_now(
    fresh_target: str, tmp_path: Path
) -> None:
    """Every user is inside a 40 s request and the grace is 60 s: the first Ctrl-C waits for
    them, the second makes the workers cancel them now (recorded, never lost). It used to hurry
    only the master, whose workers went on waiting for the grace."""
    locustfile = str(LOCUSTFILES / "very_slow.py")
    args = ["-f", locustfile, "--processes", "2", "--stop-grace", "60"]
    proc = spawn([*args, *headless("-H", fresh_target)], tmp_path)
    try:
        proc.wait_for(r"master: All users spawned")
        proc.popen.send_signal(signal.SIGINT)
        proc.wait_for(r"SIGINT received")
        proc.popen.send_signal(signal.SIGINT)
        code = proc.finish(timeout=30)  # well below the 40 s requests and the 60 s grace
    finally:
        stop_all(proc)
    assert code == ExitCode.FAILURES, proc.stderr  # the cancelled requests are failures
    assert proc.stderr.count("the master says: stop now") == 2
    report = json.loads(proc.stdout)
    assert master_total(proc) == 6 == server_counts(fresh_target)["total"]
    assert all(entry["num_failures"] == entry["num_requests"] for entry in report["stats"])
    assert "cancelled at stop" in proc.stdout + proc.stderr


def test_a_worker_killed_when_idle_loses_nothing_and_its_users_move(
    fresh_target: str, tmp_path: Path
) -> None:
    args = ["-f", VICTIM, "--master", "--expect-workers", "3"]
    master, port = start_master([*args, *headless("-H", fresh_target, "-t", "4s")], tmp_path)
    workers = [start_worker(VICTIM, port, tmp_path)]
    workers[0].popen.poll()
    master.wait_for(r"worker 0 connected")  # the victim takes index 0
    workers += [start_worker(VICTIM, port, tmp_path) for _ in range(2)]
    try:
        workers[0].wait_for("IDLE-AND-REPORTED")
        workers[0].popen.send_signal(signal.SIGKILL)
        master.wait_for(r"worker 0 .* is missing")
        master.wait_for(r"redistributing 6 users")
        assert master.finish() == 0, master.stderr
    finally:
        stop_all(master, *workers)
    assert "Warning: worker 0" in master.stdout + master.stderr
    assert master_total(master) == server_counts(fresh_target)["total"] > 0


def test_a_worker_killed_while_busy_is_reported_in_the_summary(
    fresh_target: str, tmp_path: Path
) -> None:
    args = ["-f", COUNTED, "--master", "--expect-workers", "2"]
    master, port = start_master(
        [*args, *headless("-H", fresh_target, "-t", "3s")], tmp_path, UNLIMITED
    )
    workers = [start_worker(COUNTED, port, tmp_path, env=UNLIMITED) for _ in range(2)]
    try:
        master.wait_for(r"All users spawned")
        workers[1].popen.send_signal(signal.SIGKILL)
        assert master.finish() == 0, master.stderr
    finally:
        stop_all(master, *workers)
    summary = master.stdout + master.stderr
    assert "is missing: requests it made after its last report (" in summary
    assert "nor are requests it had in flight" in summary
    assert 0 < master_total(master) <= server_counts(fresh_target)["total"]


def test_a_worker_without_the_secret_is_refused_on_both_sides(tmp_path: Path) -> None:
    master, port = start_master(
        ["-f", COUNTED, "--master", "--headless", "--expect-workers", "1", *NOWHERE],
        tmp_path,
        {"HORDE_SECRET": SECRET},
    )
    outsider = start_worker(COUNTED, port, tmp_path)
    wrong = start_worker(COUNTED, port, tmp_path, env={"HORDE_SECRET": "x" * 20})
    try:
        assert outsider.finish() == ExitCode.DISTRIBUTED
        assert wrong.finish() == ExitCode.DISTRIBUTED
        master.wait_for(r"refused worker .*: this master requires a shared secret")
        master.wait_for(r"refused this master: .* does not know this worker's secret")
    finally:
        stop_all(master, outsider, wrong)
    assert "the master refused this worker: this master requires a shared secret" in (
        outsider.stderr
    )
    assert "does not know this worker's secret" in wrong.stderr
    assert "Traceback" not in outsider.stderr + wrong.stderr + master.stderr


def test_a_worker_leaves_when_its_master_is_gone(tmp_path: Path) -> None:
    master, port = start_master(
        [
            "-f",
            COUNTED,
            "--master",
            "--headless",
            "--master-heartbeat-timeout",
            "1",
            *FAST,
            *NOWHERE,
        ],
        tmp_path,
    )
    worker = start_worker(COUNTED, port, tmp_path)
    try:
        master.wait_for(r"worker 0 connected")
        master.popen.send_signal(signal.SIGKILL)
        assert worker.finish(timeout=30) == ExitCode.DISTRIBUTED
    finally:
        stop_all(master, worker)
    assert "no message from the master" in worker.stderr
    assert "connecting to the master at tcp://127.0.0.1:" in worker.stderr  # it was silent


def test_the_master_gives_up_waiting_for_workers(tmp_path: Path) -> None:
    args = ["-f", COUNTED, "--master", "--headless", "--expect-workers", "2", *NOWHERE]
    master, _ = start_master([*args, "--expect-workers-max-wait", "1"], tmp_path)
    try:
        assert master.finish() == ExitCode.DISTRIBUTED
    finally:
        stop_all(master)
    assert "only 0 of the 2 expected worker(s) connected within 1 s" in master.stderr


def test_a_port_in_use_is_one_line_and_exit_code_8(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_horde(
            ["-f", COUNTED, "--master", "--headless", "--master-bind-port", str(port), *NOWHERE],
            cwd=tmp_path,
        )
    assert result.returncode == ExitCode.DISTRIBUTED, result.stderr
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith(f"horde: error: cannot listen on tcp://127.0.0.1:{port}")
    )


def test_a_frozen_worker_goes_missing_and_comes_back(fresh_target: str, tmp_path: Path) -> None:
    args = ["-f", COUNTED, "--master", "--expect-workers", "2", *headless("-H", fresh_target)]
    master, port = start_master([*args, "-t", "6s"], tmp_path, UNLIMITED)
    workers = [start_worker(COUNTED, port, tmp_path, env=UNLIMITED) for _ in range(2)]
    try:
        master.wait_for(r"All users spawned")
        workers[0].popen.send_signal(signal.SIGSTOP)
        master.wait_for(r"sent no heartbeat for .* is missing")
        master.wait_for(r"gone missing: redistributing 6 users")
        workers[0].popen.send_signal(signal.SIGCONT)
        master.wait_for(r"is back \(heartbeat\): redistributing users")
        assert master.finish() == 0, master.stderr
        assert [w.finish() for w in workers] == [0, 0], [w.stderr[-3000:] for w in workers]
    finally:
        stop_all(master, *workers)
    assert 0 < master_total(master) <= server_counts(fresh_target)["total"]


def test_a_peer_of_another_protocol_version_is_told_both_versions(tmp_path: Path) -> None:
    master, port = start_master(
        ["-f", COUNTED, "--master", "--headless", "--expect-workers", "1", *NOWHERE], tmp_path
    )
    peer = ZmqClient(f"tcp://127.0.0.1:{port}", b"future-worker")
    try:
        body = {"version": 99, "horde_version": "9.0.0", "client_id": "future-worker"}
        peer.send([msgpack.packb(["horde", 99, "hello", body])])
        answer = peer.recv(30.0)
        master.wait_for(r"refused worker future-worker: the peer speaks horde wire protocol")
    finally:
        peer.close()
        stop_all(master)
    assert answer is not None
    reply = msgpack.unpackb(answer[0])
    assert reply[2] == "refused"
    assert "version 99 (horde 9.0.0), this side speaks version 1" in reply[3]["reason"]
    assert "version 99 (horde 9.0.0)" in master.stderr
