"""``import locust_backpack as Backpack``: the Locust Backpack API, on horde's endpoints.

Every name of the Backpack package page works as documented there (``LocustEndpoint``,
``Request()``, ``Result``, ``A + B + C``, ``Chain``, ``Scenario``, ``WeightedScenario``,
``SequenceScenario``, ``>> DEPENDS_ON('key') >>``, ``seal``/``unseal``, ``SealAll``,
``UnsealAll``, ``SetGlobal``, ``Unzip``, ``Zip``), with one deliberate difference: the original
keeps one Result, one body and one set of headers per endpoint for all users, so concurrent users
overwrite each other's. Here an endpoint is a template and each user has its own:

* inside a user (its tasks, ``on_start``, anything its greenlet runs), reading an attribute gives
  that user's value, changing one (``E.body["x"] = 1``, ``E.headers = {...}``, ``E.seal``)
  changes it for that user only, and ``E.Result`` / ``if E:`` are that user's last result;
* outside any user (module level, event listeners) changes apply to every user, and so do
  ``SetGlobal``, ``SealAll`` and ``UnsealAll`` wherever they are called, replacing what users
  had set for that attribute;
* dependency values (``>> DEPENDS_ON('player') >>``) land in the user whose request got them.

Other differences: ``Request()`` returns the Result (the original returned None); failure
messages are horde's (status and name, so they group) rather than the response body; ``A + B``
stops at the first failure as the page describes; ``Zip()`` writes CSV and JSON files from the
statistics in this process (:func:`horde.endpoints.save_results`), without the web UI, seaborn
plots or a stats-page clone.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from horde.endpoints import flow
from horde.endpoints.current import bind, current_user, last_user
from horde.endpoints.endpoint import Endpoint, Field
from horde.endpoints.result import Result as EndpointResult
from horde.endpoints.results import save_results
from horde.endpoints.state import owner
from horde.exceptions import (
    EndpointError,
    HordeError,
    MissingMethodError,
    NotAttachedError,
)

logger = logging.getLogger(__name__)

MissingMethodException = MissingMethodError
NoAttachmentException = NotAttachedError

_registry: weakref.WeakValueDictionary[int, LocustEndpoint] = weakref.WeakValueDictionary()
_created = 0


def endpoints() -> list[LocustEndpoint]:
    """Every LocustEndpoint alive, in creation order."""
    return list(_registry.values())


class RequestResult:
    """Backpack's Result: ``success``, ``failure``, ``status_code``, ``response`` (the body, as
    bytes) and ``json()`` (``{}`` when the body is not JSON)."""

    __slots__ = ("endpoint", "result")

    def __init__(self, result: EndpointResult, endpoint: str) -> None:
        self.result = result
        self.endpoint = endpoint

    def __repr__(self) -> str:
        return f"<Result {self.endpoint} {self.status_code} success={self.success}>"

    def __bool__(self) -> bool:
        return self.result.ok

    @property
    def success(self) -> bool:
        return self.result.ok

    @property
    def failure(self) -> bool:
        return not self.result.ok

    @property
    def status_code(self) -> int:
        return self.result.status_code

    @property
    def response(self) -> bytes:
        return self.result.content

    def json(self) -> Any:
        try:
            return self.result.json()
        except ValueError:
            return {}


class LocustEndpoint(Endpoint):
    """``LocustEndpoint(endpoint, methods, name=None, headers=None, body=None)``."""

    endpoint = Field("path")

    def __init__(
        self,
        endpoint: str,
        methods: str | Iterable[str],
        name: str | None = None,
        headers: Mapping[str, Any] | None = None,
        body: Any = None,
    ) -> None:
        global _created
        super().__init__(endpoint, methods, name=name, headers=headers, body=body)
        _created += 1
        _registry[_created] = self

    # -- attributes: the user's own inside a user, the template outside ------------------------

    def get_field(self, field: str) -> Any:
        user = current_user()
        if user is None:
            return self.template(field)
        view = self.for_user(user)
        return view.body if field == "body" else view.get(field)

    def set_field(self, field: str, value: Any) -> None:
        user = current_user()
        if user is None:
            self.set_template(field, value)
        else:
            self.for_user(user).set(field, value)

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        return self.get_field(key)

    def __setattr__(self, key: str, value: Any) -> None:
        if key.startswith("_") or hasattr(type(self), key):
            object.__setattr__(self, key, value)
        else:
            self.set_field(key, value)

    @property
    def Result(self) -> RequestResult | None:  # noqa: N802 - Backpack's name
        user = current_user()
        result = None if user is None else self.for_user(user).result
        return None if result is None else RequestResult(result, self.template("path"))

    def __bool__(self) -> bool:
        """True when this user's last request of the endpoint succeeded."""
        user = current_user()
        result = None if user is None else self.for_user(user).result
        return bool(result is not None and result.ok)

    @property
    def seal(self) -> None:
        """Stop this endpoint's requests (this user's, or everyone's outside a user)."""
        self._set_sealed(True)

    @property
    def unseal(self) -> None:
        self._set_sealed(False)

    def _set_sealed(self, sealed: bool) -> None:
        user = current_user()
        if user is None:
            self.set_template("sealed", sealed)
            return
        view = self.for_user(user)
        view.sealed = sealed
        view.result  # noqa: B018 - sealing sets this user's Result to a silent failure

    # -- requests ---------------------------------------------------------------------------------

    def attach(self, caller: Any) -> None:
        """Let the user of ``caller`` (a TaskSet or User) make requests of this endpoint."""
        user = owner(caller)
        bind(user)
        self.state(user).attached = True

    def call(self, user: Any, method: str | None = None, /, **kwargs: Any) -> EndpointResult:
        if not self.state(user).attached:
            raise NotAttachedError(
                f"{self.template('path')} is not attached in this user: call "
                "endpoint.attach(self) or Backpack.Unzip(self) in on_start"
            )
        return super().call(user, method, **kwargs)

    def Request(self, method: str | None = None) -> RequestResult:  # noqa: N802 - Backpack's name
        """Make the request as the current user (its method if it has only one)."""
        result = self.call(_user_or_raise(self), method)
        return RequestResult(result, self.template("path"))

    def __add__(self, other: LocustEndpoint) -> ChainLink:
        """``A + B``: request A, then B only if A succeeded (``+ C`` goes on the same way)."""
        return ChainLink(self._single_request()) + other

    def _single_request(self) -> bool:
        user = _user_or_raise(self)
        if len(self.for_user(user).get("methods", private=False)) != 1:
            raise MissingMethodError(
                f"{self.template('path')} has several methods: simple chaining (A + B) needs "
                "endpoints with one; use Backpack.Chain([(endpoint, 'get'), ...])"
            )
        return self.Request().success

    def __rshift__(self, other: Any) -> Any:
        """``Target >> DEPENDS_ON('key') >> Source``."""
        if isinstance(other, DEPENDS_ON):
            other.target = self
            return other
        return NotImplemented


