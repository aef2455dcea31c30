"""What a master does with each message: admission (handshake), reports, heartbeats, leaving.

The receive half of :class:`~horde.runners.master.MasterRunner`, kept apart so each file stays
readable: one receive loop (:meth:`MasterMessages._serve`) checks every message (MAC when there
is a secret, envelope, version, every field) before a handler sees it; one that fails is counted
and dropped, never fatal. Heartbeats are checked every interval: a worker silent for
``liveness`` intervals is *missing*, its users go to the others, and what it may have taken with
it is recorded for the summary.
"""

from __future__ import annotations

import logging
from typing import Any

import gevent
import gevent.event

from horde._version import __version__
from horde.exceptions import FeederError, ProtocolError, ProtocolVersionError
from horde.feeders import LocalDispenser
from horde.runners import auth
from horde.runners.base import (
    CPU_WARNING_THRESHOLD,
    STATE_MISSING,
    STATE_RUNNING,
    STATE_SPAWNING,
    STATE_STOPPING,
    Runner,
)
from horde.runners.link import Admission
from horde.runners.nodes import LostWorker, WorkerNode, WorkerNodes
from horde.runners.protocol import (
    Auth,
    Bye,
    Claim,
    Custom,
    Grant,
    Heartbeat,
    Hello,
    Refused,
    Report,
    Stop,
    Stopped,
    Welcome,
    decode,
    encode,
)
from horde.stats.wire import merge_report
from horde.stats.wire_check import parse_report
from horde.transport import ServerTransport

logger = logging.getLogger("horde.runners.master")

MAX_PENDING = 10_000
"""Handshakes in progress kept at most (older ones are forgotten)."""
YIELD_EVERY = 50
"""Messages handled in a row before the receive loop lets the other greenlets run."""


