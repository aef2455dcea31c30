"""Finding and importing locustfiles, and collecting their User classes.

``-f`` takes a file, a comma-separated list of files, or a directory (every ``*.py`` below it
whose name does not start with ``_``). Each file is imported under its own module name with its
directory first on ``sys.path``, as Locust does, so sibling modules import normally.
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from horde.exceptions import LocustfileError
from horde.protocols.pytest_load import users_from_tests
from horde.user.users import User


@dataclass
class Locustfiles:
    paths: list[Path]
    modules: list[ModuleType] = field(default_factory=list)
    user_classes: dict[str, Any] = field(default_factory=dict)


def find_locustfiles(spec: str) -> list[Path]:
    """Resolve ``-f`` into .py files, or raise LocustfileError saying what is missing."""
    paths: list[Path] = []
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        path = Path(item).expanduser()
        if path.is_dir():
            found = sorted(p for p in path.rglob("*.py") if not p.name.startswith("_"))
            if not found:
                raise LocustfileError(f"no locustfiles (*.py) in directory {path}")
            paths += found
        elif path.is_file():
            paths.append(path)
        elif path.suffix != ".py" and path.with_suffix(".py").is_file():
            paths.append(path.with_suffix(".py"))
        else:
            raise LocustfileError(
                f"locustfile not found: {item} (pass one with -f, e.g. -f locustfile.py)"
            )
    if not paths:
        raise LocustfileError("no locustfile given: pass one with -f locustfile.py")
    return paths


def load_locustfiles(spec: str) -> Locustfiles:
    """Import every locustfile of ``spec`` and collect the runnable User classes."""
    result = Locustfiles(paths=find_locustfiles(spec))
    for path in result.paths:
        module = import_locustfile(path)
        result.modules.append(module)
        for name, cls in user_classes_in(module).items():
            known = result.user_classes.get(name)
            if known is not None and known is not cls:
                raise LocustfileError(
                    f"two User classes are named {name} (in {path} and elsewhere): rename one"
                )
            result.user_classes[name] = cls
    if not result.user_classes:  # as Locust: test_* functions only when there is no User
        for module in result.modules:
            result.user_classes.update(users_from_tests(module))
    if not result.user_classes:
        files = ", ".join(str(p) for p in result.paths)
        raise LocustfileError(
            f"no User class found in {files}: define a class that subclasses HttpUser "
            "(or User) and has @task methods"
        )
    return result


def import_locustfile(path: Path) -> ModuleType:
    """Import ``path`` as a module named after it; errors become one clear LocustfileError."""
    try:
        source = path.read_bytes()
    except OSError as exc:
        raise LocustfileError(f"cannot read locustfile {path}: {exc.strerror or exc}") from exc
    try:
        compile(source, str(path), "exec")
    except SyntaxError as exc:
        where = f"{path}, line {exc.lineno}" if exc.lineno else str(path)
        raise LocustfileError(f"syntax error in locustfile {where}: {exc.msg}") from exc
    directory = str(path.resolve().parent)
    if directory not in sys.path:
        sys.path.insert(0, directory)
    name = path.stem if path.stem.isidentifier() else "locustfile"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise LocustfileError(f"cannot import locustfile {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except LocustfileError as exc:
        raise LocustfileError(f"{path}: {exc}") from exc
    except Exception as exc:
        raise LocustfileError(_import_failure(path, exc)) from exc
    return module


def _import_failure(path: Path, exc: Exception) -> str:
    target = path.resolve()
    frames = [
        f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename).resolve() == target
    ]
    line = f", line {frames[-1].lineno}" if frames else ""
    message = f"error while importing locustfile {path}{line}: {type(exc).__name__}: {exc}"
    if isinstance(exc, ModuleNotFoundError) and (exc.name or "").startswith("locust"):
        message += " (this part of Locust's API is not provided by horde yet)"
    return message


def user_classes_in(module: ModuleType) -> dict[str, Any]:
    """Non-abstract User subclasses found in the module's namespace (imported ones included)."""
    found: dict[str, Any] = {}
    for value in vars(module).values():
        if inspect.isclass(value) and issubclass(value, User) and not value.abstract:
            found[value.__name__] = value
    return found
