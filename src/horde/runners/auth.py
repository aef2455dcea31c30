"""Worker authentication: a shared secret, challenge-response, and a MAC on every message.

Without a secret nothing here runs and anyone who reaches the master's port can join (as in
Locust); that is why a master listens on 127.0.0.1 unless told otherwise, and refuses to listen
beyond loopback without a secret unless ``--allow-unauthenticated`` says so.

With a secret (``HORDE_SECRET``, or the first line of ``--secret-file``) on both sides:

1. the worker's ``hello`` carries a fresh random nonce ``Nw``;
2. the master answers ``challenge`` with its own nonce ``Nm`` and
   ``HMAC(secret, "master" | id | Nw | Nm)``: the worker checks it, so a worker never takes
   orders from a master that does not know the secret;
3. the worker answers ``auth`` with ``HMAC(secret, "worker" | id | Nm | Nw)``; the master checks
   it (in constant time) and sends ``welcome``, or ``refused`` with the reason;
4. from then on every message in both directions carries a sequence number and an HMAC-SHA256
   under a session key derived from the secret and both nonces (:class:`Seal`): a message that
   was forged, altered, replayed, or sent under the identity of a worker that has since died is
   dropped and counted.

The secret never crosses the wire, and nonces make every handshake's proofs different. This
authenticates; it does not encrypt (reports carry request names and failure samples): across an
untrusted network, run the link through a VPN or an SSH tunnel.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import struct
from collections.abc import Mapping
from pathlib import Path

from horde.exceptions import ConfigError, ProtocolError

SECRET_ENV = "HORDE_SECRET"  # noqa: S105 - the variable's name, not a secret
NONCE_BYTES = 32
MIN_SECRET = 16
"""Shortest secret accepted (bytes): a guessable secret authenticates nothing."""


def load_secret(env: Mapping[str, str], secret_file: str | None) -> bytes | None:
    """The shared secret from ``--secret-file`` (first line) or ``HORDE_SECRET``; None if
    neither is set. ConfigError for an unreadable file or a secret too short to be one."""
    if secret_file:
        try:
            text = Path(secret_file).expanduser().read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise ConfigError(f"cannot read --secret-file {secret_file}: {reason}") from exc
        lines = text.splitlines()
        secret = lines[0].strip() if lines else ""
        where = f"the first line of --secret-file {secret_file}"
    else:
        secret = env.get(SECRET_ENV, "").strip()
        where = SECRET_ENV
        if not secret:
            return None
    if len(secret.encode()) < MIN_SECRET:
        raise ConfigError(
            f"{where} is too short: use at least {MIN_SECRET} characters (for example the "
            "output of: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    return secret.encode()


def is_loopback(host: str) -> bool:
    """Whether listening on ``host`` keeps the port on this machine (``*`` and names other than
    localhost count as beyond loopback: a name may resolve to any interface)."""
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(host: str, secret: bytes | None, allow_unauthenticated: bool) -> None:
    """ConfigError for a master about to listen beyond loopback with no secret, unless the
    user said so (anyone who reaches the port could join and receive the test's orders)."""
    if secret is None and not allow_unauthenticated and not is_loopback(host):
        raise ConfigError(
            f"the master would listen on {host or '*'} (beyond this machine) with no shared "
            f"secret: anyone reaching the port could join as a worker. Set {SECRET_ENV} (or "
            "--secret-file) on the master and the workers, or pass --allow-unauthenticated"
        )


def nonce() -> bytes:
    return os.urandom(NONCE_BYTES)


def proof(secret: bytes, role: str, client_id: str, first: bytes, second: bytes) -> bytes:
    """``HMAC(secret, role | client_id | first | second)``."""
    message = b"|".join((role.encode(), client_id.encode(), first, second))
    return hmac.new(secret, message, hashlib.sha256).digest()


def same(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)


class Seal:
    """Signs outgoing messages and checks incoming ones on one authenticated link."""

    __slots__ = ("_key", "_received", "_sent")

    def __init__(self, secret: bytes, client_id: str, worker_nonce: bytes, master_nonce: bytes):
        self._key = proof(secret, "session", client_id, worker_nonce, master_nonce)
        self._sent = 0
        self._received = 0

    def seal(self, envelope: bytes) -> list[bytes]:
        self._sent += 1
        number = struct.pack(">Q", self._sent)
        mac = hmac.new(self._key, number + envelope, hashlib.sha256).digest()
        return [envelope, number, mac]

    def open(self, frames: list[bytes]) -> bytes:
        """The envelope of a sealed message; ProtocolError if unsealed, forged or replayed."""
        if len(frames) != 3 or len(frames[1]) != 8:
            raise ProtocolError("an unsigned message on an authenticated link")
        envelope, number, mac = frames
        expected = hmac.new(self._key, number + envelope, hashlib.sha256).digest()
        if not hmac.compare_digest(expected, mac):
            raise ProtocolError("a message with a bad MAC (forged, altered, or another session)")
        (sequence,) = struct.unpack(">Q", number)
        if sequence <= self._received:
            raise ProtocolError("a replayed message (its sequence number was seen before)")
        self._received = sequence
        return envelope


def plain_open(frames: list[bytes]) -> bytes:
    """The envelope of an unsealed message (handshake, or a link without a secret)."""
    if len(frames) != 1:
        raise ProtocolError(f"expected one frame, got {len(frames)}")
    return frames[0]
