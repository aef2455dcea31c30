"""Thresholds: the expression syntax and evaluation against real statistics entries."""

from __future__ import annotations

import pytest

from horde.exceptions import ConfigError
from horde.stats.entry import StatsEntry
from horde.stats.thresholds import (
    ThresholdSource,
    evaluate,
    parse_threshold,
    parse_thresholds,
)


@pytest.mark.parametrize(
    ("text", "metric", "op", "limit", "fraction", "name", "method"),
    [
        ("p95<300ms", "percentile", "<", 300.0, 0.95, None, None),
        ("p(99.9) <= 1.5s", "percentile", "<=", 1500.0, 0.999, None, None),
        ("median<20", "percentile", "<", 20.0, 0.5, None, None),
        ("GET /api/items: p99<500ms", "percentile", "<", 500.0, 0.99, "/api/items", "GET"),
        ("/api/items: avg<50", "avg", "<", 50.0, None, "/api/items", None),
        ("fail_ratio<1%", "fail_ratio", "<", 0.01, None, None, None),
        ("fail_ratio<0.01", "fail_ratio", "<", 0.01, None, None, None),
        ("rps>200", "rps", ">", 200.0, None, None, None),
        ("failures<=0", "failures", "<=", 0.0, None, None, None),
        ("Aggregated: max<2s", "max", "<", 2000.0, None, None, None),
        ("login flow: requests>=10", "requests", ">=", 10.0, None, "login flow", None),
        ("corrected_p99<1s", "corrected_percentile", "<", 1000.0, 0.99, None, None),
    ],
)
def test_parse(
    text: str,
    metric: str,
    op: str,
    limit: float,
    fraction: float | None,
    name: str | None,
    method: str | None,
) -> None:
    threshold = parse_threshold(text)
    assert (threshold.metric, threshold.op, threshold.limit) == (metric, op, pytest.approx(limit))
    assert threshold.fraction == (pytest.approx(fraction) if fraction is not None else None)
    assert (threshold.name, threshold.method) == (name, method)
    assert not threshold.abort_on_fail


def test_abort_and_delay() -> None:
    threshold = parse_threshold("p95<300ms abort delay=10s")
    assert threshold.abort_on_fail
    assert threshold.delay == 10.0


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("p95", "use \\[NAME:\\] METRIC OP VALUE"),
        ("p95<fast", "use \\[NAME:\\]"),
        ("p0<10", "percentile must be in"),
        ("p101<10", "percentile must be in"),
        ("speed<10", "unknown metric 'speed'"),
        ("rps>10ms", "rps is not a time"),
        ("p95<5%", "only fail_ratio takes a percentage"),
        ("p95<300ms forever", "unknown option 'forever'"),
        ("p95<300ms delay=soon", "invalid time span"),
        ("p95<1e999", "finite"),
    ],
)
def test_bad_thresholds_say_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        parse_threshold(text)


def test_a_non_string_is_refused() -> None:
    with pytest.raises(ConfigError, match="must be a string"):
        parse_thresholds([95])


def entry(name: str, method: str, times: list[float], failures: int = 0) -> StatsEntry:
    result = StatsEntry(name, method, 0.0)
    for value in times:
        result.log(value, 10, 1.0)
    for _ in range(failures):
        result.log_error(1.0)
    return result


def test_evaluate_against_entries() -> None:
    items = entry("/items", "GET", [10.0] * 99 + [900.0], failures=2)
    login = entry("/login", "POST", [50.0] * 10)
    total = StatsEntry("Aggregated", "", 0.0)
    total.extend(items)
    total.extend(login)
    source = ThresholdSource(total, {("/items", "GET"): items, ("/login", "POST"): login}, 10.0)
    results = evaluate(
        parse_thresholds(
            [
                "p99<60ms",
                "GET /items: max<1s",
                "/login: avg<=50",
                "fail_ratio<1%",
                "rps>=11",
                "/nothing: p50<1",
            ]
        ),
        source,
    )
    summary = [(r.expression, r.passed, r.observed) for r in results]
    assert summary[0][1:] == (True, pytest.approx(50.0, rel=0.01))  # rank 109 of 110
    assert summary[1][1:] == (True, pytest.approx(900.0))
    assert summary[2][1:] == (True, pytest.approx(50.0))
    assert summary[3][1:] == (False, pytest.approx(2 / 110))
    assert summary[4][1:] == (True, pytest.approx(11.0))
    assert summary[5][1:] == (False, None)
    assert "no requests named /nothing" in results[5].describe()
    assert results[3].describe() == "fail_ratio<1%: 1.818%"


def test_a_name_with_several_methods_is_checked_merged() -> None:
    get = entry("/x", "GET", [10.0] * 10)
    post = entry("/x", "POST", [1000.0] * 10)
    total = StatsEntry("Aggregated", "", 0.0)
    source = ThresholdSource(total, {("/x", "GET"): get, ("/x", "POST"): post}, 10.0)
    (result,) = evaluate(parse_thresholds(["/x: max<500"]), source)
    assert result.observed == pytest.approx(1000.0)
    assert not result.passed
