"""User and HttpUser: one simulated user per instance, each running in its own greenlet."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, ClassVar, final

from gevent import Greenlet, GreenletExit
from gevent.pool import Group

from horde.clients.http import HttpSession
from horde.clients.limits import DEFAULT_MAX_BODY_SIZE, DEFAULT_TIMEOUT
from horde.event import deprecation_notice
from horde.exceptions import ConfigError, StopTest, StopUser
from horde.user.protocols import UserEnvironment
from horde.user.task import (
    STATE_RUNNING,
    STATE_STOPPING,
    STATE_WAITING,
    DefaultTaskSet,
    TaskSet,
    apply_legacy_wait,
    collect_tasks,
)
from horde.user.wait_time import constant

logger = logging.getLogger(__name__)


class UserMeta(type):
    """Collects tasks, applies legacy spellings and makes subclasses concrete by default."""

    def __new__(mcs, name: str, bases: tuple[type, ...], attrs: dict[str, Any]) -> UserMeta:
        if attrs.get("task_set") is not None and "tasks" not in attrs:
            legacy = getattr(attrs["task_set"], "__name__", "YourTaskSet")
            deprecation_notice("task_set", f"{name}.task_set; use tasks = [{legacy}]")
            attrs["tasks"] = [attrs["task_set"]]
        attrs["tasks"] = collect_tasks(bases, attrs)
        if "min_wait" in attrs or "max_wait" in attrs:
            apply_legacy_wait(name, attrs, bases)
        attrs.setdefault("abstract", False)
        return super().__new__(mcs, name, bases, attrs)


class User(metaclass=UserMeta):
    """A simulated user. Subclass it, add ``@task`` methods, and set ``wait_time``."""

    host: ClassVar[str | None] = None
    """Base URL of the target; ``-H/--host`` overrides it."""
    wait_time: Callable[..., float] = constant(0)
    """Seconds between tasks: ``between(1, 3)``, ``constant(2)``, ``constant_pacing(1)``..."""
    tasks: ClassVar[list[Any]] = []
    weight: ClassVar[float] = 1
    """Relative share of users of this class."""
    fixed_count: ClassVar[int] = 0
    """If above 0, exactly this many users of the class run (spawned first; weight ignored)."""
    abstract: ClassVar[bool] = True
    """Abstract classes are base classes only: never spawned."""
    min_wait: ClassVar[float | None] = None
    max_wait: ClassVar[float | None] = None
    wait_function: ClassVar[Any] = None

    # Run-time state read by the runner and the clients (class-level defaults, so a subclass
    # whose __init__ forgets super().__init__ still works):
    _halt: bool = False
    """Set by the runner when stopping: the user ends at its next request, wait or task."""
    _inflight: int = 0
    """Requests this user has on the wire right now (kept by the clients)."""
    _gate: Any = None
    """Iteration executors: asked before and told after each task (see runners/gates.py)."""
    _iterations: int = 0
    _intended_start: float | None = None
    """Arrival rate: when the current iteration was due (the clock's monotonic time)."""
    _lateness: float | None = None
    """Arrival rate: how late (ms) the current iteration started; None in a closed model."""

    def __init__(self, environment: UserEnvironment) -> None:
        self.environment = environment
        self._state: str | None = None
        self._greenlet: Greenlet | None = None
        self._group: Group | None = None
        self._taskset_instance: TaskSet | None = None
        self._uncaught_error: BaseException | None = None

    def _require_host(self) -> str:
        """The host, which a client needs: say where to set it when there is none."""
        if not self.host:
            raise ConfigError(
                f"{type(self).__name__} has no host: set host = 'http://...' on the class "
                "or pass -H/--host"
            )
        return self.host

    def on_start(self) -> None:
        """Called when the user starts running."""

    def on_stop(self) -> None:
        """Called when the user stops (test stopped, StopUser, or ramp-down)."""

    def _begin_request(self) -> None:
        """A client is about to send a request for this user (refused once it must halt)."""
        if self._halt:
            raise GreenletExit
        self._inflight += 1

    def _end_request(self) -> None:
        """The request's response (or failure) is in; it has been or will be recorded."""
        self._inflight -= 1

    def context(self) -> dict[str, Any]:
        """Extra data merged into the ``context`` of every request this user makes."""
        return {}

    @final
    def run(self) -> None:
        self._state = STATE_RUNNING
        self._taskset_instance = DefaultTaskSet(self)
        try:
            self._start()
            self._taskset_instance.run()
        except (GreenletExit, StopUser):
            self._safe_on_stop()
        except StopTest:
            self._safe_on_stop()
            raise

    def _start(self) -> None:
        try:
            self.on_start()
        except (GreenletExit, StopUser, StopTest):
            raise
        except Exception as exc:
            self.environment.events.user_error.fire(
                user_instance=self, exception=exc, tb=exc.__traceback__
            )
            if not self.environment.catch_exceptions:
                self._uncaught_error = exc
                raise
            logger.error(  # the traceback is logged once per kind, by the statistics
                "error in on_start of %s; this user stops: %s: %s",
                type(self).__name__,
                type(exc).__name__,
                exc,
            )
            raise StopUser from exc

    def _safe_on_stop(self) -> None:
        self._halt = False  # on_stop may still make requests (a logout, say)
        try:
            self.on_stop()
        except Exception as exc:  # noqa: BLE001 - user code: recorded through user_error
            self.environment.events.user_error.fire(
                user_instance=self, exception=exc, tb=exc.__traceback__
            )
            logger.error(
                "error in on_stop of %s: %s: %s", type(self).__name__, type(exc).__name__, exc
            )

    def wait(self) -> None:
        """Sleep for this user's wait time (a safe point to be stopped at)."""
        if self._taskset_instance is None:
            raise RuntimeError("wait() is only available while the user runs")
        self._taskset_instance.wait()

    def start(self, group: Group) -> Greenlet:
        """Start running in a new greenlet of ``group`` (used by runners).

        The greenlet's value says how the user ended: None, or the StopTest / escaped exception
        (returned rather than raised, so gevent does not print it as a crash; an escaped
        exception has been reported through ``user_error`` exactly once).
        """
        self._group = group
        self._greenlet = group.spawn(self._run_and_report)
        return self._greenlet

    def _run_and_report(self) -> BaseException | None:
        try:
            self.run()
        except StopTest as exc:
            return exc
        except Exception as exc:  # noqa: BLE001 - reported through user_error, then returned
            if exc is not getattr(self, "_uncaught_error", None):
                self.environment.events.user_error.fire(
                    user_instance=self, exception=exc, tb=exc.__traceback__
                )
            logger.error(
                "a %s user stopped on %s: %s", type(self).__name__, type(exc).__name__, exc
            )
            return exc
        return None

    def stop(self, force: bool = False) -> bool:
        """Stop now if waiting or ``force``; otherwise at the end of the current task.

        Returns True if the user was stopped immediately.
        """
        if self._greenlet is None:
            return True
        if force or self._state in (STATE_WAITING, None):
            self._greenlet.kill(block=True)
            return True
        self._state = STATE_STOPPING
        return False

    @property
    def greenlet(self) -> Greenlet | None:
        return self._greenlet

    @classmethod
    def fullname(cls) -> str:
        """``package.module.ClassName`` (as Locust: ``<locals>`` parts are left out)."""
        parts = f"{cls.__module__}.{cls.__qualname__}".split(".")
        return ".".join(part for part in parts if part != "<locals>")

    @classmethod
    def json(cls) -> dict[str, Any]:
        return {
            "host": cls.host,
            "weight": cls.weight,
            "fixed_count": cls.fixed_count,
            "tasks": [getattr(t, "__name__", repr(t)) for t in dict.fromkeys(cls.tasks)],
        }


class HttpUser(User):
    """A user with ``self.client``: an HTTP session (a ``requests.Session``) that records stats.

    Unlike Locust's, its requests never wait forever by default: ``connection_timeout`` and
    ``network_timeout`` (seconds; per connect and per read, as requests applies a
    ``(connect, read)`` timeout) are used for every request that passes no ``timeout=``;
    ``max_body_size`` bounds the response body a request reads into memory.
    """

    abstract = True
    pool_manager: ClassVar[Any] = None
    """A urllib3 PoolManager shared by the users of this class (then urllib3 sends)."""
    fast_transport: ClassVar[bool] = True
    """Send through horde's keep-alive client (False: requests' own urllib3 adapter)."""
    connection_timeout: ClassVar[float | None] = DEFAULT_TIMEOUT
    """Seconds to wait for a connection (None: forever); ``timeout=`` per request wins."""
    network_timeout: ClassVar[float | None] = DEFAULT_TIMEOUT
    """Seconds to wait for each read (None: forever); ``timeout=`` per request wins."""
    max_body_size: ClassVar[int | None] = DEFAULT_MAX_BODY_SIZE
    """Largest response body, in bytes, received or decoded (None: no limit); larger fails."""
    client: HttpSession

    def __init__(self, environment: UserEnvironment) -> None:
        super().__init__(environment)
        self.client = HttpSession(
            base_url=self._require_host(),
            request_event=environment.events.request,
            user=self,
            pool_manager=self.pool_manager,
            fast_transport=self.fast_transport,
            timeout=(self.connection_timeout, self.network_timeout),
            max_body_size=self.max_body_size,
        )
