"""WorkerRunner: runs its share of a distributed test and reports to the master.

Life of a worker: connect and introduce itself (``hello``; the handshake of
:mod:`horde.runners.link`) before the constructor returns, then serve the master's messages in
one receive loop while two background greenlets send a heartbeat and a statistics report every
heartbeat interval (the master decides the interval). The receive loop never blocks on a slow
task: stopping, quitting and iteration or arrival executors run in their own greenlets, so
heartbeats keep flowing while users finish their requests.

Nothing recorded is lost on the way out: whether the master said ``stop`` or ``quit``, or this
process got SIGTERM, the worker stops its users (letting requests in flight finish, within the
stop bounds), then sends a *final* report, then ``stopped`` (or ``bye``), in that order on the
same link, and closes the link only after ZeroMQ delivered them (or the linger ran out).

A worker does not start tests: ``start()`` raises, as in Locust. A ``StopTest`` raised by one of
its users, or ``runner.quit()`` called in a task, asks the master to stop the whole test.
"""

from __future__ import annotations

import itertools
import logging
import os
import socket
import uuid
from typing import Any

import gevent
import gevent.event
import psutil

from horde.exceptions import FeederError, HordeError, ProtocolError, TransportError
from horde.feeders import LOCAL_DISPENSER
from horde.runners import link
from horde.runners.base import STATE_INIT, STATE_STOPPED, STATE_STOPPING
from horde.runners.executors import ArrivalShare, PoolExecutor
from horde.runners.local import PoolRunner
from horde.runners.pool import KILL_TIMEOUT
from horde.runners.protocol import (
    Bye,
    Claim,
    Custom,
    Gate,
    Grant,
    Heartbeat,
    Quit,
    Report,
    Spawn,
    Stop,
    Stopped,
    build,
    encode,
)
from horde.shape.arrival import RateSchedule, Segment
from horde.shape.scenario import class_plans, split_class_plan
from horde.stats.wire import ReportTracker, take_report
from horde.transport import ClientTransport

logger = logging.getLogger(__name__)

LINGER = 10.0
"""Seconds the final messages may take to reach the master when the worker exits."""
CLAIM_TIMEOUT = 30.0
"""Seconds a user waits for the master to hand out unique feeder records."""


