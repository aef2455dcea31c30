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

Messages arrive in one receive loop (:meth:`MasterRunner._serve`); each is checked (MAC when
there is a secret, envelope, version, every field) before a handler sees it, and one that fails
is counted and dropped, never fatal. Heartbeats are checked every interval: a worker silent for
``liveness`` intervals is *missing*, its users go to the others, and what it may have taken
with it is recorded for the summary (:attr:`lost_workers`).

Stopping waits, within the stop bounds, for every worker's final report and ``stopped``.
"""

from __future__ import annotations

import logging
from typing import Any

import gevent
import gevent.event

from horde._version import __version__
from horde.dispatch import max_users, share
from horde.exceptions import HordeError, ProtocolError, ProtocolVersionError
from horde.runners import auth
from horde.runners.base import (
    STATE_INIT,
    STATE_MISSING,
    STATE_RUNNING,
    STATE_SPAWNING,
    STATE_STOPPING,
    Runner,
)
from horde.runners.link import Admission, tcp_address
from horde.runners.master_gates import gate_body, gate_workers
from horde.runners.nodes import LostWorker, WorkerNode, WorkerNodes
from horde.runners.protocol import (
    Auth,
    Bye,
    Custom,
    Heartbeat,
    Hello,
    Quit,
    Refused,
    Report,
    Spawn,
    Stop,
    Stopped,
    Welcome,
    decode,
    encode,
)
from horde.shape.plan import RunPlan
from horde.stats.wire import merge_report, parse_report
from horde.transport import ServerTransport

logger = logging.getLogger(__name__)

STOP_MARGIN = 5.0
"""Seconds beyond the stop bounds the master waits for workers' final reports."""
QUIT_WAIT = 5.0
"""Seconds the master waits for workers to say goodbye when it quits."""
MAX_PENDING = 10_000
"""Handshakes in progress kept at most (older ones are forgotten)."""


def listen(endpoint: str) -> ServerTransport:
    from horde.transport.zmq import ZmqServer  # noqa: PLC0415 - only distributed runs need zmq

    return ZmqServer(endpoint)


