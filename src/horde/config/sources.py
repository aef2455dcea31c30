"""Where option values come from: config files and environment variables.

Each reader returns ``{dest: Value}``; a :class:`Value` remembers its origin so errors and
``--help``-style listings can say which file line or variable set it.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from horde.config.options import LEGACY_ENV, Option
from horde.exceptions import ConfigError


@dataclass(frozen=True, slots=True)
class Value:
    raw: Any
    origin: str


def _file_key_map(options: Iterable[Option]) -> dict[str, Option]:
    out: dict[str, Option] = {}
    for option in options:
        for key in option.file_keys:
            out.setdefault(key, option)
    return out


def _unknown(key: str, known: Iterable[str], where: str) -> ConfigError:
    close = difflib.get_close_matches(key, list(known), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return ConfigError(f"{where}: unknown option '{key}'{hint}")


def read_conf_file(
    path: Path, options: Sequence[Option], *, strict: bool = True
) -> dict[str, Value]:
    """Read an ini-style file of ``key = value`` lines (Locust's locust.conf format)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from exc
    keys = _file_key_map(options)
    out: dict[str, Value] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped[0] in "#;[":
            continue
        key, sep, raw = stripped.partition("=")
        if not sep:
            key, sep, raw = stripped.partition(":")
        if not sep:
            raise ConfigError(f"{path}:{number}: expected 'key = value', got {stripped!r}")
        key = key.strip().replace("_", "-")
        option = keys.get(key)
        where = f"{path}:{number}"
        if option is None:
            if not strict:
                continue
            raise _unknown(key, keys, where)
        if option.dest != "config":
            out[option.dest] = Value(_conf_value(raw.strip()), where)
    return out


def _conf_value(raw: str) -> Any:
    if raw.startswith("[") and raw.endswith("]"):
        return [item.strip().strip("'\"") for item in raw[1:-1].split(",") if item.strip()]
    return raw.strip("'\"") if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"" else raw


def read_pyproject(
    path: Path, options: Sequence[Option], *, strict: bool = True
) -> dict[str, Value]:
    """Read ``[tool.locust]`` then ``[tool.horde]`` (horde's table wins) from pyproject.toml."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    keys = _file_key_map(options)
    out: dict[str, Value] = {}
    tool = data.get("tool", {})
    for table in ("locust", "horde"):
        section = tool.get(table, {})
        if not isinstance(section, dict):
            raise ConfigError(f"{path}: [tool.{table}] must be a table")
        for key, raw in section.items():
            option = keys.get(str(key).replace("_", "-"))
            where = f"{path} [tool.{table}]"
            if option is None:
                if not strict:
                    continue
                raise _unknown(str(key), keys, where)
            if option.dest != "config":
                out[option.dest] = Value(raw, f"{where} {key}")
    return out


def read_env(
    env: Mapping[str, str], options: Sequence[Option]
) -> tuple[dict[str, Value], list[str]]:
    """Values from LOCUST_* then HORDE_* variables (HORDE_ wins); warnings for unknown HORDE_*."""
    by_name: dict[str, Option] = {}
    for option in options:
        for name in option.env_names:
            by_name[name] = option
    out: dict[str, Value] = {}
    dest_options = {o.dest: o for o in options}
    for name, dest in LEGACY_ENV.items():
        if name in env and dest in dest_options:
            out[dest] = Value(env[name], f"environment variable {name} (deprecated)")
    for option in options:
        for name in option.env_names:
            if name in env:
                out[option.dest] = Value(env[name], f"environment variable {name}")
    warnings = []
    for name in env:
        if name.startswith("HORDE_") and name not in by_name:
            close = difflib.get_close_matches(name, list(by_name), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            warnings.append(f"ignoring unknown environment variable {name}{hint}")
    return out, warnings


def discover_config_files(cwd: Path, home: Path | None) -> list[Path]:
    """Config files read automatically, lowest precedence first."""
    candidates = []
    if home is not None:
        candidates += [home / ".locust.conf", home / ".horde.conf"]
    candidates += [cwd / "pyproject.toml", cwd / "locust.conf", cwd / "horde.conf"]
    return [p for p in candidates if p.is_file()]


def read_config_file(
    path: Path, options: Sequence[Option], *, strict: bool = True
) -> dict[str, Value]:
    """Read a config file; with ``strict=False`` unknown keys are skipped (first pass, before
    the locustfile has added its own options)."""
    if path.suffix == ".toml":
        return read_pyproject(path, options, strict=strict)
    return read_conf_file(path, options, strict=strict)
