"""Hand-built reports for the reports tests: real RequestStats on a FakeClock, fed requests,
failures (with a hostile response body) and a user exception, then frozen into a Report.

Not a conftest.py (the suite imports the root conftest by name); test modules here import it
directly (pytest puts this directory on ``sys.path``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from horde.reports.data import report_snapshot
from horde.reports.metadata import Machine, RunMetadata, ThresholdOutcome
from horde.reports.output import Report
from horde.stats import RequestStats
from horde.testing import FakeClock

HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
START = 1_700_000_000.0


@dataclass
class FakeResponse:
    """What a failure sample is built from (duck-typed like a requests.Response)."""

    status_code: int
    url: str
    _content: bytes
    headers: dict[str, str] = field(default_factory=dict)
    request: Any = None


def build_stats(seconds: int = 30, names: int = 3) -> RequestStats:
    """``names`` GET names with latencies 10*(i+1) ms ± a little, one POST that fails with a
    hostile body, a user exception; one tick per second."""
    clock = FakeClock(START)
    stats = RequestStats(clock)
    for second in range(seconds):
        for i in range(names):
            for k in range(10):
                stats.log_request("GET", f"/item/{i}", 10.0 * (i + 1) + k * 0.5, 100 + i)
        stats.on_request(
            request_type="POST",
            name='/buy?x="<b>"',
            response_time=250.0,
            response_length=20,
            exception="HTTPError('500 Server Error')",
            response=FakeResponse(
                500, "http://127.0.0.1/buy?x=<b>", HOSTILE.encode(), {"X-Evil": "<i>x</i>"}
            ),
        )
        clock.advance(1.0)
        stats.tick(user_count=min(second + 1, 5))
    stats.log_exception("ValueError: <bad>", 'Traceback...\n  File "lf.py", line 3\nValueError')
    stats.mark_end()
    return stats


def build_report(
    seconds: int = 30, names: int = 3, thresholds: tuple[ThresholdOutcome, ...] = ()
) -> Report:
    stats = build_stats(seconds, names)
    metadata = RunMetadata(
        locustfiles=("/tmp/locustfile.py",),
        locustfile_sha256="0" * 64,
        host="http://127.0.0.1:8080/<x>",
        load="5 users",
        start_time=START,
        end_time=START + seconds,
        machine=Machine("box", "Linux", "3.11", 2),
        thresholds=thresholds,
    )
    return Report(report_snapshot(stats, 5), metadata)
