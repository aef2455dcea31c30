"""Environment: the composition root of a test, for the CLI and for library use.

Library use (no ``horde`` command)::

    from gevent import monkey
    monkey.patch_all()          # first, as in any gevent program (horde never does this on import)

    import gevent
    from horde import Environment, HttpUser, task

    class Visitor(HttpUser):
        host = "http://127.0.0.1:8080"

        @task
        def home(self):
            self.client.get("/")

    env = Environment(user_classes=[Visitor])
    runner = env.create_local_runner()
    runner.start(10, spawn_rate=5)
    gevent.spawn_later(30, runner.quit)
    runner.greenlet.join()
    print(env.stats.total.num_requests)
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

from horde._types import SleepingClock
from horde.clock import SYSTEM_CLOCK
from horde.dispatch import validate_user_classes
from horde.event import Events
from horde.exceptions import ConfigError, RunnerAlreadyExistsError
from horde.runners import LocalRunner, MasterRunner, Runner, WorkerRunner
from horde.shape.plan import RunPlan
from horde.shape.scenario import class_plans
from horde.shape.scenario import describe as describe_classes
from horde.stats import RequestStats
from horde.user.inspect import equalize_weights, filter_tasks_by_tags

if TYPE_CHECKING:
    from horde.reports.csv import CsvWriter
    from horde.web import WebUI

logger = logging.getLogger(__name__)


def _had_tasks(cls: Any) -> bool:
    return bool(getattr(cls, "_unfiltered_tasks", None))


class Environment:
    """Everything one test run shares: user classes, events, statistics, runner, options."""

    def __init__(
        self,
        *,
        user_classes: Sequence[Any] | None = None,
        shape_class: Any = None,
        tags: Sequence[str] | None = None,
        locustfile: str | None = None,
        exclude_tags: Sequence[str] | None = None,
        events: Events | None = None,
        host: str | None = None,
        reset_stats: bool = False,
        stop_timeout: float | None = None,
        stop_grace: float | None = None,
        catch_exceptions: bool = True,
        parsed_options: Any = None,
        parsed_locustfiles: Sequence[str] | None = None,
        available_user_classes: dict[str, Any] | None = None,
        available_shape_classes: dict[str, Any] | None = None,
        available_user_tasks: dict[str, Any] | None = None,
        dispatcher_class: Any = None,
        profile: str | None = None,
        equal_weights: bool = False,
        clock: SleepingClock = SYSTEM_CLOCK,
        group_urls: str | None = None,
    ) -> None:
        self.events = events if events is not None else Events()
        self.user_classes: list[Any] = validate_user_classes(list(user_classes or []))
        self.class_plans: dict[str, RunPlan] = {}
        """The plans of the classes with an executor of their own (set by apply_plan)."""
        self.shape_class = shape_class
        self.tags = list(tags) if tags is not None else None
        self.exclude_tags = list(exclude_tags) if exclude_tags is not None else None
        self.locustfile = locustfile
        self.host = host
        self.reset_stats = reset_stats
        self.stop_timeout = stop_timeout
        self.stop_grace = stop_grace
        """Seconds requests already on the wire may take to finish when users stop (None: 5)."""
        self.catch_exceptions = catch_exceptions
        self.parsed_options = parsed_options
        self.parsed_locustfiles = list(parsed_locustfiles or [])
        self.available_user_classes = available_user_classes or {
            c.__name__: c for c in self.user_classes
        }
        self.available_shape_classes = available_shape_classes or (
            {type(shape_class).__name__: shape_class} if shape_class is not None else {}
        )
        self.available_user_tasks = available_user_tasks or {}
        self.dispatcher_class = dispatcher_class
        self.profile = profile
        self.clock: SleepingClock = clock
        self.group_urls = group_urls
        """"auto" folds ids in the URLs naming requests (horde.clients.grouping); None: each
        User class's ``group_urls`` decides."""
        self.runner: Runner | None = None
        self.web_ui: Any = None
        self.thresholds: list[Any] = []
        """Thresholds a locustfile adds (``environment.thresholds.append("p95<300ms")`` in an
        ``init`` listener), checked with those from the command line and config files."""
        self.process_exit_code: int | None = None
        self.stats = RequestStats(clock)
        self.events.request.add_listener(self.stats.on_request)
        self.events.user_error.add_listener(self._record_user_error)
        if self.tags is not None or self.exclude_tags is not None:
            self._filter_tasks_by_tags()
        if equal_weights:
            self.assign_equal_weights()
        if host is not None:
            for cls in self.user_classes:
                cls.host = host

    def close(self) -> None:
        """Detach this Environment's listeners from its events (when ``events`` is shared)."""
        for hook, listener in (
            (self.events.request, self.stats.on_request),
            (self.events.user_error, self._record_user_error),
        ):
            if listener in hook.listeners:
                hook.remove_listener(listener)

    @property
    def user_classes_by_name(self) -> dict[str, Any]:
        return {c.__name__: c for c in self.user_classes}

    def _filter_tasks_by_tags(self) -> None:
        """Apply the tag filters; User classes they leave without any task do not run at all
        (Locust spawns them and logs an error for each of their task picks)."""
        for cls in self.user_classes:
            filter_tasks_by_tags(cls, self.tags, self.exclude_tags)
        emptied = [c for c in self.user_classes if not c.tasks and _had_tasks(c)]
        if not emptied:
            return
        names = ", ".join(c.__name__ for c in emptied)
        if len(emptied) == len(self.user_classes):
            raise ConfigError(
                f"the tag filters (--tags/--exclude-tags) leave no task to run in {names}"
            )
        logger.info("no task of %s matches the tag filters: its users will not run", names)
        self.user_classes = [c for c in self.user_classes if c not in emptied]

    def assign_equal_weights(self) -> None:
        for cls in self.user_classes:
            equalize_weights(cls)

    def _record_user_error(
        self, user_instance: Any, exception: BaseException, tb: TracebackType | None, **_: Any
    ) -> None:
        text = "".join(traceback.format_exception(type(exception), exception, tb))
        self.stats.log_exception(f"{type(exception).__name__}: {exception}", text)

    def _create_runner(self, runner_class: type[Runner], *args: Any, **kwargs: Any) -> Runner:
        if self.runner is not None:
            raise RunnerAlreadyExistsError(
                f"this Environment already has a {type(self.runner).__name__}"
            )
        self.runner = runner_class(self, *args, **kwargs)
        return self.runner

    def create_local_runner(self) -> LocalRunner:
        runner = self._create_runner(LocalRunner)
        assert isinstance(runner, LocalRunner)  # noqa: S101 - narrows the type
        if self.shape_class is not None:
            self.shape_class.runner = runner
        return runner

    def describe_load(self, plan: RunPlan) -> str:
        """``plan`` in one line, with the executors of classes that have their own."""
        return plan.describe() + describe_classes(self.class_plans)

    def apply_plan(self, plan: RunPlan) -> None:
        """Make this Environment what ``plan`` says: host, User classes, tag filters, shape,
        stop bounds. The one place a plan changes the Environment (the runner only reads it).

        Classes are chosen from ``available_user_classes``; the tag filter always starts from
        the unfiltered tasks, so a later plan can bring back what an earlier one filtered out.
        Raises ConfigError (nothing changed) when the filters leave nothing to run.
        """
        chosen = self.user_classes
        if plan.user_classes:
            unknown = [n for n in plan.user_classes if n not in self.available_user_classes]
            if unknown:
                raise ConfigError(f"unknown User class {', '.join(unknown)}")
            chosen = [self.available_user_classes[n] for n in plan.user_classes]
        own = class_plans(chosen, plan.stop_grace)  # a bad class executor: nothing changed
        previous = (self.user_classes, self.tags, self.exclude_tags)
        self.class_plans = own
        self.user_classes = list(chosen)
        if plan.tags is not None or plan.exclude_tags is not None:
            self.tags = list(plan.tags) if plan.tags else None
            self.exclude_tags = list(plan.exclude_tags) if plan.exclude_tags else None
            try:
                self._filter_tasks_by_tags()
            except ConfigError:
                self.user_classes, self.tags, self.exclude_tags = previous
                self._filter_tasks_by_tags()
                raise
        if plan.host:
            self.host = plan.host
            for cls in self.user_classes:
                cls.host = plan.host
        if plan.executor == "shape" and plan.shape:
            self.shape_class = self.available_shape_classes[plan.shape]
            if self.runner is not None:
                self.shape_class.runner = self.runner
        self.stop_timeout = plan.stop_timeout
        self.stop_grace = plan.stop_grace

    def create_master_runner(
        self, master_bind_host: str = "127.0.0.1", master_bind_port: int = 5557, **options: Any
    ) -> MasterRunner:
        """A master listening on ``master_bind_host:master_bind_port`` (127.0.0.1 by default,
        unlike Locust's every interface; see :class:`~horde.runners.master.MasterRunner` for
        ``secret``, ``transport`` and the heartbeat options)."""
        runner = self._create_runner(MasterRunner, master_bind_host, master_bind_port, **options)
        assert isinstance(runner, MasterRunner)  # noqa: S101 - narrows the type
        if self.shape_class is not None:
            self.shape_class.runner = runner
        return runner

    def create_worker_runner(
        self, master_host: str = "127.0.0.1", master_port: int = 5557, **options: Any
    ) -> WorkerRunner:
        """A worker that connects to the master at ``master_host:master_port`` now."""
        runner = self._create_runner(WorkerRunner, master_host, master_port, **options)
        assert isinstance(runner, WorkerRunner)  # noqa: S101 - narrows the type
        return runner

    def create_web_ui(
        self,
        host: str = "127.0.0.1",
        port: int = 8089,
        web_base_path: str | None = None,
        web_login: str | bool = False,
        tls_cert: str | None = None,
        tls_key: str | None = None,
        stats_csv_writer: CsvWriter | None = None,
        delayed_start: bool = False,
        userclass_picker_is_active: bool = False,
        build_path: str | None = None,
    ) -> WebUI:
        """Build the web UI for this Environment and serve it now (Locust's signature).

        ``delayed_start=True`` leaves the serving to ``web_ui.start()``, after routes were added
        to ``web_ui.app``. Unlike Locust, ``host`` defaults to 127.0.0.1 (pass "" or "0.0.0.0"
        for every interface); ``web_login`` is horde's ``"user:password"``, or True for the
        locustfile's Flask-Login setup (``web_ui.login_manager``) as in Locust. Raises
        ConfigError for what horde's UI does not have (class picker, a custom UI build) and when
        the address cannot be bound.
        """
        if userclass_picker_is_active:
            raise ConfigError("the user class picker of Locust's web UI is not provided by horde")
        if build_path is not None:
            raise ConfigError(
                "build_path (a build of Locust's own web UI) does not apply to horde's web UI"
            )
        from horde.web import WebUI  # noqa: PLC0415 - headless runs never load Flask

        web_ui = WebUI(
            self,
            host,
            port,
            web_base_path=web_base_path or "",
            web_login=web_login or None,
            tls_cert=tls_cert,
            tls_key=tls_key,
            csv_history_path=(
                str(stats_csv_writer.path("stats_history")) if stats_csv_writer else None
            ),
        )
        if not delayed_start:
            web_ui.start()
        return web_ui
