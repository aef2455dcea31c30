"""The one typed, frozen Settings object, built from layered sources.

Precedence, lowest first (a later layer overrides an earlier one)::

    built-in defaults
    ~/.locust.conf, ~/.horde.conf
    ./pyproject.toml  ([tool.locust], then [tool.horde])
    ./locust.conf, ./horde.conf
    --config FILE
    LOCUST_* environment variables, then HORDE_* ones
    command-line flags

``Settings.sources`` records which layer gave each value.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from horde.config.limits import MAX_USERS
from horde.config.options import BY_DEST, OPTIONS, Option
from horde.config.sources import (
    Value,
    discover_config_files,
    read_config_file,
    read_env,
)
from horde.exceptions import ConfigError, TimespanError
from horde.timespan import parse_timespan

_TRUE = {"1", "true", "yes", "on", "t", "y"}
_FALSE = {"0", "false", "no", "off", "f", "n", ""}
_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


@dataclass(frozen=True)
class Settings:
    """Every option of a run, typed. Field names are Locust's ``parsed_options`` names."""

    locustfile: str = "locustfile.py"
    config: str | None = None
    host: str | None = None
    num_users: int | None = None
    spawn_rate: float | None = None
    run_time: float | None = None
    list_commands: bool = False
    show_task_ratio: bool = False
    show_task_ratio_json: bool = False
    exit_code_on_error: int = 1
    stop_timeout: float = 0.0
    stop_grace: float = 5.0
    stages: tuple[str, ...] = ()
    arrival_rate: str | None = None
    pre_allocated_users: int | None = None
    max_lateness: float = 10.0
    iterations: int | None = None
    iterations_per_user: int | None = None
    executor: str | None = None
    shape: str | None = None
    thresholds: tuple[str, ...] = ()
    junit_xml: str | None = None
    check_rps: float | None = None
    check_fail_ratio: float | None = None
    check_avg_response_time: float | None = None
    equal_weights: bool = False
    debug: bool = False
    headless: bool = False
    autostart: bool = False
    autoquit: int = -1
    web_host: str = "127.0.0.1"
    web_port: int = 8089
    web_login: str | bool | None = None
    """"USER:PASSWORD" (horde's login), True (Locust's Flask-Login setup) or None."""
    web_login_file: str | None = None
    web_allowed_hosts: tuple[str, ...] = ()
    web_base_path: str = ""
    tls_cert: str | None = None
    tls_key: str | None = None
    master: bool = False
    worker: bool = False
    master_host: str = "127.0.0.1"
    master_port: int = 5557
    master_bind_host: str = "127.0.0.1"
    master_bind_port: int = 5557
    expect_workers: int = 1
    expect_workers_max_wait: float = 0.0
    enable_rebalancing: bool = False
    processes: int | None = None
    secret_file: str | None = None
    allow_unauthenticated: bool = False
    heartbeat_interval: float = 1.0
    heartbeat_liveness: int = 3
    master_heartbeat_timeout: float = 60.0
    tags: tuple[str, ...] | None = None
    exclude_tags: tuple[str, ...] | None = None
    csv_prefix: str | None = None
    stats_history_enabled: bool = False
    print_stats: bool = False
    only_summary: bool = False
    reset_stats: bool = False
    json: bool = False
    json_file: str | None = None
    json_format: str = "horde"
    group_urls: str | None = None
    html_file: str | None = None
    archive: str | None = None
    archive_zip: bool = False
    prometheus_port: int | None = None
    otel: bool = False
    baseline: str | None = None
    baseline_tolerance: float = 10.0
    loglevel: str = "INFO"
    logfile: str | None = None
    skip_log_setup: bool = False
    user_classes: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Options added by locustfiles through the ``init_command_line_parser`` event."""
    sources: Mapping[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def show_tracebacks(self) -> bool:
        return self.debug or self.loglevel == "DEBUG"

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    def as_namespace(self) -> SimpleNamespace:
        """Locust's ``environment.parsed_options``: every option (custom ones too) as attributes."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        for key in ("extra", "sources", "warnings"):
            values.pop(key)
        for key in ("tags", "exclude_tags", "user_classes"):
            if values[key] is not None:
                values[key] = list(values[key])
        values.update(self.extra)
        return SimpleNamespace(**values)


