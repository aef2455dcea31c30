"""Responses that users can judge: ``success()``, ``failure()`` inside ``catch_response``."""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Any

import requests
from requests.exceptions import HTTPError

from horde.event import RequestEventHook
from horde.exceptions import (
    CONTROL_FLOW,
    CatchResponseError,
    HordeError,
    LocustError,
    ResponseError,
)

logger = logging.getLogger(__name__)

_NOT_ENTERED = (
    "response.{call}() before the with-block: the request is judged inside it, like this:\n"
    "    with self.client.get(url, catch_response=True) as response:\n"
    "        response.{call}(...)"
)


class JudgedOnlyWhenCaught:
    """``success()``/``failure()`` on a response not returned by ``catch_response=True``: a
    clear error saying how to judge responses (both clients' plain responses)."""

    def success(self) -> None:
        raise HordeError(
            "response.success() needs catch_response=True: "
            "with self.client.get(url, catch_response=True) as response: ..."
        )

    def failure(self, exc: Any) -> None:
        raise HordeError(
            "response.failure() needs catch_response=True: "
            "with self.client.get(url, catch_response=True) as response: ..."
        )


class HordeResponse(JudgedOnlyWhenCaught, requests.Response):
    """A ``requests.Response`` plus ``error`` (the connection error when ``status_code`` is 0).

    For a request that got no usable answer ``content`` is None and ``text`` is "", as in
    Locust's HttpUser.
    """

    error: BaseException | None = None

    def raise_for_status(self) -> None:
        if self.error is not None:
            raise self.error
        super().raise_for_status()

    @property
    def ok(self) -> bool:
        """False for a connection error (status 0) or an HTTP error status; never raises."""
        return self.error is None and super().ok


class CatchResponseMixin:
    """``catch_response=True``: decide success or failure inside the ``with`` block.

    Without a call to ``success()``/``failure()`` the usual rule applies (status >= 400 or a
    connection error fails). Raising a :class:`~horde.exceptions.ResponseError` in the block marks
    the request failed with that error. Any other exception propagates out of the block, as in
    Locust, and the request is still recorded (Locust drops it): by ``success()``/``failure()``
    if one was called, by the usual rule for control-flow signals (``StopUser``,
    ``RescheduleTask``...) and greenlet exits, and otherwise as a failure with that exception:
    a check that crashed did not pass. ``request_meta`` holds what will be reported and may be
    edited (e.g. ``name``). ``success()``/``failure()`` before the block raise
    :class:`~horde.exceptions.LocustError`, as in Locust; after it they change nothing.
    """

    _manual_result: bool | BaseException | None = None
    _entered = False
    _is_reported = False
    request_meta: dict[str, Any]
    _request_event: RequestEventHook
    _judged_name: str = ""
    _judged_exception: BaseException | None = None

    error: BaseException | None

    def __enter__(self) -> Any:
        self._entered = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        if self._is_reported:
            return exc_type is None
        meta = self.request_meta
        if isinstance(value, ResponseError):
            meta["exception"] = value
            self._report()
            return True
        manual = self._manual_result
        if manual is True:
            meta["exception"] = None
        elif isinstance(manual, BaseException):
            meta["exception"] = manual
        elif isinstance(value, Exception) and not isinstance(value, CONTROL_FLOW):
            meta["exception"] = value
        else:
            self._rejudge()
        self._report()
        return exc_type is None

    def _rejudge(self) -> None:
        """Name an HTTP failure after ``request_meta["name"]`` if the block renamed the request.

        Failure messages carry the stats name so they group with it; an exception the block
        stored in ``request_meta`` itself is kept as it is.
        """
        meta = self.request_meta
        if meta["name"] == self._judged_name or meta["exception"] is not self._judged_exception:
            return
        if self.error is None:
            meta["exception"] = status_failure(self, meta["name"])

    def _report(self) -> None:
        meta = self.request_meta
        self._request_event.report(
            meta["request_type"],
            meta["name"],
            meta["response_time"],
            meta["response_length"],
            response=self,
            context=meta["context"],
            exception=meta["exception"],
            start_time=meta["start_time"],
            url=meta["url"],
        )
        self._is_reported = True

    def success(self) -> None:
        """Mark this request successful (whatever its status code)."""
        self._judge("success")
        self._manual_result = True

    def failure(self, exc: Any) -> None:
        """Mark this request failed; ``exc`` is a message or an exception."""
        self._judge("failure")
        if not isinstance(exc, BaseException):
            exc = CatchResponseError(exc)
        self._manual_result = exc

    def _judge(self, call: str) -> None:
        if not self._entered:
            raise LocustError(_NOT_ENTERED.format(call=call))
        if self._is_reported:
            _warn_late(call)

    def raise_for_status(self) -> None:
        if self._manual_result is True:
            return
        if isinstance(self._manual_result, BaseException):
            raise self._manual_result
        super().raise_for_status()  # type: ignore[misc]

    @property
    def ok(self) -> bool:
        """Honours ``success()``/``failure()`` like :meth:`raise_for_status`; never raises."""
        if self._manual_result is None:
            return bool(super().ok)  # type: ignore[misc]
        return self._manual_result is True


_warned_late: set[str] = set()


def _warn_late(call: str) -> None:
    """Once per process: a verdict after the block is ignored (Locust ignores it silently)."""
    if call not in _warned_late:
        _warned_late.add(call)
        logger.warning(
            "response.%s() after its with-block changes nothing: the request was recorded when "
            "the block ended; judge it inside the block",
            call,
        )


class ResponseContextManager(CatchResponseMixin, HordeResponse):  # type: ignore[misc]
    """A ``requests.Response`` returned by ``catch_response=True`` (see CatchResponseMixin)."""


def as_context_manager(
    response: Any,
    request_event: RequestEventHook,
    request_meta: dict[str, Any],
    cls: type[CatchResponseMixin] | None = None,
) -> Any:
    """Turn a response into its catch-response class in place (no copy of the body)."""
    response.__class__ = cls or ResponseContextManager
    response.request_meta = request_meta
    response._request_event = request_event
    response._judged_name = request_meta["name"]
    response._judged_exception = request_meta["exception"]
    return response


def status_failure(response: Any, name: str) -> HTTPError | None:
    """An HTTPError for a status >= 400, naming the request by its stats ``name``, else None."""
    status = response.status_code
    if status < 400:
        return None
    kind = "Client" if status < 500 else "Server"
    return HTTPError(f"{status} {kind} Error: {response.reason} for url: {name}", response=response)
