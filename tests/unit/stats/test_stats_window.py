"""SecondCounter: per-second counts in a fixed ring, and the rolling "current" rate."""

from __future__ import annotations

from horde.stats.window import RING_SECONDS, WINDOW_SECONDS, SecondCounter

T0 = 1_700_000_000


def test_ring_is_longer_than_the_window_plus_the_current_second() -> None:
    assert RING_SECONDS > WINDOW_SECONDS + 1


def test_counts_events_per_whole_second() -> None:
    counter = SecondCounter()
    counter.add(T0 + 0.1)
    counter.add(T0 + 0.9, count=2)
    counter.add(T0 + 1.0)
    assert counter.count_at(T0) == 3
    assert counter.count_at(T0 + 1) == 1
    assert counter.count_at(T0 + 2) == 0  # in the future
    assert counter.count_at(T0 - 1) == 0


def test_empty_counter_reports_nothing() -> None:
    counter = SecondCounter()
    assert counter.count_at(T0) == 0
    assert counter.rate(T0 + 20, T0) == 0.0


def test_ring_wraps_around_and_forgets_seconds_older_than_the_ring() -> None:
    counter = SecondCounter()
    for k in range(3 * RING_SECONDS):
        counter.add(T0 + k, count=k + 1)
    last = T0 + 3 * RING_SECONDS - 1
    for s in range(last - RING_SECONDS + 1, last + 1):
        assert counter.count_at(s) == s - T0 + 1
    assert counter.count_at(last - RING_SECONDS) == 0
    assert counter.count_at(T0) == 0


def test_skipped_seconds_are_zeroed() -> None:
    counter = SecondCounter()
    for k in range(RING_SECONDS):
        counter.add(T0 + k, count=5)
    counter.add(T0 + RING_SECONDS + 3)  # skips three seconds: their old slots must be cleared
    for s in range(T0 + RING_SECONDS, T0 + RING_SECONDS + 3):
        assert counter.count_at(s) == 0
    assert counter.count_at(T0 + RING_SECONDS + 3) == 1
    assert counter.count_at(T0 + 4) == 5


def test_a_gap_longer_than_the_ring_clears_everything() -> None:
    counter = SecondCounter()
    for k in range(RING_SECONDS):
        counter.add(T0 + k, count=9)
    counter.add(T0 + 10 * RING_SECONDS)
    total = sum(
        counter.count_at(s) for s in range(T0 + 9 * RING_SECONDS, T0 + 10 * RING_SECONDS + 1)
    )
    assert total == 1


def test_late_event_within_the_ring_counts_for_its_own_second() -> None:
    counter = SecondCounter()
    counter.add(T0 + 100)
    counter.add(T0 + 95)
    assert counter.count_at(T0 + 95) == 1
    assert counter.count_at(T0 + 100) == 1
    counter.add(T0 + 101)  # the late event did not move the ring backwards
    assert counter.count_at(T0 + 95) == 1


def test_late_event_older_than_the_ring_is_dropped_not_misfiled() -> None:
    counter = SecondCounter()
    for k in range(RING_SECONDS):
        counter.add(T0 + 100 - k)  # one event in each second of the ring, newest first
    counter.add(T0 + 100 - RING_SECONDS)  # just too old: shares a slot with T0 + 100
    counter.add(T0 + 100 - 3 * RING_SECONDS - 5)
    assert counter.count_at(T0 + 100) == 1
    assert counter.count_at(T0 + 100 - 5) == 1
    assert sum(counter.count_at(s) for s in range(T0, T0 + 101)) == RING_SECONDS


def test_rate_is_the_mean_over_the_last_complete_seconds() -> None:
    counter = SecondCounter()
    for k in range(30):
        counter.add(T0 + k + 0.5, count=k)  # k events during second k
    # at T0 + 30.7 the window is seconds 20..29, the current second 30 is excluded
    assert counter.rate(T0 + 30.7, T0) == sum(range(20, 30)) / 10
    assert counter.rate(T0 + 30.7, T0, window=2) == (28 + 29) / 2


def test_rate_early_in_the_run_covers_only_elapsed_seconds() -> None:
    counter = SecondCounter()
    for k in range(4):
        counter.add(T0 + k, count=6)
    assert counter.rate(T0 + 0.5, T0) == 0.0  # no complete second yet
    assert counter.rate(T0 + 1, T0) == 6.0
    assert counter.rate(T0 + 3.9, T0) == 6.0  # three complete seconds, not diluted over ten


def test_rate_decays_to_zero_after_idle() -> None:
    counter = SecondCounter()
    for k in range(20):
        counter.add(T0 + k, count=10)
    assert counter.rate(T0 + 20, T0) == 10.0
    assert counter.rate(T0 + 25, T0) == 5.0
    assert counter.rate(T0 + 30, T0) == 0.0
    assert counter.rate(T0 + 10_000, T0) == 0.0


def test_merge_adds_per_second_counts() -> None:
    a, b = SecondCounter(), SecondCounter()
    a.add(T0 + 5, count=2)
    a.add(T0 + 6)
    b.add(T0 + 6, count=3)
    b.add(T0 + 8)
    a.merge(b)
    assert [a.count_at(T0 + s) for s in range(4, 10)] == [0, 2, 4, 0, 1, 0]
    assert [b.count_at(T0 + s) for s in range(4, 10)] == [0, 0, 3, 0, 1, 0]


def test_merge_into_a_newer_counter_keeps_only_the_ring() -> None:
    new, old = SecondCounter(), SecondCounter()
    new.add(T0 + 100)
    old.add(T0 + 100 - RING_SECONDS, count=7)  # would land in the slot of T0 + 100
    old.add(T0 + 99, count=2)
    new.merge(old)
    assert new.count_at(T0 + 100) == 1
    assert new.count_at(T0 + 99) == 2


def test_merge_with_empty_counters() -> None:
    a, empty = SecondCounter(), SecondCounter()
    a.add(T0, count=4)
    a.merge(empty)
    assert a.count_at(T0) == 4
    empty.merge(a)
    assert empty.count_at(T0) == 4


def test_reset_forgets_everything() -> None:
    counter = SecondCounter()
    counter.add(T0, count=3)
    counter.reset()
    assert counter.count_at(T0) == 0
    counter.add(T0 - 500)  # after a reset any second is acceptable again
    assert counter.count_at(T0 - 500) == 1
