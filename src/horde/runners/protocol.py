"""The wire protocol between master and workers: typed, versioned messages in msgpack.

Every message is one msgpack array, the *envelope*::

    ["horde", PROTOCOL_VERSION, "<message type>", {payload fields}]

followed, on an authenticated link, by two more frames: an 8-byte sequence number and an
HMAC-SHA256 over both (:mod:`horde.runners.auth`). Never pickle: decoding a message runs no code
of the sender's choosing, only msgpack's parser with every extension type refused.

Each :class:`MessageType` has one payload dataclass (:data:`PAYLOADS`). :func:`decode` checks
the envelope, the version, the type, and every field of the payload (type, range, no unknown
or missing field) and raises :class:`~horde.exceptions.ProtocolError` for anything else, so the
runners only ever see well-formed, typed messages. A frame from another protocol version raises
:class:`~horde.exceptions.ProtocolVersionError` naming both versions (and the peer's horde
version when its ``hello`` says). The envelope and the ``hello`` and ``refused`` payloads never
change shape between versions, so old and new peers can always tell each other why they differ.

Bump :data:`PROTOCOL_VERSION` for any change of a payload.
"""

from __future__ import annotations

import math
import typing
from dataclasses import MISSING, dataclass, field, fields
from enum import StrEnum
from typing import Any

import msgpack

from horde.exceptions import ProtocolError, ProtocolVersionError

PROTOCOL_VERSION = 1
MAGIC = "horde"
MAX_TEXT = 100_000
"""Longest string field accepted (a locustfile's custom message may carry more inside data)."""


class MessageType(StrEnum):
    """Every message; W: from a worker, M: from the master."""

    HELLO = "hello"  # W: first message, who I am
    CHALLENGE = "challenge"  # M: prove you know the secret (and my proof that I do)
    AUTH = "auth"  # W: the proof
    WELCOME = "welcome"  # M: accepted; your index and the timings
    REFUSED = "refused"  # M: not accepted, and why
    HEARTBEAT = "heartbeat"  # W: I am alive (state, CPU); M: so am I
    SPAWN = "spawn"  # M: run this share of the users
    REPORT = "report"  # W: statistics since the previous report, user counts
    STOP = "stop"  # M: stop your users, send a final report, then STOPPED; W: stop the test
    STOPPED = "stopped"  # W: users stopped, final report sent before this
    QUIT = "quit"  # M: stop and exit
    BYE = "bye"  # W: I am leaving (final report sent before this)
    CUSTOM = "custom"  # both: register_message / send_message
    CLAIM = "claim"  # W: unique feeder records, please (horde.feeders' Dispenser)
    GRANT = "grant"  # M: these record indices (or why not)


@dataclass(frozen=True, slots=True)
class Hello:
    version: int
    horde_version: str
    client_id: str
    hostname: str
    pid: int
    nonce: bytes
    has_secret: bool


@dataclass(frozen=True, slots=True)
class Challenge:
    nonce: bytes
    proof: bytes


@dataclass(frozen=True, slots=True)
class Auth:
    proof: bytes


@dataclass(frozen=True, slots=True)
class Welcome:
    index: int
    heartbeat_interval: float
    master_timeout: float
    authenticated: bool
    horde_version: str


@dataclass(frozen=True, slots=True)
class Refused:
    reason: str


@dataclass(frozen=True, slots=True)
class Heartbeat:
    state: str = ""
    cpu: float = 0.0
    memory: int = 0


@dataclass(frozen=True, slots=True)
class Gate:
    """How a worker's users take iterations: ``users`` (none), ``shared`` and ``per-user``
    iteration counts, or ``arrival`` (its share of an arrival-rate schedule)."""

    kind: str
    iterations: int = 0
    segments: list[Any] = field(default_factory=list)
    open_ended: bool = False
    end: float | None = None
    max_lateness: float = 0.0
    pre_allocated: int = 0


