"""An import hook that answers ``import locust`` (and its submodules) with horde's modules.

The ``horde`` command installs it before loading a locustfile, so locustfiles written for Locust
run unchanged, whether or not Locust itself is installed. Library users can install it too.
The hook returns the horde module object itself, so ``locust.events is horde.events``.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType

LOCUST_MODULES = {
    "locust": "horde.compat.locust",
    "locust.core": "horde.compat.locust",
    "locust.env": "horde.env",
    "locust.runners": "horde.runners",
    "locust.stats": "horde.stats",
    "locust.event": "horde.event",
    "locust.exception": "horde.exceptions",
    "locust.clients": "horde.clients",
    "locust.contrib": "horde.compat.locust.contrib",
    "locust.contrib.fasthttp": "horde.compat.locust.contrib.fasthttp",
    "locust.contrib.postgres": "horde.compat.locust.contrib.postgres",
    "locust.contrib.mqtt": "horde.compat.locust.contrib.mqtt",
    "locust.contrib.socketio": "horde.compat.locust.contrib.socketio",
    "locust.contrib.dns": "horde.compat.locust.contrib.dns",
    "locust.contrib.mongodb": "horde.compat.locust.contrib.mongodb",
    "locust.contrib.milvus": "horde.compat.locust.contrib.milvus",
    "locust.contrib.qdrant": "horde.compat.locust.contrib.qdrant",
    "locust.contrib.oai": "horde.compat.locust.contrib.oai",
    "locust.contrib.csv_request_logger": "horde.compat.locust.contrib.csv_request_logger",
    "locust.user.fast": "horde.user.fast",
    "locust.debug": "horde.debug",
    "locust.dispatch": "horde.dispatch",
    "locust.wait_time": "horde.user.wait_time",
    "locust.user": "horde.user",
    "locust.user.task": "horde.user.task",
    "locust.user.users": "horde.user.users",
    "locust.user.wait_time": "horde.user.wait_time",
    "locust.user.sequential_taskset": "horde.user.sequential",
    "locust.user.markov_taskset": "horde.user.markov",
    "locust.web": "horde.web",
}


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module(self.target)

    def exec_module(self, module: ModuleType) -> None:
        """The target module is already executed."""


class LocustAliasFinder(importlib.abc.MetaPathFinder):
    """Finds ``locust`` and ``locust.*`` in :data:`LOCUST_MODULES`."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "locust" and not fullname.startswith("locust."):
            return None
        module = LOCUST_MODULES.get(fullname)
        if module is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(module))


_FINDER = LocustAliasFinder()


def install_locust_alias() -> None:
    """Make ``import locust`` give horde (idempotent)."""
    if _FINDER not in sys.meta_path:
        for name in [m for m in sys.modules if m == "locust" or m.startswith("locust.")]:
            del sys.modules[name]
        sys.meta_path.insert(0, _FINDER)


def uninstall_locust_alias() -> None:
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
    for name in [m for m in sys.modules if m == "locust" or m.startswith("locust.")]:
        del sys.modules[name]
