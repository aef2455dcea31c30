"""Building a request message: absolute URLs, bodies, credentials, the bytes on the wire.

Pure functions of their arguments, shared by FastHttpSession and the requests adapter.
"""

from __future__ import annotations

import json as jsonlib
from base64 import b64encode
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit

from horde.clients.fast.connection import Origin
from horde.exceptions import HordeError

DEFAULT_PORTS = {"http": 80, "https": 443}


def split_origin(url: str) -> tuple[Origin, str, str]:
    """``(origin, request target, host header)`` of an absolute http(s) URL."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise HordeError(f"not an absolute http(s) URL: {url!r}")
    port = parts.port or DEFAULT_PORTS[scheme]
    target = parts.path or "/"
    if parts.query:
        target = f"{target}?{parts.query}"
    host = parts.hostname
    host_header = host if port == DEFAULT_PORTS[scheme] else f"{host}:{port}"
    if ":" in host:
        host_header = f"[{host}]" if port == DEFAULT_PORTS[scheme] else f"[{host}]:{port}"
    return (scheme, host, port), target, host_header


def absolute_url(base_url: str, url: str, params: Any) -> str:
    """``url`` made absolute against ``base_url``, without a fragment, with ``params`` added."""
    if url.startswith(("http://", "https://", "HTTP://", "HTTPS://")):
        full = url
    else:
        full = f"{base_url}{url if url.startswith('/') else '/' + url}"
    if "#" in full:  # a fragment stays in the browser, never on the wire
        full = full.partition("#")[0]
    if params:
        query = urlencode(params, doseq=True)
        full = f"{full}{'&' if '?' in full else '?'}{query}"
    return full


def encode_body(data: Any, json: Any) -> tuple[bytes | None, dict[str, str] | None]:
    if json is not None:
        return jsonlib.dumps(json).encode(), {"Content-Type": "application/json"}
    if data is None:
        return None, None
    if isinstance(data, bytes):
        return data, None
    if isinstance(data, str):
        return data.encode(), None
    if isinstance(data, dict | list | tuple):
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        return urlencode(data, doseq=True).encode(), form
    if hasattr(data, "read"):
        content = data.read()
        return (content.encode() if isinstance(content, str) else content), None
    raise HordeError(f"cannot send data of type {type(data).__name__}")


def declared_length(value: str | None) -> int:
    """A streamed response's Content-Length ("5, 5" when repeated; 0 if absent)."""
    try:
        return int((value or "0").partition(",")[0])
    except ValueError:
        return 0


def basic_auth(user: str, password: str) -> str:
    token = b64encode(f"{unquote(user)}:{unquote(password)}".encode()).decode()
    return f"Basic {token}"


def request_bytes(method: str, target: str, header_block: bytes, body: bytes | None) -> bytes:
    """The request message: request line, headers (each ending in CRLF), blank line, body."""
    line = f"{method} {target} HTTP/1.1\r\n".encode("latin-1")
    if body:
        return b"".join((line, header_block, b"Content-Length: %d\r\n\r\n" % len(body), body))
    if method in ("POST", "PUT", "PATCH"):
        return b"".join((line, header_block, b"Content-Length: 0\r\n\r\n"))
    return b"".join((line, header_block, b"\r\n"))


def header_lines(headers: dict[str, str]) -> bytes:
    """``Name: value\\r\\n`` lines for a header mapping (values are sent as latin-1)."""
    return "".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode("latin-1")


def raw_request(
    method: str, target: str, host: str, headers: dict[str, str], body: bytes | None
) -> bytes:
    """A request from a complete header mapping (requests' PreparedRequest headers).

    Adds ``Host`` and ``Content-Length`` only when the mapping lacks them.
    """
    lines = [f"{method} {target} HTTP/1.1\r\n"]
    lowered = {k.lower() for k in headers}
    if "host" not in lowered:
        lines.append(f"Host: {host}\r\n")
    lines.extend(f"{k}: {v}\r\n" for k, v in headers.items())
    if body and "content-length" not in lowered and "transfer-encoding" not in lowered:
        lines.append(f"Content-Length: {len(body)}\r\n")
    elif not body and method in ("POST", "PUT", "PATCH") and "content-length" not in lowered:
        lines.append("Content-Length: 0\r\n")
    lines.append("\r\n")
    head = "".join(lines).encode("latin-1")
    return head + body if body else head