@dataclass(frozen=True, slots=True)
class Spawn:
    """Run ``users`` users: positions ``offset``, ``offset + stride``... of the dispatch
    sequence of ``classes`` (so all workers together run exactly what one process would)."""

    test: int
    seq: int
    users: int
    rate: float
    classes: list[str]
    offset: int
    stride: int
    host: str | None = None
    stop_timeout: float = 0.0
    stop_grace: float = 5.0
    gate: dict[str, Any] | None = None
    class_share: list[int] | None = None
    """``[k, n]`` in a test's first spawn only: this worker runs share ``k`` of ``n`` of
    every User class with an executor of its own (a worker joining later runs none)."""
    class_end: float | None = None
    """The test's run time (``-t``): nothing of those classes is due after it."""


@dataclass(frozen=True, slots=True)
class Report:
    test: int
    seq: int
    state: str
    user_count: int
    user_classes_count: dict[str, int]
    stats: dict[str, Any]
    gate_done: bool = False
    final: bool = False
    data: dict[str, Any] = field(default_factory=dict)
    """What ``report_to_master`` listeners added (Locust's custom report keys)."""
    classes_done: bool = False
    """Its shares of the classes with executors of their own are done (or it has none)."""


@dataclass(frozen=True, slots=True)
class Stop:
    """M: stop your users; W: please stop the whole test (StopTest in a user), ``reason``.
    ``now`` (from the master): a second Ctrl-C, stop without waiting for tasks or requests."""

    test: int = 0
    reason: str = ""
    now: bool = False


@dataclass(frozen=True, slots=True)
class Stopped:
    test: int = 0


@dataclass(frozen=True, slots=True)
class Quit:
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Bye:
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Custom:
    type: str
    data: Any = None


@dataclass(frozen=True, slots=True)
class Claim:
    id: int
    key: str
    total: int
    count: int


@dataclass(frozen=True, slots=True)
class Grant:
    """Indices ``start <= i < stop`` of the claim ``id``; ``error`` says why none (a feeder
    name claimed with two totals)."""

    id: int
    start: int
    stop: int
    error: str = ""


PAYLOADS: dict[MessageType, type[Any]] = {
    MessageType.HELLO: Hello,
    MessageType.CHALLENGE: Challenge,
    MessageType.AUTH: Auth,
    MessageType.WELCOME: Welcome,
    MessageType.REFUSED: Refused,
    MessageType.HEARTBEAT: Heartbeat,
    MessageType.SPAWN: Spawn,
    MessageType.REPORT: Report,
    MessageType.STOP: Stop,
    MessageType.STOPPED: Stopped,
    MessageType.QUIT: Quit,
    MessageType.BYE: Bye,
    MessageType.CUSTOM: Custom,
    MessageType.CLAIM: Claim,
    MessageType.GRANT: Grant,
}
TYPE_OF: dict[type[Any], MessageType] = {cls: kind for kind, cls in PAYLOADS.items()}


# -- encoding -----------------------------------------------------------------------------------


def encode(payload: Any) -> bytes:
    """The envelope of ``payload`` (one of the payload dataclasses)."""
    kind = TYPE_OF[type(payload)]
    body = {f.name: getattr(payload, f.name) for f in fields(payload)}
    try:
        packed: bytes = msgpack.packb([MAGIC, PROTOCOL_VERSION, kind.value, body])
    except (TypeError, ValueError, OverflowError) as exc:
        raise ProtocolError(f"cannot encode a {kind.value} message: {exc}") from exc
    return packed


def _refuse_ext(code: int, data: bytes) -> None:
    raise ProtocolError(f"msgpack extension type {code} is not allowed")


def unpack(frame: bytes) -> Any:
    """msgpack's parser, with extension types (and so timestamps, any custom object) refused."""
    try:
        return msgpack.unpackb(
            frame, raw=False, strict_map_key=True, ext_hook=_refuse_ext, timestamp=0
        )
    except ProtocolError:
        raise
    except Exception as exc:  # msgpack raises several kinds for bad input
        raise ProtocolError(f"not a msgpack message ({type(exc).__name__})") from exc