def convert(option: Option, raw: Any, origin: str) -> Any:
    """Turn ``raw`` (a string from a file/env/flag, or a TOML value) into the option's type."""
    if option.const is not None and _is_true(raw):
        return option.const  # "archive" alone in a config file, HORDE_ARCHIVE=true
    try:
        convert_raw = _CONVERTERS.get(option.kind)
        value = _custom(option, raw) if convert_raw is None else convert_raw(raw)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"invalid value for {_label(option, origin)}: {exc}") from exc
    if option.choices is not None:
        for item in value if isinstance(value, list) else [value]:
            if item not in option.choices:
                shown = ", ".join(map(str, option.choices))
                raise ConfigError(
                    f"invalid value for {_label(option, origin)}: {item!r}; choose from {shown}"
                )
    return value


def _is_true(raw: Any) -> bool:
    return raw is True or (isinstance(raw, str) and raw.strip().lower() in ("true", "yes", "on"))


def _custom(option: Option, raw: Any) -> Any:
    """A locustfile option: apply its argparse ``type`` to strings, and to TOML scalars as
    Locust does (they reach argparse str()-ed); values argparse already produced stay as they
    are (store_const, count)."""
    if isinstance(raw, list | tuple):
        return [_custom(option, item) for item in raw]
    if option.converter is None:
        return raw
    if isinstance(raw, bool):
        raw = str(raw).lower()
    return option.converter(raw if isinstance(raw, str) else str(raw))


def _label(option: Option, origin: str) -> str:
    flags = "/".join(option.flags) if option.flags[0].startswith("-") else option.dest
    return flags if origin == "command line" else f"{flags} ({origin})"


def _to_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{raw!r} is not true or false")


def _to_int(raw: Any) -> int:
    if isinstance(raw, bool):
        raise ValueError(f"{raw!r} is not a whole number")
    if isinstance(raw, int):
        return raw
    try:
        return int(str(raw).strip())
    except ValueError:
        raise ValueError(f"{raw!r} is not a whole number") from None


def _to_float(raw: Any) -> float:
    if isinstance(raw, bool):
        raise ValueError(f"{raw!r} is not a number")
    try:
        value = float(str(raw).strip()) if not isinstance(raw, int | float) else float(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{raw!r} is not a finite number")
    return value


def _to_list(raw: Any) -> tuple[str, ...]:
    items = raw if isinstance(raw, list | tuple) else [raw]
    out: list[str] = []
    for item in items:
        out += [part for part in str(item).replace(",", " ").split() if part]
    return tuple(out)


def _to_multi(raw: Any) -> tuple[str, ...]:
    items = raw if isinstance(raw, list | tuple) else [raw]
    return tuple(str(item).strip() for item in items if str(item).strip())


def _to_login(raw: Any) -> str | bool | None:
    """``--web-login``: True alone (Locust's flag takes no value; also "true" in a file or
    LOCUST_WEB_LOGIN), None for "false", else USER:PASSWORD. The value is never echoed."""
    if raw is None or isinstance(raw, bool):
        return raw or None
    text = str(raw)
    if text.strip().lower() in _TRUE:
        return True
    if text.strip().lower() in _FALSE:
        return None
    if ":" not in text:
        raise ConfigError(
            "--web-login must look like USER:PASSWORD (or be given without a value, for a "
            "locustfile's Flask-Login setup as in Locust); to name User classes, put them "
            "before --web-login"
        )
    return text


def _to_level(raw: Any) -> str:
    level = str(raw).strip().upper()
    if level not in _LEVELS:
        raise ValueError(f"{raw!r} is not one of {', '.join(_LEVELS)}")
    return level


def _to_timespan(raw: Any) -> float:
    try:
        return parse_timespan(raw)
    except TimespanError as exc:
        raise ValueError(str(exc).removeprefix("invalid time span ")) from None


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "str": str,
    "int": _to_int,
    "float": _to_float,
    "bool": _to_bool,
    "timespan": _to_timespan,
    "list": _to_list,
    "multi": _to_multi,
    "loglevel": _to_level,
    "login": _to_login,
}


