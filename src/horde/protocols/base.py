"""The base of every protocol client: timing, naming and error mapping in one place.

A protocol client wraps a library's blocking calls. Each call goes through :meth:`call` (or the
``with self.operation(name):`` block), which times it with one ``perf_counter`` pair, names it,
and reports it through ``RequestEventHook.report``: the same single path HttpSession uses, so
statistics, failure samples, thresholds, reports and the web UI treat every protocol alike.

A failure (an exception of :attr:`ProtocolClient.failure_types`) is recorded with the message
:meth:`ProtocolClient.describe_error` gives and the sample :meth:`ProtocolClient.sample_of`
builds, then raised again as :class:`~horde.exceptions.OperationFailed`, which ends the task
quietly: a failing target is data, not a user-code error. Any other exception is a bug in the
calling code and propagates unrecorded.

The contract for subclasses: :meth:`call` runs in the simulated user's greenlet and may block
only in ways gevent can switch away from (gevent sockets, or the standard library once the
``horde`` command has monkey-patched it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar, TypeVar

from gevent import GreenletExit

from horde.clients.errors import CANCELLED, begin_request, end_request
from horde.clients.naming import request_context
from horde.event import RequestEventHook
from horde.exceptions import ConfigError, MissingExtraError, OperationFailed
from horde.stats.errors import BODY_EXCERPT_BYTES
from horde.user.protocols import UserEnvironment
from horde.user.users import User

R = TypeVar("R")
logger = logging.getLogger(__name__)
C = TypeVar("C", bound="ProtocolClient")


class ProtocolSample:
    """What a failure sample shows for a non-HTTP operation (read duck-typed by the stats).

    ``status_code`` is the protocol's numeric status (a gRPC code, a WebSocket close code),
    ``url`` where the operation went, ``headers`` any named details (SQLSTATE, MQTT reason) and
    ``content`` the first KB of the reply or payload, when there is one worth reading.
    """

    __slots__ = ("content", "headers", "status_code", "url")

    def __init__(
        self,
        *,
        status_code: int | None = None,
        url: str | None = None,
        headers: dict[str, str] | None = None,
        content: bytes | str | None = None,
    ) -> None:
        self.status_code = status_code
        self.url = url
        self.headers = headers or {}
        if isinstance(content, str):
            content = content.encode("utf-8", errors="replace")
        self.content = content[: BODY_EXCERPT_BYTES + 1] if content else b""


class ProtocolClient:
    """Base class of a protocol client: ``self.call(name, func, *args)`` does the bookkeeping.

    Subclasses set :attr:`request_type` (the "method" column) and, where the library says more
    than ``repr(exc)``, override :meth:`describe_error` and :meth:`sample_of`.
    """

    request_type: ClassVar[str] = "custom"
    """The request type every operation is recorded under ("websocket", "grpc", "tcp"...)."""
    failure_types: ClassVar[tuple[type[BaseException], ...]] = (Exception,)
    """Exceptions that mean the target failed (recorded); anything else propagates unrecorded."""

    def __init__(
        self, request_event: RequestEventHook, *, user: Any = None, url: str | None = None
    ) -> None:
        self.request_event = request_event
        self.user = user
        self.url = url
        """Where operations go, shown in failure samples (``ws://host/path``, ``host:port``)."""

    def close(self) -> None:
        """Release connections (subclasses that hold any override this)."""

    def __enter__(self: C) -> C:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- recording -------------------------------------------------------------------------------

    def call(self, name: str, func: Callable[..., R], *args: Any, **kwargs: Any) -> R:
        """Run ``func(*args, **kwargs)`` as the operation ``name``: timed, recorded, mapped."""
        user = self.user
        begin_request(user)  # a user told to halt stops here, before anything is sent
        start_time = time.time()
        start = time.perf_counter()
        try:
            result = func(*args, **kwargs)
        except self.failure_types as exc:
            elapsed = (time.perf_counter() - start) * 1000.0
            raise self.fail(name, exc, elapsed, start_time=start_time) from exc
        except GreenletExit:  # stopped mid-operation: counted, never dropped
            self._cancelled(name, start, start_time)
            raise
        finally:
            end_request(user)
        self.record(
            name,
            (time.perf_counter() - start) * 1000.0,
            self.length_of(result),
            start_time=start_time,
        )
        return result

    @contextmanager
    def operation(self, name: str, length: int = 0) -> Iterator[dict[str, Any]]:
        """The block form of :meth:`call`: ``with client.operation("GET") as op:``.

        Set ``op["length"]`` (bytes received) or ``op["name"]`` inside the block.
        """
        op: dict[str, Any] = {"name": name, "length": length}
        user = self.user
        begin_request(user)
        start_time = time.time()
        start = time.perf_counter()
        try:
            yield op
        except OperationFailed:
            raise
        except self.failure_types as exc:
            elapsed = (time.perf_counter() - start) * 1000.0
            raise self.fail(op["name"], exc, elapsed, start_time=start_time) from exc
        except GreenletExit:
            self._cancelled(op["name"], start, start_time)
            raise
        finally:
            end_request(user)
        self.record(
            op["name"], (time.perf_counter() - start) * 1000.0, op["length"], start_time=start_time
        )

    def record(
        self,
        name: str,
        response_time: float | None,
        length: int = 0,
        *,
        start_time: float | None = None,
        failure: str | None = None,
        sample: ProtocolSample | None = None,
    ) -> None:
        """Report one operation directly (for replies that arrive in a callback)."""
        user = self.user
        self.request_event.report(
            self.request_type,
            name,
            response_time,
            length,
            response=sample,
            context=request_context(user, None),
            exception=failure,
            start_time=start_time,
            url=self.url,
        )

    def _cancelled(self, name: str, start: float, start_time: float) -> None:
        self.record(
            name,
            (time.perf_counter() - start) * 1000.0,
            0,
            start_time=start_time,
            failure=CANCELLED,
        )

    def fail(
        self,
        name: str,
        exc: BaseException,
        response_time: float,
        *,
        start_time: float | None = None,
    ) -> OperationFailed:
        """Record ``exc`` as a failure of ``name``; returns the exception to raise."""
        message = self.describe_error(exc)
        self.record(
            name,
            response_time,
            0,
            start_time=start_time,
            failure=message,
            sample=self.sample_of(exc),
        )
        return OperationFailed(name, message)

    # -- what subclasses refine -----------------------------------------------------------------

    def describe_error(self, exc: BaseException) -> str:
        """The failure message: stable across occurrences, so equal failures group together."""
        text = " ".join(str(exc).split())
        return f"{type(exc).__name__}: {text}" if text else type(exc).__name__

    def sample_of(self, exc: BaseException) -> ProtocolSample | None:
        """Details kept with the first failures of a kind (status, reply excerpt)."""
        return ProtocolSample(url=self.url)

    def length_of(self, result: Any) -> int:
        """``response_length`` of a successful operation: ``len()`` of bytes or text, else 0."""
        if isinstance(result, bytes | bytearray | str):
            return len(result)
        return 0


class ProtocolUser(User):
    """A User whose ``client`` is a :class:`ProtocolClient` made by :meth:`make_client`.

    The client is made in ``__init__`` (as HttpUser's is), so ``on_start`` can already use it;
    :meth:`close_client` runs once after ``on_stop``, and also when the user ends without one
    (an exception escaping a task or ``on_start``): a client's connections and helpers (the
    WebSocket reader greenlet, the MQTT network loop) never outlive their user.
    """

    abstract = True
    client: Any
    _client_closed = False

    def __init__(self, environment: UserEnvironment) -> None:
        super().__init__(environment)
        self.client = self.make_client()

    def make_client(self) -> Any:
        """Build ``self.client``; subclasses override this."""
        raise NotImplementedError(f"{type(self).__name__}.make_client() is not defined")

    def close_client(self) -> None:
        """Release the client's connections (called once the user has stopped)."""
        close = getattr(self.client, "close", None)
        if close is not None:
            close()

    def _safe_on_stop(self) -> None:
        try:
            super()._safe_on_stop()
        finally:
            self._close_client_once()

    def _run_and_report(self) -> BaseException | None:
        try:
            return super()._run_and_report()
        finally:
            self._close_client_once()

    def _close_client_once(self) -> None:
        """Close the client the first time the user ends; a failing close is logged, not raised
        (the user is over either way, and its greenlet must end cleanly)."""
        if self._client_closed:
            return
        self._client_closed = True
        try:
            self.close_client()
        except Exception as exc:  # noqa: BLE001 - a close is best effort, and said so once
            logger.error(
                "closing the client of %s failed: %s: %s",
                type(self).__name__,
                type(exc).__name__,
                exc,
            )

    def require_host(self, what: str) -> str:
        """The host, or a ConfigError saying what form it takes for this protocol."""
        if not self.host:
            raise ConfigError(
                f"{type(self).__name__} has no host: set host = '{what}' on the class "
                "or pass -H/--host"
            )
        return self.host


def missing_extra(what: str, package: str, extra: str) -> MissingExtraError:
    """The one-line error for a protocol module whose library is not installed."""
    return MissingExtraError(f"{what} needs the {package} package: pip install 'horde[{extra}]'")
