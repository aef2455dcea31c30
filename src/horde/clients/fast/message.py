"""Building a request message: absolute URLs, bodies, credentials.

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