class ChainLink:
    """What ``A + B`` gives: truthy if every request succeeded; ``+ C`` chains on."""

    __slots__ = ("ok",)

    def __init__(self, ok: bool) -> None:
        self.ok = ok

    def __bool__(self) -> bool:
        return self.ok

    def __add__(self, other: LocustEndpoint) -> ChainLink:
        if not isinstance(other, LocustEndpoint):
            return NotImplemented
        return ChainLink(self.ok and other._single_request())


class DEPENDS_ON:  # noqa: N801 - Backpack's name
    """``EventInit >> DEPENDS_ON('player') >> SessionStart``: every successful response of
    SessionStart gives its ``player`` to EventInit's body, in the same user. ``key`` may be a
    dotted path (``'data.player.id'``); ``into`` names the body key (default: the last part)."""

    def __init__(self, key: str, into: str | None = None) -> None:
        self.key = key
        self.into = into
        self.target: LocustEndpoint | None = None

    def __rshift__(self, source: Endpoint) -> Endpoint:
        if self.target is None:
            raise EndpointError("write the dependency as Target >> DEPENDS_ON('key') >> Source")
        self.target.depends_on(source, self.key, into=self.into)
        return source


class Chain(flow.Chain):
    """``Chain([(E, 'get'), (E, 'post')], independent=False, wait=0)``: runs at once."""

    def __init__(
        self, endpoints: Iterable[Any], independent: bool = False, wait: float = 0
    ) -> None:
        super().__init__(endpoints, independent=independent, wait=wait)
        self.result = self.run()

    def run(self, user: Any = None) -> flow.FlowResult:
        return super().run(user if user is not None else _user_or_raise("Chain"))

    def __bool__(self) -> bool:
        return bool(self.result)


