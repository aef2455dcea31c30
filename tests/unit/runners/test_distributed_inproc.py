"""Master and workers in one process (in-process transport): distribution, exact counts,
rebalancing, missing workers, stop acknowledgements, custom messages."""

from __future__ import annotations

import gevent
import msgpack
import pytest
from cluster_kit import SENT, counting_user, wait_until
from hypothesis import given, settings
from hypothesis import strategies as st

from horde.dispatch import counts_for
from horde.exceptions import StopTest
from horde.feeders import LOCAL_DISPENSER
from horde.runners.base import STATE_MISSING, STATE_RUNNING, STATE_STOPPED
from horde.runners.protocol import Auth, Heartbeat, Spawn, encode
from horde.shape.plan import build_plan
from horde.testing.distributed import inproc_cluster
from horde.user import task


@pytest.fixture(autouse=True)
def _reset_sent() -> None:
    SENT.clear()


def test_users_are_split_as_one_process_would_split_them() -> None:
    a = counting_user("A", weight=3)
    b = counting_user("B", weight=1)
    fixed = counting_user("F", fixed_count=2)
    with inproc_cluster([a, b, fixed], workers=3) as cluster:
        cluster.master.start(11, spawn_rate=1000)
        wait_until(lambda: cluster.master.state == STATE_RUNNING, what="running")
        expected = counts_for([a, b, fixed], 11)
        assert cluster.master.user_classes_count == expected
        assert sorted(w.user_count for w in cluster.workers) == [3, 4, 4]
        assert sum(w.user_count for w in cluster.workers) == 11


def test_every_request_reaches_the_master_after_a_stop() -> None:
    user = counting_user("U")
    with inproc_cluster([user], workers=3) as cluster:
        cluster.master.start(9, spawn_rate=1000)
        wait_until(lambda: SENT.get("U", 0) > 200, what="requests")
        cluster.master.stop()
        assert cluster.master.state == STATE_STOPPED
        assert cluster.master.stats.total.num_requests == SENT["U"]
        assert cluster.master.stats.entries[("/U", "GET")].num_requests == SENT["U"]
        assert not cluster.master.lost_workers


def test_a_joining_worker_gets_its_share_and_a_leaving_one_gives_it_back() -> None:
    user = counting_user("U")
    with inproc_cluster([user], workers=2) as cluster:
        cluster.master.start(10, spawn_rate=1000)
        wait_until(lambda: cluster.master.state == STATE_RUNNING, what="running")
        joined = cluster.add_worker()
        wait_until(lambda: joined.user_count == 3, what="the new worker's share")
        wait_until(lambda: sorted(w.user_count for w in cluster.workers) == [3, 3, 4])
        joined.quit()
        cluster.workers.remove(joined)
        wait_until(lambda: sorted(w.user_count for w in cluster.workers) == [5, 5])
        cluster.master.stop()
        assert cluster.master.stats.total.num_requests == SENT["U"]


def test_a_killed_worker_goes_missing_and_its_users_move() -> None:
    user = counting_user("U")
    with inproc_cluster([user], workers=3) as cluster:
        master = cluster.master
        master.start(9, spawn_rate=1000)
        wait_until(lambda: master.state == STATE_RUNNING, what="running")
        victim = cluster.workers[0]
        cluster.kill(victim)
        wait_until(lambda: master.clients[victim.client_id].state == STATE_MISSING)
        wait_until(lambda: sorted(w.user_count for w in cluster.workers) == [4, 5])
        wait_until(lambda: master.user_count == 9, what="the master's count")
        assert [lost.id for lost in master.lost_workers] == [victim.client_id]
        assert "not counted" in master.lost_workers[0].describe()
        assert LOCAL_DISPENSER.forward_to is not victim  # feeders no longer ask a dead link
        master.stop()
    assert LOCAL_DISPENSER.forward_to is None


def test_custom_messages_travel_both_ways() -> None:
    user = counting_user("U")
    got: list[tuple[str, object, str]] = []
    with inproc_cluster([user], workers=2) as cluster:
        for worker in cluster.workers:
            worker.register_message(
                "ping",
                lambda environment, msg, **_: environment.runner.send_message("pong", msg.data),
            )
        cluster.master.register_message(
            "pong", lambda environment, msg, **_: got.append((msg.type, msg.data, msg.node_id))
        )
        cluster.master.send_message("ping", {"n": 1})
        wait_until(lambda: len(got) == 2, what="two pongs")
        assert {node for _, _, node in got} == {w.client_id for w in cluster.workers}
        assert all(data == {"n": 1} for _, data, _ in got)
        gevent.sleep(0)


