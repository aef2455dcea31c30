"""argv -> Settings -> locustfile -> Environment -> mode -> exit code.

Errors surface as one line on stderr with a documented exit code (see
:class:`~horde.cli.exit_codes.ExitCode`); ``--debug`` or ``-L DEBUG`` adds the traceback.
"""

from __future__ import annotations

import logging
import os
import platform
import sys
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from horde._version import __version__
from horde.cli import compare, modes
from horde.cli.distributed import WorkerRun, master_options, run_processes, secret_of
from horde.cli.exit_codes import ExitCode
from horde.cli.headless import HeadlessRun
from horde.cli.locustfile import Locustfiles, load_locustfiles
from horde.cli.logs import setup_logging
from horde.cli.parser import HordeArgumentParser, build_parser, parse, reject_unknown
from horde.cli.webrun import WebRun
from horde.compat import install_locust_alias
from horde.config import Option, Settings, build_settings, check_host
from horde.event import events
from horde.exceptions import (
    ConfigError,
    HordeError,
    LocustfileError,
    OutputError,
    ProtocolError,
    TransportError,
)
from horde.user.fast import FastHttpUser
from horde.user.inspect import check_runnable
from horde.user.users import HttpUser

logger = logging.getLogger("horde")

_ERROR_CODES: list[tuple[type[HordeError], ExitCode]] = [
    (ConfigError, ExitCode.USAGE),
    (LocustfileError, ExitCode.LOCUSTFILE),
    (OutputError, ExitCode.OUTPUT),
    (TransportError, ExitCode.DISTRIBUTED),
    (ProtocolError, ExitCode.DISTRIBUTED),
]


def main(argv: Sequence[str]) -> int:
    """Run the command; returns the exit code (the entry point exits with it)."""
    if argv and argv[0] == "demo-target":
        return modes.demo_target(argv[1:])
    if argv and argv[0] == "demo":
        return modes.demo(argv[1:], run)
    if argv and argv[0] == "compare":
        return _compare(argv[1:])
    return run(argv)


def _compare(argv: Sequence[str]) -> int:
    try:
        return compare.main(argv)
    except ConfigError as exc:
        _report_error(exc, argv, os.environ)
        return ExitCode.USAGE


def run(argv: Sequence[str], env: Mapping[str, str] | None = None, cwd: Path | None = None) -> int:
    environ = os.environ if env is None else env
    try:
        return _run(list(argv), environ, cwd or Path.cwd())
    except HordeError as exc:
        code = next((c for t, c in _ERROR_CODES if isinstance(exc, t)), ExitCode.INTERNAL)
        _report_error(exc, argv, environ)
        return code
    except KeyboardInterrupt:  # Ctrl-C before the run installed its own signal handlers
        sys.stderr.write("horde: interrupted\n")
        return ExitCode.INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, exit code 4
        _report_error(exc, argv, environ, internal=True)
        return ExitCode.INTERNAL


def _report_error(
    exc: BaseException, argv: Sequence[str], env: Mapping[str, str], *, internal: bool = False
) -> None:
    if _wants_traceback(argv, env) or internal:
        traceback.print_exception(exc, file=sys.stderr)
    if internal:
        sys.stderr.write(f"horde: internal error: {type(exc).__name__}: {exc}\n")
    else:
        sys.stderr.write(f"horde: error: {exc}\n")
    sys.stderr.flush()


def _wants_traceback(argv: Sequence[str], env: Mapping[str, str]) -> bool:
    joined = " ".join(argv).upper()
    return (
        "--DEBUG" in joined
        or "-L DEBUG" in joined
        or "--LOGLEVEL DEBUG" in joined
        or "--LOGLEVEL=DEBUG" in joined
        or env.get("HORDE_LOGLEVEL", env.get("LOCUST_LOGLEVEL", "")).upper() == "DEBUG"
    )