class Scenario(flow.Scenario):
    """``Scenario(endpoints, wait=1, runtime=None, independent_requests=False)``."""

    def __init__(
        self,
        endpoints: Iterable[Any],
        wait: float = 1,
        runtime: float | None = None,
        independent_requests: bool = False,
    ) -> None:
        super().__init__(endpoints, wait=wait, runtime=runtime, independent=independent_requests)

    def run(self, user: Any = None) -> flow.FlowResult:
        return super().run(user if user is not None else _user_or_raise("Scenario"))

    def run_once(self, user: Any = None) -> flow.FlowResult:
        return super().run_once(user if user is not None else _user_or_raise("Scenario"))


class WeightedScenario(Scenario):
    """``WeightedScenario(endpoints, wait=1, runtime=None)``: third tuple item = chance 1-100."""

    def __init__(
        self, endpoints: Iterable[Any], wait: float = 1, runtime: float | None = None
    ) -> None:
        super().__init__(endpoints, wait=wait, runtime=runtime)


class SequenceScenario(flow.SequenceScenario):
    """``SequenceScenario([seq, ...])`` or ``SequenceScenario([(seq, chance), ...])``."""

    def __init__(
        self,
        sequences: Iterable[Any],
        wait: float = 1,
        runtime: float | None = None,
        independent_requests: bool = False,
    ) -> None:
        super().__init__(sequences, wait=wait, runtime=runtime, independent=independent_requests)

    def run(self, user: Any = None) -> flow.FlowResult:
        return super().run(user if user is not None else _user_or_raise("SequenceScenario"))

    def run_once(self, user: Any = None) -> flow.FlowResult:
        return super().run_once(user if user is not None else _user_or_raise("SequenceScenario"))


def Unzip(caller: Any) -> None:  # noqa: N802 - Backpack's name
    """Attach every LocustEndpoint to the user of ``caller``."""
    for endpoint in endpoints():
        endpoint.attach(caller)


def SetGlobal(  # noqa: N802 - Backpack's name
    variable: str, value: Any, selective: Iterable[LocustEndpoint] | None = None
) -> None:
    """Set ``variable`` (e.g. 'headers') on every LocustEndpoint, or on ``selective`` ones, for
    every user."""
    if not isinstance(variable, str) or not variable.isidentifier() or variable[0] == "_":
        raise EndpointError(f"SetGlobal needs an attribute name such as 'headers': {variable!r}")
    field = "path" if variable == "endpoint" else variable
    for endpoint in endpoints() if selective is None else list(selective):
        endpoint.set_template(field, value)


def SealAll() -> None:  # noqa: N802 - Backpack's name
    for endpoint in endpoints():
        endpoint.set_template("sealed", True)


def UnsealAll() -> None:  # noqa: N802 - Backpack's name
    for endpoint in endpoints():
        endpoint.set_template("sealed", False)


def Zip(folder: str | Path | None = None) -> Path:  # noqa: N802 - Backpack's name
    """Save the statistics so far into a date-stamped folder (see :mod:`.results`)."""
    user = current_user() or last_user()
    if user is None:
        raise HordeError("Zip() saves a running test's statistics: call it while users run")
    path = save_results(user.environment, folder, stem="backpack")
    logger.info("Backpack.Zip(): statistics saved in %s", path)
    return path


def _user_or_raise(what: Any) -> Any:
    user = current_user()
    if user is None:
        name = what if isinstance(what, str) else what.template("path")
        raise NotAttachedError(
            f"{name}: Backpack requests are made from a running user's tasks "
            "(after endpoint.attach(self) or Backpack.Unzip(self))"
        )
    return user