frames_strategy = st.lists(
    st.tuples(
        st.sampled_from([b"worker-x", b"", b"\xff\xfe", "KNOWN"]),
        st.lists(
            st.one_of(
                st.binary(max_size=64),
                st.sampled_from(
                    [
                        encode(Heartbeat()),
                        encode(Spawn(1, 1, 1, 1.0, ["U"], 0, 1)),
                        encode(Auth(b"x" * 32)),
                        msgpack.packb(["horde", 99, "hello", {"horde_version": "9"}]),
                        msgpack.packb(["client_ready", "2.47.0", "locust_1"]),
                        msgpack.packb(["horde", 1, "report", {"stats": "x"}]),
                    ]
                ),
            ),
            min_size=0,
            max_size=4,
        ),
    ),
    max_size=20,
)


@pytest.mark.parametrize("secret", [None, b"s" * 32], ids=["no secret", "secret"])
def test_garbage_from_anyone_is_counted_and_dropped_never_fatal(secret: bytes | None) -> None:
    user = counting_user("U")
    with inproc_cluster([user], workers=1, secret=secret) as cluster:
        master = cluster.master
        known = cluster.workers[0].client_id.encode()

        @settings(max_examples=60, deadline=None)
        @given(frames_strategy)
        def inject(batch: list[tuple[object, list[bytes]]]) -> None:
            before = master.malformed_messages
            for peer, frames in batch:
                cluster.server.inject(known if peer == "KNOWN" else peer, frames)  # type: ignore[arg-type]
            wait_until(cluster.server._inbox.empty, what="the master to read it all")
            gevent.sleep(0)
            assert master.failure is None
            assert master.malformed_messages >= before

        inject()
        assert master.malformed_messages > 0
        assert master.failure is None
        master.start(4, spawn_rate=1000)
        wait_until(lambda: master.state == STATE_RUNNING, what="a test after the garbage")
        master.stop()
        assert master.stats.total.num_requests == SENT["U"] > 0


def run_plan(cluster, values: dict, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def, type-arg]
    plan = build_plan({"stop_grace": 1.0, **values})
    cluster.env.apply_plan(plan)
    cluster.master.start_plan(plan)
    assert cluster.master.stopped.wait(timeout), cluster.master.state


def test_shared_iterations_are_split_and_run_exactly_once_across_workers() -> None:
    user = counting_user("U", wait=0.0)
    with inproc_cluster([user], workers=3) as cluster:
        run_plan(cluster, {"num_users": 5, "spawn_rate": 100, "iterations": 31})
        assert cluster.master.stop_reason == "all iterations done"
        assert SENT["U"] == 31
        assert cluster.master.stats.total.num_requests == 31


def test_fewer_shared_iterations_than_workers_end_the_test() -> None:
    """-i 1 with 5 users on 3 workers: workers whose share is 0 iterations are done at once
    (they were waited for forever: the command hung after its one request)."""
    user = counting_user("U", wait=0.0)
    with inproc_cluster([user], workers=3) as cluster:
        run_plan(cluster, {"num_users": 5, "spawn_rate": 100, "iterations": 1})
        assert cluster.master.stop_reason == "all iterations done"
        assert SENT["U"] == 1
        assert cluster.master.stats.total.num_requests == 1


def test_an_arrival_schedule_with_fewer_tickets_than_workers_ends() -> None:
    user = counting_user("U", wait=0.0)
    with inproc_cluster([user], workers=3) as cluster:
        run_plan(cluster, {"num_users": 6, "arrival_rate": "1s:2"})  # one iteration in all
        assert cluster.master.stop_reason == "the arrival schedule is over"
        assert SENT["U"] == cluster.master.stats.total.num_requests == 1


def test_per_user_iterations_across_workers() -> None:
    user = counting_user("U", wait=0.0)
    with inproc_cluster([user], workers=2) as cluster:
        run_plan(cluster, {"num_users": 5, "spawn_rate": 100, "iterations_per_user": 4})
        assert SENT["U"] == 20
        assert cluster.master.stats.total.num_requests == 20


def test_an_arrival_schedule_is_split_into_exact_shares() -> None:
    user = counting_user("U", wait=5.0)  # the arrival rate ignores the wait time
    with inproc_cluster([user], workers=3) as cluster:
        run_plan(cluster, {"num_users": 12, "arrival_rate": "1s:40"})
        assert cluster.master.stop_reason == "the arrival schedule is over"
        assert SENT["U"] == 20  # a ramp from 0 to 40/s over 1 s: 20 iterations
        assert cluster.master.stats.total.num_requests == 20
        assert cluster.master.stats.dropped_iterations == 0


