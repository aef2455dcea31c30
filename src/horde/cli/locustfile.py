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

from horde.compat.alias import explain_import_error
from horde.exceptions import ConfigError, LocustfileError, NotProvidedError
from horde.protocols.pytest_load import users_from_tests
from horde.shape.base import LoadTestShape, is_shape_class
from horde.stats.thresholds import Threshold, parse_thresholds
from horde.user.users import User


@dataclass
class Locustfiles:
    paths: list[Path]
    modules: list[ModuleType] = field(default_factory=list)
    user_classes: dict[str, Any] = field(default_factory=dict)
    shapes: dict[str, LoadTestShape] = field(default_factory=dict)
    """LoadTestShape instances by class name, in the order found (Locust uses the first)."""
    thresholds: list[Any] = field(default_factory=list)
    """Module-level ``thresholds = [...]`` of the locustfiles (strings or Threshold objects)."""


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
        _collect_shapes(result, module, path)
        result.thresholds += thresholds_in(module, path)
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
    name = _module_name(path)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise LocustfileError(f"cannot import locustfile {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except NotProvidedError as exc:  # an ImportError: say where, as for any failed import
        raise LocustfileError(_import_failure(path, exc)) from exc
    except LocustfileError as exc:
        raise LocustfileError(f"{path}: {exc}") from exc
    except SystemExit as exc:
        said = "" if exc.code is None or exc.code == 0 else f": {exc.code}"
        raise LocustfileError(f"locustfile {path} exited while loading{said}") from None
    except Exception as exc:
        raise LocustfileError(_import_failure(path, exc)) from exc
    return module


def _module_name(path: Path) -> str:
    """The file's stem, unless that would replace a module already imported (a locustfile
    called ``horde.py``, ``locust.py`` or ``json.py`` must not shadow the real one)."""
    name = path.stem if path.stem.isidentifier() else "locustfile"
    known = sys.modules.get(name)
    same_file = known is not None and getattr(known, "__file__", None) == str(path)
    if (
        (known is not None and not same_file)
        or name in sys.stdlib_module_names
        or name in _RESERVED
    ):
        name = f"locustfile_{name}"
    return name


_RESERVED = frozenset({"horde", "locust", "locust_backpack", "gevent", "requests"})


def _import_failure(path: Path, exc: Exception) -> str:
    target = path.resolve()
    stack = traceback.extract_tb(exc.__traceback__)
    frames = [f for f in stack if Path(f.filename).resolve() == target]
    line = f", line {frames[-1].lineno}" if frames else ""
    where = f"error while importing locustfile {path}{line}"
    if isinstance(exc, ImportError):
        in_plugins = any("locust_plugins" in Path(f.filename).parts for f in stack)
        explained = explain_import_error(exc, in_locust_plugins=in_plugins)
        if explained is not None:
            return f"{where}: {explained}"
    return f"{where}: {type(exc).__name__}: {exc}"


def _collect_shapes(result: Locustfiles, module: ModuleType, path: Path) -> None:
    for value in vars(module).values():
        if not is_shape_class(value):
            continue
        known = result.shapes.get(value.__name__)
        if known is not None and type(known) is not value:
            raise LocustfileError(
                f"two LoadTestShape classes are named {value.__name__} (in {path} and "
                "elsewhere): rename one"
            )
        if known is None:
            try:
                result.shapes[value.__name__] = value()
            except Exception as exc:
                raise LocustfileError(
                    f"{path}: cannot create the load shape {value.__name__}: "
                    f"{type(exc).__name__}: {exc}"
                ) from exc


def thresholds_in(module: ModuleType, path: Path) -> list[Any]:
    """The module's ``thresholds`` list, if it is one of strings/Threshold objects."""
    value = vars(module).get("thresholds")
    if not isinstance(value, list | tuple) or not value:
        return []
    if not all(isinstance(item, str | Threshold) for item in value):
        return []
    try:
        parse_thresholds(value)
    except ConfigError as exc:
        raise LocustfileError(f"{path}: thresholds: {exc}") from None
    return list(value)


def user_classes_in(module: ModuleType) -> dict[str, Any]:
    """Non-abstract User subclasses found in the module's namespace (imported ones included)."""
    found: dict[str, Any] = {}
    for value in vars(module).values():
        if inspect.isclass(value) and issubclass(value, User) and not value.abstract:
            found[value.__name__] = value
    return found
