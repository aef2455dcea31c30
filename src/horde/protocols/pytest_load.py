"""pytest-style test files as load: each ``test_*`` function becomes a User class.

As in Locust 2.47: a file with no User class but functions named ``test_*`` whose parameters
are the fixtures ``session`` (an HttpSession) or ``fastsession`` (a FastHttpSession) runs under
``horde -f test_file.py``; each function becomes a User class of the same name that calls it in
a loop with no wait (``time.sleep`` in the test paces it). The session is made once per user,
on the user's host (``-H``), and records every request like a User's ``client``.

An HTTP failure the test raises for (``raise_for_status()``, a ``catch_response`` failure, a
connection error) is already recorded, so it ends that iteration quietly; any other exception is
a user error. pytest marks (``skip``, ``xfail``) matter only under pytest. The same file runs as
ordinary tests with ``pytest -H URL test_file.py`` through horde's pytest plugin
(:mod:`horde.protocols.pytest_plugin`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from types import ModuleType
from typing import Any

from requests.exceptions import RequestException

from horde.clients.fast import FastHttpSession
from horde.clients.http import HttpSession
from horde.exceptions import CatchResponseError, LocustfileError
from horde.user.task import task
from horde.user.users import User
from horde.user.wait_time import constant

FIXTURES: dict[str, Callable[[User], Any]] = {
    "session": lambda user: HttpSession(
        base_url=user.host or "", request_event=user.environment.events.request, user=user
    ),
    "fastsession": lambda user: FastHttpSession(
        user.host or "", user.environment.events.request, user
    ),
}
"""The fixtures a test function can take under the horde command, made per user."""


class PytestUser(User):
    """Runs one test function in a loop; ``fixture`` names the session it takes."""

    abstract = True
    wait_time = constant(0)
    test_function: Callable[..., Any]
    fixture_names: tuple[str, ...] = ()

    def on_start(self) -> None:
        self.fixtures = [FIXTURES[name](self) for name in self.fixture_names]

    def on_stop(self) -> None:
        for fixture in getattr(self, "fixtures", ()):
            fixture.close()

    @task
    def run_test(self) -> None:
        try:
            type(self).test_function(*self.fixtures)
        except CatchResponseError:
            pass  # recorded as a failure by the session
        except RequestException as exc:
            if isinstance(exc, ValueError):  # a bad URL (MissingSchema...): a bug, not load
                raise
            # an HTTP error or connection failure, already recorded by the session


def users_from_tests(module: ModuleType) -> dict[str, type[User]]:
    """A User class per ``test_*`` function of ``module`` (empty if there is none)."""
    found: dict[str, type[User]] = {}
    for name, value in vars(module).items():
        if not (name.startswith("test_") and inspect.isfunction(value)):
            continue
        if value.__module__ != module.__name__:
            continue  # imported from elsewhere
        params = tuple(inspect.signature(value).parameters)
        unknown = [p for p in params if p not in FIXTURES]
        if unknown:
            raise LocustfileError(
                f"{name} takes the fixture {unknown[0]!r}, which horde cannot provide when it "
                f"runs tests as load (it provides: {', '.join(FIXTURES)})"
            )
        attrs = {
            "test_function": staticmethod(value),
            "fixture_names": params,
            "__module__": module.__name__,
            "__doc__": value.__doc__,
        }
        found[name] = type(name, (PytestUser,), attrs)
    return found
