"""FastHttpUser: the fast HTTP user (Locust's FastHttpUser API on horde's own client)."""

from __future__ import annotations

import json
import re
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

from horde.clients.fast import FastHttpSession, FastResponseContextManager, HTTPClientPool
from horde.clients.limits import DEFAULT_MAX_BODY_SIZE, DEFAULT_TIMEOUT
from horde.exceptions import CONTROL_FLOW
from horde.user.protocols import UserEnvironment
from horde.user.users import User

_TRAILING_COMMA = re.compile(r",\s*$")


class RestResponseContextManager(FastResponseContextManager):
    """What ``rest()`` yields: a catch-response FastResponse with the parsed JSON in ``js``."""

    js: Any = None


class FastHttpUser(User):
    """A user whose ``self.client`` is a :class:`~horde.clients.fast.FastHttpSession`.

    Class attributes tune the client: ``network_timeout`` (per read) and
    ``connection_timeout``, ``max_redirects``, ``max_retries``, ``insecure`` (skip TLS
    verification, the default), ``default_headers``, ``concurrency`` (connections per user),
    ``client_pool`` (share one :class:`HTTPClientPool` between users), ``ssl_context_factory``
    and ``max_body_size`` (the largest body read into memory, received or decoded; None: no
    limit).
    """

    abstract = True
    network_timeout: ClassVar[float] = DEFAULT_TIMEOUT
    connection_timeout: ClassVar[float] = DEFAULT_TIMEOUT
    max_redirects: ClassVar[int] = 30
    max_retries: ClassVar[int] = 0
    insecure: ClassVar[bool] = True
    default_headers: ClassVar[dict[str, str] | None] = None
    concurrency: ClassVar[int] = 10
    proxy_host: ClassVar[str | None] = None
    proxy_port: ClassVar[int | None] = None
    client_pool: ClassVar[HTTPClientPool | None] = None
    ssl_context_factory: ClassVar[Any] = None
    max_body_size: ClassVar[int | None] = DEFAULT_MAX_BODY_SIZE
    client: FastHttpSession

    def __init__(self, environment: UserEnvironment) -> None:
        super().__init__(environment)
        self.client = FastHttpSession(
            self._require_host(),
            request_event=environment.events.request,
            user=self,
            insecure=self.insecure,
            client_pool=self.client_pool,
            ssl_context_factory=self.ssl_context_factory,
            concurrency=self.concurrency,
            network_timeout=self.network_timeout,
            connection_timeout=self.connection_timeout,
            max_redirects=self.max_redirects,
            max_retries=self.max_retries,
            default_headers=self.default_headers,
            proxy_host=self.proxy_host,
            proxy_port=self.proxy_port,
            max_body_size=self.max_body_size,
        )

    @contextmanager
    def rest(
        self, method: str, url: str, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> Iterator[RestResponseContextManager]:
        """A JSON request whose checks live in the ``with`` block.

        The body is parsed into ``resp.js`` (a parse error fails the request); an
        ``assert`` that fails inside the block, or any other exception, fails the request
        with its message instead of propagating::

            with self.rest("POST", "/api/items", json={"name": "x"}) as resp:
                assert resp.js["id"] > 0, "no id in the answer"
        """
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            **(headers or {}),
        }
        signal: BaseException | None = None
        with self.client.request(
            method, url, catch_response=True, headers=headers, **kwargs
        ) as resp:
            resp.__class__ = RestResponseContextManager
            _parse_json(resp)
            try:
                yield resp
            except CONTROL_FLOW as exc:
                signal = exc  # StopUser & co. steer the user: record the request, then obey
            except AssertionError as exc:
                resp.failure(_assertion_message(exc, resp))
            except Exception as exc:  # noqa: BLE001 - a check that crashed fails the request
                resp.failure(_crash_message(exc))
        if signal is not None:
            raise signal

    @contextmanager
    def rest_(
        self, method: str, url: str, name: str | None = None, **kwargs: Any
    ) -> Iterator[RestResponseContextManager]:
        """``rest()`` with a cache-busting ``_=<ms>`` query parameter; named after ``url``."""
        separator = "&" if "?" in url else "?"
        busted = f"{url}{separator}_={int(time.time() * 1000)}"
        with self.rest(method, busted, name=name or url, **kwargs) as resp:
            yield resp


def _parse_json(resp: RestResponseContextManager) -> None:
    resp.js = None
    if resp.error is not None:  # already a status-0 failure, with its grouped message
        return
    text = resp.text
    if not text:
        return
    try:
        resp.js = json.loads(text)
    except ValueError as exc:
        resp.failure(
            f"response is not JSON (status {resp.status_code}): {exc}; body starts {text[:200]!r}"
        )


def _assertion_message(exc: AssertionError, resp: RestResponseContextManager) -> str:
    message = str(exc.args[0]) if exc.args else "assertion failed"
    if _TRAILING_COMMA.search(message):
        message = f"{message} response was {(resp.text or '')[:200]!r}"
    return message


def _crash_message(exc: Exception) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"
