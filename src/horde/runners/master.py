"""MasterRunner: runs a test on its workers and merges what they report.

The master runs the plan (the load driver: users, stages, shapes, thresholds, the run time) and
turns every "this many users now" into one ``spawn`` per worker: worker ``k`` of ``n`` runs the
positions ``k, k + n, k + 2n...`` of the dispatch sequence, so all workers together always run
exactly the classes one process would, whatever ``n``; the ramp rate is split evenly. When a
worker joins, leaves or goes missing, every worker gets its new share at once (rebalancing).

Iterations and arrival rates are split once, when the test starts, among the workers then
connected (see docs/design.md, "Distributed mode"): worker ``k`` of the ``m`` that get users runs
iterations ``k, k + m...`` of ``-i N``, and tickets ``k, k + m...`` of the arrival schedule, so
together they run the plan's exact schedule.

Messages are handled by the receive half, :mod:`horde.runners.master_messages` (admission,
reports, heartbeats, missing workers).

Stopping waits, within the stop bounds, for every worker's final report and ``stopped``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import gevent
import gevent.event

from horde.dispatch import max_users, share
from horde.exceptions import HordeError, ProtocolError
from horde.runners import auth
from horde.runners.base import (
    STATE_INIT,
    STATE_RUNNING,
    STATE_SPAWNING,
)
from horde.runners.link import tcp_address
from horde.runners.master_gates import gate_body, gate_workers
from horde.runners.master_messages import MasterMessages
from horde.runners.nodes import LostWorker, WorkerNodes
from horde.runners.protocol import (
    Custom,
    Quit,
    Spawn,
    Stop,
    encode,
)
from horde.shape.plan import RunPlan
from horde.transport import ServerTransport

logger = logging.getLogger(__name__)

STOP_MARGIN = 5.0
"""Seconds beyond the stop bounds the master waits for workers' final reports."""
QUIT_WAIT = 5.0
"""Seconds the master waits for workers to say goodbye when it quits."""


def listen(endpoint: str) -> ServerTransport:
    from horde.transport.zmq import ZmqServer  # noqa: PLC0415 - only distributed runs need zmq

    return ZmqServer(endpoint)