class WorkerRunner(PoolRunner):
    """Runs the users a master assigns to it (Locust's ``WorkerRunner`` surface)."""

    def __init__(
        self,
        environment: Any,
        master_host: str = "127.0.0.1",
        master_port: int = 5557,
        *,
        transport: ClientTransport | None = None,
        endpoint: str | None = None,
        secret: bytes | None = None,
        connect_timeout: float = link.CONNECT_TIMEOUT,
        parent_pid: int | None = None,
        client_id: str | None = None,
    ) -> None:
        super().__init__(environment)
        self.client_id = client_id or f"{socket.gethostname()}_{uuid.uuid4().hex}"
        self.master_host = master_host
        self.master_port = master_port
        self.endpoint = endpoint or link.tcp_address(master_host, master_port)
        self.worker_index = -1
        """This worker's index, given by the master (stable for the master's lifetime)."""
        self.worker_count = 1
        self.test = 0
        self.spawn_seq = 0
        self.tracker = ReportTracker()
        self.ended = gevent.event.Event()
        """Set once the worker has left (told to quit, lost its master, or was refused)."""
        self.end_error: HordeError | None = None
        self.malformed_messages = 0
        self.reports_held = 0
        """Reports not sent because the master was behind (their data went in a later one)."""
        self.parent_pid = parent_pid
        self._link = link.WorkerLink(
            transport or link.connect(self.endpoint, self.client_id.encode()),
            self.endpoint,
            secret,
            connect_timeout,
        )
        self._gate_greenlet: gevent.Greenlet | None = None
        self._class_greenlets: list[gevent.Greenlet] = []
        """This test's shares of the classes with executors of their own, one each."""
        self._classes_done = False
        self._send_failing = False
        self._handlers: dict[type, Any] = {
            Heartbeat: self._on_heartbeat,
            Spawn: self._on_spawn,
            Stop: self._on_stop,
            Quit: lambda msg: self.spawn_background(self._leave, "the master quit"),
            Custom: self._on_custom,
            Grant: self._on_grant,
        }
        self._claims: dict[int, gevent.event.AsyncResult] = {}
        self._claim_ids = itertools.count(1)
        self._connect()

    # -- the link ---------------------------------------------------------------------------------

    def _connect(self) -> None:
        """Introduce this worker and wait for the master's welcome (as Locust, the runner
        exists only once connected, so ``init`` listeners see ``worker_index``); raises
        RefusedError, ProtocolError or TransportError (no answer) otherwise."""
        logger.info(  # a worker started before its master would otherwise wait in silence
            "connecting to the master at %s (waiting up to %g s for its answer)",
            self.endpoint,
            self._link.connect_timeout,
        )
        try:
            welcome = self._link.handshake(self.client_id)
        except HordeError:
            self._link.close(0.0)
            raise
        self.worker_index = welcome.index
        self._last_heard = self.clock.monotonic()
        LOCAL_DISPENSER.forward_to = self
        logger.info(
            "connected to the master at %s as worker %d (%s)",
            self.endpoint,
            welcome.index,
            self.client_id,
        )
        self.spawn_background(self._heartbeats)
        self.spawn_background(self._reports)
        self.spawn_background(self._receive)

    def _receive(self) -> None:
        interval = self._link.heartbeat_interval
        while True:
            try:
                message = self._link.receive(interval)
            except ProtocolError as exc:
                self.malformed_messages += 1
                logger.warning("dropped a malformed message from the master: %s", exc)
                continue
            now = self.clock.monotonic()
            if message is None:
                if now - self._last_heard > self._link.master_timeout:
                    self._master_lost(now - self._last_heard)
                    return
                continue
            self._last_heard = now
            handler = self._handlers.get(type(message))
            if handler is not None:
                handler(message)

    def _send(self, payload: Any) -> None:
        """Send to the master; a link that fails is logged (once per failure streak), never
        raised into a heartbeat, a report or a user: the receive loop notices a master that is
        gone (``--master-heartbeat-timeout``) and ends the worker."""
        try:
            self._link.send(payload)
        except TransportError as exc:
            if not self._send_failing:
                logger.warning("cannot reach the master: %s", exc)
            self._send_failing = True
        else:
            self._send_failing = False

    def _heartbeats(self) -> None:
        process = psutil.Process()
        process.cpu_percent()
        while True:
            self.clock.sleep(self._link.heartbeat_interval)
            if self.parent_pid is not None and os.getppid() != self.parent_pid:
                gone = TransportError(f"the master process (pid {self.parent_pid}) is gone")
                logger.error("%s: leaving", gone)
                self.spawn_background(self._leave, None, gone)
                return
            self.cpu_usage = process.cpu_percent()
            self.memory_usage = process.memory_info().rss
            if self._link.transport.writable():  # else the master is behind: it knows
                self._send(Heartbeat(self.state, self.cpu_usage, self.memory_usage))

    def _reports(self) -> None:
        while True:
            self.clock.sleep(self._link.heartbeat_interval)
            if self.state != STATE_STOPPING:
                self.send_report()

    def send_report(self, final: bool = False) -> None:
        """Ship everything recorded since the previous report (with ``report_to_master``'s
        custom data)."""
        if not final and not self._link.transport.writable():
            self.reports_held += 1  # the master is behind: this report's data goes in the next
            return
        data: dict[str, Any] = {}
        self.environment.events.report_to_master.fire(client_id=self.client_id, data=data)
        report = Report(
            test=self.test,
            seq=self.spawn_seq,
            state=self.state,
            user_count=self.user_count,
            user_classes_count=self.user_classes_count,
            stats=take_report(self.stats, self.tracker),
            gate_done=self.executor.done,
            classes_done=not self._class_greenlets or self._classes_done,
            final=final,
            data=data,
        )
        try:
            encode(report)
        except ProtocolError:
            logger.error("report_to_master listeners added data msgpack cannot carry: left out")
            report = Report(**{**_fields(report), "data": {}})
        self._send(report)

    def _on_heartbeat(self, message: Heartbeat) -> None:
        self.environment.events.heartbeat_received.fire(
            client_id=self.client_id, timestamp=self.clock.time()
        )

    def _master_lost(self, silence: float) -> None:
        error = TransportError(
            f"no message from the master at {self.endpoint} for {silence:.0f} s "
            "(--master-heartbeat-timeout): stopping the users and leaving"
        )
        logger.error("%s", error)
        self.spawn_background(self._leave, None, error)

    # -- what the master says ---------------------------------------------------------------------

    def _on_spawn(self, message: Spawn) -> None:
        if message.test != self.test:
            if self.state not in (STATE_INIT, STATE_STOPPED):
                logger.warning("a new test starts while this worker still runs the previous one")
            self.test = message.test
            self.tracker.clear()
            self.executor = PoolExecutor(self)
            self.pool.prepare = None
            self.pool.prepare_for = {}
            self.pool.reserved = frozenset()
            self.class_executors = {}
            self._class_greenlets = []
            self._classes_done = False
            self._begin_test()
        environment = self.environment
        if message.host:
            environment.host = message.host
            for cls in environment.user_classes:
                cls.host = message.host
        environment.stop_timeout = message.stop_timeout
        environment.stop_grace = message.stop_grace
        self.spawn_seq = message.seq
        self.share = (message.offset, message.stride)
        self.worker_count = message.stride
        classes = self._classes(message.classes)
        share = message.class_share
        valid = share is not None and len(share) == 2 and 0 <= share[0] < share[1]
        if share is not None and valid and not self._class_greenlets:
            self._start_classes(share[0], share[1], message.stop_grace, message.class_end)
        gate = build(Gate, message.gate) if message.gate else None
        if gate is not None and gate.kind != "users":
            if self._gate_greenlet is None:
                self._gate_greenlet = self.spawn_background(self._run_gate, gate, message)
            return
        self.ramp_to(message.users, message.rate, classes)

    def _start_classes(self, k: int, n: int, grace: float, end: float | None) -> None:
        """Run share ``k`` of ``n`` of every class with an executor of its own (the same
        locustfile everywhere: the plans are this worker's own, split as the master would)."""
        plans = class_plans(self.environment.user_classes, grace)
        self.pool.reserved = frozenset(plans)
        for name, plan in plans.items():
            part = split_class_plan(plan, k, n)
            if part is not None:
                self._class_greenlets.append(
                    self.spawn_background(self._run_class_plan, name, part, end, (k, n))
                )
        if self._class_greenlets:
            self.spawn_background(self._classes_finished, list(self._class_greenlets))

    def _classes_finished(self, greenlets: list[gevent.Greenlet]) -> None:
        gevent.joinall(greenlets)
        if greenlets == self._class_greenlets:  # still this test's
            self._classes_done = True
            self.send_report()

    def _classes(self, names: list[str]) -> list[Any]:
        known = self.environment.available_user_classes
        missing = [name for name in names if name not in known]
        if missing:
            logger.error(
                "the master asked for User class(es) %s, which this worker's locustfile does not "
                "define: run the same locustfile on the master and every worker",
                ", ".join(missing),
            )
        return [known[name] for name in names if name in known]

    def _run_gate(self, gate: Gate, message: Spawn) -> None:
        if gate.kind in ("shared", "per-user"):
            self.executor.iterations(gate.kind, gate.iterations, message.users, message.rate)
        else:
            segments = tuple(Segment(*map(float, s)) for s in gate.segments)
            share = ArrivalShare(
                RateSchedule(segments, gate.open_ended),
                max_users=message.users,
                pre_allocated=gate.pre_allocated,
                max_lateness=gate.max_lateness,
                end=gate.end,
                drain=max(message.stop_grace, 1.0),
                share=(message.offset, message.stride),
            )
            self.executor.arrival(share, "(this worker's share)")
        self.send_report()

    def _on_stop(self, message: Stop) -> None:
        if message.now:  # the master's second Ctrl-C: the stop under way (or this one) hurries
            logger.info("the master says: stop now")
            self.hurry()
            if self.state in (STATE_STOPPING, STATE_STOPPED):
                return
        self.spawn_background(self._stop_and_ack, message.test)

    def _stop_and_ack(self, test: int) -> None:
        self.stop()
        self.send_report(final=True)
        self._send(Stopped(test))

    def _on_custom(self, message: Custom) -> None:
        self.deliver(message.type, message.data, "master")

    # -- unique feeders (horde.feeders.Dispenser) -------------------------------------------------

    def claim(self, key: str, total: int, count: int) -> range:
        """Unique feeder records, from the master (which counts for every worker); blocks the
        calling user for one round trip, at most :data:`CLAIM_TIMEOUT` seconds."""
        if self.ended.is_set():
            raise FeederError("this worker has left its master: no more unique records")
        number = next(self._claim_ids)
        pending = self._claims[number] = gevent.event.AsyncResult()
        try:
            self._send(Claim(number, key, total, count))
            grant: Grant = pending.get(timeout=CLAIM_TIMEOUT)
        except gevent.Timeout:
            raise FeederError(
                f"the master did not hand out records of feeder {key!r} within {CLAIM_TIMEOUT:g} s"
            ) from None
        finally:
            self._claims.pop(number, None)
        if grant.error:
            raise FeederError(grant.error)
        return range(max(0, grant.start), min(total, max(grant.start, grant.stop)))

    def _on_grant(self, message: Grant) -> None:
        pending = self._claims.get(message.id)
        if pending is not None:
            pending.set(message)

    # -- stopping and leaving ---------------------------------------------------------------------

    def _end_drivers(self) -> None:
        gate = self._gate_greenlet
        if gate is not None and gate is not gevent.getcurrent():
            gate.kill(block=True)
        self._gate_greenlet = None
        current = gevent.getcurrent()
        for greenlet in self._class_greenlets:
            if greenlet is not current:
                greenlet.kill(block=True)
        self.executor.finish()
        for executor in self.class_executors.values():
            executor.finish()
        super()._end_drivers()

    def request_stop(self, reason: str) -> None:
        """A user raised StopTest (or called runner.stop/quit): the master stops everyone."""
        if self.stop_reason is None:
            self.stop_reason = reason
        logger.info("asking the master to stop the test: %s", reason)
        self._send(Stop(self.test, reason))

    def _leave(self, reason: str | None, error: HordeError | None = None) -> None:
        """Stop, send the final report and ``bye`` (unless the master is gone), and end."""
        if reason:  # else the error is logged where it was found
            logger.info("leaving the master: %s", reason)
        try:
            self._finish_stop_in_progress()
            if self.state == STATE_STOPPING:  # the master's stop is under way in another greenlet
                self.stopped.wait(self._stop_bound())
            self.stop()
            if error is None:
                self.send_report(final=True)
                self._send(Bye(reason or ""))
        except TransportError as exc:
            logger.error("could not send the final report: %s", exc)
        finally:
            super().quit()  # ends the receive loop, heartbeats and reports first
            self._link.close(0.0 if error is not None else LINGER)
            self._end(error)

    def _stop_bound(self) -> float:
        environment = self.environment
        grace = environment.stop_grace if environment.stop_grace is not None else 5.0
        return float(environment.stop_timeout or 0) + float(grace) + KILL_TIMEOUT

    def _end(self, error: HordeError | None) -> None:
        if LOCAL_DISPENSER.forward_to is self:
            LOCAL_DISPENSER.forward_to = None
        for pending in self._claims.values():
            pending.set_exception(FeederError("the worker left before the master answered"))
        self.end_error = self.end_error or error
        self.ended.set()
        self.stopped.set()

    def quit(self) -> None:
        """Leave the master: stop the users, send the final report and ``bye``, then end."""
        if self._called_by_a_user():
            self.request_stop("runner.quit() called from a task")
            raise gevent.GreenletExit
        self.leave("the worker quit")

    def leave(self, reason: str) -> None:
        """Leave the master, telling it why (it logs the reason; its users stop first)."""
        if not self.ended.is_set():
            self._leave(reason)

    # -- Locust's surface -------------------------------------------------------------------------

    def start(self, *args: Any, **kwargs: Any) -> None:
        raise HordeError("a worker runs what its master tells it: start tests on the master")

    def start_plan(self, plan: Any) -> None:
        raise HordeError("a worker runs what its master tells it: start tests on the master")

    def send_message(self, msg_type: str, data: Any = None, client_id: str | None = None) -> None:
        """Send a custom message to the master (``client_id`` is ignored, as in Locust)."""
        message = Custom(msg_type, data)
        try:
            encode(message)
        except ProtocolError as exc:
            raise HordeError(
                f"the data of message {msg_type!r} cannot be sent: use plain data (dict, list, "
                f"str, int, float, bool, None, bytes): {exc}"
            ) from exc
        self._send(message)


def _fields(payload: Any) -> dict[str, Any]:
    return {name: getattr(payload, name) for name in payload.__dataclass_fields__}
