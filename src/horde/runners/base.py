"""Runner: starts, ramps and stops simulated users, and keeps the per-second clock ticking.

Greenlet ownership: every user greenlet lives in ``user_greenlets``; the spawner, the
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
import time
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import gevent
import gevent.event
import psutil
from gevent import Greenlet
from gevent.pool import Group

from horde.dispatch import first_users, max_users
from horde.event import deprecation_notice
from horde.exceptions import HordeError, StopTest

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
KILL_TIMEOUT = 10.0
"""Seconds to wait for killed users to finish their on_stop before giving up on them."""


class Runner:
    """Runs the users of one Environment in this process (Locust's ``Runner`` surface)."""

    def __init__(self, environment: Any) -> None:
        self.environment = environment
        self.user_greenlets = Group()
        self.greenlet = Group()
        self.state = STATE_INIT
        self.users: list[User] = []
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
        self._spawner: Greenlet | None = None
        self._stopper: Greenlet | None = None
        self._background: list[Greenlet] = []
        self._custom_messages: dict[str, Callable[..., Any]] = {}

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
    def user_count(self) -> int:
        return len(self.users)

    @property
    def user_classes_count(self) -> dict[str, int]:
        counts = {cls.__name__: 0 for cls in self.environment.user_classes}
        for user in self.users:
            counts[type(user).__name__] = counts.get(type(user).__name__, 0) + 1
        return counts

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
        if user_count < 0:
            raise HordeError(f"user count must be 0 or more, got {user_count}")
        rate = float(spawn_rate if spawn_rate is not None else user_count or 1)
        if rate <= 0:
            raise HordeError(f"spawn rate must be above 0, got {rate:g}")
        if user_classes is not None:
            self.environment.user_classes = list(user_classes)
        if self.state in (STATE_INIT, STATE_STOPPED):
            self._begin_test()
        limit = max_users(self.environment.user_classes)
        if limit is not None and user_count > limit:
            logger.warning("only %d users can run: every class has a fixed_count", limit)
            user_count = limit
        self.target_user_count = user_count
        self.spawn_rate = rate
        if self._spawner is not None:
            self._spawner.kill(block=True)
        self.state = STATE_SPAWNING
        self._spawner = self.spawn_background(self._ramp, user_count, rate)
        if wait:
            self._spawner.join()

    def _begin_test(self) -> None:
        if self.state == STATE_STOPPED:
            self.stats.clear_all()
        self.stop_reason = None
        self.stopped.clear()
        self.cpu_warning_emitted = False
        self.environment.events.test_start.fire(environment=self.environment)
        self._start_background()

    def _ramp(self, target: int, rate: float) -> None:
        current = len(self.users)
        if target > current:
            plan = first_users(self.environment.user_classes, target)[current:]
            self._spawn_along(plan, rate)
        elif target < current:
            self._stop_along(rate, current - target)
        self.state = STATE_RUNNING
        logger.info("ramp finished: %d users running", len(self.users))
        self.environment.events.spawning_complete.fire(user_count=len(self.users))
        if self.environment.reset_stats:
            logger.info("resetting statistics (--reset-stats)")
            self.reset_stats()

    def reset_stats(self) -> None:
        """Zero the statistics and exceptions (names kept) and fire ``reset_stats``."""
        self.stats.reset_all()
        self.environment.events.reset_stats.fire()

    def _spawn_along(self, plan: list[Any], rate: float) -> None:
        start = time.monotonic()
        for index, cls in enumerate(plan):
            delay = start + index / rate - time.monotonic()
            if delay > 0:
                gevent.sleep(delay)
            if self._spawn_one(cls) is None:
                return

    def _stop_along(self, rate: float, count: int) -> None:
        start = time.monotonic()
        for index in range(count):
            delay = start + index / rate - time.monotonic()
            if delay > 0:
                gevent.sleep(delay)
            if self.users:
                self._stop_users([self.users.pop()])

    def _spawn_one(self, cls: Any) -> User | None:
        try:
            user: User = cls(self.environment)
        except Exception as exc:  # noqa: BLE001 - user code in __init__: record, stop the test
            logger.error("cannot start a %s user: %s", cls.__name__, exc)
            self.stats.log_exception(f"{type(exc).__name__}: {exc}", _traceback_text(exc))
            self.request_stop(f"a {cls.__name__} user could not start: {exc}")
            return None
        self.users.append(user)
        user.start(self.user_greenlets).link(lambda g, u=user: self._user_ended(u, g))
        return user

    def spawn_users(self, user_classes_count: dict[str, int], wait: bool = False) -> list[User]:
        """Start extra users: ``{class name: how many}`` (Locust's low-level API)."""
        by_name = {c.__name__: c for c in self.environment.user_classes}
        unknown = set(user_classes_count) - set(by_name)
        if unknown:
            raise HordeError(f"unknown user class(es): {', '.join(sorted(unknown))}")
        started = []
        for name, count in user_classes_count.items():
            for _ in range(count):
                user = self._spawn_one(by_name[name])
                if user is not None:
                    started.append(user)
        return started

    def _user_ended(self, user: User, greenlet: Greenlet) -> None:
        """Link callback (runs in the hub): forget the user, react to how it ended."""
        if user in self.users:
            self.users.remove(user)
        if isinstance(greenlet.value, StopTest):
            self.request_stop(f"StopTest raised by a {type(user).__name__} user")

    # -- stopping -------------------------------------------------------------------------------

    def request_stop(self, reason: str) -> None:
        """Stop the test soon, from any context (hub callbacks included)."""
        if self.stop_reason is None:
            self.stop_reason = reason
            logger.info("stopping: %s", reason)
        if self._stopper is None or self._stopper.dead:
            self._stopper = self.spawn_background(self.stop)

    def schedule_stop(self, seconds: float) -> Greenlet:
        """Stop the test after ``seconds`` (the run-time limit)."""
        timer = Greenlet(self._guarded, self.request_stop, "run time limit reached")
        self.greenlet.add(timer)
        # the loop's cached clock lags while the caller has not yielded (importing the
        # locustfile, starting users): refresh it, or the limit would be reached early
        gevent.get_hub().loop.update_now()
        timer.start_later(seconds)
        return timer

    def stop_users(self, user_classes_count: dict[str, int]) -> None:
        """Stop ``{class name: how many}`` users, most recently started first."""
        chosen: list[User] = []
        for name, count in user_classes_count.items():
            matching = [u for u in reversed(self.users) if type(u).__name__ == name][:count]
            chosen += matching
        for user in chosen:
            self.users.remove(user)
        self._stop_users(chosen)

    def _stop_users(self, users: list[User]) -> None:
        timeout = float(self.environment.stop_timeout or 0)
        if timeout > 0:
            for user in users:
                user.stop(force=False)
            waiting = [u.greenlet for u in users if u.greenlet is not None and not u.greenlet.dead]
            gevent.joinall(waiting, timeout=timeout)
        alive = [u.greenlet for u in users if u.greenlet is not None and not u.greenlet.dead]
        if alive:
            gevent.killall(alive, block=True, timeout=KILL_TIMEOUT)

    def stop(self) -> None:
        """Stop every user (gracefully within ``stop_timeout``) and end the test.

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
        if self._spawner is not None and gevent.getcurrent() is not self._spawner:
            self._spawner.kill(block=True)
        users, self.users = self.users, []
        self._stop_users(users)
        self.state = STATE_STOPPED
        self.stats.mark_end()
        self.environment.events.test_stop.fire(environment=self.environment)
        self.stopped.set()

    def quit(self) -> None:
        """Stop the test and every greenlet this runner owns (even if stopping fails).

        Called from a task, it is handed to a runner greenlet and the calling user ends at once.
        """
        if self._called_by_a_user():
            self.stop_reason = self.stop_reason or "runner.quit() called from a task"
            logger.info("stopping: %s", self.stop_reason)
            self.spawn_background(self.quit)
            raise gevent.GreenletExit
        try:
            self.stop()
        finally:
            current = gevent.getcurrent()
            others = [g for g in self.greenlet if g is not current]
            gevent.killall(others, block=True, timeout=KILL_TIMEOUT)
            if len(self.user_greenlets):
                self.user_greenlets.kill(block=True, timeout=KILL_TIMEOUT)
            self.users = []
            self.stopped.set()

    def _called_by_a_user(self) -> bool:
        return gevent.getcurrent() in self.user_greenlets

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
        while True:
            gevent.sleep(1.0 - (time.time() % 1.0))
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
            gevent.sleep(CPU_MONITOR_INTERVAL)
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
        if msg_type in self._custom_messages:
            raise HordeError(f"a listener for message {msg_type!r} is already registered")
        self._custom_messages[msg_type] = listener

    def send_message(self, msg_type: str, data: Any = None, client_id: str | None = None) -> None:
        listener = self._custom_messages.get(msg_type)
        if listener is None:
            logger.warning("no listener registered for message %r", msg_type)
            return
        listener(environment=self.environment, msg=_Message(msg_type, data, "local"))


class _Message:
    __slots__ = ("data", "node_id", "type")

    def __init__(self, msg_type: str, data: Any, node_id: str) -> None:
        self.type = msg_type
        self.data = data
        self.node_id = node_id


def _traceback_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
