"""Runner: the state machine of a test — start, stop, quit — and the greenlets it owns.

This base class knows nothing of where users run: the local runner keeps them in a
:class:`~horde.runners.pool.UserPool` in this process (a distributed master would ask workers).
What decides how many run when (fixed users, stages, a LoadTestShape, an arrival rate,
iterations) is the load driver (:mod:`horde.runners.driver`), which calls :meth:`Runner.ramp_to`.
Time comes from the Environment's clock, which can also sleep, so tests run ramps, shapes, time
limits and thresholds in virtual time.

Greenlet ownership: every user greenlet lives in ``user_greenlets``; the spawner, the driver, the
once-a-second ticker and the usage monitor live in ``greenlet``. ``quit()`` ends all of them; none
is left running on its own. Link callbacks (which gevent runs in the hub) never block: they spawn
a greenlet into ``greenlet`` for anything that waits.

Failures: an exception escaping one of the runner's own greenlets (a bug in horde, or in code
that patched it) is never only a log line. It is kept in ``failure``, logged as one line, and
the test is stopped (``stopped`` is set even if stopping itself failed), so whoever waits on
``stopped`` can still write the results gathered so far and exit with an error.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import gevent
import gevent.event
import psutil
from gevent import Greenlet
from gevent.pool import Group

from horde._types import SleepingClock
from horde.event import deprecation_notice
from horde.exceptions import HordeError, StopTest
from horde.runners.driver import LoadDriver
from horde.runners.pool import KILL_TIMEOUT
from horde.shape.plan import RunPlan
from horde.shape.scenario import class_plans

if TYPE_CHECKING:
    from horde.stats import RequestStats
    from horde.user.users import User

logger = logging.getLogger(__name__)

STATE_INIT, STATE_SPAWNING, STATE_RUNNING = "ready", "spawning", "running"
STATE_CLEANUP, STATE_STOPPING, STATE_STOPPED, STATE_MISSING = (
    "cleanup",
    "stopping",
    "stopped",
    "missing",
)

CPU_MONITOR_INTERVAL = 10.0
CPU_WARNING_THRESHOLD = 90.0

__all__ = [
    "KILL_TIMEOUT",
    "STATE_CLEANUP",
    "STATE_INIT",
    "STATE_MISSING",
    "STATE_RUNNING",
    "STATE_SPAWNING",
    "STATE_STOPPED",
    "STATE_STOPPING",
    "Runner",
]


class Runner:
    """Runs the users of one Environment in this process (Locust's ``Runner`` surface)."""

    def __init__(self, environment: Any) -> None:
        self.environment = environment
        self.clock: SleepingClock = environment.clock
        self.greenlet = Group()
        self.state = STATE_INIT
        self.target_user_count = 0
        self.spawn_rate = 0.0
        self.stop_reason: str | None = None
        self.stopped = gevent.event.Event()
        self.cpu_usage = 0.0
        self.memory_usage = 0
        self.cpu_warning_emitted = False
        self.tick_listeners: list[Callable[[], None]] = []
        self.failure: BaseException | None = None
        """The first exception that escaped one of the runner's own greenlets (None if none)."""
        self.spawning_greenlet: Greenlet | None = None
        """The greenlet ramping users right now (Locust's name); None when no ramp runs."""
        self.plan: RunPlan | None = None
        """The plan of the current (or last) test started with :meth:`start_plan`."""
        self.driver: LoadDriver | None = None
        self._stopper: Greenlet | None = None
        self._background: list[Greenlet] = []
        self._custom_messages: dict[str, tuple[Callable[..., Any], bool]] = {}

    # -- what a concrete runner provides -----------------------------------------------------------

    @property
    def user_count(self) -> int:
        raise NotImplementedError

    @property
    def user_classes_count(self) -> dict[str, int]:
        raise NotImplementedError

    def ramp_to(self, user_count: int, rate: float, classes: list[Any] | None = None) -> None:
        """Start moving to ``user_count`` users (of ``classes``, default all) at ``rate``/s."""
        raise NotImplementedError

    def run_iterations(self, plan: RunPlan) -> None:
        """Run the plan's iterations (``-i``, ``--iterations-per-user``); return once done."""
        raise NotImplementedError

    def run_arrival(self, plan: RunPlan, ready: Callable[[], None] | None = None) -> bool:
        """Run the plan's arrival-rate schedule; True once a finite one is over. ``ready`` is
        called when the schedule starts (its users are ready)."""
        raise NotImplementedError

    class_plans: dict[str, RunPlan] = {}  # noqa: RUF012 - replaced per test, never mutated
    """The plans of the User classes with an executor of their own (set at each start)."""

    def _reserve_classes(self) -> None:
        """A new test's ``class_plans`` are set: keep the run's ramps off those classes."""

    def run_class(self, name: str, plan: RunPlan) -> None:
        """Run the class ``name``'s own executor; returns once it is done."""
        raise NotImplementedError

    def finish_executor(self) -> None:
        """The test is stopping: settle what the iteration or arrival executor left."""

    def _stop_all_users(self) -> None:
        """Stop every user, never losing a request in flight (blocks until done)."""
        raise NotImplementedError

    def _kill_all_users(self) -> None:
        """Last resort at quit: end every user greenlet now."""
        raise NotImplementedError

    def _called_by_a_user(self) -> bool:
        return False

    # -- read-only views ------------------------------------------------------------------------

    @property
    def stats(self) -> RequestStats:
        stats: RequestStats = self.environment.stats
        return stats

    @property
    def exceptions(self) -> dict[str, Any]:
        return {key: rec.to_dict() for key, rec in self.stats.exceptions.items()}

    @property
    def errors(self) -> dict[Any, Any]:
        return self.stats.errors

    @property
    def current_cpu_usage(self) -> float:
        return self.cpu_usage

    @property
    def current_memory_usage(self) -> int:
        return self.memory_usage

    # -- starting and ramping -------------------------------------------------------------------

    def start(
        self,
        user_count: int,
        spawn_rate: float | None = None,
        wait: bool = False,
        user_classes: list[Any] | None = None,
        *,
        hatch_rate: float | None = None,
    ) -> None:
        """Ramp to ``user_count`` users at ``spawn_rate`` users/s (up or down while running)."""
        if hatch_rate is not None:
            deprecation_notice("start(hatch_rate)", "runner.start(hatch_rate=...) is spawn_rate")
            spawn_rate = hatch_rate
        if isinstance(user_count, bool) or not isinstance(user_count, int) or user_count < 0:
            raise HordeError(f"user count must be a whole number, 0 or more, got {user_count!r}")
        rate = float(spawn_rate if spawn_rate is not None else user_count or 1)
        if not rate > 0:
            raise HordeError(f"spawn rate must be above 0, got {rate:g}")
        classes = list(user_classes) if user_classes is not None else None
        if self.state in (STATE_INIT, STATE_STOPPED):
            self.target_user_count = user_count
            self.spawn_rate = rate
            self._begin_test()
        self.ramp_to(user_count, rate, classes)
        if wait and self.spawning_greenlet is not None:
            self.spawning_greenlet.join()

    def start_plan(self, plan: RunPlan) -> None:
        """Start a test that follows ``plan`` (fixed users, stages, shape, iterations, arrival
        rate; run-time limit and abort thresholds included). The Environment must already have
        applied it (:meth:`horde.env.Environment.apply_plan`)."""
        if self.state not in (STATE_INIT, STATE_STOPPED):
            raise HordeError("a test is already running: stop it before starting another")
        self.class_plans = class_plans(self.environment.user_classes, plan.stop_grace)
        self._reserve_classes()
        self.plan = plan
        self.target_user_count = plan.users
        self.spawn_rate = plan.spawn_rate
        self._begin_test()
        self.state = STATE_SPAWNING
        self.driver = LoadDriver(self, plan)
        self.driver.start()

    def start_shape(self) -> None:
        """Locust's entry point for a test driven by ``environment.shape_class``."""
        shape = self.environment.shape_class
        if shape is None:
            raise HordeError("this Environment has no shape_class")
        name = type(shape).__name__
        self.start_plan(RunPlan(executor="shape", users=0, spawn_rate=1.0, shape=name))

    @property
    def shape_greenlet(self) -> Greenlet | None:
        """The greenlet following the load shape (Locust's name); None without a shape."""
        driver = self.driver
        if driver is None or driver.plan.executor != "shape" or not driver.greenlets:
            return None
        return driver.greenlets[0]

    def _begin_test(self) -> None:
        if self.state == STATE_STOPPED:
            self.stats.clear_all()
        self.stop_reason = None
        self.stopped.clear()
        self.cpu_warning_emitted = False
        self.environment.events.test_start.fire(environment=self.environment)
        self._start_background()

    def reset_stats(self) -> None:
        """Zero the statistics and exceptions (names kept) and fire ``reset_stats``."""
        self.stats.reset_all()
        self.environment.events.reset_stats.fire()

    def _user_ended(self, user: User, greenlet: Greenlet) -> None:
        """Link callback (runs in the hub): react to how a user ended."""
        if isinstance(greenlet.value, StopTest):
            said = f": {greenlet.value}" if str(greenlet.value) else ""
            self.request_stop(f"StopTest raised by a {type(user).__name__} user{said}")

    # -- stopping -------------------------------------------------------------------------------

    def request_stop(self, reason: str) -> None:
        """Stop the test soon, from any context (hub callbacks included)."""
        if self.stop_reason is None:
            self.stop_reason = reason
            logger.info("stopping: %s", reason)
        if self._stopper is None or self._stopper.dead:
            self._stopper = self.spawn_background(self.stop)

    def schedule_stop(self, seconds: float) -> Greenlet:
        """Stop the test after ``seconds`` of the runner's clock (a run-time limit)."""
        gevent.get_hub().loop.update_now()
        return self.spawn_background(self._stop_after, seconds)

    def _stop_after(self, seconds: float) -> None:
        self.clock.sleep(seconds)
        self.request_stop("run time limit reached")

    def stop(self) -> None:
        """Stop every user (see :class:`~horde.runners.pool.StopPolicy`) and end the test.

        Called from a task (a user's own greenlet), the stop is handed to a runner greenlet and
        the calling user ends at once, as in Locust (stopping it from inside would deadlock).
        """
        if self._called_by_a_user():
            self.request_stop(self.stop_reason or "runner.stop() called from a task")
            raise gevent.GreenletExit
        if self.state in (STATE_INIT, STATE_STOPPED, STATE_STOPPING):
            return
        self.environment.events.test_stopping.fire(environment=self.environment)
        self.state = STATE_STOPPING
        self._end_drivers()
        self._stop_all_users()
        self.state = STATE_STOPPED
        self.stats.mark_end()
        self.environment.events.test_stop.fire(environment=self.environment)
        self.stopped.set()

    def _spawning_complete(self, counts: dict[str, int]) -> None:
        """Every user of the ramp runs: say so (Locust's log line), fire the event, and reset
        the statistics with ``--reset-stats``."""
        self.state = STATE_RUNNING
        running = {name: n for name, n in counts.items() if n}
        text = "{" + ", ".join(f'"{k}": {v}' for k, v in sorted(running.items())) + "}"
        log = logging.getLogger(type(self).__module__)  # "master: All users spawned"...
        log.info("All users spawned: %s (%d total users)", text, self.user_count)
        self.environment.events.spawning_complete.fire(user_count=self.user_count)
        if self.environment.reset_stats:
            logger.info("resetting statistics (--reset-stats)")
            self.reset_stats()

    def hurry(self) -> None:
        """A stop under way goes faster: no more waiting for tasks (``--stop-timeout``) or for
        requests in flight (``--stop-grace``); users are ended now, their requests recorded as
        cancelled (a second Ctrl-C)."""
        environment = self.environment
        environment.stop_timeout = 0
        environment.stop_grace = 0
        users = getattr(self, "user_greenlets", None)
        if users is not None:
            users.kill(block=False)

    def _end_drivers(self) -> None:
        """Stop whatever starts users (the ramp, a load driver) before stopping the users."""
        if self.driver is not None:
            self.driver.stop()
        current = gevent.getcurrent()
        spawner = self.spawning_greenlet
        if spawner is not None and spawner is not current:
            spawner.kill(block=True)
        self.spawning_greenlet = None

    def quit(self) -> None:
        """Stop the test and every greenlet this runner owns (even if stopping fails).

        Called from a task, it is handed to a runner greenlet and the calling user ends at once
        (its ``on_stop`` runs, as for every stopped user).
        """
        if self._called_by_a_user():
            self.stop_reason = self.stop_reason or "runner.quit() called from a task"
            logger.info("stopping: %s", self.stop_reason)
            self.spawn_background(self.quit)
            raise gevent.GreenletExit
        try:
            self._finish_stop_in_progress()
            self.stop()
        finally:
            current = gevent.getcurrent()
            others = [g for g in self.greenlet if g is not current]
            gevent.killall(others, block=True, timeout=KILL_TIMEOUT)
            self._kill_all_users()
            self.stopped.set()

    def _finish_stop_in_progress(self) -> None:
        """A stop already under way (a signal, the web UI's Stop) is waited for, not cut short:
        its users are finishing the requests they have on the wire. It is bounded by the stop
        timeout, the grace and the kill timeout."""
        stopper = self._stopper
        if stopper is None or stopper.dead or stopper is gevent.getcurrent():
            return
        environment = self.environment
        bound = float(environment.stop_timeout or 0) + float(
            getattr(environment, "stop_grace", None) or 0
        )
        stopper.join(timeout=bound + 2 * KILL_TIMEOUT)

    # -- background: ticker, usage monitor, failures -----------------------------------------------

    def spawn_background(self, function: Callable[..., Any], *args: Any) -> Greenlet:
        """Run ``function(*args)`` in a greenlet this runner owns (ended by ``quit()``).

        An exception escaping it marks the run as failed (see the module docstring).
        """
        return self.greenlet.spawn(self._guarded, function, *args)

    def _guarded(self, function: Callable[..., Any], *args: Any) -> None:
        try:
            function(*args)
        except gevent.GreenletExit:
            raise
        except Exception as exc:  # noqa: BLE001 - surfaced through self.failure, not swallowed
            self._failed(getattr(function, "__name__", repr(function)), exc)

    def _failed(self, where: str, exc: BaseException) -> None:
        first = self.failure is None
        if first:
            self.failure = exc
        logger.error("internal error in the runner (%s): %s: %s", where, type(exc).__name__, exc)
        logger.debug("traceback of the internal error", exc_info=exc)
        if self.state in (STATE_STOPPING, STATE_STOPPED) or not first:
            self.stopped.set()  # stopping itself failed: wake whoever waits for the end
        else:
            self.request_stop(f"internal error: {type(exc).__name__}: {exc}")

    def _start_background(self) -> None:
        if any(not g.dead for g in self._background):
            return
        self._background = [
            self.spawn_background(self._ticker),
            self.spawn_background(self._usage_monitor),
        ]

    def _ticker(self) -> None:
        clock = self.clock
        while True:
            now = clock.time()
            clock.sleep(1.0 - (now % 1.0))
            self.stats.tick(self.user_count)
            for listener in list(self.tick_listeners):
                try:
                    listener()
                except Exception:
                    logger.exception("error in a once-a-second listener")

    def _usage_monitor(self) -> None:
        process = psutil.Process()
        process.cpu_percent()
        while True:
            self.clock.sleep(CPU_MONITOR_INTERVAL)
            self.cpu_usage = process.cpu_percent()
            self.memory_usage = process.memory_info().rss
            events = self.environment.events
            events.usage_monitor.fire(
                environment=self.environment,
                cpu_usage=self.cpu_usage,
                memory_usage=self.memory_usage,
            )
            if self.cpu_usage > CPU_WARNING_THRESHOLD and not self.cpu_warning_emitted:
                self.cpu_warning_emitted = True
                events.cpu_warning.fire(environment=self.environment, cpu_usage=self.cpu_usage)
                logger.warning(
                    "the load generator is using %.0f%% CPU: it is the bottleneck and response "
                    "times are inflated; run fewer users per process or more processes",
                    self.cpu_usage,
                )

    # -- custom messages (single process: delivered to this runner) -----------------------------

    def register_message(
        self, msg_type: str, listener: Callable[..., Any], concurrent: bool = False
    ) -> None:
        """Call ``listener(environment=..., msg=...)`` for each ``msg_type`` message; with
        ``concurrent=True`` in its own greenlet, so a slow listener blocks nobody."""
        if msg_type in self._custom_messages:
            raise HordeError(f"a listener for message {msg_type!r} is already registered")
        self._custom_messages[msg_type] = (listener, concurrent)

    def send_message(self, msg_type: str, data: Any = None, client_id: str | None = None) -> None:
        """In one process the message goes to this runner's own listener."""
        self.deliver(msg_type, data, "local")

    def deliver(self, msg_type: str, data: Any, node_id: str) -> None:
        """Hand a custom message from ``node_id`` to its listener (in this greenlet, or in its
        own with ``concurrent=True``); a listener's error is logged, never fatal."""
        registered = self._custom_messages.get(msg_type)
        if registered is None:
            logger.warning("no listener registered for message %r", msg_type)
            return
        listener, concurrent = registered
        message = _Message(msg_type, data, node_id)
        if concurrent:
            self.greenlet.spawn(self._guarded_listener, listener, message)
            return
        if node_id == "local":
            listener(environment=self.environment, msg=message)
        else:
            self._guarded_listener(listener, message)

    def _guarded_listener(self, listener: Callable[..., Any], message: _Message) -> None:
        try:
            listener(environment=self.environment, msg=message)
        except gevent.GreenletExit:
            raise
        except Exception:
            logger.exception("error in the listener of message %r", message.type)


class _Message:
    __slots__ = ("data", "node_id", "type")

    def __init__(self, msg_type: str, data: Any, node_id: str) -> None:
        self.type = msg_type
        self.data = data
        self.node_id = node_id


def _traceback_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