def decode(frame: bytes) -> Any:
    """The typed payload of one envelope; ProtocolError (or ProtocolVersionError) if it is not
    a well-formed message of this protocol version."""
    data = unpack(frame)
    if isinstance(data, list) and len(data) == 3 and isinstance(data[0], str):
        raise ProtocolError(
            f"a Locust node sent {data[0]!r}: horde's master and workers talk only to horde"
        )
    if not isinstance(data, list) or len(data) != 4 or data[0] != MAGIC:
        raise ProtocolError("not a horde message")
    _, version, kind, body = data
    if version != PROTOCOL_VERSION:
        raise _version_error(version, kind, body)
    try:
        message_type = MessageType(kind)
    except (ValueError, TypeError):
        raise ProtocolError(f"unknown message type {kind!r:.40}") from None
    if not isinstance(body, dict):
        raise ProtocolError(f"the payload of {message_type.value} must be a map")
    return build(PAYLOADS[message_type], body)


def _version_error(version: Any, kind: Any, body: Any) -> ProtocolVersionError:
    release = ""
    if kind == MessageType.HELLO.value and isinstance(body, dict):
        text = body.get("horde_version")
        if isinstance(text, str) and len(text) < 40:
            release = f" (horde {text})"
    shown = version if isinstance(version, int) and not isinstance(version, bool) else "unknown"
    return ProtocolVersionError(
        f"the peer speaks horde wire protocol version {shown}{release}, this side speaks "
        f"version {PROTOCOL_VERSION}: run the same horde version on the master and workers",
        ours=PROTOCOL_VERSION,
        theirs=version,
    )


# -- validation ---------------------------------------------------------------------------------

_HINTS: dict[type[Any], dict[str, Any]] = {}


def build(cls: type[Any], body: dict[Any, Any]) -> Any:
    """``cls(**body)`` after checking every field against its annotation."""
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls)
    known = {f.name for f in fields(cls)}
    unknown = [k for k in body if k not in known]
    if unknown:
        raise ProtocolError(f"{cls.__name__}: unknown field {str(unknown[0])!r:.40}")
    values = {}
    for item in fields(cls):
        if item.name not in body:
            if item.default is MISSING and item.default_factory is MISSING:
                raise ProtocolError(f"{cls.__name__}: missing field {item.name!r}")
            continue
        value = body[item.name]
        if not _fits(value, hints[item.name]):
            raise ProtocolError(f"{cls.__name__}.{item.name}: bad value {value!r:.60}")
        values[item.name] = value
    return cls(**values)


def _fits(value: Any, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, _UNION_TYPE):
        return any(_fits(value, arg) for arg in typing.get_args(hint))
    scalar = _SCALARS.get(hint)
    if scalar is not None:
        return bool(scalar(value))
    if origin is list:
        (arg,) = typing.get_args(hint)
        return isinstance(value, list) and all(_fits(v, arg) for v in value)
    if origin is dict:
        key, arg = typing.get_args(hint)
        return isinstance(value, dict) and all(
            _fits(k, key) and _fits(v, arg) for k, v in value.items()
        )
    raise TypeError(f"no check for {hint!r}")  # a payload annotation this module cannot check


def _is_float(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and abs(value) < 1e15
    )


_SCALARS: dict[Any, Any] = {
    Any: lambda value: True,
    type(None): lambda value: value is None,
    bool: lambda value: isinstance(value, bool),
    int: lambda value: (
        isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**62
    ),
    float: _is_float,
    str: lambda value: isinstance(value, str) and len(value) <= MAX_TEXT,
    bytes: lambda value: isinstance(value, bytes) and len(value) <= 1024,
}
_UNION_TYPE = type(int | None)
