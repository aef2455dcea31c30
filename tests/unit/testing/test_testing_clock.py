"""FakeClock: manual advance, autojump to the next deadline, and killed sleepers."""

from __future__ import annotations

import gevent
import pytest

from horde.testing.clock import FakeClock


def test_autojump_wakes_sleepers_in_deadline_order_at_exact_times() -> None:
    clock = FakeClock(autojump=True)
    log: list[tuple[float, str]] = []

    def sleeper(name: str, period: float, count: int) -> None:
        for _ in range(count):
            clock.sleep(period)
            log.append((clock.monotonic() - 1000.0, name))

    gevent.joinall([gevent.spawn(sleeper, "a", 1.0, 3), gevent.spawn(sleeper, "b", 0.75, 4)])
    assert log == [
        (0.75, "b"),
        (1.0, "a"),
        (1.5, "b"),
        (2.0, "a"),
        (2.25, "b"),
        (3.0, "a"),
        (3.0, "b"),
    ]
    assert clock.time() - 1_700_000_000.0 == 3.0


def test_without_autojump_time_moves_only_when_advanced() -> None:
    clock = FakeClock()
    woken: list[float] = []
    greenlet = gevent.spawn(lambda: (clock.sleep(5), woken.append(clock.monotonic())))
    gevent.sleep(0)
    clock.advance(4.9)
    gevent.sleep(0)
    assert woken == []
    clock.advance(0.1)
    greenlet.join(timeout=5)
    assert woken == [pytest.approx(1005.0)]


def test_a_killed_sleeper_is_skipped() -> None:
    clock = FakeClock(autojump=True)
    doomed = gevent.spawn(clock.sleep, 100)
    gevent.sleep(0)
    doomed.kill()
    clock.sleep(5)
    assert clock.monotonic() == 1005.0


def test_bad_durations() -> None:
    clock = FakeClock()
    with pytest.raises(ValueError, match="NaN"):
        clock.sleep(float("nan"))
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)
    clock.sleep(0)
    clock.sleep(-3)  # nothing to wait for: just yields
    assert clock.monotonic() == 1000.0
