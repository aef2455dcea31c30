"""Where option values come from: config files and environment variables.

Each reader returns ``{dest: Value}``; a :class:`Value` remembers its origin so errors and
``--help``-style listings can say which file line or variable set it.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from horde.config.options import BY_DEST, LEGACY_ENV, Option
from horde.exceptions import ConfigError

_KEY = re.compile(r"([^:=;#\s]+)\s*([:=]?)\s*")
_COMMENT = re.compile(r"\s+[;#]")


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
    """Read an ini-style file of ``key = value`` lines (Locust's locust.conf format).

    As with Locust (configargparse): ``key: value`` and ``key value`` work too, a bare ``key``
    means true, ``# ...``/``; ...`` after whitespace is a comment, ``[section]`` lines and
    comment lines are skipped, ``[a, b]`` is a list and surrounding quotes are removed.
    """
    text = _read_text(path)
    keys = _file_key_map(options)
    out: dict[str, Value] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped[0] in "#;[":
            continue
        where = f"{path}:{number}"
        match = _KEY.match(stripped)
        if match is None:
            raise ConfigError(f"{where}: expected 'key = value', got {stripped!r}")
        key = match.group(1).replace("_", "-")
        rest = stripped[match.end() :]
        if not match.group(2) and rest[:1] in ("#", ";"):
            rest = ""  # a bare key followed by a comment: "headless  # no UI"
        option = keys.get(key)
        if option is None:
            if not strict:
                continue
            raise _unknown(key, keys, where)
        if option.dest != "config":
            raw = _conf_value(rest) if rest or match.group(2) else "true"
            out[option.dest] = Value(raw, where)
    return out


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"config file {path} is not UTF-8 text (byte {exc.start}): save it as UTF-8"
        ) from None


def _conf_value(rest: str) -> Any:
    if rest[:1] in ("'", '"') and rest.find(rest[0], 1) > 0:
        end = rest.find(rest[0], 1)
        if not rest[end + 1 :].strip() or _COMMENT.match(rest[end + 1 :]):
            return rest[1:end]
    raw = _COMMENT.split(rest, maxsplit=1)[0].strip()
    if raw.startswith("[") and raw.endswith("]"):
        return [item.strip().strip("'\"") for item in raw[1:-1].split(",") if item.strip()]
    return raw


def read_pyproject(
    path: Path, options: Sequence[Option], *, strict: bool = True
) -> dict[str, Value]:
    """Read ``[tool.locust]`` then ``[tool.horde]`` (horde's table wins) from pyproject.toml."""
    try:
        data = tomllib.loads(_read_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    keys = _file_key_map(options)
    out: dict[str, Value] = {}
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: [tool] must be a table")
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


READ_ELSEWHERE = frozenset({"HORDE_SECRET"})
"""HORDE_* variables that are not options: the distributed mode's shared secret is read where
it is used, so it never lands in Settings, ``parsed_options`` or a report's list of settings."""


def read_env(
    env: Mapping[str, str], options: Sequence[Option]
) -> tuple[dict[str, Value], list[str]]:
    """Values from LOCUST_* then HORDE_* variables (HORDE_ wins); warnings for unknown HORDE_*
    and for legacy names such as LOCUST_HATCH_RATE."""
    by_name: dict[str, Option] = {}
    for option in options:
        for name in option.env_names:
            by_name[name] = option
    out: dict[str, Value] = {}
    warnings = []
    for name, dest in LEGACY_ENV.items():
        if name in env:
            out[dest] = Value(env[name], f"environment variable {name} (deprecated)")
            warnings.append(f"deprecated: {name} is now {BY_DEST[dest].env_names[0]}")
    for option in options:
        for name in option.env_names:
            if name in env:
                out[option.dest] = Value(env[name], f"environment variable {name}")
    for name in env:
        if name.startswith("HORDE_") and name not in by_name and name not in READ_ELSEWHERE:
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