def test_a_worker_lost_with_its_arrival_share_unfinished_is_named_in_the_summary() -> None:
    """Shares are not moved: the summary said only that the killed worker's recent requests
    were not counted, while "N iterations started, 0 dropped" hid the schedule it never ran."""
    user = counting_user("U", wait=0.0)
    with inproc_cluster([user], workers=2) as cluster:
        master = cluster.master
        plan = build_plan({"num_users": 4, "arrival_rate": "3s:20", "stop_grace": 1.0})
        cluster.env.apply_plan(plan)
        master.start_plan(plan)
        wait_until(lambda: SENT.get("U", 0) >= 2, what="iterations on both workers")
        cluster.kill(cluster.workers[0])
        assert master.stopped.wait(15), master.state
        assert SENT["U"] < 60  # the killed worker's half of the schedule never ran
        notes = [lost.describe() for lost in master.lost_workers]
        assert len(notes) == 1
        assert (
            "the rest of its share of the iterations or arrival schedule was not run" in (notes[0])
        )


def test_a_worker_lost_during_an_open_ended_arrival_rate_is_named_in_the_summary() -> None:
    """--arrival-rate 20 -t 2s: the schedule has no end of its own (the run time ends it)."""
    user = counting_user("U", wait=0.0)
    with inproc_cluster([user], workers=2) as cluster:
        master = cluster.master
        plan = build_plan(
            {"num_users": 4, "arrival_rate": "20", "run_time": 2.0, "stop_grace": 1.0}
        )
        cluster.env.apply_plan(plan)
        master.start_plan(plan)
        wait_until(lambda: SENT.get("U", 0) >= 2, what="iterations on both workers")
        cluster.kill(cluster.workers[0])
        wait_until(lambda: len(master.lost_workers) == 1, what="the lost worker")
        assert master.lost_workers[0].share_unfinished
        master.stop()


def test_a_worker_leaving_before_its_share_is_done_is_named_in_the_summary() -> None:
    user = counting_user("U", wait=0.0)
    with inproc_cluster([user], workers=2) as cluster:
        master = cluster.master
        plan = build_plan({"num_users": 4, "arrival_rate": "3s:20", "stop_grace": 1.0})
        cluster.env.apply_plan(plan)
        master.start_plan(plan)
        wait_until(lambda: SENT.get("U", 0) >= 2, what="iterations on both workers")
        leaver = cluster.workers[0]
        leaver.quit()
        cluster.workers.remove(leaver)
        assert master.stopped.wait(15), master.state
        assert master.stats.total.num_requests == SENT["U"]  # it said goodbye: nothing lost
        (note,) = [lost.describe() for lost in master.lost_workers]
        assert note.startswith(f"worker 0 ({leaver.client_id}) left during the test: the rest")
        assert "not counted" not in note


def test_stages_run_on_the_master_and_the_workers_follow() -> None:
    user = counting_user("U")
    with inproc_cluster([user], workers=2) as cluster:
        plan = build_plan({"stages": "1s:4,1s:7,1s:7", "spawn_rate": 1000, "stop_grace": 1.0})
        cluster.env.apply_plan(plan)
        cluster.master.start_plan(plan)
        wait_until(lambda: cluster.master.user_count == 4, what="the first stage")
        wait_until(lambda: cluster.master.user_count == 7, what="the second stage")
        assert cluster.master.stopped.wait(10)
        assert cluster.master.stop_reason == "all stages done"
        assert cluster.master.stats.total.num_requests == SENT["U"]


def test_a_user_raising_stop_test_on_a_worker_stops_the_whole_test() -> None:
    def stop_all(self) -> None:  # type: ignore[no-untyped-def]
        raise StopTest("enough")

    quitter = counting_user("Q", tasks=[task(stop_all)])
    with inproc_cluster([quitter], workers=2) as cluster:
        cluster.master.start(2, spawn_rate=100)
        assert cluster.master.stopped.wait(10)
        assert "StopTest raised by a Q user: enough" in (cluster.master.stop_reason or "")


def test_a_busy_master_marks_nobody_missing() -> None:
    """A master held up (here by a slow custom-message listener) finds its workers' heartbeats
    queued, not missing: Locust marks workers missing under load."""
    user = counting_user("U")
    with inproc_cluster([user], workers=2, heartbeat_interval=0.05) as cluster:
        master = cluster.master
        master.register_message("slow", lambda **_: gevent.sleep(1.0))  # 20 intervals
        master.start(4, spawn_rate=1000)
        wait_until(lambda: master.state == STATE_RUNNING, what="running")
        cluster.workers[0].send_message("slow")
        wait_until(lambda: master.transport.lag() > 0.1, what="the master to fall behind")
        gevent.sleep(1.5)  # the listener's second, and a few intervals after it
        assert not master.clients.missing
        assert not master.lost_workers
        master.stop()
        assert master.stats.total.num_requests == SENT["U"]


