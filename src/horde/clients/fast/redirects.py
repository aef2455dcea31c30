"""What changes when FastHttpSession follows a redirect: requests' rules, reimplemented.

Method and body (``rebuild_method``), and credentials (``should_strip_auth`` /
``rebuild_auth``): an ``Authorization`` header, whatever set it (credentials in the host URL,
``auth=``, ``headers=``, ``default_headers``), is dropped for the rest of the chain at the first
hop to another host, port or scheme, except an http -> https upgrade of the same host on the
default ports. A ``Cookie`` header given by the script is dropped on every hop, and the cookie
jar decides again for each new URL (see :mod:`horde.clients.fast.cookies`).
"""

from __future__ import annotations

from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}
_BODY_HEADERS = frozenset({"content-type", "content-length", "transfer-encoding"})


def should_strip_auth(old_url: str, new_url: str) -> bool:
    """Whether credentials sent to ``old_url`` must not go to ``new_url`` (requests' rule)."""
    old, new = urlsplit(old_url), urlsplit(new_url)
    if old.hostname != new.hostname:
        return True
    upgrade = old.scheme == "http" and new.scheme == "https"
    if upgrade and old.port in (80, None) and new.port in (443, None):
        return False  # the upgrade to TLS of the same host, on the default ports
    changed_scheme = old.scheme != new.scheme
    default_port = (_DEFAULT_PORTS.get(old.scheme), None)
    if not changed_scheme and old.port in default_port and new.port in default_port:
        return False
    return old.port != new.port or changed_scheme


def redirected(
    status: int,
    method: str,
    body: bytes | None,
    extra: dict[str, str] | None,
    headers: dict[str, str] | None,
    strip_auth: bool,
) -> tuple[str, bytes | None, dict[str, str] | None, dict[str, str] | None]:
    """The request that follows a redirect: ``(method, body, body headers, headers)``.

    303 and 302 become GET (HEAD stays HEAD), 301 turns POST into GET; only 307 and 308 keep
    the body, and the headers describing it go with it. The script's ``Cookie`` header never
    follows, its ``Authorization`` header not when ``strip_auth``.
    """
    if (status in (302, 303) and method != "HEAD") or (status == 301 and method == "POST"):
        method = "GET"
    dropped = {"cookie", "authorization"} if strip_auth else {"cookie"}
    if status not in (307, 308):
        body, extra = None, None
        dropped |= _BODY_HEADERS
    if headers:
        headers = {k: v for k, v in headers.items() if k.lower() not in dropped}
    return method, body, extra, headers
