"""The start form and the JSON API's run body, read into the values :func:`build_plan` takes.

The fields keep Locust's names (``user_count``, ``spawn_rate``, ``host``, ``run_time``,
``user_classes``, ``shape_class``) and horde's (``stages``, ``arrival_rate``, ``iterations``,
``iterations_per_user``, ``pre_allocated_users``, ``max_lateness``, ``executor``, ``shape``,
``thresholds``). Each value goes through the converter of the command-line option it mirrors,
then :func:`horde.shape.plan.build_plan` checks the whole: so "not a whole number" or "exclude
each other: pick one" read the same in the terminal, the page and a script, naming the flag
(``-u/--users (web UI)``) a reader can look up.

Nothing here touches the Environment or the runner: it reads a mapping and returns one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from horde.config.options import BY_DEST
from horde.config.settings import convert
from horde.exceptions import ConfigError
from horde.stats.thresholds import Threshold

ORIGIN = "web UI"
"""Where the values came from, as a config file's name appears in its errors."""

FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("num_users", ("user_count", "users")),
    ("spawn_rate", ("spawn_rate", "hatch_rate")),
    ("run_time", ("run_time",)),
    ("stages", ("stages",)),
    ("arrival_rate", ("arrival_rate",)),
    ("pre_allocated_users", ("pre_allocated_users",)),
    ("max_lateness", ("max_lateness",)),
    ("iterations", ("iterations",)),
    ("iterations_per_user", ("iterations_per_user",)),
    ("executor", ("executor",)),
)
"""Settings' name of each load value, and the request fields that give it (first wins)."""

LOAD_MODELS = ("stages", "arrival_rate", "iterations", "iterations_per_user")
"""Fields that choose a load model other than users and ramp (one at most)."""

NO_SHAPE = ("", "Default")
"""``shape`` values meaning "no load shape": empty, or Locust's class-picker "Default"."""

MAX_STAGES = 1_000
"""Stages (or arrival-rate segments) one request may give. The page shows the plan to every
tab, and a megabyte of "1s:1," would cost seconds of the event loop to parse and describe."""
MAX_THRESHOLDS = 100
"""Thresholds one request may give: each is checked once a second against every name."""
MAX_NAME = 200
"""The longest class name or stage accepted (errors repeat them)."""
MAX_EXPRESSION = 1_000
"""The longest threshold accepted."""


def first(data: Mapping[str, Any], *keys: str) -> Any:
    """The first of ``keys`` with a value in ``data`` (None and "" count as none)."""
    for key in keys:
        value = data.get(key)
        if value is not None and value != "":
            return value
    return None


def load_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """The load values ``data`` gives, by Settings' name, converted as on the command line.

    Fields left out or empty are left out, so build_plan's defaults apply. A list given for
    ``stages`` or ``arrival_rate`` (JSON) is one stage per item; newlines in them (a text area)
    separate stages like commas.
    """
    values: dict[str, Any] = {}
    for dest, keys in FIELDS:
        raw = first(data, *keys)
        if raw is None:
            continue
        if dest in ("stages", "arrival_rate"):
            raw = _joined(raw, dest)
            if not raw:
                continue
        elif not isinstance(raw, str | int | float):  # a list or an object from JSON
            flag = "/".join(BY_DEST[dest].flags)
            raise ConfigError(
                f"invalid value for {flag} ({ORIGIN}): {_short(raw)} is not one value"
            )
        values[dest] = convert(BY_DEST[dest], raw, ORIGIN)
    return values


def _joined(raw: Any, dest: str) -> str:
    items = raw if isinstance(raw, list | tuple) else [raw]
    flag = "/".join(BY_DEST[dest].flags)
    if not all(isinstance(i, str | int | float) and not isinstance(i, bool) for i in items):
        raise ConfigError(f"invalid value for {flag} ({ORIGIN}): {_short(raw)} is not text")
    parts = [part.strip() for item in items for part in re.split(r"[,\n]", str(item))]
    kept = [part for part in parts if part]
    long = next((part for part in kept if len(part) > MAX_NAME), None)
    if long is not None:
        raise ConfigError(f"invalid value for {flag} ({ORIGIN}): {_short(long)} is too long")
    if len(kept) > MAX_STAGES:
        raise ConfigError(
            f"invalid value for {flag} ({ORIGIN}): at most {MAX_STAGES:,} stages, got {len(kept):,}"
        )
    return ",".join(kept)


def _short(value: Any, limit: int = 80) -> str:
    """``repr(value)``, cut to ``limit`` characters (an error line never echoes a megabyte)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def shape_choice(data: Mapping[str, Any]) -> str | None:
    """The load shape asked for: a name, "" for none, or None when the request does not say
    (the locustfile's default shape then drives the test, as in Locust)."""
    raw = data.get("shape", data.get("shape_class"))
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise ConfigError(
            f"invalid value for --shape ({ORIGIN}): {_short(raw)} is not a class name"
        )
    name = raw.strip()
    if len(name) > MAX_NAME:
        raise ConfigError(f"invalid value for --shape ({ORIGIN}): {_short(name)} is too long")
    return "" if name in NO_SHAPE else name


def threshold_list(raw: Any) -> list[str] | None:
    """Thresholds from a text area (one per line) or JSON (a list of strings); None when the
    request does not give any (the configured ones apply), [] when it gives an empty list."""
    if raw is None:
        return None
    items = raw.splitlines() if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple):
        raise ConfigError(
            f"invalid value for --threshold ({ORIGIN}): give a list of thresholds, "
            f"got {_short(raw)}"
        )
    out: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise ConfigError(
                f"a threshold must be a string such as 'p95<300ms', got {_short(item)} ({ORIGIN})"
            )
        if len(item) > MAX_EXPRESSION:
            raise ConfigError(f"invalid threshold {_short(item)}: too long ({ORIGIN})")
        if item.strip():
            out.append(item.strip())
        if len(out) > MAX_THRESHOLDS:
            raise ConfigError(
                f"invalid value for --threshold ({ORIGIN}): at most {MAX_THRESHOLDS} thresholds"
            )
    return out


def tag_list(value: Any) -> list[str] | None:
    """Tags from a form ("a, b" or repeated fields) or JSON (a list): None when not given (the
    current filter stays), an empty list when given empty (the filter is cleared)."""
    if value is None:
        return None
    items = list(value) if isinstance(value, list | tuple) else [value]
    return [tag for item in items for tag in str(item).replace(",", " ").split() if tag]


def class_names(value: Any) -> list[str] | None:
    """User class names from a form field or a JSON list (None when none is given)."""
    if not value:
        return None
    names = [value] if isinstance(value, str) else value
    if (
        not isinstance(names, list | tuple)
        or len(names) > MAX_STAGES
        or not all(isinstance(name, str) and len(name) <= MAX_NAME for name in names)
    ):
        raise ConfigError(f"user_classes must be names of User classes, got {_short(value)}")
    return list(names)


def threshold_text(threshold: Any) -> str:
    """A threshold as a user writes it, flags included (a Threshold made in code with
    ``abort_on_fail=True`` has no "abort" in its expression)."""
    if not isinstance(threshold, Threshold):
        return str(threshold)
    text = threshold.expression
    if threshold.abort_on_fail and not re.search(r"\babort", text, re.IGNORECASE):
        text += " abort"
    if threshold.delay and "delay=" not in text.lower():
        text += f" delay={threshold.delay:g}s"
    return text
