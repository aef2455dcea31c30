"""One function per way of running: headless test, listings, demo, demo target."""

from __future__ import annotations

import json as jsonlib
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from horde.cli.exit_codes import ExitCode
from horde.reports import console
from horde.user.inspect import ratio_report

logger = logging.getLogger(__name__)

TABLE_REWRITE_INTERVAL = 10.0
DEMO_LOCUSTFILE = Path(__file__).resolve().parent.parent / "demo" / "locustfile.py"


def list_user_classes(classes: Sequence[Any], out: TextIO) -> int:
    for cls in classes:
        out.write(f"{cls.__name__}\n")
    return ExitCode.OK


def show_task_ratio(classes: Sequence[Any], out: TextIO, *, as_json: bool) -> int:
    report = ratio_report(classes)
    out.write(jsonlib.dumps(report, indent=2) if as_json else console.task_ratio_text(report))
    out.write("\n")
    return ExitCode.OK


def demo(argv: Sequence[str], run: Callable[[Sequence[str]], int]) -> int:
    """Start the embedded demo target and run a short test of the bundled locustfile on it."""
    from horde.demo.process import running_demo_target

    with running_demo_target() as url:
        sys.stdout.write(f"horde demo: demo target at {url}, locustfile {DEMO_LOCUSTFILE}\n")
        sys.stdout.flush()
        args = ["-f", str(DEMO_LOCUSTFILE), "--headless", "-u", "20", "-r", "10", "-t", "15s"]
        args += ["-H", url, "--exit-code-on-error", "0", *argv]
        code = run(args)
    sys.stdout.write(
        "\nhorde demo: done. The demo exits with 0 even when requests fail (a few fail on"
        " purpose);\nyour own runs exit with 1 when any request fails (see --exit-code-on-error).\n"
    )
    return code


def demo_target(argv: Sequence[str]) -> int:
    from horde.demo.target import main as target_main

    return target_main(list(argv))
