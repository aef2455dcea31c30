"""Which ``Host`` header values the web UI answers: a defence against DNS rebinding.

A page on ``http://evil.example:8089`` can make its own name resolve to 127.0.0.1 a moment after
it loaded; the browser then treats the UI as part of evil.example (same origin: it may read
every answer and send every request). What gives it away is the ``Host`` header, which still
says evil.example. So the UI answers only:

- IP addresses (a rebinding attack always goes through a name: the browser's origin is the
  attacker's name, and an address literal cannot be rebound);
- ``localhost`` and ``*.localhost`` (RFC 6761: they always resolve to loopback);
- the name it is bound to (``--web-host NAME``), and the machine's own names when it is
  reachable from other machines (bound to all interfaces: ``0.0.0.0``, ``::``, ``*`` or empty;
  or to an address that is not loopback);
- the names given with ``--web-allowed-hosts`` (a reverse proxy's public name): ``name``,
  ``.domain`` for the domain and every subdomain, or ``*`` for any name (no protection).

The port is not compared: a rebinding page must use the UI's port anyway.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable

WILDCARD_BINDS = frozenset({"", "0.0.0.0", "::", "*", "[::]"})  # noqa: S104 - names, not a bind


def host_name(header: str) -> str:
    """The name part of a ``Host`` header value: lower case, without port and brackets."""
    text = header.strip().lower()
    if text.startswith("["):
        return text[1 : text.find("]")] if "]" in text else text[1:]
    if text.count(":") == 1:
        text = text.split(":", 1)[0]
    return text.rstrip(".")


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _machine_names() -> set[str]:
    """The names this machine calls itself (what a colleague types to reach it)."""
    names = set()
    for name in (socket.gethostname(), socket.getfqdn()):
        if name:
            names.add(name.lower())
            names.add(name.lower().split(".", 1)[0])
    return names


class AllowedHosts:
    """The host names the UI answers (IP addresses and localhost names are always allowed)."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        cleaned = {name.strip().lower().rstrip(".") for name in names if name.strip()}
        self.any = "*" in cleaned
        self.suffixes = tuple(sorted(name for name in cleaned if name.startswith(".")))
        self.names = frozenset(name for name in cleaned if not name.startswith(".")) - {"*"}

    @classmethod
    def for_bind(cls, bind_host: str, extra: Iterable[str] = ()) -> AllowedHosts:
        """The names for a UI bound to ``bind_host`` (``--web-host``), plus ``extra``."""
        names = set(extra)
        bound = host_name(bind_host) if bind_host.strip() not in WILDCARD_BINDS else ""
        if not bound or (_is_address(bound) and not ipaddress.ip_address(bound).is_loopback):
            names |= _machine_names()  # reachable from other machines, by the machine's name
        elif not _is_address(bound):
            names.add(bound)
        return cls(names)

    def allows(self, header: str) -> bool:
        """Whether a request with this ``Host`` header is for us (an empty one is: browsers
        always send it, so only a script can leave it out)."""
        if self.any or not header:
            return True
        name = host_name(header)
        if _is_address(name) or name == "localhost" or name.endswith(".localhost"):
            return True
        if name in self.names:
            return True
        return any(name.endswith(suffix) or name == suffix[1:] for suffix in self.suffixes)
