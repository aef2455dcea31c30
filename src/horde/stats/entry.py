"""One statistics entry: all samples for a (method, name) pair, or the Aggregated total.

Counts, failures, exact min/max/sum and content sizes are kept as plain numbers; the distribution
lives in an HDR :class:`~horde.stats.histogram.Histogram`; per-second counts in a fixed ring.
Memory per entry is bounded however long the run, and small: about 1.5 KB for a name used a few
times, at most about 15 KB for a busy one with a wide spread of response times.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from horde.stats.histogram import Histogram
from horde.stats.window import WINDOW_SECONDS, SecondCounter


class StatsEntry:
    """Statistics for one request name and method (Locust's ``StatsEntry`` surface)."""

    __slots__ = (
        "_fails",
        "_now",
        "_reqs",
        "histogram",
        "last_request_timestamp",
        "max_response_time",
        "method",
        "min_response_time",
        "name",
        "num_failures",
        "num_none_requests",
        "num_requests",
        "start_time",
        "total_content_length",
        "total_response_time",
    )

    def __init__(
        self,
        name: str,
        method: str,
        start_time: float,
        now: Callable[[], float] | None = None,
    ) -> None:
        self.name = name
        self.method = method
        self._now = now
        """The registry's notion of "now" (its clock, or the end of the run once over)."""
        self.histogram = Histogram()
        self._reqs = SecondCounter()
        self._fails = SecondCounter()
        self.reset(start_time)

    def reset(self, start_time: float) -> None:
        self.start_time = start_time
        self.last_request_timestamp: float | None = None
        self.num_requests = 0
        self.num_none_requests = 0
        self.num_failures = 0
        self.total_response_time = 0.0
        self.min_response_time: float | None = None
        self.max_response_time = 0.0
        self.total_content_length = 0
        self.histogram.reset()
        self._reqs.reset()
        self._fails.reset()

    # -- recording (hot path) -------------------------------------------------------------------

    def log(self, response_time: float | None, content_length: int, now: float) -> None:
        """Record one finished request (successful or not) that ended at ``now``."""
        self.num_requests += 1
        self.last_request_timestamp = now
        self._reqs.add(now)
        self.total_content_length += content_length
        if response_time is None:
            self.num_none_requests += 1
            return
        self.total_response_time += response_time
        if self.min_response_time is None or response_time < self.min_response_time:
            self.min_response_time = response_time
        self.max_response_time = max(self.max_response_time, response_time)
        self.histogram.record(response_time)

    def log_error(self, now: float) -> None:
        self.num_failures += 1
        self._fails.add(now)

    # -- derived values -------------------------------------------------------------------------

    @property
    def timed_requests(self) -> int:
        return self.num_requests - self.num_none_requests

    @property
    def avg_response_time(self) -> float:
        timed = self.timed_requests
        return self.total_response_time / timed if timed else 0.0

    @property
    def avg_content_length(self) -> float:
        return self.total_content_length / self.num_requests if self.num_requests else 0.0

    @property
    def fail_ratio(self) -> float:
        """Failures per request; 1.0 for failures logged without any request (as Locust)."""
        if self.num_requests:
            return self.num_failures / self.num_requests
        return 1.0 if self.num_failures else 0.0

    def percentiles(self, fractions: Sequence[float]) -> list[float]:
        """Response times (ms) at ``fractions`` (0..1), clamped to the exact [min, max]."""
        if not self.timed_requests:
            return [0.0 for _ in fractions]
        low = self.min_response_time or 0.0
        high = self.max_response_time
        return [
            high if fraction >= 1.0 or value > high else (low if value < low else value)
            for fraction, value in zip(
                fractions, self.histogram.percentiles(fractions), strict=True
            )
        ]

    def get_response_time_percentile(self, percent: float) -> float:
        """Locust's accessor: ``percent`` is a fraction (0.95 means p95)."""
        return self.percentiles([percent])[0]

    @property
    def median_response_time(self) -> float:
        return self.get_response_time_percentile(0.5)

    def total_rps_at(self, now: float) -> float:
        """Requests per second since the entry started (``now``: current time or the run's end)."""
        return self._per_second(self.num_requests, now)

    def total_fail_per_sec_at(self, now: float) -> float:
        return self._per_second(self.num_failures, now)

    def _per_second(self, count: int, now: float) -> float:
        """``count`` over the time from the entry's start to ``now`` (the run's end once over)."""
        duration = now - self.start_time
        return count / duration if duration > 0 else float(count)

    def current_rps_at(self, now: float, window: int = WINDOW_SECONDS) -> float:
        return self._reqs.rate(now, self.start_time, window)

    def current_fail_per_sec_at(self, now: float, window: int = WINDOW_SECONDS) -> float:
        return self._fails.rate(now, self.start_time, window)

    def _current_time(self) -> float:
        if self._now is not None:
            return self._now()
        return self.last_request_timestamp or self.start_time

    @property
    def current_rps(self) -> float:
        """Locust's property: requests/s over the last ten seconds, at the registry's "now"."""
        return self.current_rps_at(self._current_time())

    @property
    def current_fail_per_sec(self) -> float:
        return self.current_fail_per_sec_at(self._current_time())

    @property
    def total_rps(self) -> float:
        """Locust's property: requests/s over the whole run."""
        return self.total_rps_at(self._current_time())

    @property
    def total_fail_per_sec(self) -> float:
        return self.total_fail_per_sec_at(self._current_time())

    def requests_in_second(self, second: int) -> int:
        return self._reqs.count_at(second)

    def failures_in_second(self, second: int) -> int:
        return self._fails.count_at(second)

    # -- merging --------------------------------------------------------------------------------

    def extend(self, other: StatsEntry) -> None:
        """Add ``other``'s samples to this entry (exact: counts, extremes and histograms)."""
        self.num_requests += other.num_requests
        self.num_none_requests += other.num_none_requests
        self.num_failures += other.num_failures
        self.total_response_time += other.total_response_time
        self.total_content_length += other.total_content_length
        if other.min_response_time is not None and (
            self.min_response_time is None or other.min_response_time < self.min_response_time
        ):
            self.min_response_time = other.min_response_time
        self.max_response_time = max(self.max_response_time, other.max_response_time)
        self.start_time = min(self.start_time, other.start_time)
        if other.last_request_timestamp is not None:
            self.last_request_timestamp = max(
                self.last_request_timestamp or 0.0, other.last_request_timestamp
            )
        self.histogram.merge(other.histogram)
        self._reqs.merge(other._reqs)
        self._fails.merge(other._fails)

    def to_dict(self, now: float, fractions: Sequence[float] = (0.5, 0.95, 0.99)) -> dict[str, Any]:
        """A plain-data view with Locust's key names plus ``percentiles``."""
        values = self.percentiles(fractions)
        return {
            "method": self.method,
            "name": self.name,
            "num_requests": self.num_requests,
            "num_none_requests": self.num_none_requests,
            "num_failures": self.num_failures,
            "min_response_time": self.min_response_time or 0.0,
            "max_response_time": self.max_response_time,
            "avg_response_time": self.avg_response_time,
            "median_response_time": self.median_response_time,
            "total_response_time": self.total_response_time,
            "total_content_length": self.total_content_length,
            "avg_content_length": self.avg_content_length,
            "current_rps": self.current_rps_at(now),
            "current_fail_per_sec": self.current_fail_per_sec_at(now),
            "total_rps": self.total_rps_at(now),
            "total_fail_per_sec": self.total_fail_per_sec_at(now),
            "fail_ratio": self.fail_ratio,
            "start_time": self.start_time,
            "last_request_timestamp": self.last_request_timestamp,
            "percentiles": {_pkey(f): v for f, v in zip(fractions, values, strict=True)},
        }


def _pkey(fraction: float) -> str:
    """0.95 -> "0.95", 0.5 -> "0.5", 1.0 -> "1.0" (stable JSON keys)."""
    return repr(float(fraction))
