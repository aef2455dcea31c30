"""FastHttpSession's cookies: a name -> value mapping that knows which host may see each one.

The rules are the ones requests' cookie jar applies (``http.cookiejar``'s default policy), for
what a load test meets: a cookie a server sets belongs to that host (or, with a ``Domain``
attribute that domain-matches the host, to that domain and its subdomains) and is sent only
there; a ``Secure`` cookie is sent only over https; a cookie a script sets itself
(``client.cookies["token"] = "x"``, or ``cookies=`` on a request) has no domain and goes
everywhere, as a requests cookie made from a dict does. ``Path`` is not applied and cookies do
not expire with time (``Max-Age=0`` deletes one), as before.

The mapping view (``client.cookies["session"]``, ``in``, ``del``, iteration) is by name across
hosts, which is how scripts use it: read the session cookie after a login, set a token.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping, MutableMapping
from http.cookies import CookieError, SimpleCookie

_ANY_HOST = ""
MAX_PER_SCOPE = 180
"""Most cookies kept per host or domain (as browsers cap them): a server setting new names
forever makes the jar forget its oldest, instead of growing without end."""
MAX_SCOPES = 50
"""Most hosts and domains with cookies kept (the oldest is forgotten first)."""


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _scope_matches(scope: str, host: str) -> bool:
    """Whether a cookie kept under ``scope`` may be sent to ``host``.

    ``""``: any host; ``".example.com"``: that domain and its subdomains (RFC 6265 5.1.3,
    never for an IP address); anything else: exactly that host.
    """
    if not scope or scope == host:
        return True
    if scope[0] != ".":
        return False
    return host == scope[1:] or (host.endswith(scope) and not _is_ip(host))


class SessionCookies(MutableMapping[str, str]):
    """The cookie jar of one FastHttpSession (see the module docstring)."""

    __slots__ = ("_jar",)

    def __init__(self) -> None:
        self._jar: dict[str, dict[str, tuple[str, bool]]] = {}
        """scope -> name -> (value, secure only); empty scopes are removed, so the jar is
        empty exactly when this dict is (the session's hot path checks ``jar.scopes``)."""

    @property
    def scopes(self) -> dict[str, dict[str, tuple[str, bool]]]:
        """The cookies by scope, for reading (``""``: any host; ``.domain``; or a host)."""
        return self._jar

    # -- the mapping scripts use ----------------------------------------------------------------

    def __getitem__(self, name: str) -> str:
        found: str | None = None
        for cookies in self._jar.values():
            if name in cookies:
                found = cookies[name][0]
        if found is None:
            raise KeyError(name)
        return found

    def __setitem__(self, name: str, value: str) -> None:
        """A cookie for every host; replaces any cookie of that name (as requests' jar does)."""
        if name in self:
            del self[name]
        self._jar.setdefault(_ANY_HOST, {})[name] = (str(value), False)

    def __delitem__(self, name: str) -> None:
        found = False
        for scope in list(self._jar):
            cookies = self._jar[scope]
            if cookies.pop(name, None) is not None:
                found = True
            if not cookies:
                del self._jar[scope]
        if not found:
            raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(name for cookies in self._jar.values() for name in cookies))

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __bool__(self) -> bool:
        return bool(self._jar)  # the hot path asks this once per request

    def __repr__(self) -> str:
        return f"SessionCookies({dict(self)!r})"

    # -- what the session does with them ---------------------------------------------------------

    def header_for(
        self, host: str, secure: bool, extra: Mapping[str, str] | None = None
    ) -> str | None:
        """The ``Cookie`` header value for a request to ``host`` (None: no cookie applies).

        ``extra`` (a request's own ``cookies=``) go to any host and win over the jar's
        cookies of the same name.
        """
        pairs: dict[str, str] = {}
        for scope, cookies in self._jar.items():
            if _scope_matches(scope, host):
                for name, (value, secure_only) in cookies.items():
                    if secure or not secure_only:
                        pairs[name] = value
        if extra:
            pairs.update((str(k), str(v)) for k, v in extra.items())
        if not pairs:
            return None
        return "; ".join(f"{name}={value}" for name, value in pairs.items())

    def set_from(self, headers: list[str], host: str) -> None:
        """Keep (or delete) the cookies of ``Set-Cookie`` headers received from ``host``."""
        for header in headers:
            parsed = SimpleCookie()
            try:
                parsed.load(header)
            except CookieError:
                continue
            for name, morsel in parsed.items():
                scope = _scope_for(morsel["domain"], host)
                if scope is None:
                    continue  # a Domain the host may not set cookies for: ignored
                delete = morsel["max-age"] in ("0", "-1") or (
                    not morsel.value and morsel["expires"]
                )
                if delete:
                    self._forget(scope, name)
                else:
                    self._keep(scope, name, morsel.value, bool(morsel["secure"]))

    def _keep(self, scope: str, name: str, value: str, secure: bool) -> None:
        cookies = self._jar.get(scope)
        if cookies is None:
            servers = [s for s in self._jar if s != _ANY_HOST]
            if len(servers) >= MAX_SCOPES:
                del self._jar[servers[0]]
            cookies = self._jar[scope] = {}
        cookies.pop(name, None)  # a cookie set again counts as the newest
        if len(cookies) >= MAX_PER_SCOPE:
            del cookies[next(iter(cookies))]
        cookies[name] = (value, secure)

    def _forget(self, scope: str, name: str) -> None:
        cookies = self._jar.get(scope)
        if cookies is not None:
            cookies.pop(name, None)
            if not cookies:
                del self._jar[scope]


def _scope_for(domain: str, host: str) -> str | None:
    """Where a cookie from ``host`` with this ``Domain`` attribute goes (None: refused)."""
    if not domain:
        return host
    wanted = domain.strip().lstrip(".").lower()
    if not wanted:
        return host
    if host == wanted:
        return f".{wanted}"
    if host.endswith(f".{wanted}") and "." in wanted and not _is_ip(host):
        return f".{wanted}"
    return None
