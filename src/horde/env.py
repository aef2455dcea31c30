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
from typing import Any

from horde._types import Clock
from horde.clock import SYSTEM_CLOCK
from horde.dispatch import validate_user_classes
from horde.event import Events
from horde.exceptions import ConfigError, HordeError, RunnerAlreadyExistsError
from horde.runners import LocalRunner, MasterRunner, Runner, WorkerRunner
from horde.stats import RequestStats
from horde.user.inspect import equalize_weights, filter_tasks_by_tags

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
        catch_exceptions: bool = True,
        parsed_options: Any = None,
        parsed_locustfiles: Sequence[str] | None = None,
        available_user_classes: dict[str, Any] | None = None,
        available_shape_classes: dict[str, Any] | None = None,
        available_user_tasks: dict[str, Any] | None = None,
        dispatcher_class: Any = None,
        profile: str | None = None,
        equal_weights: bool = False,
        clock: Clock = SYSTEM_CLOCK,
        group_urls: str | None = None,
    ) -> None:
        self.events = events if events is not None else Events()
        self.user_classes: list[Any] = validate_user_classes(list(user_classes or []))
        self.shape_class = shape_class
        self.tags = list(tags) if tags is not None else None
        self.exclude_tags = list(exclude_tags) if exclude_tags is not None else None
        self.locustfile = locustfile
        self.host = host
        self.reset_stats = reset_stats
        self.stop_timeout = stop_timeout
        self.catch_exceptions = catch_exceptions
        self.parsed_options = parsed_options
        self.parsed_locustfiles = list(parsed_locustfiles or [])
        self.available_user_classes = available_user_classes or {
            c.__name__: c for c in self.user_classes
        }
        self.available_shape_classes = available_shape_classes or {}
        self.available_user_tasks = available_user_tasks or {}
        self.dispatcher_class = dispatcher_class
        self.profile = profile
        self.clock = clock
        self.group_urls = group_urls
        """"auto" folds ids in the URLs naming requests (horde.clients.grouping); None: each
        User class's ``group_urls`` decides."""
        self.runner: Runner | None = None
        self.web_ui: Any = None
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
        return runner

    def create_master_runner(
        self, master_bind_host: str = "*", master_bind_port: int = 5557
    ) -> Runner:
        return self._create_runner(MasterRunner, master_bind_host, master_bind_port)

    def create_worker_runner(self, master_host: str, master_port: int) -> Runner:
        return self._create_runner(WorkerRunner, master_host, master_port)

    def create_web_ui(self, *args: Any, **kwargs: Any) -> Any:
        raise HordeError("the web UI is not available in this horde version; use --headless")
