"""The wire protocol: round trips, strict validation, version errors naming both versions,
seals that refuse forged and replayed messages, and a decoder that only ever raises
ProtocolError whatever bytes it gets (Hypothesis)."""

from __future__ import annotations

import contextlib

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from horde.exceptions import ProtocolError, ProtocolVersionError
from horde.runners import auth
from horde.runners.protocol import (
    MAGIC,
    PAYLOADS,
    PROTOCOL_VERSION,
    Custom,
    Heartbeat,
    Hello,
    MessageType,
    Report,
    Spawn,
    Stop,
    decode,
    encode,
)

HELLO = Hello(PROTOCOL_VERSION, "9.9", "host_1", "host", 42, b"n" * 32, True)
EXAMPLES = [
    HELLO,
    Heartbeat("running", 12.5, 1 << 30),
    Spawn(3, 7, 10, 2.5, ["A", "B"], 1, 3, "http://x", 0.0, 5.0, {"kind": "shared"}),
    Report(3, 7, "running", 4, {"A": 4}, {"entries": []}, False, True, {"custom": [1, 2]}),
    Stop(3, "StopTest"),
    Custom("users", [{"name": "User1"}, None, 1.5, b"\x00"]),
]


@pytest.mark.parametrize("payload", EXAMPLES, ids=lambda p: type(p).__name__)
def test_every_payload_round_trips(payload: object) -> None:
    assert decode(encode(payload)) == payload


def test_every_message_type_has_a_payload() -> None:
    assert set(PAYLOADS) == set(MessageType)
    assert len(set(PAYLOADS.values())) == len(PAYLOADS)  # one payload class per message


def frame(*parts: object) -> bytes:
    return msgpack.packb(list(parts))


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"\xc1", "not a msgpack message"),
        (frame(MAGIC, PROTOCOL_VERSION, "nope", {}), "unknown message type"),
        (frame("locust", PROTOCOL_VERSION, "hello", {}), "not a horde message"),
        (frame(MAGIC, PROTOCOL_VERSION, "stop", []), "must be a map"),
        (frame(MAGIC, PROTOCOL_VERSION, "stop", {"test": "1"}), "Stop.test: bad value"),
        (frame(MAGIC, PROTOCOL_VERSION, "stop", {"test": True}), "Stop.test: bad value"),
        (frame(MAGIC, PROTOCOL_VERSION, "stop", {"extra": 1}), "unknown field"),
        (frame(MAGIC, PROTOCOL_VERSION, "auth", {}), "missing field 'proof'"),
        (frame(MAGIC, PROTOCOL_VERSION, "heartbeat", {"cpu": float("nan")}), "bad value"),
        (frame(MAGIC, PROTOCOL_VERSION, "heartbeat", {"memory": 2**63}), "bad value"),
        (frame("client_ready", "2.47.0", "host_abc"), "a Locust node sent 'client_ready'"),
        (msgpack.packb([MAGIC, 1, "stop", {}, msgpack.ExtType(5, b"x")]), "extension type 5"),
    ],
)
def test_malformed_frames_raise_protocol_error(data: bytes, says: str) -> None:
    with pytest.raises(ProtocolError, match=says):
        decode(data)


def test_another_version_names_both_versions_and_the_peers_release() -> None:
    body = {"horde_version": "7.0.0", "client_id": "x"}
    with pytest.raises(ProtocolVersionError) as raised:
        decode(frame(MAGIC, PROTOCOL_VERSION + 1, "hello", body))
    text = str(raised.value)
    assert f"version {PROTOCOL_VERSION + 1} (horde 7.0.0)" in text
    assert f"this side speaks version {PROTOCOL_VERSION}" in text
    assert raised.value.theirs == PROTOCOL_VERSION + 1


def test_custom_data_that_msgpack_cannot_carry_is_refused_when_encoding() -> None:
    with pytest.raises(ProtocolError, match="cannot encode a custom message"):
        encode(Custom("x", object()))


@settings(max_examples=1500, deadline=None)
@given(st.binary(max_size=300))
def test_the_decoder_only_raises_protocol_error_on_random_bytes(data: bytes) -> None:
    with contextlib.suppress(ProtocolError):
        decode(data)


plain = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats()
    | st.text(max_size=8)
    | st.binary(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from([k.value for k in PAYLOADS]), st.dictionaries(st.text(max_size=12), plain))
def test_the_decoder_only_raises_protocol_error_on_random_payloads(
    kind: str,
    body: dict,  # type: ignore[type-arg]
) -> None:
    with contextlib.suppress(ProtocolError):
        decode(frame(MAGIC, PROTOCOL_VERSION, kind, body))


def test_a_seal_refuses_forged_altered_unsigned_and_replayed_messages() -> None:
    secret = b"s" * 32
    worker = auth.Seal(secret, "w", b"a" * 32, b"b" * 32)
    master = auth.Seal(secret, "w", b"a" * 32, b"b" * 32)
    first = worker.seal(b"one")
    assert master.open(first) == b"one"
    with pytest.raises(ProtocolError, match="replayed"):
        master.open(first)
    second = worker.seal(b"two")
    with pytest.raises(ProtocolError, match="bad MAC"):
        master.open([b"TWO", second[1], second[2]])
    with pytest.raises(ProtocolError, match="unsigned"):
        master.open([b"two"])
    other = auth.Seal(b"t" * 32, "w", b"a" * 32, b"b" * 32)
    with pytest.raises(ProtocolError, match="bad MAC"):
        master.open(other.seal(b"three"))
    assert master.open(second) == b"two"


def test_proofs_depend_on_role_nonces_and_secret() -> None:
    base = auth.proof(b"k" * 16, "worker", "id", b"1", b"2")
    assert base != auth.proof(b"k" * 16, "master", "id", b"1", b"2")
    assert base != auth.proof(b"k" * 16, "worker", "id", b"2", b"1")
    assert base != auth.proof(b"K" * 16, "worker", "id", b"1", b"2")
    assert auth.same(base, auth.proof(b"k" * 16, "worker", "id", b"1", b"2"))


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("localhost", True), ("::1", True), ("127.8.0.1", True),
     ("*", False), ("0.0.0.0", False), ("::", False), ("10.0.0.5", False), ("myhost", False)],
)  # fmt: skip
def test_only_loopback_binds_go_without_a_secret(host: str, loopback: bool) -> None:
    assert auth.is_loopback(host) is loopback
    if loopback:
        auth.check_bind(host, None, False)
    else:
        with pytest.raises(Exception, match="no shared secret"):
            auth.check_bind(host, None, False)
        auth.check_bind(host, b"s" * 16, False)
        auth.check_bind(host, None, True)


def test_secrets_come_from_the_file_first_line_or_the_environment(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "secret"
    path.write_text("from-the-file-0123456789\nsecond line\n")
    assert auth.load_secret({}, str(path)) == b"from-the-file-0123456789"
    assert auth.load_secret({"HORDE_SECRET": " from-the-env-0123456789 "}, None) == (
        b"from-the-env-0123456789"
    )
    assert auth.load_secret({}, None) is None
    with pytest.raises(Exception, match="too short"):
        auth.load_secret({"HORDE_SECRET": "short"}, None)
