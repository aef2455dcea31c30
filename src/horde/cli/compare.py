"""``horde compare BASELINE.json CURRENT.json``: per-name deltas, exit 7 on a regression.

Both files are JSON reports written by ``--json-file`` (Locust's ``--json`` lists work too).
Exit codes: 0 no regression, 7 (``ExitCode.REGRESSION``) at least one, 2 bad arguments or an
unreadable or invalid file.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from horde.cli.exit_codes import ExitCode
from horde.cli.outputs import load_report
from horde.exceptions import ConfigError
from horde.reports.compare import Tolerance, compare
from horde.reports.compare_text import render_comparison


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise ConfigError(f"compare: {message}; see horde compare --help")


def _percent(text: str) -> float:
    try:
        value = float(text.rstrip("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 or more")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 or more")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="horde compare",
        description="Compare two runs' JSON reports (--json-file): per-name p50/p95/p99, "
        "requests/s and failure ratio. Exits 7 when CURRENT regressed beyond the tolerance.",
    )
    parser.add_argument("baseline", metavar="BASELINE.json")
    parser.add_argument("current", metavar="CURRENT.json")
    parser.add_argument(
        "--tolerance",
        type=_percent,
        default=10.0,
        metavar="PCT",
        help="a percentile this much slower is a regression (default 10)",
    )
    parser.add_argument(
        "--rps-tolerance",
        type=_percent,
        default=None,
        metavar="PCT",
        help="requests/s this much lower is a regression (default: --tolerance)",
    )
    parser.add_argument(
        "--fail-tolerance",
        type=_percent,
        default=1.0,
        metavar="POINTS",
        help="a failure ratio this many percentage points higher (default 1)",
    )
    parser.add_argument(
        "--min-ms",
        type=_percent,
        default=1.0,
        metavar="MS",
        help="ignore slowdowns smaller than this many ms (default 1)",
    )
    parser.add_argument(
        "--min-requests",
        type=_count,
        default=20,
        metavar="N",
        help="do not judge names with fewer requests in either run (default 20)",
    )
    parser.add_argument("--json", action="store_true", help="print the comparison as JSON")
    return parser


def main(argv: Sequence[str]) -> int:
    """Run the subcommand; raises ConfigError for bad input (the caller prints it, exit 2)."""
    args = build_parser().parse_args(list(argv))
    baseline = load_report(args.baseline, what="", label=Path(args.baseline).name)
    current = load_report(args.current, what="", label=Path(args.current).name)
    tolerance = Tolerance(
        latency_pct=args.tolerance,
        rps_pct=args.tolerance if args.rps_tolerance is None else args.rps_tolerance,
        fail_points=args.fail_tolerance,
        min_requests=args.min_requests,
        min_latency_ms=args.min_ms,
    )
    result = compare(baseline, current, tolerance)
    if args.json:
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        sys.stdout.write(render_comparison(result) + "\n")
    sys.stdout.flush()
    return ExitCode.REGRESSION if result.regressed else ExitCode.OK