class MasterMessages(Runner):
    """The message handling of a master (see the module docstring)."""

    transport: ServerTransport
    secret: bytes | None
    heartbeat_interval: float
    heartbeat_liveness: int
    master_timeout: float
    clients: WorkerNodes
    worker_indexes: dict[str, int]
    test: int
    malformed_messages: int
    refused_workers: int
    lost_workers: list[LostWorker]
    departed: list[str]
    dispenser: LocalDispenser
    _pending: dict[bytes, Admission]
    _changed: gevent.event.Event
    _gate_workers: set[str]

    def _init_messages(self) -> None:
        self.malformed_messages = 0
        self.refused_workers = 0
        self.lost_workers = []
        self.departed = []
        """Why each worker that left between tests left ("worker 1: its init listener failed")."""
        self.dispenser = LocalDispenser()
        """Unique feeder records for every worker of this master (see horde.feeders)."""
        self._pending = {}
        self._changed = gevent.event.Event()
        self._warned_behind = False
        self._handlers: dict[type, Any] = {
            Heartbeat: self._on_heartbeat,
            Report: self._on_report,
            Stop: self._on_stop_request,
            Stopped: self._on_stopped,
            Bye: self._on_bye,
            Custom: lambda node, msg: self.deliver(msg.type, msg.data, node.id),
            Claim: self._on_claim,
        }

    # what the lifecycle half provides
    def get_worker_index(self, client_id: str) -> int:
        raise NotImplementedError

    @property
    def worker_count(self) -> int:
        raise NotImplementedError

    def _rebalance(self, why: str) -> None:
        raise NotImplementedError

    def _check_spawned(self) -> None:
        raise NotImplementedError

    def _check_gates(self) -> None:
        raise NotImplementedError

    def _ack(self, cid: str) -> None:
        raise NotImplementedError

    # -- the receive loop -------------------------------------------------------------------------

    def _serve(self) -> None:
        handled = 0
        while True:
            peer, frames = self.transport.recv()
            try:
                self._handle(peer, frames)
            except ProtocolError as exc:
                self._malformed(peer, exc)
            handled += 1
            if handled % YIELD_EVERY == 0:
                gevent.sleep(0)  # a backlog must not starve the ticker, the web UI, the driver

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
        if message.cpu > CPU_WARNING_THRESHOLD and not node.cpu_warning_emitted:
            node.cpu_warning_emitted = True
            logger.warning(
                "worker %d is using %.0f%% CPU: it is the bottleneck and its response times are "
                "inflated; run fewer users per worker or more workers",
                node.index,
                message.cpu,
            )
            self.environment.events.cpu_warning.fire(
                environment=self.environment, cpu_usage=message.cpu
            )
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
            node.classes_done = message.classes_done
        node.last_report = self.clock.time()
        node.user_classes_count = dict(message.user_classes_count)
        node.seq = message.seq if message.test == self.test else node.seq
        if not node.missing:
            node.state = message.state
        data = {
            **message.data,  # what the worker's report_to_master listeners added
            "user_count": message.user_count,
            "user_classes_count": message.user_classes_count,
        }  # Locust's data also has the raw stats; horde's are merged already (master.stats)
        self.environment.events.worker_report.fire(client_id=node.id, data=data)
        self._check_spawned()
        self._check_gates()

    def _on_claim(self, node: WorkerNode, message: Claim) -> None:
        try:
            granted = self.dispenser.claim(message.key, message.total, message.count)
        except FeederError as exc:
            self._send(node, Grant(message.id, 0, 0, str(exc)))
            return
        self._send(node, Grant(message.id, granted.start, granted.stop))

    def _on_stop_request(self, node: WorkerNode, message: Stop) -> None:
        if message.test == self.test:
            self.request_stop(f"worker {node.index}: {message.reason or 'asked to stop'}")

    def _on_stopped(self, node: WorkerNode, message: Stopped) -> None:
        node.stopped_test = message.test
        if message.test == self.test:
            self._ack(node.id)

    def _on_bye(self, node: WorkerNode, message: Bye) -> None:
        logger.info("worker %d left: %s", node.index, message.reason or "no reason given")
        if self.state not in (STATE_SPAWNING, STATE_RUNNING, STATE_STOPPING):
            self.departed.append(f"worker {node.index}: {message.reason or 'no reason given'}")
        del self.clients[node.id]
        if self._share_unfinished(node):
            lost = LostWorker(
                node.id,
                node.index,
                self.clock.time(),
                node.last_report,
                "left during the test",
                requests_lost=False,
                share_unfinished=True,
            )
            logger.warning("%s", lost.describe())
            self.lost_workers.append(lost)
        self._forget(node, "left")

    def _share_unfinished(self, node: WorkerNode) -> bool:
        """A worker of a running iterations or arrival-rate test that had not done its share."""
        running = self.state in (STATE_SPAWNING, STATE_RUNNING)
        return running and node.id in self._gate_workers and not node.gate_done

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
            if self._behind():
                continue  # their heartbeats are in the queue, not missing
            for node in list(self.clients.values()):
                if node.missing:
                    continue
                node.heartbeat -= 1
                if node.heartbeat < 0:
                    self._missing(node)

    def _behind(self) -> bool:
        """Whether messages have been waiting for this master for more than an interval: then
        a worker's silence is the master's backlog, and nobody is marked missing for it."""
        lag = self.transport.lag()
        behind = lag > self.heartbeat_interval
        if behind and not self._warned_behind:
            logger.warning(
                "this master is %.1f s behind its workers' messages: it cannot keep up (fewer "
                "workers per master, or fewer request names per report); missing-worker "
                "detection waits until it has caught up",
                lag,
            )
        self._warned_behind = behind
        return behind

    def _missing(self, node: WorkerNode) -> None:
        silent = self.heartbeat_interval * (self.heartbeat_liveness + 1)
        lost = LostWorker(
            node.id,
            node.index,
            self.clock.time(),
            node.last_report,
            f"sent no heartbeat for {silent:g} s and is missing",
            share_unfinished=self._share_unfinished(node),
        )
        logger.warning("%s", lost.describe())
        if self.state in (STATE_SPAWNING, STATE_RUNNING, STATE_STOPPING):
            self.lost_workers.append(lost)
        node.state = STATE_MISSING
        node.user_classes_count = {}
        self._forget(node, "gone missing")
