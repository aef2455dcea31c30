"""The ``Output`` extension point: everything that leaves a run (console summary, CSV, JSON,
HTML, the archive, Prometheus, OpenTelemetry, and third-party outputs) implements it.

Contract
========

An output never sees live statistics. It receives immutable values only:

- :class:`OutputContext` at :meth:`Output.start`: the :class:`~horde.reports.metadata.RunMetadata`,
  ``latest()`` (the freshest :class:`~horde.stats.StatsSnapshot` *with histogram buckets*,
  computed at most once per second however many outputs ask), ``thresholds()`` (the current
  threshold outcomes) and ``spawn(function, *args)`` to run a loop in a greenlet the runner
  owns (ended by the runner's ``quit()``; an exception in it marks the run as failed).
- a :class:`~horde.stats.StatsSnapshot` at :meth:`Output.tick`, once a second, when the output
  sets ``wants_ticks``: one snapshot shared by every output (without buckets: a tick must stay
  cheap).
- a :class:`Report` at :meth:`Output.finish`: the final snapshot with buckets, the metadata with
  its end time and threshold outcomes, and the comparison with ``--baseline`` if any.

Greenlets and blocking:

- ``start``, ``finish`` and ``close`` run in the main greenlet of the ``horde`` command:
  ``start`` before any user is spawned, ``finish`` and ``close`` after every user has stopped.
  They may block (write files, render plots, flush an exporter): nothing is measured then.
- ``tick`` runs in the runner's once-a-second greenlet, on the event loop the users share. It
  must not block (no network I/O, no sleeping) and should do O(names) work at most: its time
  adds to the latency the users measure. Anything slower belongs in a ``spawn``-ed greenlet
  or in ``finish``.
- ``latest()`` may be called from any greenlet of the command (a scrape, an export loop).
- No output method ever runs on the hot path (per request): outputs read snapshots, they do
  not subscribe to ``events.request``.

Errors: ``start`` raises :class:`~horde.exceptions.ConfigError` or
:class:`~horde.exceptions.OutputError` to refuse the run before it starts (one line, exit 2 or 5).
``finish`` raises :class:`~horde.exceptions.OutputError` (any other exception is wrapped in
one): the other outputs are still written and the run exits with code 5. ``close`` is always
called, also after a failed ``finish``, and must not raise.

Third-party outputs register a factory under the ``horde.outputs`` entry-point group::

    [project.entry-points."horde.outputs"]
    influx = "horde_influx:make_output"

The factory is called with the run's :class:`~horde.config.Settings` (``settings.extra`` holds
the options a locustfile or plugin added) and returns an :class:`Output`, or None to stay off.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Protocol, runtime_checkable

from horde.config import Settings
from horde.exceptions import ConfigError, HordeError, OutputError
from horde.reports.compare import Comparison
from horde.reports.metadata import RunMetadata, ThresholdOutcome
from horde.stats.snapshot import StatsSnapshot

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "horde.outputs"


@dataclass(frozen=True, slots=True)
class Report:
    """Everything an output renders at the end of a run (immutable)."""

    snapshot: StatsSnapshot
    metadata: RunMetadata
    comparison: Comparison | None = None

    @property
    def thresholds(self) -> tuple[ThresholdOutcome, ...]:
        return self.metadata.thresholds


def _no_thresholds() -> Sequence[ThresholdOutcome]:
    return ()


def _no_spawn(function: Callable[..., Any], *args: Any) -> Any:
    raise OutputError("this run cannot start background work for outputs")


@dataclass(frozen=True, slots=True)
class OutputContext:
    """What :meth:`Output.start` receives (see the module docstring for the rules)."""

    metadata: RunMetadata
    latest: Callable[[], StatsSnapshot]
    thresholds: Callable[[], Sequence[ThresholdOutcome]] = _no_thresholds
    spawn: Callable[..., Any] = _no_spawn


@runtime_checkable
class Output(Protocol):
    """One destination of a run's results (see the module docstring for the contract)."""

    name: str
    wants_ticks: bool

    def start(self, context: OutputContext) -> None: ...

    def tick(self, snapshot: StatsSnapshot) -> None: ...

    def finish(self, report: Report) -> None: ...

    def close(self) -> None: ...


class BaseOutput:
    """Do-nothing defaults, so an output implements only what it needs."""

    name = "output"
    wants_ticks = False

    def start(self, context: OutputContext) -> None:
        """Nothing to prepare."""

    def tick(self, snapshot: StatsSnapshot) -> None:
        """Nothing to do each second."""

    def finish(self, report: Report) -> None:
        """Nothing to write."""

    def close(self) -> None:
        """Nothing to release."""


@dataclass
class OutputSet:
    """The outputs of one run, driven in order; failures of one never stop the others."""

    outputs: list[Output] = field(default_factory=list)
    _started: list[Output] = field(default_factory=list)

    @property
    def wants_ticks(self) -> bool:
        return any(o.wants_ticks for o in self.outputs)

    def start(self, context: OutputContext) -> None:
        """Start each output; if one refuses, close those already started and re-raise."""
        for output in self.outputs:
            try:
                output.start(context)
            except HordeError:
                self.close()
                raise
            self._started.append(output)

    def tick(self, snapshot: StatsSnapshot) -> None:
        for output in self._started:
            if output.wants_ticks:
                output.tick(snapshot)

    def finish(self, report: Report) -> list[HordeError]:
        """Finish every started output; returns the errors (one per failed output)."""
        errors: list[HordeError] = []
        for output in self._started:
            try:
                output.finish(report)
            except HordeError as exc:
                errors.append(exc)
            except Exception as exc:  # noqa: BLE001 - a broken plugin must not lose the others
                errors.append(OutputError(f"output {output.name!r} failed: {_describe(exc)}"))
        self.close()
        return errors

    def close(self) -> None:
        for output in reversed(self._started):
            try:
                output.close()
            except Exception as exc:  # noqa: BLE001 - closing is best effort by contract
                logger.warning("closing output %r failed: %s", output.name, _describe(exc))
        self._started.clear()


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def plugin_outputs(settings: Settings, found: Iterable[Any] | None = None) -> list[Output]:
    """Outputs from the ``horde.outputs`` entry points that accept these settings.

    A plugin that cannot be loaded, or whose factory fails, is a :class:`ConfigError` naming it:
    the run would otherwise silently lack an output the user installed it for.
    """
    outputs: list[Output] = []
    for point in entry_points(group=ENTRY_POINT_GROUP) if found is None else found:
        try:
            factory = point.load()
            output = factory(settings)
        except Exception as exc:
            raise ConfigError(
                f"output plugin {point.name!r} ({point.value}) failed to load: {_describe(exc)}"
            ) from exc
        if output is None:
            continue
        if not isinstance(output, Output):
            raise ConfigError(
                f"output plugin {point.name!r} returned {type(output).__name__}, not an Output "
                "(needs name, wants_ticks, start, tick, finish and close)"
            )
        outputs.append(output)
    return outputs
