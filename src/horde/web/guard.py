"""What every request passes before a route sees it, and what every response carries.

- **Host**: only the UI's own names (:mod:`horde.web.hosts`; DNS rebinding).
- **Cross-site state changes**: a POST (PUT, PATCH, DELETE) that a browser sends from another
  origin is refused on every route, horde's and a locustfile's alike. Browsers say where a
  request comes from: ``Sec-Fetch-Site`` (anything but ``same-origin`` or ``none`` is refused:
  ``same-site`` includes every other port on the same host) and ``Origin`` (it must name the
  host the request was sent to). A request with neither header is not from a browser (curl,
  ``requests``, Locust scripts): it passes, as it could not have been forged by a web page.
- **CSRF token**: a browser's state change to horde's own routes must also carry the token of
  this process, which the page embeds (``<meta name="csrf-token">``) and its scripts send as
  ``X-CSRF-Token``; forms send it as the ``csrf_token`` field. Defence in depth, for a browser
  that would send neither header; scripts need none.
- **Security headers** on every response (a route may set its own first): a Content Security
  Policy without inline script, no framing, ``nosniff``, ``Referrer-Policy: same-origin``.
"""

from __future__ import annotations

import hmac
import logging
from urllib.parse import urlsplit

from flask import Response, jsonify, request

from horde.web.state import state

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
HORDE_BLUEPRINTS = frozenset({"pages", "api", "locust"})
TOKEN_HEADER = "X-CSRF-Token"  # noqa: S105 - a header name, not a secret
TOKEN_FIELD = "csrf_token"  # noqa: S105 - a form field name

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # plotly.js sets style attributes and adds <style> elements to draw its charts
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def refuse(message: str, status: int) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    return response


def _netloc(host: str | None, port: int | None) -> str:
    """``host[:port]`` the way both Host and Origin are compared: lower case, default ports
    (80, 443) left out, IPv6 in brackets."""
    if not host:
        return ""
    name = host.lower()
    if ":" in name:
        name = f"[{name}]"
    return name if port in (None, 80, 443) else f"{name}:{port}"


def _url_netloc(url: str) -> str | None:
    """The host[:port] of an Origin or Referer value (None when it names none, e.g. "null")."""
    try:
        parts = urlsplit(url)
        return _netloc(parts.hostname, parts.port) if parts.hostname else None
    except ValueError:
        return None


def own_netloc() -> str:
    """The host[:port] this request was sent to (its Host header)."""
    return _url_netloc(f"//{request.host}") or ""


def cross_site_reason() -> str | None:
    """Why this request comes from another site (None: same origin, or not a browser)."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in ("same-origin", "none"):
        return f"Sec-Fetch-Site: {site}"
    origin = request.headers.get("Origin")
    if origin is not None and _url_netloc(origin) != own_netloc():
        return f"Origin: {origin[:100]}"
    referer = request.headers.get("Referer")
    if origin is None and referer and _url_netloc(referer) != own_netloc():
        return "a Referer from another site"
    return None


def from_a_browser() -> bool:
    return "Origin" in request.headers or "Sec-Fetch-Site" in request.headers


def check_host() -> Response | None:
    """``before_request``: refuse a Host header that is not one of the UI's names."""
    header = request.headers.get("Host", "")
    if state().allowed_hosts.allows(header):
        return None
    name = header.split(":")[0][:100]
    logger.debug("refused a request for unknown host %r", name)
    return refuse(
        f"unknown host {name!r} in the Host header: horde's web UI answers only to its own "
        "names (if this one is yours, e.g. a reverse proxy's, add it with --web-allowed-hosts)",
        400,
    )


def check_state_change() -> Response | None:
    """``before_request``: refuse cross-site state changes, and browsers without the token."""
    if request.method in SAFE_METHODS:
        return None
    reason = cross_site_reason()
    if reason is not None:
        return refuse(
            f"cross-site request refused ({reason}): another web page cannot control horde",
            403,
        )
    if from_a_browser() and request.blueprint in HORDE_BLUEPRINTS and not token_ok():
        return refuse(
            "missing or wrong CSRF token: reload the page (scripts need none: send no Origin "
            "header)",
            403,
        )
    return None


def token_ok() -> bool:
    sent = request.headers.get(TOKEN_HEADER) or request.form.get(TOKEN_FIELD) or ""
    return hmac.compare_digest(sent.encode(), state().csrf_token.encode())


def refuse_get_state_change() -> Response | None:
    """For the GET routes that change state (Locust's old ``/stop``, ``/stats/reset`` and
    ``/logout``): None when the change may happen, else the refusal.

    A GET is what a link, an image or a top-level navigation from any site sends, and the
    SameSite=Lax session cookie (or cached Basic credentials) goes with it. So with a login
    set, only POST changes state (as in Locust 2.47); without one, GET still works for Locust
    scripts, but not from a browser on another site. HEAD never changes anything.
    """
    if request.method == "POST":
        return None
    path = request.path.removeprefix(state().base_path) or "/"
    if request.method == "HEAD":
        return _not_allowed(f"HEAD {path} changes nothing: send POST {path}")
    reason = cross_site_reason()
    if reason is not None:
        return refuse(f"cross-site request refused ({reason}): send POST {path}", 403)
    if state().auth.enabled and path != "/logout":
        return _not_allowed(
            f"GET {path} changes nothing while a login is set (a link on another site could "
            f"use your session): send POST {path}"
        )
    return None


def _not_allowed(message: str) -> Response:
    response = refuse(message, 405)
    response.headers["Allow"] = "POST"
    return response


def add_security_headers(response: Response) -> Response:
    """``after_request``: the security headers, unless the route set its own."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
