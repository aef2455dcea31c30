"""The login settings of one web UI and what they remember (no Flask request needed here).

Two kinds of login, as the command line says:

- ``--web-login USER:PASSWORD`` (or ``HORDE_WEB_LOGIN``, or ``--web-login-file FILE``): horde's
  own login form and HTTP Basic for scripts, checked against :class:`Credentials`.
- ``--web-login`` without a value: Locust's Flask-Login extension point. The locustfile sets up
  ``environment.web_ui.login_manager`` (a ``user_loader``) and its own login routes, as in
  Locust's ``examples/web_ui_auth``; horde shows the login page from ``web_ui.auth_args``.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass, field

from horde.exceptions import ConfigError
from horde.web.sessions import SessionRegistry
from horde.web.throttle import LoginThrottle

LOGIN_SHAPE = (
    "--web-login must look like USER:PASSWORD (or be given without a value, for a "
    "locustfile's Flask-Login setup as in Locust)"
)


class Credentials:
    """One user name and password, compared in constant time."""

    def __init__(self, spec: str | None) -> None:
        self.username = ""
        self.password = ""
        if spec:
            user, sep, password = spec.partition(":")
            if not sep or not user or not password:
                raise ConfigError(LOGIN_SHAPE)
            self.username, self.password = user, password

    @property
    def enabled(self) -> bool:
        return bool(self.username)

    def check(self, username: str | None, password: str | None) -> bool:
        if not self.enabled:
            return True
        return hmac.compare_digest((username or "").encode(), self.username.encode()) & (
            hmac.compare_digest((password or "").encode(), self.password.encode())
        )


@dataclass
class AuthState:
    credentials: Credentials
    flask_login: bool = False
    """Locust's ``--web-login`` (no value): the locustfile's Flask-Login setup decides."""
    clock: Callable[[], float] = field(default=lambda: 0.0)
    sessions: SessionRegistry = field(default_factory=SessionRegistry)
    throttle: LoginThrottle = field(init=False)

    def __post_init__(self) -> None:
        self.throttle = LoginThrottle(self.clock)

    @classmethod
    def from_option(cls, web_login: str | bool | None, clock: Callable[[], float]) -> AuthState:
        """From ``--web-login``'s value: None/False (no login), True (Locust's Flask-Login
        hooks) or "USER:PASSWORD"."""
        if web_login is True:
            return cls(Credentials(None), flask_login=True, clock=clock)
        if web_login is False or web_login is None:
            return cls(Credentials(None), clock=clock)
        return cls(Credentials(web_login), clock=clock)

    @property
    def enabled(self) -> bool:
        return self.flask_login or self.credentials.enabled
