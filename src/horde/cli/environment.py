"""What every mode of the command does first: the Environment from the settings, and the
``init`` event (local runs, masters and workers alike)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from horde.config import Settings
from horde.env import Environment
from horde.event import events


def build_environment(
    settings: Settings,
    classes: Sequence[Any],
    locustfile: str,
    shapes: Mapping[str, Any],
    **extra: Any,
) -> Environment:
    """The Environment of ``settings`` (``extra``: what one mode adds, such as the shape)."""
    return Environment(
        user_classes=classes,
        events=events,
        host=settings.host,
        tags=settings.tags,
        exclude_tags=settings.exclude_tags,
        stop_timeout=settings.stop_timeout,
        stop_grace=settings.stop_grace,
        parsed_options=settings.as_namespace(),
        locustfile=locustfile,
        equal_weights=settings.equal_weights,
        available_shape_classes=dict(shapes),
        group_urls=settings.group_urls,
        **extra,
    )


def init_failure(environment: Environment, runner: Any, web_ui: Any) -> BaseException | None:
    """Fire ``init``; the first error an ``init`` listener raised, if any (as in Locust, the
    test then does not start here and the command exits with 1)."""
    before = len(events.listener_errors)
    events.init.fire(environment=environment, runner=runner, web_ui=web_ui)
    failed = [exc for name, exc in events.listener_errors[before:] if name == "init"]
    return failed[0] if failed else None