class MasterRunner(Runner):
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
        self.malformed_messages = 0
        self.refused_workers = 0
        self.lost_workers: list[LostWorker] = []
        self._classes: list[str] = []
        self._pending: dict[bytes, Admission] = {}
        self._gate_plan: RunPlan | None = None
        self._gate_workers: set[str] = set()
        self._gates_done = gevent.event.Event()
        self._awaiting: set[str] = set()
        self._acked = gevent.event.Event()
        self._changed = gevent.event.Event()
        self._handlers: dict[type, Any] = {
            Heartbeat: self._on_heartbeat,
            Report: self._on_report,
            Stop: self._on_stop_request,
            Stopped: self._on_stopped,
            Bye: self._on_bye,
            Custom: lambda node, msg: self.deliver(msg.type, msg.data, node.id),
        }
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
        for node in self.clients.values():
            node.requests = 0
            node.gate_done = False
        super()._begin_test()

    def ramp_to(self, user_count: int, rate: float, classes: list[Any] | None = None) -> None:
        chosen = classes if classes is not None else list(self.environment.user_classes)
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
        self.state = STATE_RUNNING
        counts = {name: n for name, n in self.user_classes_count.items() if n}
        text = "{" + ", ".join(f'"{k}": {v}' for k, v in sorted(counts.items())) + "}"
        logger.info("All users spawned: %s (%d total users)", text, self.user_count)
        self.environment.events.spawning_complete.fire(user_count=self.user_count)
        if self.environment.reset_stats:
            logger.info("resetting statistics (--reset-stats)")
            self.reset_stats()

    # -- iterations and arrival rates -------------------------------------------------------------

    def run_iterations(self, plan: RunPlan) -> None:
        self._run_gates(plan)
        self._gates_done.wait()

    def run_arrival(self, plan: RunPlan) -> bool:
        self._run_gates(plan)
        self._gates_done.wait()
        return True

    def _run_gates(self, plan: RunPlan) -> None:
        self._gate_plan = plan
        live = self.clients.live()
        self._gate_workers = {node.id for node in gate_workers(plan, live)}
        self.ramp_to(plan.users, plan.spawn_rate)
        if plan.open_model and plan.schedule is not None and plan.schedule.open_ended:
            self._gate_workers = set()  # never done: the test ends when stopped

    def _check_gates(self) -> None:
        if not self._gate_workers:
            return
        nodes = [self.clients.get(cid) for cid in self._gate_workers]
        if all(n is None or n.missing or n.gate_done for n in nodes):
            self._gates_done.set()

    # -- stopping and quitting --------------------------------------------------------------------

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

    # -- the receive loop -------------------------------------------------------------------------

    def _serve(self) -> None:
        while True:
            peer, frames = self.transport.recv()
            try:
                self._handle(peer, frames)
            except ProtocolError as exc:
                self._malformed(peer, exc)

    def _handle(self, peer: bytes, frames: list[bytes]) -> None:
        cid = peer.decode("utf-8", "replace")
        node = self.clients.get(cid)
        if node is None or node.peer != peer:
            self._admit(peer, cid, frames)
            return
        envelope = node.seal.open(frames) if node.seal is not None else auth.plain_open(frames)
        message = decode(envelope)
        handler = self._handlers.get(type(message))
        if handler is None:
            raise ProtocolError(f"a worker may not send {type(message).__name__}")
        handler(node, message)

    def _malformed(self, peer: bytes, exc: ProtocolError) -> None:
        self.malformed_messages += 1
        node = self.clients.get(peer.decode("utf-8", "replace"))
        if node is not None:
            node.malformed += 1
        count = self.malformed_messages
        if count == 1 or str(count).rstrip("0") == "1":
            logger.warning(
                "dropped a malformed message from %r (%d so far): %s", peer[:64], count, exc
            )

    def _send(self, node: WorkerNode, payload: Any) -> None:
        envelope = encode(payload)
        frames = node.seal.seal(envelope) if node.seal is not None else [envelope]
        self.transport.send(node.peer, frames)

    # -- admission --------------------------------------------------------------------------------

    def _admit(self, peer: bytes, cid: str, frames: list[bytes]) -> None:
        try:
            message = decode(auth.plain_open(frames))
        except ProtocolVersionError as exc:
            self._refuse(peer, cid, str(exc))
            return
        if isinstance(message, Hello):
            self._on_hello(peer, cid, message)
        elif isinstance(message, Auth) and peer in self._pending:
            admission = self._pending.pop(peer)
            reason = admission.check(message)
            if reason is not None:
                self._refuse(peer, cid, reason)
            else:
                self._welcome(peer, admission.hello, admission.seal())
        elif isinstance(message, Bye):
            self._pending.pop(peer, None)
            logger.error("worker %s refused this master: %s", cid, message.reason)
        else:
            raise ProtocolError(f"{type(message).__name__} from {cid!r:.80}, not a worker here")

    def _on_hello(self, peer: bytes, cid: str, hello: Hello) -> None:
        if hello.client_id != cid:
            raise ProtocolError("a hello whose client id is not its connection's identity")
        if self.secret is None:
            self._welcome(peer, hello, None)
            return
        if len(self._pending) >= MAX_PENDING:
            self._pending.pop(next(iter(self._pending)))
        admission = self._pending[peer] = Admission(hello, self.secret)
        self.transport.send(peer, [encode(admission.challenge())])

    def _refuse(self, peer: bytes, cid: str, reason: str) -> None:
        self.refused_workers += 1
        logger.error("refused worker %s: %s", cid, reason)
        self.transport.send(peer, [encode(Refused(reason))])

    def _welcome(self, peer: bytes, hello: Hello, seal: auth.Seal | None) -> None:
        cid = hello.client_id
        node = WorkerNode(
            cid,
            peer,
            self.get_worker_index(cid),
            hostname=hello.hostname,
            pid=hello.pid,
            seal=seal,
            heartbeat_liveness=self.heartbeat_liveness,
            joined_at=self.clock.time(),
        )
        welcome = Welcome(
            node.index, self.heartbeat_interval, self.master_timeout, seal is not None, __version__
        )
        self.transport.send(peer, [encode(welcome)])
        self.clients[cid] = node
        if hello.horde_version != __version__:
            logger.warning(
                "worker %s runs horde %s, this master %s", cid, hello.horde_version, __version__
            )
        logger.info(
            "worker %d connected (%s, %s pid %d)%s; %d worker(s) connected",
            node.index,
            cid,
            hello.hostname,
            hello.pid,
            ", authenticated" if seal is not None else "",
            self.worker_count,
        )
        self.environment.events.worker_connect.fire(client_id=cid)
        self._changed.set()
        self._rebalance(f"worker {node.index} joined")

    # -- handlers ---------------------------------------------------------------------------------

    def _on_heartbeat(self, node: WorkerNode, message: Heartbeat) -> None:
        node.heartbeat = self.heartbeat_liveness
        node.cpu_usage = message.cpu
        node.memory_usage = message.memory
        if node.missing:
            node.state = message.state
            logger.info("worker %d is back (heartbeat): redistributing users", node.index)
            self._changed.set()
            self._rebalance(f"worker {node.index} came back")
        else:
            node.state = message.state
        self._send(node, Heartbeat())
        self.environment.events.heartbeat_sent.fire(client_id=node.id, timestamp=self.clock.time())

    def _on_report(self, node: WorkerNode, message: Report) -> None:
        stats = parse_report(message.stats)
        if message.test == self.test:
            merge_report(self.stats, stats, node.id)
            node.requests += stats.num_requests
            node.gate_done = message.gate_done
        node.last_report = self.clock.time()
        node.user_classes_count = dict(message.user_classes_count)
        node.seq = message.seq if message.test == self.test else node.seq
        if not node.missing:
            node.state = message.state
        self.environment.events.worker_report.fire(client_id=node.id, data=message.data)
        self._check_spawned()
        self._check_gates()

    def _on_stop_request(self, node: WorkerNode, message: Stop) -> None:
        if message.test == self.test:
            self.request_stop(f"worker {node.index}: {message.reason or 'asked to stop'}")

    def _on_stopped(self, node: WorkerNode, message: Stopped) -> None:
        node.stopped_test = message.test
        if message.test == self.test:
            self._ack(node.id)

    def _on_bye(self, node: WorkerNode, message: Bye) -> None:
        logger.info("worker %d left: %s", node.index, message.reason or "no reason given")
        del self.clients[node.id]
        self._forget(node, "left")

    def _forget(self, node: WorkerNode, how: str) -> None:
        self._ack(node.id)
        self._changed.set()
        self._check_gates()
        if self.state in (STATE_SPAWNING, STATE_RUNNING):
            if not self.clients.live():
                self.request_stop(f"every worker has {how}")
            else:
                self._rebalance(f"worker {node.index} {how}")

    # -- heartbeats -------------------------------------------------------------------------------

    def _check_heartbeats(self) -> None:
        while True:
            self.clock.sleep(self.heartbeat_interval)
            for node in list(self.clients.values()):
                if node.missing:
                    continue
                node.heartbeat -= 1
                if node.heartbeat < 0:
                    self._missing(node)

    def _missing(self, node: WorkerNode) -> None:
        silent = self.heartbeat_interval * (self.heartbeat_liveness + 1)
        lost = LostWorker(
            node.id,
            node.index,
            self.clock.time(),
            node.last_report,
            f"sent no heartbeat for {silent:g} s and is missing",
        )
        logger.warning("%s", lost.describe())
        if self.state in (STATE_SPAWNING, STATE_RUNNING, STATE_STOPPING):
            self.lost_workers.append(lost)
        node.state = STATE_MISSING
        node.user_classes_count = {}
        self._forget(node, "gone missing")
