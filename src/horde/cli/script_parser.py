"""``locust.argument_parser`` for scripts: :func:`get_parser` and :func:`parse_options`.

Scripts that drive horde as a library sometimes build their options the way Locust's command
does, then hand them to ``locust.main.create_environment``::

    options = parse_options(args=["-H", "http://127.0.0.1:8080", "-u", "10"])

The options go through the same layers as the command's (config files, ``LOCUST_*`` and
``HORDE_*`` variables, flags), are converted and validated once, and come back as a namespace
with every option set (defaults included), like Locust's. Bad values raise
:class:`~horde.exceptions.ConfigError`; nothing here exits the process.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from horde.cli.parser import HordeArgumentParser, build_parser, parse, reject_unknown
from horde.config import build_settings
from horde.event import events
from horde.exceptions import ConfigError


class ScriptParser(HordeArgumentParser):
    """The command's parser whose ``parse_args`` returns the finished options."""

    read_config_files = True

    def parse_args(  # type: ignore[override] # always a full namespace, as Locust's
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        argv = list(sys.argv[1:] if args is None else args)
        parsed = parse(self, argv)
        reject_unknown(self, parsed.unknown)
        settings = build_settings(
            parsed.values,
            env=os.environ,
            cwd=Path.cwd(),
            home=Path.home() if "HOME" in os.environ else None,
            custom=self.custom_options,
            read_files=self.read_config_files,
        )
        result = namespace if namespace is not None else argparse.Namespace()
        for key, value in vars(settings.as_namespace()).items():
            setattr(result, key, value)
        return result


def get_parser(default_config_files: Sequence[str] | None = None) -> ScriptParser:
    """horde's parser, with the options locustfiles add (``init_command_line_parser`` fires).

    ``default_config_files=[]`` reads no config file; ``None`` reads the usual ones
    (``locust.conf``, ``horde.conf``, ``pyproject.toml``, ``~/.locust.conf``).
    """
    if default_config_files:
        raise ConfigError(
            "get_parser(default_config_files=[...]) is not supported by horde: "
            "pass the file with --config FILE instead"
        )
    parser = build_parser(ScriptParser)
    parser.read_config_files = default_config_files is None
    events.init_command_line_parser.fire(parser=parser)
    return parser


def parse_options(args: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse ``args`` (default: ``sys.argv[1:]``) into the options namespace."""
    return get_parser().parse_args(args)
