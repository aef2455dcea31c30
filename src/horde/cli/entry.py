"""Console-script entry point: patch gevent first, then import and run the command."""

from __future__ import annotations

import sys


def main() -> None:
    from gevent import monkey

    monkey.patch_all()
    from horde.cli.main import main as run

    sys.exit(run(sys.argv[1:]))
