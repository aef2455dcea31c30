"""The command-line parser, generated from the option table (plus options locustfiles add).

Values are collected as raw strings tagged "command line"; typing and validation happen once, in
:func:`horde.config.build_settings`, for every source alike.
"""

from __future__ import annotations

import argparse
import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn, TypeVar, overload

from horde.config import LEGACY_FLAGS, OPTIONS, Option, Value
from horde.event import deprecation_notice
from horde.exceptions import ConfigError

CLI = "command line"
_LEGACY_PREFIX = "legacy__"
_GROUPS = {
    "common": "Common options",
    "web": "Web UI",
    "distributed": "Distributed runs",
    "load": "Load models (shapes, stages, arrival rate, iterations)",
    "thresholds": "Thresholds (pass/fail for CI)",
    "tags": "Tag filters",
    "stats": "Statistics and reports",
    "logging": "Logging",
    "custom": "Options added by the locustfile",
}
_CUSTOM_KEYS = ("env_var", "include_in_web_ui", "is_secret", "is_required", "is_multiple")


class HordeArgumentParser(argparse.ArgumentParser):
    """argparse that raises ConfigError and accepts Locust's extra add_argument keywords.

    Locustfiles extend it through the ``init_command_line_parser`` event, exactly as with
    Locust: ``parser.add_argument("--my-arg", type=int, default=1, env_var="MY_ARG")``, also
    inside ``parser.add_argument_group(...)`` (as locust-plugins does) or a mutually exclusive
    group. After :meth:`begin_custom` every such option is recorded in ``custom_options``.
    """

    def __init__(self, **kwargs: Any) -> None:
        self.custom_options: list[Option] = []
        self._collecting_custom = False  # set first: argparse adds groups in __init__
        self._custom_group: argparse._ArgumentGroup | None = None
        super().__init__(**kwargs)

    def error(self, message: str) -> NoReturn:
        raise ConfigError(message)

    def add_argument(self, *flags: Any, **kwargs: Any) -> argparse.Action:
        if not self._collecting_custom:
            return super().add_argument(*flags, **kwargs)
        if self._custom_group is None:
            self._custom_group = self.add_argument_group(_GROUPS["custom"])
        return self._custom_group.add_argument(*flags, **kwargs)

    def add_argument_group(self, *args: Any, **kwargs: Any) -> argparse._ArgumentGroup:
        if not self._collecting_custom:
            return super().add_argument_group(*args, **kwargs)
        group = _CustomGroup(self, *args, **kwargs)
        self._action_groups.append(group)
        return group

    def add_mutually_exclusive_group(self, **kwargs: Any) -> argparse._MutuallyExclusiveGroup:
        if not self._collecting_custom:
            return super().add_mutually_exclusive_group(**kwargs)
        group = _CustomExclusiveGroup(self, self, **kwargs)
        self._mutually_exclusive_groups.append(group)
        return group

    def add_custom(
        self, add: Callable[..., argparse.Action], flags: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> argparse.Action:
        """Add a locustfile option with ``add`` (a group's add_argument) and record it.

        An option horde already has under the same flags and name (locust-plugins'
        ``-i/--iterations``) is horde's own: the built-in one is kept and nothing is added.
        """
        builtin = self._builtin(flags, kwargs)
        if builtin is not None:
            return builtin
        extra = {k: kwargs.pop(k) for k in _CUSTOM_KEYS if k in kwargs}
        converter = kwargs.pop("type", None)
        choices = kwargs.pop("choices", None)
        default = kwargs.pop("default", None)
        kwargs["default"] = argparse.SUPPRESS
        action = add(*flags, **kwargs)
        is_flag = kwargs.get("action") in ("store_true", "store_false")
        if kwargs.get("action") == "store_false" and default is None:
            default = True
        elif is_flag and default is None:
            default = False
        env_var = extra.get("env_var")
        self.custom_options.append(
            Option(
                dest=action.dest,
                flags=tuple(flags),
                kind="bool" if is_flag else "custom",
                default=default,
                help=str(kwargs.get("help") or ""),
                group="custom",
                env=(env_var,) if env_var else (),
                converter=converter,
                choices=tuple(choices) if choices is not None else None,
                extra=extra,
            )
        )
        return action

    def _builtin(self, flags: tuple[Any, ...], kwargs: dict[str, Any]) -> argparse.Action | None:
        existing = {s: a for a in self._actions for s in a.option_strings}
        actions = {existing.get(flag) for flag in flags}
        if len(actions) != 1 or None in actions:
            return None
        action = actions.pop()
        dest = kwargs.get("dest") or _dest_of(flags)
        return action if action is not None and action.dest == dest else None

    def begin_custom(self) -> None:
        """From now on, add_argument records locustfile-defined options."""
        self._collecting_custom = True


def _dest_of(flags: tuple[Any, ...]) -> str:
    longs = [str(f) for f in flags if str(f).startswith("--")]
    return (longs[0] if longs else str(flags[0])).lstrip("-").replace("-", "_")


P = TypeVar("P", bound=HordeArgumentParser)


class _CustomGroup(argparse._ArgumentGroup):
    """An argument group a locustfile created: its options are recorded as custom options."""

    def __init__(self, parser: HordeArgumentParser, *args: Any, **kwargs: Any) -> None:
        super().__init__(parser, *args, **kwargs)
        self._horde_parser = parser

    def add_argument(self, *flags: Any, **kwargs: Any) -> argparse.Action:
        return self._horde_parser.add_custom(super().add_argument, flags, kwargs)

    def add_mutually_exclusive_group(self, **kwargs: Any) -> argparse._MutuallyExclusiveGroup:
        group = _CustomExclusiveGroup(self._horde_parser, self, **kwargs)
        self._mutually_exclusive_groups.append(group)
        return group


class _CustomExclusiveGroup(argparse._MutuallyExclusiveGroup):
    def __init__(
        self, parser: HordeArgumentParser, container: argparse._ActionsContainer, **kwargs: Any
    ) -> None:
        super().__init__(container, **kwargs)
        self._horde_parser = parser

    def add_argument(self, *flags: Any, **kwargs: Any) -> argparse.Action:
        return self._horde_parser.add_custom(super().add_argument, flags, kwargs)


@overload
def build_parser() -> HordeArgumentParser: ...
@overload
def build_parser(parser_class: type[P]) -> P: ...
def build_parser(
    parser_class: type[HordeArgumentParser] = HordeArgumentParser,
) -> HordeArgumentParser:
    """The command's parser; ``parser_class`` lets ``locust.argument_parser.get_parser`` hand
    scripts one whose ``parse_args`` returns typed, validated options."""
    parser = parser_class(
        prog="horde",
        usage="horde [options] [UserClass ...]\n       horde demo [options]\n"
        "       horde demo-target [--host HOST] [--port PORT]\n"
        "       horde compare BASELINE.json CURRENT.json [--tolerance PCT]",
        description="Swarm a system with simulated users described in a Python locustfile.",
        add_help=False,
        allow_abbrev=False,
    )
    groups = {
        key: parser.add_argument_group(title) for key, title in _GROUPS.items() if key != "custom"
    }
    groups["common"].add_argument("-h", "--help", action="store_true", default=argparse.SUPPRESS)
    groups["common"].add_argument(
        "-V", "--version", action="store_true", default=argparse.SUPPRESS, help="show the version"
    )
    for option in OPTIONS:
        _add(groups[option.group], option)
    for legacy in LEGACY_FLAGS:
        kwargs: dict[str, Any] = {"dest": _LEGACY_PREFIX + legacy.dest, "help": argparse.SUPPRESS}
        if legacy.value is not None:
            kwargs.update(action="store_const", const=legacy.value)
        groups["common"].add_argument(*legacy.flags, default=argparse.SUPPRESS, **kwargs)
    parser.begin_custom()
    return parser


def _add(group: argparse._ArgumentGroup, option: Option) -> None:
    kwargs: dict[str, Any] = {"default": argparse.SUPPRESS, "help": option.help}
    if option.hidden:
        kwargs["help"] = argparse.SUPPRESS
    if not option.flags[0].startswith("-"):
        group.add_argument(option.dest, nargs="*", metavar=option.metavar, **kwargs)
        return
    if option.kind == "bool":
        kwargs["action"] = "store_true"
    elif option.kind == "login":
        kwargs.update(metavar=option.metavar, nargs="?", const=True)
    else:
        kwargs["metavar"] = option.metavar
        if option.kind == "list":
            kwargs["nargs"] = "*"
        elif option.kind == "multi":
            kwargs["action"] = "append"
        elif option.const is not None:
            kwargs.update(nargs="?", const=option.const)
    group.add_argument(*option.flags, dest=option.dest, **kwargs)


@dataclass
class ParsedArgs:
    values: dict[str, Value] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    help: bool = False
    version: bool = False


def parse(parser: HordeArgumentParser, argv: Sequence[str]) -> ParsedArgs:
    """Parse ``argv``; unknown arguments are returned, not raised (see :func:`reject_unknown`)."""
    namespace, unknown = parser.parse_known_args(_glue_negative_values(parser, argv))
    raw = vars(namespace)
    result = ParsedArgs(
        unknown=list(unknown),
        help=bool(raw.pop("help", False)),
        version=bool(raw.pop("version", False)),
    )
    for dest, value in raw.items():
        if dest.startswith(_LEGACY_PREFIX):
            target = dest.removeprefix(_LEGACY_PREFIX)
            notice = next(f.notice for f in LEGACY_FLAGS if f.dest == target)
            deprecation_notice(dest, notice)
            result.values.setdefault(target, Value(value, CLI))
        elif dest == "user_classes" and not value:
            continue
        else:
            result.values[dest] = Value(value, CLI)
    return result


_NEGATIVE = re.compile(r"^-[\d.]")


def _glue_negative_values(parser: argparse.ArgumentParser, argv: Sequence[str]) -> list[str]:
    """``-t -5s`` as ``-t=-5s``: argparse takes a value starting with "-" for a flag and says
    "expected one argument"; glued, the value reaches validation, which says what is wrong."""
    takes_value = {
        flag
        for action in parser._actions
        if action.nargs is None and action.option_strings
        for flag in action.option_strings
    }
    out: list[str] = []
    for token in argv:
        if out and out[-1] in takes_value and _NEGATIVE.match(token):
            out[-1] = f"{out[-1]}={token}"
        else:
            out.append(token)
    return out


def reject_unknown(parser: HordeArgumentParser, unknown: Sequence[str]) -> None:
    """Raise ConfigError for the first unknown argument, suggesting the closest flag."""
    if not unknown:
        return
    token = unknown[0]
    if not token.startswith("-"):
        raise ConfigError(
            f"unexpected argument {token!r}: name User classes together, after the options "
            "(horde -u 10 ... UserA UserB); see horde --help"
        )
    flag = token.split("=", 1)[0]
    known = [
        s
        for action in parser._actions
        if action.help != argparse.SUPPRESS
        for s in action.option_strings
    ]
    close = difflib.get_close_matches(flag, known, n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    raise ConfigError(f"unknown option '{flag}'{hint}; see horde --help")
