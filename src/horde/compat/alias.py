"""An import hook that answers ``import locust`` (and its submodules) with horde's modules.

The ``horde`` command installs it before loading a locustfile, so locustfiles written for Locust
run unchanged, whether or not Locust itself is installed. Library users can install it too (the
``horde-locust-shim`` distribution in ``shim/`` does, for ``python locustfile.py``).
The hook returns the horde module object itself, so ``locust.events is horde.events``.

Both spellings of a submodule import work, in any order: ``import locust.runners`` goes through
:class:`LocustAliasFinder`; ``from locust import runners`` asks the ``locust`` package for an
attribute, which ``horde.compat.locust.__getattr__`` answers from the same table.

A ``locust.*`` module the table does not map fails at once with :class:`NotProvidedError`
("... is not provided by horde yet"), never with a module of the same name found elsewhere.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import re
import sys
from collections.abc import Sequence
from types import CodeType, ModuleType

from horde.exceptions import NotProvidedError

LOCUST_MODULES = {
    "locust": "horde.compat.locust",
    "locust.core": "horde.compat.locust",
    "locust.env": "horde.env",
    "locust.runners": "horde.runners",
    "locust.stats": "horde.compat.locust.stats",
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
    "locust.shape": "horde.shape.base",
    "locust.log": "horde.log",
    "locust.main": "horde.cli.script_main",
    "locust.argument_parser": "horde.cli.script_parser",
    "locust.__main__": "horde.__main__",
    "locust_backpack": "horde.endpoints.backpack",
}

LOCUST_ONLY = frozenset(
    {
        "html",
        "input_events",
        "opentelemetry",
        "rpc",
        "util",
        "webui",
    }
)
"""Names directly under ``locust`` (classes and submodules) that Locust 2.47 has and horde does not
provide yet: ``from locust import <name>`` says so instead of "cannot import name"."""


def not_provided(what: str) -> NotProvidedError:
    """The one error for a part of Locust's API that horde lacks (``what``: its dotted name)."""
    return NotProvidedError(
        f"{what} is not provided by horde yet (see docs/compatibility.md for what horde has)",
        name=what,
    )


class AliasLoader(importlib.abc.Loader):
    """Loads ``locust.X`` as the already existing (or freshly imported) horde module.

    The module keeps its own ``__spec__``: the import system overwrites it with the alias's
    spec while loading, and ``importlib.reload`` or ``find_spec`` on the horde name would then
    see a ``locust`` spec whose loader only hands out existing modules.

    Every alias whose horde module is already imported is registered in ``sys.modules`` at
    once, as importing Locust does. Otherwise the import system, on loading ``locust.user.task``
    later, would set the *module* as attribute ``task`` of its parent, horde.user, replacing
    the ``@task`` decorator there.
    """

    def __init__(self, target: str) -> None:
        self.target = target
        self._own_spec: importlib.machinery.ModuleSpec | None = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = importlib.import_module(self.target)
        self._own_spec = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        """The target module is already executed; give it its own spec back."""
        if self._own_spec is not None:
            module.__spec__ = self._own_spec
        for alias, target in LOCUST_MODULES.items():
            if alias not in sys.modules and target in sys.modules:
                sys.modules[alias] = sys.modules[target]

    def get_code(self, fullname: str) -> CodeType | None:
        """The target's code, for ``python -m locust`` (runpy runs ``locust.__main__``'s code)."""
        spec = importlib.util.find_spec(self.target)
        loader = spec.loader if spec is not None else None
        get_code = getattr(loader, "get_code", None)
        return get_code(self.target) if get_code is not None else None


class LocustAliasFinder(importlib.abc.MetaPathFinder):
    """Finds ``locust``, ``locust.*`` and ``locust_backpack`` in :data:`LOCUST_MODULES`; refuses
    every other ``locust.*`` name with :class:`NotProvidedError`."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        module = LOCUST_MODULES.get(fullname)
        if module is None:
            if fullname == "locust" or fullname.startswith("locust."):
                raise not_provided(fullname)
            return None
        return importlib.machinery.ModuleSpec(fullname, AliasLoader(module))


def submodule(name: str) -> ModuleType | None:
    """The horde module behind ``locust.<name>``, imported; None if the table has no such name.

    ``from locust import runners`` looks for an attribute of the ``locust`` package (whose
    ``__name__`` is horde's) and never consults the finder: the package's ``__getattr__``
    calls this.
    """
    target = LOCUST_MODULES.get(f"locust.{name}")
    if target is None:
        return None
    module = importlib.import_module(target)
    alias = f"locust.{name}"
    if _FINDER in sys.meta_path and alias not in sys.modules:
        sys.modules[alias] = module
    return module


_CANNOT_IMPORT = re.compile(r"cannot import name '([^']+)'")


def explain_import_error(exc: ImportError, in_locust_plugins: bool = False) -> str | None:
    """One line saying what horde lacks for an ImportError a locustfile raised, or None when
    the error has nothing to do with Locust's API (the caller then reports it as it is)."""
    name = exc.name or ""
    if name == "locust_plugins" or name.startswith("locust_plugins.") or in_locust_plugins:
        return LOCUST_PLUGINS
    if isinstance(exc, NotProvidedError):
        return str(exc)
    if isinstance(exc, ModuleNotFoundError) and (name == "locust" or name.startswith("locust.")):
        return str(not_provided(name))
    match = _CANNOT_IMPORT.match(str(exc))
    aliases = [alias for alias, target in LOCUST_MODULES.items() if target == name]
    if match is None or not aliases:
        return None
    missing = match.group(1)
    known = [n for n in dir(sys.modules.get(name)) if not n.startswith("_")]
    close = difflib.get_close_matches(missing, known, n=1, cutoff=0.85)  # typos, not cousins
    why = f"did you mean {close[0]!r}?" if close else "horde does not provide it yet"
    return f"cannot import name {missing!r} from {aliases[0]} (horde's {name}): {why}"


LOCUST_PLUGINS = (
    "locust_plugins (the locust-plugins package) does not run on horde: it is built on Locust's "
    "internals. horde's own equivalents: -i/--iterations, constant_total_ips (from horde), "
    "--check-rps/--check-fail-ratio/--check-avg-response-time and --threshold for CI checks, "
    "--arrival-rate, listeners on events.request and --csv/--json/--html for outputs (see "
    "'locust-plugins' in docs/compatibility.md)"
)
"""What the horde command says when a locustfile imports ``locust_plugins``."""


_FINDER = LocustAliasFinder()


def _aliased(name: str) -> bool:
    return name in LOCUST_MODULES or name.startswith("locust.")


def install_locust_alias() -> None:
    """Make ``import locust`` give horde (idempotent)."""
    if _FINDER not in sys.meta_path:
        _forget_locust_modules()
        sys.meta_path.insert(0, _FINDER)


def uninstall_locust_alias() -> None:
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
    _forget_locust_modules()


def _forget_locust_modules() -> None:
    for name in [m for m in sys.modules if _aliased(m)]:
        del sys.modules[name]
