"""Turn a run's samples into steady-state figures, and latency lists into percentiles.

The steady window of a run starts ``settle`` seconds after every user is connected (nginx's open
connections first reach the user count; if they never do, the nominal ramp time after the first
request) and ends at the run-time limit (``run_time`` after the first request) or one sample
before nginx's request counter stopped rising, whichever is first: a saturated generator can take
many seconds to stop its users, and that stop phase is not steady state.

Requests/s is the rise of nginx's counter across the window (minus the harness's own status
requests), CPU % the rise of the generator tree's CPU ticks over the same wall time.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bench.procs import CLOCK_TICKS, Sample

MIN_WINDOW_SECONDS = 0.8
FOREIGN_CPU_LIMIT = 5.0  # % of either core used by other work before a run is suspect
FOREIGN_METRICS = {
    "foreign_cpu_percent": "the generator core",
    "server_foreign_cpu_percent": "nginx's core",
}


class MeasureError(ValueError):
    """The samples do not contain a usable steady window."""


@dataclass(frozen=True)
class Steady:
    """Figures over the steady window of one run."""

    start_offset: float  # seconds after the first sample
    seconds: float
    ready_by: str  # "connections" or "nominal ramp"
    requests_per_second: float
    cpu_percent: float
    foreign_cpu_percent: float  # other processes on the generator's core: should be ~0
    server_foreign_cpu_percent: float  # other processes on nginx's core: should be ~0


def steady_window(
    samples: Sequence[Sample], users: int, nominal_ramp: float, settle: float, run_time: float
) -> Steady:
    """Requests/s and CPU % from ``settle`` s after all users connected to the traffic's end."""
    active = _active_indices(samples)
    if not active:
        raise MeasureError("nginx saw no requests from the generator")
    traffic_start = samples[active[0] - 1].mono
    limit = traffic_start + run_time
    # The last interval with traffic may be cut short by the stop, hence the - 1.
    end = min(active[-1] - 1, max(i for i, s in enumerate(samples) if s.mono <= limit))
    connected = next((s.mono for s in samples if s.connections >= users), None)
    if connected is None or connected + settle + MIN_WINDOW_SECONDS > samples[end].mono:
        # Too overloaded to connect every user in time: it has no steady state to wait for.
        ready_by, ready = "nominal ramp", traffic_start + nominal_ramp
    else:
        ready_by, ready = "connections", connected
    begin = next((i for i in range(end) if samples[i].mono >= ready + settle), end)
    a, b = samples[begin], samples[end]
    seconds = b.mono - a.mono
    if seconds < MIN_WINDOW_SECONDS:
        raise MeasureError(f"steady window only {max(seconds, 0):.1f} s; use a longer --duration")
    status_requests = end - begin  # one stub_status request per sample after the first
    cpu_percent = _percent(b.cpu_ticks - a.cpu_ticks, seconds)
    return Steady(
        start_offset=a.mono - samples[0].mono,
        seconds=seconds,
        ready_by=ready_by,
        requests_per_second=(b.requests - a.requests - status_requests) / seconds,
        cpu_percent=cpu_percent,
        foreign_cpu_percent=max(0.0, _percent(b.core_ticks - a.core_ticks, seconds) - cpu_percent),
        server_foreign_cpu_percent=max(
            0.0,
            _percent(b.server_core_ticks - a.server_core_ticks, seconds)
            - _percent(b.server_own_ticks - a.server_own_ticks, seconds),
        ),
    )


def _percent(ticks: int, seconds: float) -> float:
    return 100 * ticks / CLOCK_TICKS / seconds


def _active_indices(samples: Sequence[Sample]) -> list[int]:
    """Indices whose counter rose by more than the status request itself."""
    return [i for i in range(1, len(samples)) if samples[i].requests - samples[i - 1].requests > 1]


def nearest_rank(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of raw values (used for nginx's logged times)."""
    if not values:
        raise MeasureError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def locust_percentile(response_times: Mapping[str, int], fraction: float) -> float:
    """Locust's own percentile over its rounded ``response_times`` histogram (what it reports)."""
    counts = sorted(((float(ms), n) for ms, n in response_times.items()), reverse=True)
    total = sum(n for _, n in counts)
    allowed_above = int(total * fraction)
    processed = 0
    for ms, n in counts:
        processed += n
        if total - processed <= allowed_above:
            return ms
    return 0.0


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2
