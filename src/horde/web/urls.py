"""URLs as the page may show them: never with the target's user name and password.

``-H http://user:password@host`` is a common way to give a target Basic credentials; the status,
the form, the top bar and Locust's template arguments show the host without them, and a form
sent back with that shown value keeps the real one (see ``RunControl.parse``).
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def without_credentials(url: str | None) -> str | None:
    """``url`` without ``user:password@`` (unchanged when it has none or is not a URL)."""
    if not url or "@" not in url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
