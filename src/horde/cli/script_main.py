"""``locust.main`` for scripts: :func:`create_environment` and the command's :func:`main`.

``create_environment(user_classes, options)`` builds an Environment from options parsed by
``locust.argument_parser.parse_options`` (or any object with the same attributes), as Locust's
does: host, reset_stats and ``parsed_options``. ``main()`` runs the horde command on
``sys.argv`` and exits with its code (what ``python -m locust`` runs through the shim).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from horde.cli.entry import main
from horde.env import Environment
from horde.event import Events

__all__ = ["create_environment", "main"]


def create_environment(
    user_classes: Sequence[Any],
    options: Any,
    events: Events | None = None,
    shape_class: Any = None,
    locustfile: str | None = None,
    parsed_locustfiles: Sequence[str] | None = None,
    available_user_classes: dict[str, Any] | None = None,
    available_shape_classes: dict[str, Any] | None = None,
    available_user_tasks: dict[str, Any] | None = None,
) -> Environment:
    """An Environment for ``user_classes`` configured from ``options`` (Locust's signature)."""
    return Environment(
        user_classes=user_classes,
        shape_class=shape_class,
        events=events,
        host=getattr(options, "host", None),
        reset_stats=bool(getattr(options, "reset_stats", False)),
        parsed_options=options,
        locustfile=locustfile,
        parsed_locustfiles=parsed_locustfiles,
        available_user_classes=available_user_classes,
        available_shape_classes=available_shape_classes,
        available_user_tasks=available_user_tasks,
        profile=getattr(options, "profile", None),
    )