def build_settings(
    cli: Mapping[str, Value],
    *,
    env: Mapping[str, str],
    cwd: Path,
    home: Path | None = None,
    custom: Sequence[Option] = (),
    read_files: bool = True,
    strict: bool = True,
) -> Settings:
    """Layer defaults, config files, environment and command line into one Settings."""
    options = (*OPTIONS, *custom)
    layers: list[dict[str, Value]] = []
    if read_files:
        for path in discover_config_files(cwd, home):
            layers.append(read_config_file(path, options, strict=strict))
    env_values, warnings = read_env(env, options)
    explicit = cli.get("config") or env_values.get("config")
    if explicit is not None:
        path = cwd / Path(str(explicit.raw)).expanduser()
        if not path.is_file():
            raise ConfigError(f"config file not found: {path} (from {explicit.origin})")
        layers.append(read_config_file(path, options, strict=strict))
    layers += [env_values, dict(cli)]
    winners: dict[str, Value] = {}
    for layer in layers:
        winners.update(layer)
    # Only the winning value is converted: a bad value a higher layer overrides does no harm.
    by_dest = {o.dest: o for o in options}
    values = {dest: convert(by_dest[dest], v.raw, v.origin) for dest, v in winners.items()}
    sources = {dest: v.origin for dest, v in winners.items()}
    known = {f.name for f in dataclasses.fields(Settings)}
    extra = {o.dest: _custom_default(o) for o in custom}
    extra.update({k: v for k, v in values.items() if k not in known})
    core = {k: v for k, v in values.items() if k in known}
    settings = Settings(**core, extra=extra, sources=sources, warnings=tuple(warnings))
    return _apply_defaults(validate(settings))


def _custom_default(option: Option) -> Any:
    """argparse runs a string default through ``type``; so do we."""
    if option.default is argparse.SUPPRESS:
        return None
    if isinstance(option.default, str) and option.converter is not None:
        return convert(option, option.default, "default")
    return option.default


def _apply_defaults(settings: Settings) -> Settings:
    changes: dict[str, Any] = {}
    if settings.headless or settings.autostart:
        if settings.num_users is None:
            changes["num_users"] = 1
        if settings.spawn_rate is None:
            changes["spawn_rate"] = 1.0
    return settings.replace(**changes) if changes else settings


def validate(settings: Settings) -> Settings:
    """Check values that are well-typed but make no sense; raise ConfigError naming the fix."""
    src = settings.sources
    if settings.num_users is not None and not 0 <= settings.num_users <= MAX_USERS:
        raise ConfigError(
            f"-u/--users must be between 0 and {MAX_USERS:,} (per process), got "
            f"{settings.num_users:,}{_from(src, 'num_users')}"
        )
    if settings.run_time is not None and settings.run_time <= 0:
        raise ConfigError(
            f"-t/--run-time must be above 0, got {settings.run_time:g}{_from(src, 'run_time')} "
            "(leave it out to run until stopped)"
        )
    if settings.autoquit < -1:
        raise ConfigError(
            f"--autoquit must be 0 or more seconds, got {settings.autoquit}{_from(src, 'autoquit')}"
        )
    if settings.headless and settings.autostart:
        raise ConfigError(
            "--headless runs without the web UI and --autostart starts a test in it: pick one"
        )
    if settings.spawn_rate is not None and settings.spawn_rate <= 0:
        raise ConfigError(
            f"-r/--spawn-rate must be above 0, got {settings.spawn_rate:g}"
            f"{_from(src, 'spawn_rate')}"
        )
    if settings.host:
        check_host(settings.host, _from(src, "host"), schemes=HOST_SCHEMES)
    if not 0 <= settings.exit_code_on_error <= 255:
        raise ConfigError(
            f"--exit-code-on-error must be between 0 and 255, got {settings.exit_code_on_error}"
            f"{_from(src, 'exit_code_on_error')}"
        )
    for dest in ("web_port", "master_port", "master_bind_port"):
        port = getattr(settings, dest)
        if not 0 <= port <= 65535:
            raise ConfigError(
                f"{BY_DEST[dest].flags[-1]} must be a port (0-65535), got {port}{_from(src, dest)}"
            )
    if settings.web_base_path and not settings.web_base_path.startswith("/"):
        raise ConfigError(
            f"--web-base-path must start with '/', got {settings.web_base_path!r}"
            f"{_from(src, 'web_base_path')}: use e.g. /locust"
        )
    if settings.web_login and settings.web_login_file:
        raise ConfigError(
            "give either --web-login or --web-login-file (or HORDE_WEB_LOGIN), not both"
            f"{_from(src, 'web_login')}"
        )
    _validate_reports(settings)
    _validate_distributed(settings)
    return settings


