"""Event hooks: the Locust event names and keyword arguments, plus the one request-reporting path.

Contract for listeners: they are called synchronously, in registration order (``reverse=True``
reverses it), with keyword arguments only, from whichever greenlet fires the event (for
``request`` that is the simulated user's own greenlet, on the hot path: keep listeners cheap and
non-blocking). A listener should accept ``**kwargs`` so new arguments do not break it. An exception
in a listener is logged with its traceback and counted (the run then ends with the internal-error
exit code), except the control-flow signals in :data:`horde.exceptions.CONTROL_FLOW`, which
propagate to the caller.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from gevent import GreenletExit

from horde._types import Listener
from horde.exceptions import CONTROL_FLOW

logger = logging.getLogger(__name__)
_notices_given: set[str] = set()


def deprecation_notice(key: str, message: str) -> None:
    """Log a one-line notice for a legacy spelling, once per process and key."""
    if key not in _notices_given:
        _notices_given.add(key)
        logger.warning("deprecated: %s", message)


class EventHook:
    """A list of listeners fired with keyword arguments."""

    __slots__ = ("_handlers", "name", "on_error")

    def __init__(self, name: str = "") -> None:
        self._handlers: list[Listener] = []
        self.name = name
        self.on_error: Callable[[str, BaseException], None] | None = None

    def add_listener(self, handler: Listener) -> Listener:
        """Register ``handler``; returns it, so this works as a decorator."""
        self._handlers.append(handler)
        return handler

    def remove_listener(self, handler: Listener) -> None:
        self._handlers.remove(handler)

    def __iadd__(self, handler: Listener) -> EventHook:
        """Locust 0.x spelling: ``events.request_success += handler``."""
        self.add_listener(handler)
        return self

    def __isub__(self, handler: Listener) -> EventHook:
        self.remove_listener(handler)
        return self

    @property
    def listeners(self) -> tuple[Listener, ...]:
        return tuple(self._handlers)

    def fire(self, *, reverse: bool = False, **kwargs: Any) -> None:
        handlers = reversed(self._handlers) if reverse else self._handlers
        for handler in handlers:
            try:
                handler(**kwargs)
            except CONTROL_FLOW:
                raise
            except Exception as exc:
                logger.exception("error in a listener of the %r event: %s", self.name, exc)
                if self.on_error is not None:
                    self.on_error(self.name, exc)


class RequestEventHook(EventHook):
    """The ``request`` event, with the single path that turns a finished request into it."""

    __slots__ = ()

    def report(
        self,
        request_type: str,
        name: str,
        response_time: float | None,
        response_length: int = 0,
        *,
        response: Any = None,
        context: dict[str, Any] | None = None,
        exception: BaseException | str | None = None,
        start_time: float | None = None,
        url: str | None = None,
    ) -> None:
        """Fire ``request`` with Locust's exact keyword arguments (response_time in ms)."""
        self.fire(
            request_type=request_type,
            name=name,
            response_time=response_time,
            response_length=response_length,
            response=response,
            context=context if context is not None else {},
            exception=exception,
            start_time=start_time,
            url=url,
        )

    @contextmanager
    def measure(
        self,
        request_type: str,
        name: str,
        response_length: int = 0,
        context: dict[str, Any] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Time the block and report it; an exception inside marks the sample failed.

        Yields the mutable request metadata: set ``meta["response_length"]``, ``meta["name"]`` or
        ``meta["exception"]`` inside the block to change what is reported. The exception is
        recorded and then re-raised.
        """
        meta: dict[str, Any] = {
            "request_type": request_type,
            "name": name,
            "response_length": response_length,
            "context": dict(context) if context else {},
            "exception": None,
            "start_time": time.time(),
        }
        start = time.perf_counter()
        try:
            yield meta
        except Exception as exc:
            meta["exception"] = exc
            raise
        except BaseException as exc:  # the user stopped mid-operation, or a gevent.Timeout
            meta["exception"] = _interruption(exc)
            raise
        finally:
            self.report(
                meta["request_type"],
                meta["name"],
                (time.perf_counter() - start) * 1000.0,
                meta["response_length"],
                context=meta["context"],
                exception=meta["exception"],
                start_time=meta["start_time"],
                url=meta.get("url"),
            )


def _interruption(exc: BaseException) -> str:
    """What an operation cut short by a BaseException is recorded as (a failure, not a success:
    it was under way, so it is counted)."""
    if isinstance(exc, GreenletExit):
        return "cancelled at stop: the operation was still running when its user was stopped"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class _LegacyRequestHook(EventHook):
    """``request_success`` / ``request_failure`` from Locust < 2.15, kept working on ``request``."""

    __slots__ = ("_adapters", "_failure", "_request")

    def __init__(self, name: str, request: RequestEventHook, *, failure: bool) -> None:
        super().__init__(name)
        self._request = request
        self._failure = failure
        self._adapters: dict[Listener, Listener] = {}

    def add_listener(self, handler: Listener) -> Listener:
        deprecation_notice(self.name, f"the {self.name} event; listen to 'request' instead")
        want_failure = self._failure

        def adapter(**kw: Any) -> None:
            exception = kw.get("exception")  # a custom client may leave it out
            if (exception is not None) != want_failure:
                return
            args = {
                "request_type": kw["request_type"],
                "name": kw["name"],
                "response_time": kw["response_time"],
                "response_length": kw.get("response_length", 0),
            }
            if want_failure:
                args["exception"] = exception
            handler(**args)

        self._adapters[handler] = adapter
        self._request.add_listener(adapter)
        return handler

    def remove_listener(self, handler: Listener) -> None:
        adapter = self._adapters.pop(handler, None)
        if adapter is None:
            raise ValueError(f"{handler!r} is not a listener of {self.name}")
        self._request.remove_listener(adapter)

    @property
    def listeners(self) -> tuple[Listener, ...]:
        return tuple(self._adapters)

    def fire(self, *, reverse: bool = False, **kwargs: Any) -> None:
        deprecation_notice(self.name + ".fire", f"firing {self.name}; fire 'request' instead")
        exception = kwargs.pop("exception", None)
        if self._failure and exception is None:
            exception = "request failed"
        self._request.report(
            kwargs.pop("request_type"),
            kwargs.pop("name"),
            kwargs.pop("response_time"),
            kwargs.pop("response_length", 0),
            exception=exception,
            context=kwargs.pop("context", None),
            response=kwargs.pop("response", None),
        )


class _AliasHook(EventHook):
    """A renamed event (``hatch_complete`` -> ``spawning_complete``): both names share listeners."""

    __slots__ = ("_target",)

    def __init__(self, name: str, target: EventHook) -> None:
        super().__init__(name)
        self._target = target

    def add_listener(self, handler: Listener) -> Listener:
        deprecation_notice(self.name, f"the {self.name} event; use '{self._target.name}'")
        return self._target.add_listener(handler)

    def remove_listener(self, handler: Listener) -> None:
        self._target.remove_listener(handler)

    @property
    def listeners(self) -> tuple[Listener, ...]:
        return self._target.listeners

    def fire(self, *, reverse: bool = False, **kwargs: Any) -> None:
        self._target.fire(reverse=reverse, **kwargs)


class Events:
    """All event hooks of one Environment (``horde.events`` is the default instance).

    =========================  ====================================================================
    event                      keyword arguments
    =========================  ====================================================================
    request                    request_type, name, response_time (ms), response_length, response,
                               context, exception (None on success), start_time (epoch s), url
    user_error                 user_instance, exception, tb
    report_to_master           client_id, data
    worker_report              client_id, data
    worker_connect             client_id
    spawning_complete          user_count
    quitting                   environment
    quit                       exit_code
    init                       environment, runner, web_ui
    init_command_line_parser   parser
    test_start                 environment
    test_stopping              environment
    test_stop                  environment
    reset_stats                (none)
    cpu_warning                environment, cpu_usage
    usage_monitor              environment, cpu_usage, memory_usage
    heartbeat_sent             client_id, timestamp
    heartbeat_received         client_id, timestamp
    =========================  ====================================================================

    Legacy names still work: ``request_success`` (request_type, name, response_time,
    response_length), ``request_failure`` (same plus exception) and ``hatch_complete``
    (user_count).
    """

    request: RequestEventHook
    user_error: EventHook
    report_to_master: EventHook
    worker_report: EventHook
    worker_connect: EventHook
    spawning_complete: EventHook
    quitting: EventHook
    quit: EventHook
    init: EventHook
    init_command_line_parser: EventHook
    test_start: EventHook
    test_stopping: EventHook
    test_stop: EventHook
    reset_stats: EventHook
    cpu_warning: EventHook
    usage_monitor: EventHook
    heartbeat_sent: EventHook
    heartbeat_received: EventHook
    request_success: EventHook
    request_failure: EventHook
    hatch_complete: EventHook

    _PLAIN = (
        "user_error",
        "report_to_master",
        "worker_report",
        "worker_connect",
        "spawning_complete",
        "quitting",
        "quit",
        "init",
        "init_command_line_parser",
        "test_start",
        "test_stopping",
        "test_stop",
        "reset_stats",
        "cpu_warning",
        "usage_monitor",
        "heartbeat_sent",
        "heartbeat_received",
    )

    def __init__(self) -> None:
        self.listener_errors: list[tuple[str, BaseException]] = []
        self.request = RequestEventHook("request")
        for name in self._PLAIN:
            setattr(self, name, EventHook(name))
        self.request_success = _LegacyRequestHook("request_success", self.request, failure=False)
        self.request_failure = _LegacyRequestHook("request_failure", self.request, failure=True)
        self.hatch_complete = _AliasHook("hatch_complete", self.spawning_complete)
        for hook in self.hooks().values():
            hook.on_error = self._record_error

    def hooks(self) -> dict[str, EventHook]:
        return {k: v for k, v in vars(self).items() if isinstance(v, EventHook)}

    def _record_error(self, name: str, exc: BaseException) -> None:
        self.listener_errors.append((name, exc))

    def __setattr__(self, name: str, value: Any) -> None:
        """A hook added later (``events.my_event = EventHook()``) is named and counted too."""
        if isinstance(value, EventHook):
            if not value.name:
                value.name = name
            if value.on_error is None:
                value.on_error = getattr(self, "_record_error", None)
        object.__setattr__(self, name, value)


events = Events()
"""The default event hooks, used by the ``horde`` command and any Environment created without
``events=``; locustfiles register module-level listeners here (``@events.init.add_listener``)."""
