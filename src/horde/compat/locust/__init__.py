"""What ``import locust`` gives inside the horde command: horde's API under Locust's names.

Submodules are attributes too (``from locust import runners``), resolved on first use through
the alias table; Locust names horde lacks (``rpc``) raise
:class:`~horde.exceptions.NotProvidedError` saying so.
"""

from types import ModuleType

from horde._version import __version__
from horde.compat.alias import LOCUST_MODULES, LOCUST_ONLY, not_provided, submodule
from horde.debug import run_single_user
from horde.event import Events, events
from horde.shape.base import LoadTestShape
from horde.user import (
    FastHttpUser,
    HttpLocust,
    HttpUser,
    Locust,
    MarkovTaskSet,
    SequentialTaskSet,
    TaskSet,
    User,
    between,
    constant,
    constant_pacing,
    constant_throughput,
    tag,
    task,
    transition,
    transitions,
)
from horde.user import wait_time as wait_time

__all__ = [
    "Events",
    "FastHttpUser",
    "HttpLocust",
    "HttpUser",
    "LoadTestShape",
    "Locust",
    "MarkovTaskSet",
    "SequentialTaskSet",
    "TaskSet",
    "User",
    "__version__",
    "between",
    "constant",
    "constant_pacing",
    "constant_throughput",
    "events",
    "run_single_user",
    "tag",
    "task",
    "transition",
    "transitions",
    "wait_time",
]


def __getattr__(name: str) -> ModuleType:
    """``locust.<submodule>`` as an attribute (``from locust import stats``), as in Locust."""
    module = submodule(name)
    if module is not None:
        return module
    if name in LOCUST_ONLY:
        raise not_provided(f"locust.{name}")
    raise AttributeError(f"module 'locust' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The public API and the submodules, as a debugger's completion should show them."""
    children = (alias.split(".")[1] for alias in LOCUST_MODULES if alias.count(".") == 1)
    dunders = (name for name in globals() if name.startswith("__"))
    return sorted({*dunders, *__all__, *(c for c in children if not c.startswith("_"))})