def _run(argv: list[str], env: Mapping[str, str], cwd: Path) -> int:
    if "--skip-log-setup" not in argv:
        setup_logging("INFO")  # so notices from parsing (legacy flags) are formatted too
    parser = build_parser()
    first = parse(parser, argv)
    if first.version:
        sys.stdout.write(
            f"horde {__version__} from {Path(__file__).parents[1]} "
            f"(Python {platform.python_version()})\n"
        )
        return ExitCode.OK
    home = Path.home() if "HOME" in env else None
    early = build_settings(first.values, env=env, cwd=cwd, home=home, strict=False)
    if not early.skip_log_setup:
        setup_logging(early.loglevel, early.logfile)
    install_locust_alias()
    if first.help:
        return _help(parser, early)
    files = load_locustfiles(early.locustfile)
    events.init_command_line_parser.fire(parser=parser)
    second = parse(parser, argv)
    reject_unknown(parser, second.unknown)
    settings = build_settings(
        second.values, env=env, cwd=cwd, home=home, custom=parser.custom_options
    )
    for warning in settings.warnings:
        logger.warning(warning)
    return _dispatch(settings, files, parser.custom_options, env)


def _help(parser: HordeArgumentParser, settings: Settings) -> int:
    try:
        load_locustfiles(settings.locustfile)
        events.init_command_line_parser.fire(parser=parser)
    except HordeError:
        pass  # help works without a locustfile; its custom options are just not listed
    sys.stdout.write(parser.format_help())
    return ExitCode.OK


def _dispatch(
    settings: Settings,
    files: Locustfiles,
    custom_options: Sequence[Option],
    env: Mapping[str, str],
) -> int:
    classes = _select_classes(settings, files)
    if settings.list_commands:
        return modes.list_user_classes(classes, sys.stdout)
    if settings.show_task_ratio or settings.show_task_ratio_json:
        return modes.show_task_ratio(classes, sys.stdout, as_json=settings.show_task_ratio_json)
    locustfile = ",".join(str(p) for p in files.paths)
    if settings.headless or settings.autostart:
        _check_hosts(settings, classes)

    def run_master(chosen: Settings, endpoint: str | None) -> int:
        master = master_options(chosen, env, endpoint) if chosen.master else None
        parts = {**_load_parts(files), "master": master}
        if chosen.headless:
            return HeadlessRun(chosen, classes, locustfile, **parts).run()
        return WebRun(chosen, classes, locustfile, custom_options, **parts).run()

    def run_worker(chosen: Settings, endpoint: str | None, parent: int | None) -> int:
        worker = WorkerRun(
            chosen,
            classes,
            locustfile,
            secret=secret_of(chosen, env),
            endpoint=endpoint,
            parent_pid=parent,
            **_load_parts(files),
        )
        return worker.run(ignore_interrupt=parent is not None and not chosen.worker)

    if settings.processes is not None:
        secret_of(settings, env)  # a bad secret: one line before forking, not one per process
        return run_processes(settings, run_master, run_worker)
    if settings.worker:
        return run_worker(settings, None, None)
    return run_master(settings, None)


def _load_parts(files: Locustfiles) -> dict[str, Any]:
    return {"shapes": files.shapes, "thresholds": files.thresholds}


def _select_classes(settings: Settings, files: Locustfiles) -> list[Any]:
    available = files.user_classes
    if not settings.user_classes:
        chosen = list(available.values())
    else:
        unknown = [name for name in settings.user_classes if name not in available]
        if unknown:
            raise ConfigError(
                f"unknown User class {', '.join(unknown)}; available: "
                f"{', '.join(sorted(available))}"
            )
        chosen = [available[name] for name in settings.user_classes]
    check_runnable(chosen)
    _check_weights(chosen)
    return chosen


def _check_weights(classes: Sequence[Any]) -> None:
    """Weight 0 without a fixed_count means "never run": say so, and refuse if it is all."""
    idle = [c.__name__ for c in classes if not c.fixed_count and not c.weight]
    if not idle:
        return
    if len(idle) == len(classes):
        raise LocustfileError(
            f"{', '.join(idle)} {'has' if len(idle) == 1 else 'have'} weight 0 and no "
            "fixed_count: no user would run; give a class a weight above 0"
        )
    logger.info("%s: weight 0, its users will not run", ", ".join(idle))


def _check_hosts(settings: Settings, classes: Sequence[Any]) -> None:
    """HTTP users need an http(s) host; protocol users check theirs when they connect."""
    for cls in classes:
        if not issubclass(cls, HttpUser | FastHttpUser):
            continue
        if settings.host:
            check_host(settings.host, f" (the host of {cls.__name__}, from -H/--host)")
            continue
        if not cls.host:
            raise ConfigError(
                f"{cls.__name__} has no host: pass -H http://HOST:PORT or set host on the class"
            )
        check_host(cls.host, f" (the host of {cls.__name__})")
