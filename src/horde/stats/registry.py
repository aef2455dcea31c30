"""RequestStats: every entry, the Aggregated total, grouped failures, user exceptions, history.

Sans-I/O: the only notion of time is the injected clock, read once per recorded request; the
runner calls :meth:`RequestStats.tick` once a second to extend the history. The composition root
(:mod:`horde.env`) subscribes :meth:`RequestStats.on_request` to the ``request`` event.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from horde._types import Clock
from horde.stats.entry import StatsEntry
from horde.stats.errors import (
    ExceptionRecord,
    StatsError,
    error_message,
    exception_group,
    sample_from,
)
from horde.stats.histogram import Histogram
from horde.stats.history import (
    CHART_PERCENTILES,
    ENTRY_SERIES_LIMIT,
    HistoryPoint,
    Series,
    WindowTracker,
)
from horde.stats.snapshot import (
    PERCENTILES_TO_REPORT,
    EntrySnapshot,
    ErrorSnapshot,
    ExceptionSnapshot,
    StatsSnapshot,
)

logger = logging.getLogger(__name__)

LATENESS_KEY = "lateness_ms"
"""The request context key carrying, under an arrival-rate executor, how late (ms) the request's
iteration started after it was due (set by the clients, read here)."""

NAME_WARNING_THRESHOLD = 500
"""Distinct request names beyond which dynamic URLs are almost certainly not grouped."""

MAX_ERROR_GROUPS = 2000
OVERFLOW_ERROR = "other failures (more than {} distinct failure groups)"
MAX_EXCEPTION_GROUPS = 1000
OVERFLOW_EXCEPTION = "other exceptions (more than {} distinct exception groups)"
OVERFLOW_TRACEBACK = "(not kept: the first {} exception groups have theirs)"
LOGGED_EXCEPTION_KINDS = 20
"""Exception groups whose traceback is logged; later new groups are counted, not logged."""


class RequestStats:
    """Statistics of one test run (Locust's ``RequestStats`` surface, with exact percentiles)."""

    def __init__(self, clock: Clock, *, node_id: str = "local") -> None:
        self.clock = clock
        self.node_id = node_id
        now = clock.time()
        self.start_time = now
        self.end_time: float | None = None
        self.entries: dict[tuple[str, str], StatsEntry] = {}
        self._now = self.now
        """One bound method shared by every entry (a new one per entry would cost 64 bytes)."""
        self.total = StatsEntry("Aggregated", "", now, self._now)
        self.errors: dict[tuple[str, str, str], StatsError] = {}
        self.exceptions: dict[str, ExceptionRecord] = {}
        self.history = Series()
        self.entry_history: dict[tuple[str, str], Series] = {}
        self._window = WindowTracker()
        self._entry_windows: dict[tuple[str, str], WindowTracker] = {}
        self.warnings: list[str] = []
        self._name_warning_given = False
        self.dropped_iterations = 0
        """Arrival-rate iterations that never started (the user pool ran dry)."""
        self.lateness = Histogram()
        """Arrival rate: how late (ms) each iteration started after it was due."""
        self.corrected: dict[tuple[str, str], StatsEntry] = {}
        """Arrival rate: response times measured from each request's intended start (its own
        response time plus how late its iteration started): coordinated omission corrected.
        Empty in a closed-model run."""
        self.corrected_total: StatsEntry | None = None
        self._kinds_logged = 0

    def now(self) -> float:
        """The clock's time while running; the end of the run once it is over."""
        return self.end_time if self.end_time is not None else self.clock.time()

    # -- recording ------------------------------------------------------------------------------

    def get(self, name: str, method: str) -> StatsEntry:
        """The entry for (name, method), created on first use (Locust's argument order)."""
        entry = self.entries.get((name, method))
        if entry is None:
            entry = self._new_entry(name, method)
        return entry

    def _new_entry(self, name: str, method: str) -> StatsEntry:
        entry = StatsEntry(name, method, self.start_time, self._now)
        self.entries[(name, method)] = entry
        if len(self.entries) <= ENTRY_SERIES_LIMIT:
            self.entry_history[(name, method)] = Series()
            self._entry_windows[(name, method)] = WindowTracker()
        if len(self.entries) > NAME_WARNING_THRESHOLD and not self._name_warning_given:
            self._warn_cardinality()
        return entry

    def _warn_cardinality(self) -> None:
        self._name_warning_given = True
        examples = ", ".join(repr(n) for n, _ in list(self.entries)[-3:])
        message = (
            f"more than {NAME_WARNING_THRESHOLD} distinct request names (latest: {examples}); "
            "dynamic URLs are probably not grouped: pass name='/item/[id]' to the request, "
            "wrap the calls in `with self.client.rename_request('/item/[id]'):`, "
            "or run with --group-urls auto to fold ids in URLs automatically"
        )
        self.warnings.append(message)
        logger.warning(message)

    def log_request(
        self, method: str, name: str, response_time: float | None, content_length: int
    ) -> None:
        now = self.clock.time()
        entry = self.entries.get((name, method)) or self._new_entry(name, method)
        entry.log(response_time, content_length, now)
        self.total.log(response_time, content_length, now)

    def log_error(
        self,
        method: str,
        name: str,
        error: BaseException | str | object,
        *,
        response: Any = None,
        url: str | None = None,
    ) -> None:
        now = self.clock.time()
        entry = self.entries.get((name, method)) or self._new_entry(name, method)
        entry.log_error(now)
        self.total.log_error(now)
        message = error_message(error)
        key = (method, name, message)
        group = self.errors.get(key)
        if group is None:
            if len(self.errors) >= MAX_ERROR_GROUPS:
                key = ("", "", OVERFLOW_ERROR.format(MAX_ERROR_GROUPS))
                group = self.errors.get(key)
            if group is None:
                group = StatsError(*key, now)
                self.errors[key] = group
        group.occurred(now)
        if group.wants_sample():
            group.samples.append(sample_from(now, message, response, url))

    def on_request(
        self,
        request_type: str,
        name: str,
        response_time: float | None,
        response_length: int | None,
        exception: BaseException | str | None = None,
        response: Any = None,
        url: str | None = None,
        context: dict[str, Any] | None = None,
        **_: Any,
    ) -> None:
        """Listener for the ``request`` event."""
        self.log_request(request_type, name, response_time, response_length or 0)
        if exception is not None:
            self.log_error(request_type, name, exception, response=response, url=url)
        if context and response_time is not None:
            lateness = context.get(LATENESS_KEY)
            if lateness is not None:
                self.log_corrected(request_type, name, response_time + lateness)

    def corrected_entry(self, name: str | None, method: str | None) -> StatsEntry | None:
        """The corrected entry of ``name`` (any method if None; merged when several), or the
        corrected Aggregated row for ``name=None``; None when there is none."""
        if name is None:
            return self.corrected_total
        matches = [e for (n, m), e in self.corrected.items() if n == name and method in (None, m)]
        if len(matches) <= 1:
            return matches[0] if matches else None
        merged = StatsEntry(name, "", self.start_time)
        for entry in matches:
            merged.extend(entry)
        return merged

    def log_corrected(self, method: str, name: str, response_time: float) -> None:
        """Record a response time measured from the request's intended start."""
        entry, total = self.corrected_pair(name, method)
        now = self.clock.time()
        entry.log(response_time, 0, now)
        total.log(response_time, 0, now)

    def corrected_pair(self, name: str, method: str) -> tuple[StatsEntry, StatsEntry]:
        """The corrected entry of (name, method) and the corrected total, made when missing."""
        key = (name, method)
        entry = self.corrected.get(key)
        if entry is None:
            entry = self.corrected[key] = StatsEntry(name, method, self.start_time, self.now)
        total = self.corrected_total
        if total is None:
            total = self.corrected_total = StatsEntry("Aggregated", "", self.start_time, self.now)
        return entry, total

    def log_exception(
        self,
        msg: str,
        traceback: str,
        node: str | None = None,
        *,
        count: int = 1,
        seen: tuple[float, float] | None = None,
    ) -> ExceptionRecord:
        """Record an exception raised in user code (grouped by traceback) and log it the first
        time its group is seen; past :data:`MAX_EXCEPTION_GROUPS` groups, new ones are counted
        together in one overflow group. ``count`` and ``seen`` (first, last) are for merging
        what a worker reported."""
        now = self.clock.time()
        msg, traceback = exception_group(msg, traceback)
        record = self.exceptions.get(traceback)
        if record is None:
            if len(self.exceptions) >= MAX_EXCEPTION_GROUPS:
                msg = OVERFLOW_EXCEPTION.format(MAX_EXCEPTION_GROUPS)
                traceback = OVERFLOW_TRACEBACK.format(MAX_EXCEPTION_GROUPS)
                record = self.exceptions.get(traceback)
            if record is None:
                first = seen[0] if seen is not None else now
                record = self.exceptions[traceback] = ExceptionRecord(msg, traceback, first)
        record.count += count
        record.last_seen = max(record.last_seen, seen[1]) if seen is not None else now
        record.nodes.add(node or self.node_id)
        self._log_exception(record)
        return record

    def _log_exception(self, record: ExceptionRecord) -> None:
        """The traceback at a group's first occurrence; then one line at its 10th, 100th,
        1,000th... occurrence, so a task failing in a loop does not flood the log (the counts
        are exact in the statistics, the summary and the CSV files). Only the first
        :data:`LOGGED_EXCEPTION_KINDS` groups are logged: messages that change every time would
        otherwise print a traceback each."""
        count = record.count
        if count > 1:
            if record.logged and count >= 10 and str(count).rstrip("0") == "1":
                logger.error(
                    "%s: %d times so far (traceback logged at the first)", record.msg, count
                )
            return
        if self._kinds_logged > LOGGED_EXCEPTION_KINDS:
            return
        self._kinds_logged += 1
        if self._kinds_logged > LOGGED_EXCEPTION_KINDS:
            logger.error(
                "more than %d kinds of exception in user code: new kinds are counted, no longer "
                "logged (see the exceptions in the summary, the web UI or the CSV files)",
                LOGGED_EXCEPTION_KINDS,
            )
            return
        record.logged = True
        logger.error(
            "%s (first of its kind: further ones are counted, not printed)\n%s",
            record.msg,
            _frames(record.traceback, record.msg),
        )

    # -- time series ----------------------------------------------------------------------------

    def tick(self, user_count: int) -> None:
        """Append one history point per series (call once a second)."""
        now = self.clock.time()
        self.history.offer(self._point(self.total, self._window, now, user_count))
        for key, series in self.entry_history.items():
            entry = self.entries[key]
            series.offer(self._point(entry, self._entry_windows[key], now, user_count))

    def _point(
        self, entry: StatsEntry, window: WindowTracker, now: float, user_count: int
    ) -> HistoryPoint:
        window.tick(entry.histogram)
        values = window.percentiles(entry.histogram, CHART_PERCENTILES)
        high = entry.max_response_time
        return HistoryPoint(
            time=now,
            user_count=user_count,
            current_rps=entry.current_rps_at(now),
            current_fail_per_sec=entry.current_fail_per_sec_at(now),
            percentiles=tuple(min(v, high) for v in values),
            avg_response_time=entry.avg_response_time,
            num_requests=entry.num_requests,
            num_failures=entry.num_failures,
        )

    def current_percentiles(self, fractions: Sequence[float] = CHART_PERCENTILES) -> list[float]:
        """Aggregated response-time percentiles over the last ten seconds."""
        values = self._window.percentiles(self.total.histogram, fractions)
        return [min(v, self.total.max_response_time) for v in values]

    # -- lifecycle ------------------------------------------------------------------------------

    def reset_all(self) -> None:
        """Zero every counter, failure, exception and chart; keep the entries' names.

        Like Locust, the history restarts too: charts and reports then cover only what follows
        the reset instead of showing a cliff where every cumulative count dropped to zero.
        """
        now = self.clock.time()
        self.start_time = now
        self.end_time = None
        self.dropped_iterations = 0
        self.lateness.reset()
        self.corrected.clear()
        self.corrected_total = None
        self.total.reset(now)
        for entry in self.entries.values():
            entry.reset(now)
        self.errors.clear()
        self.exceptions.clear()
        self._kinds_logged = 0
        self._window.clear()
        for window in self._entry_windows.values():
            window.clear()
        self.history.clear()
        for series in self.entry_history.values():
            series.clear()

    def clear_all(self) -> None:
        """Forget everything, names and history included (a new test)."""
        self.entries.clear()
        self.entry_history.clear()
        self._entry_windows.clear()
        self.warnings.clear()
        self._name_warning_given = False
        self.reset_all()

    def mark_end(self) -> None:
        self.end_time = self.clock.time()

    # -- reading --------------------------------------------------------------------------------

    def snapshot(
        self,
        user_count: int = 0,
        fractions: Sequence[float] = PERCENTILES_TO_REPORT,
        *,
        names: bool = True,
    ) -> StatsSnapshot:
        """Freeze the current statistics for a report.

        ``names=False`` leaves out the per-name entries and their history: what a reader of
        the Aggregated row alone (the CSV history without ``--csv-full-history``) needs, at a
        cost that does not grow with the number of names (0.7 s at 50,000 names otherwise).
        """
        now = self.clock.time()
        until = self.end_time if self.end_time is not None else now
        entries = tuple(
            entry_snapshot(e, until, fractions)
            for _, e in (sorted(self.entries.items(), key=_name_then_method) if names else ())
        )
        return StatsSnapshot(
            time=now,
            start_time=self.start_time,
            end_time=self.end_time,
            user_count=user_count,
            entries=entries,
            total=entry_snapshot(self.total, until, fractions),
            errors=tuple(error_snapshot(g) for g in self._sorted_errors()),
            exceptions=tuple(exception_snapshot(r) for r in self._sorted_exceptions()),
            current_percentiles=dict(
                zip(CHART_PERCENTILES, self.current_percentiles(), strict=True)
            ),
            history=tuple(self.history.points),
            entry_history={k: tuple(s.points) for k, s in self.entry_history.items() if names},
            warnings=tuple(self.warnings),
            corrected=tuple(
                entry_snapshot(e, until, fractions)
                for _, e in (sorted(self.corrected.items(), key=_name_then_method) if names else ())
            ),
            corrected_total=(
                entry_snapshot(self.corrected_total, until, fractions)
                if self.corrected_total is not None
                else None
            ),
            lateness=(
                dict(zip(fractions, self.lateness.percentiles(fractions), strict=True))
                if self.lateness.count
                else {}
            ),
            dropped_iterations=self.dropped_iterations,
        )

    def buckets(self) -> dict[tuple[str, str], dict[float, int]]:
        """Histogram buckets per (name, method): ``{upper edge in ms: count}``."""
        return {key: e.histogram.nonzero_buckets_ms() for key, e in self.entries.items()}

    def _sorted_errors(self) -> list[StatsError]:
        return sorted(self.errors.values(), key=lambda g: -g.occurrences)

    def _sorted_exceptions(self) -> list[ExceptionRecord]:
        return sorted(self.exceptions.values(), key=lambda r: -r.count)


def _name_then_method(item: tuple[tuple[str, str], StatsEntry]) -> tuple[str, str]:
    return item[0]


def entry_snapshot(entry: StatsEntry, now: float, fractions: Sequence[float]) -> EntrySnapshot:
    wanted = fractions if 0.5 in fractions else (0.5, *fractions)
    values = dict(zip(wanted, entry.percentiles(wanted), strict=True))
    return EntrySnapshot(
        method=entry.method,
        name=entry.name,
        num_requests=entry.num_requests,
        num_failures=entry.num_failures,
        num_none_requests=entry.num_none_requests,
        min_response_time=entry.min_response_time or 0.0,
        max_response_time=entry.max_response_time,
        avg_response_time=entry.avg_response_time,
        median_response_time=values[0.5],
        percentiles={f: values[f] for f in fractions},
        total_content_length=entry.total_content_length,
        avg_content_length=entry.avg_content_length,
        total_rps=entry.total_rps_at(now),
        total_fail_per_sec=entry.total_fail_per_sec_at(now),
        current_rps=entry.current_rps_at(now),
        current_fail_per_sec=entry.current_fail_per_sec_at(now),
        start_time=entry.start_time,
        last_request_timestamp=entry.last_request_timestamp,
    )


def error_snapshot(group: StatsError) -> ErrorSnapshot:
    return ErrorSnapshot(
        method=group.method,
        name=group.name,
        error=group.error,
        occurrences=group.occurrences,
        first_seen=group.first_seen,
        last_seen=group.last_seen,
        samples=tuple(group.samples),
    )


def exception_snapshot(record: ExceptionRecord) -> ExceptionSnapshot:
    return ExceptionSnapshot(
        count=record.count,
        msg=record.msg,
        traceback=record.traceback,
        nodes=tuple(sorted(record.nodes)),
        first_seen=record.first_seen,
        last_seen=record.last_seen,
    )


def _frames(traceback: str, msg: str) -> str:
    """The traceback without its "Traceback (most recent call last):" header and without the
    final line when it repeats ``msg`` (the log line starts with it); in the log, a line
    starting with "Traceback" is kept for horde's own crashes."""
    lines = traceback.rstrip().splitlines()
    if lines and lines[0].startswith("Traceback (most recent call last)"):
        lines = lines[1:]
    if lines and lines[-1] == msg:
        lines = lines[:-1]
    return "\n".join(lines)