class MasterRunner(MasterMessages):
    """Runs a test on the workers that connect to it (Locust's ``MasterRunner`` surface)."""

    def __init__(
        self,
        environment: Any,
        master_bind_host: str = "127.0.0.1",
        master_bind_port: int = 5557,
        *,
        transport: ServerTransport | None = None,
        endpoint: str | None = None,
        secret: bytes | None = None,
        allow_unauthenticated: bool = False,
        heartbeat_interval: float = 1.0,
        heartbeat_liveness: int = 3,
        master_timeout: float = 60.0,
    ) -> None:
        """Listen on ``master_bind_host:master_bind_port`` (or ``endpoint``, such as an
        ``ipc://`` path, or an already made ``transport``). Raises ConfigError for a host
        beyond loopback without ``secret`` unless ``allow_unauthenticated``, TransportError
        when the address cannot be bound."""
        if transport is None and endpoint is None:
            auth.check_bind(master_bind_host, secret, allow_unauthenticated)
        super().__init__(environment)
        self.transport = transport or listen(
            endpoint or tcp_address(master_bind_host, master_bind_port)
        )
        self.master_bind_host = master_bind_host
        self.master_bind_port = master_bind_port
        self.secret = secret
        self.heartbeat_interval = heartbeat_interval
        self.heartbeat_liveness = heartbeat_liveness
        self.master_timeout = master_timeout
        self.clients = WorkerNodes()
        self.worker_indexes: dict[str, int] = {}
        self.test = 0
        self.seq = 0
        self._init_messages()
        self._classes: list[str] = []
        self._gate_plan: RunPlan | None = None
        self._gate_workers: set[str] = set()
        """The workers with a share of the iterations or the arrival schedule."""
        self._gates_end = True
        self._gates_done = gevent.event.Event()
        self._class_workers: set[str] | None = None
        """The workers given shares of the classes with executors of their own (None: not
        handed out yet in this test)."""
        self._classes_done = gevent.event.Event()
        self._awaiting: set[str] = set()
        self._acked = gevent.event.Event()
        self.spawn_background(self._serve)
        self.spawn_background(self._check_heartbeats)

    @property
    def endpoint(self) -> str:
        return self.transport.endpoint

    # -- views (Locust's names) -------------------------------------------------------------------

    @property
    def user_count(self) -> int:
        return sum(node.user_count for node in self.clients.values())

    @property
    def user_classes_count(self) -> dict[str, int]:
        counts = {cls.__name__: 0 for cls in self.environment.user_classes}
        for node in self.clients.values():
            for name, count in node.user_classes_count.items():
                counts[name] = counts.get(name, 0) + count
        return counts

    reported_user_classes_count = user_classes_count

    @property
    def worker_count(self) -> int:
        return len(self.clients.live())

    def get_worker_index(self, client_id: str) -> int:
        """A stable index per worker id, from 0 in the order they first connected."""
        index = self.worker_indexes.get(client_id)
        if index is None:
            index = self.worker_indexes[client_id] = len(self.worker_indexes)
        return index

    def rebalancing_enabled(self) -> bool:
        return True

    def workers_status(self) -> list[dict[str, Any]]:
        now = self.clock.time()
        return [node.status(now) for node in sorted(self.clients.values(), key=lambda n: n.index)]

    def send_message(self, msg_type: str, data: Any = None, client_id: str | None = None) -> None:
        """Send a custom message to one worker (``client_id``) or to every connected one."""
        message = Custom(msg_type, data)
        try:
            encode(message)
        except ProtocolError as exc:
            raise HordeError(
                f"the data of message {msg_type!r} cannot be sent: use plain data (dict, list, "
                f"str, int, float, bool, None, bytes): {exc}"
            ) from exc
        if client_id is None:
            targets = self.clients.live()
        else:
            node = self.clients.get(str(client_id))
            if node is None:
                logger.warning("message %r: no worker %s is connected", msg_type, client_id)
                return
            targets = [node]
        for target in targets:
            self._send(target, message)

    def wait_for_workers(self, count: int, timeout: float | None = None) -> bool:
        """Block until ``count`` workers are connected (False if ``timeout`` passed first)."""
        deadline = None if timeout is None else self.clock.monotonic() + timeout
        while self.worker_count < count:
            left = None if deadline is None else deadline - self.clock.monotonic()
            if left is not None and left <= 0:
                return False
            self._changed.clear()
            self._changed.wait(left)
        return True

    # -- starting and distributing ----------------------------------------------------------------

    def _require_workers(self) -> None:
        if not self.clients.live():
            raise HordeError("no worker is connected: start workers before the test")

    def start(self, user_count: int, *args: Any, **kwargs: Any) -> None:
        self._require_workers()
        super().start(user_count, *args, **kwargs)

    def start_plan(self, plan: RunPlan) -> None:
        self._require_workers()
        super().start_plan(plan)

    def _begin_test(self) -> None:
        if self.state == STATE_INIT:
            self.stats.clear_all()  # the run starts now, not when the master began listening
        self.test += 1
        self._gate_plan = None
        self._gate_workers = set()
        self._gates_done.clear()
        self._class_workers = None
        self._classes_done.clear()
        for node in self.clients.values():
            node.requests = 0
            node.gate_done = False
            node.classes_done = False
        super()._begin_test()

    def ramp_to(self, user_count: int, rate: float, classes: list[Any] | None = None) -> None:
        chosen = classes if classes is not None else list(self.environment.user_classes)
        chosen = [c for c in chosen if c.__name__ not in self.class_plans]  # they have their own
        limit = max_users(chosen)
        if limit is not None and user_count > limit:
            logger.warning("only %d users can run: every class has a fixed_count", limit)
            user_count = limit
        self.target_user_count = user_count
        self.spawn_rate = rate
        self._classes = [cls.__name__ for cls in chosen]
        self.state = STATE_SPAWNING
        self._send_spawns()

    def _send_spawns(self) -> None:
        live = self.clients.live()
        if not live:
            logger.warning("no worker is connected: users start when workers join")
            return
        self.seq += 1
        plan = self._gate_plan
        participants = gate_workers(plan, live) if plan is not None else live
        count = len(participants)
        environment = self.environment
        class_share = self.class_plans and self._class_workers is None
        if class_share:  # the first spawns of a test: every worker runs a share of them
            self._class_workers = {node.id for node in live}
        for node in live:
            k = participants.index(node) if node in participants else -1
            users = share(self.target_user_count, k, count) if k >= 0 else 0
            spawn = Spawn(
                test=self.test,
                seq=self.seq,
                users=users,
                rate=self.spawn_rate / max(count, 1),
                classes=self._classes,
                offset=max(k, 0),
                stride=max(count, 1),
                host=environment.host,
                stop_timeout=float(environment.stop_timeout or 0.0),
                stop_grace=float(
                    environment.stop_grace if environment.stop_grace is not None else 5.0
                ),
                gate=gate_body(plan, k, count) if plan is not None and k >= 0 else None,
                class_share=[live.index(node), len(live)] if class_share else None,
                class_end=self.plan.run_time if class_share and self.plan is not None else None,
            )
            self._send(node, spawn)

    def _rebalance(self, why: str) -> None:
        if self.state not in (STATE_SPAWNING, STATE_RUNNING):
            return
        if self._gate_plan is not None:
            logger.warning(
                "%s: iteration and arrival-rate shares were handed out at the start and are "
                "not moved (see docs/design.md, Distributed mode)",
                why,
            )
            return
        logger.info("%s: redistributing %d users", why, self.target_user_count)
        self.state = STATE_SPAWNING
        self._send_spawns()

    def _check_spawned(self) -> None:
        if self.state != STATE_SPAWNING:
            return
        live = self.clients.live()
        if not live or any(n.seq != self.seq or n.state != STATE_RUNNING for n in live):
            return
        self._spawning_complete(self.user_classes_count)

    # -- iterations and arrival rates -------------------------------------------------------------

    def run_iterations(self, plan: RunPlan) -> None:
        self._run_gates(plan)
        self._gates_done.wait()

    def run_arrival(self, plan: RunPlan, ready: Callable[[], None] | None = None) -> bool:
        self._run_gates(plan)
        if ready is not None:  # each worker's schedule ends by itself (its gate's end)
            ready()
        self._gates_done.wait()
        return True

    def _run_gates(self, plan: RunPlan) -> None:
        self._gate_plan = plan
        live = self.clients.live()
        self._gate_workers = {node.id for node in gate_workers(plan, live)}
        # an open-ended schedule is never done: the test ends when stopped
        self._gates_end = not (
            plan.open_model and plan.schedule is not None and plan.schedule.open_ended
        )
        self.ramp_to(plan.users, plan.spawn_rate)

    def run_class(self, name: str, plan: RunPlan) -> None:
        """Each worker runs its share of the class (handed out with the test's first spawns);
        done once every one of them says its shares are done, or is gone."""
        if self._class_workers is None:  # no spawn yet: the run's own classes may be none
            self.ramp_to(0, 1.0)
        self._check_gates()
        self._classes_done.wait()

    def _check_gates(self) -> None:
        if self._class_workers is not None:
            nodes = [self.clients.get(cid) for cid in self._class_workers]
            if all(n is None or n.missing or n.classes_done for n in nodes):
                self._classes_done.set()
        if not self._gate_workers or not self._gates_end:
            return
        nodes = [self.clients.get(cid) for cid in self._gate_workers]
        if all(n is None or n.missing or n.gate_done for n in nodes):
            self._gates_done.set()

    # -- stopping and quitting --------------------------------------------------------------------

    def hurry(self) -> None:
        """Also tell every worker to stop now (their users would otherwise get the grace)."""
        super().hurry()
        for node in self.clients.live():
            self._send(node, Stop(self.test, "stop now", now=True))

    def _stop_all_users(self) -> None:
        live = self.clients.live()
        self._awaiting = {node.id for node in live}
        self._acked.clear()
        for node in live:
            self._send(node, Stop(self.test))
        environment = self.environment
        grace = environment.stop_grace if environment.stop_grace is not None else 5.0
        bound = float(environment.stop_timeout or 0) + float(grace) + STOP_MARGIN
        if self._awaiting and not self._acked.wait(bound):
            now = self.clock.time()
            for cid in sorted(self._awaiting):
                late = self.clients.get(cid)
                if late is None:
                    continue
                lost = LostWorker(
                    cid,
                    late.index,
                    now,
                    late.last_report,
                    f"did not confirm the stop in {bound:g} s",
                )
                logger.warning("%s", lost.describe())
                self.lost_workers.append(lost)
        self._awaiting = set()

    def _ack(self, cid: str) -> None:
        self._awaiting.discard(cid)
        if not self._awaiting:
            self._acked.set()

    def _kill_all_users(self) -> None:
        """Quit: tell every worker to leave (they answer ``bye``)."""

    def quit(self) -> None:
        try:
            self._finish_stop_in_progress()  # the workers' final reports first, then quit
            self.stop()
        finally:
            live = self.clients.live()
            for node in live:
                self._send(node, Quit("the master quit"))
            deadline = self.clock.monotonic() + QUIT_WAIT
            while self.clients.live() and self.clock.monotonic() < deadline:
                self._changed.clear()
                self._changed.wait(max(0.0, deadline - self.clock.monotonic()))
            super().quit()
            self.transport.close()