def _validate_distributed(settings: Settings) -> None:
    src = settings.sources
    if settings.master and settings.worker:
        raise ConfigError("--master and --worker exclude each other: pick one")
    if settings.expect_workers < 1:
        raise ConfigError(
            f"--expect-workers must be 1 or more, got {settings.expect_workers}"
            f"{_from(src, 'expect_workers')}"
        )
    positive = (
        ("expect_workers_max_wait", "--expect-workers-max-wait", True),
        ("heartbeat_interval", "--heartbeat-interval", False),
        ("master_heartbeat_timeout", "--master-heartbeat-timeout", False),
    )
    for dest, flag, zero_ok in positive:
        value = getattr(settings, dest)
        if not math.isfinite(value) or value < 0 or (value == 0 and not zero_ok):
            needs = "0 or more" if zero_ok else "above 0"
            raise ConfigError(f"{flag} must be {needs} seconds, got {value:g}{_from(src, dest)}")
    if settings.heartbeat_liveness < 1:
        raise ConfigError(
            f"--heartbeat-liveness must be 1 or more, got {settings.heartbeat_liveness}"
            f"{_from(src, 'heartbeat_liveness')}"
        )
    _validate_heartbeats(settings)
    if settings.worker and settings.master_port == 0:
        raise ConfigError(
            "--master-port must be the master's port (1-65535), got 0: a worker connects to a "
            "port, 0 means 'any free port' only for the master's --master-bind-port"
            f"{_from(src, 'master_port')}"
        )


HEARTBEAT_MIN = 0.1
"""Shortest heartbeat interval: every interval a worker also sends a report, and a worker
silent for a few intervals is missing, so shorter ones mark busy workers missing (at 1 µs
every worker went missing at once and its requests were lost)."""
HEARTBEAT_MAX = 86_400.0
"""Longest heartbeat interval and master timeout (a day): the wire refuses absurd values, so a
master sending 1e308 lost every worker at the handshake and ran a test with none."""


def _validate_heartbeats(settings: Settings) -> None:
    src = settings.sources
    interval = settings.heartbeat_interval
    if not HEARTBEAT_MIN <= interval <= HEARTBEAT_MAX:
        raise ConfigError(
            f"--heartbeat-interval must be between {HEARTBEAT_MIN:g} and {HEARTBEAT_MAX:,.0f} "
            f"seconds, got {interval:g}{_from(src, 'heartbeat_interval')}"
        )
    timeout = settings.master_heartbeat_timeout
    if not 2 * interval <= timeout <= HEARTBEAT_MAX:
        raise ConfigError(
            f"--master-heartbeat-timeout must be between twice --heartbeat-interval "
            f"({2 * interval:g}) and {HEARTBEAT_MAX:,.0f} seconds, got {timeout:g}"
            f"{_from(src, 'master_heartbeat_timeout')}: a worker hears from its master once "
            "an interval, and leaves after this long without a word"
        )


def _validate_reports(settings: Settings) -> None:
    src = settings.sources
    port = settings.prometheus_port
    if port is not None and not 0 <= port <= 65535:
        raise ConfigError(
            f"--prometheus-port must be a port (0-65535), got {port}{_from(src, 'prometheus_port')}"
        )
    if settings.baseline_tolerance < 0:
        raise ConfigError(
            f"--baseline-tolerance must be 0 or more (percent), got "
            f"{settings.baseline_tolerance:g}{_from(src, 'baseline_tolerance')}"
        )
    if settings.archive_zip and not settings.archive:
        raise ConfigError("--archive-zip goes with --archive [DIR]: add --archive")


def _from(sources: Mapping[str, str], dest: str) -> str:
    origin = sources.get(dest)
    return f" (from {origin})" if origin and origin != "command line" else ""


HOST_SCHEMES = frozenset(
    {"http", "https", "ws", "wss", "tcp", "udp", "tls", "grpc", "mqtt", "postgresql", "postgres"}
)
"""What ``-H/--host`` may start with: HTTP for HttpUser, the others for the protocol users
(horde.protocols); an HTTP user class still gets an http(s) URL (checked by class)."""


def check_host(
    host: str, where: str = "", schemes: frozenset[str] = frozenset({"http", "https"})
) -> None:
    """Raise ConfigError unless ``host`` is an absolute URL with one of ``schemes``."""
    parts = urlsplit(host)
    if parts.scheme not in schemes or not parts.hostname:
        raise ConfigError(
            f"invalid host {host!r}{where}: use an absolute URL such as http://127.0.0.1:8080"
            + ("" if len(schemes) <= 2 else " (or ws://, tcp://, grpc://... for protocol users)")
        )
    try:
        if parts.port == 0:
            raise ValueError("port 0")
    except ValueError:
        raise ConfigError(
            f"invalid port in host {host!r}{where}: use a number from 1 to 65535"
        ) from None