def test_a_worker_holds_reports_while_the_master_is_behind_and_loses_nothing() -> None:
    user = counting_user("U")
    with inproc_cluster([user], workers=2) as cluster:
        master = cluster.master
        master.start(4, spawn_rate=1000)
        wait_until(lambda: master.state == STATE_RUNNING, what="running")
        slow = cluster.workers[0]
        slow._link.transport.full = True  # type: ignore[attr-defined]
        wait_until(lambda: slow.reports_held >= 3, what="held reports")
        slow._link.transport.full = False  # type: ignore[attr-defined]
        master.stop()
        assert master.stats.total.num_requests == SENT["U"]


def test_the_last_worker_killed_is_noticed_and_the_test_stops() -> None:
    """With nothing else arriving the master waits idle: a silent worker is then missing (the
    backlog rule must not mistake an idle master for a busy one)."""
    user = counting_user("U")
    with inproc_cluster([user], workers=1) as cluster:
        master = cluster.master
        master.start(2, spawn_rate=1000)
        wait_until(lambda: master.state == STATE_RUNNING, what="running")
        cluster.kill(cluster.workers[0])
        assert master.stopped.wait(10)
        assert master.stop_reason == "every worker has gone missing"
        assert len(master.lost_workers) == 1


def test_a_worker_at_full_cpu_is_warned_about_once() -> None:
    user = counting_user("U")
    warnings: list[float] = []
    with inproc_cluster([user], workers=1) as cluster:
        cluster.env.events.cpu_warning.add_listener(
            lambda cpu_usage, **_: warnings.append(cpu_usage)
        )
        synced: list[bool] = []
        cluster.master.register_message("sync", lambda **_: synced.append(True))
        worker = cluster.workers[0]
        worker._send(Heartbeat("running", 97.0, 1))
        worker._send(Heartbeat("running", 99.0, 1))
        worker.send_message("sync")  # the link keeps the order: both heartbeats came first
        wait_until(lambda: bool(synced), what="the sync message")
        assert warnings == [97.0]


def test_report_to_master_data_reaches_worker_report() -> None:
    user = counting_user("U")
    seen: list[dict] = []  # type: ignore[type-arg]
    with inproc_cluster([user], workers=1) as cluster:
        worker = cluster.workers[0]
        worker.environment.events.report_to_master.add_listener(
            lambda client_id, data, **_: data.update(custom=[client_id, 1])
        )
        cluster.env.events.worker_report.add_listener(
            lambda client_id, data, **_: seen.append(data)
        )
        cluster.master.start(2, spawn_rate=100)
        wait_until(lambda: any(d["user_count"] == 2 for d in seen), what="a report with users")
        assert seen[-1]["custom"] == [worker.client_id, 1]
        assert seen[-1]["user_classes_count"] == {"U": 2}


def test_classes_with_their_own_executors_are_split_across_workers() -> None:
    """Each worker runs its share of every class's own executor (handed out with the test's
    first spawns); the test ends once all of them are done, with exact totals."""
    from horde import ramping_arrival_rate, shared_iterations

    burst = counting_user("Burst", wait=5.0, executor=ramping_arrival_rate("1s:40", max_users=6))
    seed = counting_user("Seed", wait=0.0, executor=shared_iterations(7, users=2))
    with inproc_cluster([burst, seed], workers=3) as cluster:
        run_plan(cluster, {"num_users": 1})
        assert cluster.master.stop_reason == "every class's executor is done"
        assert SENT["Burst"] == 20  # a ramp from 0 to 40/s over 1 s
        assert SENT["Seed"] == 7
        assert cluster.master.stats.total.num_requests == 27
        assert cluster.master.stats.dropped_iterations == 0


def test_a_class_executor_next_to_the_runs_users_across_workers() -> None:
    from horde import shared_iterations

    steady = counting_user("Steady", wait=0.05)
    seed = counting_user("Seed", wait=0.0, executor=shared_iterations(11, users=4))
    with inproc_cluster([steady, seed], workers=2) as cluster:
        run_plan(cluster, {"num_users": 4, "spawn_rate": 100, "run_time": 1.5})
        assert SENT["Seed"] == 11
        counts = cluster.master.user_classes_count
        assert counts.get("Seed", 0) == 0  # its users stopped after their iterations
        assert SENT["Steady"] > 0
        assert cluster.master.stats.total.num_requests == SENT["Steady"] + 11
