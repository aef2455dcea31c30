"""``import locust`` gives horde in any Python process of this environment (horde-locust-shim).

A ``.pth`` file calls :func:`activate` when Python starts. That only puts :class:`ShimFinder` in
front of ``sys.meta_path`` (this module imports nothing but ``sys``, so every interpreter start
stays cheap). The finder answers the one name ``locust``; loading it

1. refuses, with an ImportError saying what to uninstall, if Locust itself is installed too;
2. patches gevent as importing Locust does (``LOCUST_SKIP_MONKEY_PATCH=1`` skips it);
3. installs horde's alias (``horde.compat.alias``), which answers every ``locust.*`` from then on,
   and returns ``horde.compat.locust``: the module the ``horde`` command gives for ``locust``.

:func:`main` is the ``locust`` command: the ``horde`` command, after the same check.
"""

from __future__ import annotations

import sys
from typing import Any

DISTRIBUTION = "horde-locust-shim"


class LocustInstalledError(ImportError):
    """Locust and this shim are installed in one environment: ``import locust`` is ambiguous."""


def locust_installed() -> str | None:
    """``"Locust <version> (<where>)"`` if a distribution named locust is importable, else None."""
    from importlib import metadata  # noqa: PLC0415 - only when locust is imported

    try:
        dist = metadata.distribution("locust")
    except metadata.PackageNotFoundError:
        return None
    where = dist.locate_file("")
    return f"Locust {dist.version} ({where})"


def refusal(found: str) -> str:
    return (
        f"{DISTRIBUTION} makes `import locust` give horde, but {found} is installed in this "
        f"environment too: uninstall one of them (pip uninstall {DISTRIBUTION} to use Locust, "
        "pip uninstall locust to use horde)"
    )


class ShimLoader:
    """Loads ``locust`` as horde's ``horde.compat.locust`` (see the module docstring)."""

    def __init__(self) -> None:
        self._delegate: Any = None

    def create_module(self, spec: Any) -> Any:
        found = locust_installed()
        if found is not None:
            raise LocustInstalledError(refusal(found), name="locust")
        import os  # noqa: PLC0415 - imports wait until locust is imported

        if not os.environ.get("LOCUST_SKIP_MONKEY_PATCH"):
            from gevent import monkey  # noqa: PLC0415

            monkey.patch_all()
        from horde.compat.alias import AliasLoader, install_locust_alias  # noqa: PLC0415

        install_locust_alias()
        self._delegate = AliasLoader("horde.compat.locust")
        return self._delegate.create_module(spec)

    def exec_module(self, module: Any) -> None:
        self._delegate.exec_module(module)


class ShimFinder:
    """Answers ``import locust`` (a package: ``python -m locust`` then finds ``locust.__main__``
    through horde's alias)."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != "locust":
            return None
        from importlib.machinery import ModuleSpec  # noqa: PLC0415

        # a duck-typed loader: subclassing importlib.abc.Loader would import importlib.abc at
        # every interpreter start of this environment
        return ModuleSpec("locust", ShimLoader(), is_package=True)  # type: ignore[arg-type]


_FINDER = ShimFinder()


def activate() -> None:
    """Put the finder in front of the import system (idempotent; the .pth file calls it)."""
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)


def main() -> None:
    """The ``locust`` command: horde's, unless Locust is installed too."""
    found = locust_installed()
    if found is not None:
        sys.stderr.write(f"locust: error: {refusal(found)}\n")
        sys.exit(2)
    from horde.cli.entry import main as horde_main  # noqa: PLC0415

    horde_main()
