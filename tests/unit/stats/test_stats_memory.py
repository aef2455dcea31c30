"""Memory is bounded by design and small per name (structure sizes, no RSS).

A long run costs what a short one does; a name used a few times costs about a kilobyte.
"""

from __future__ import annotations

import ctypes
import gc
import sys
import types
from typing import Any

import pytest

from horde.stats.entry import StatsEntry
from horde.stats.histogram import (
    COUNTS_LEN,
    HIGHEST_US,
    SPARSE_LIMIT,
    SPARSE_SAMPLES,
    Histogram,
    bucket_index,
)
from horde.stats.history import CAPACITY
from horde.stats.registry import RequestStats
from horde.stats.window import RING_SECONDS, WINDOW_SECONDS
from horde.testing.clock import FakeClock

_SHARED = (
    type,
    types.ModuleType,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.CodeType,
    types.MethodType,  # an entry's clock: the registry's bound method, one for all entries
)


def deep_size(root: object) -> int:
    """Bytes reachable from ``root`` (each object once), not counting types, modules, code."""
    seen: set[int] = set()
    stack: list[Any] = [root]
    total = 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, _SHARED):
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        if isinstance(obj, ctypes.Array):  # getsizeof leaves out the buffer (HDR counters)
            total += ctypes.sizeof(obj)
        stack.extend(gc.get_referents(obj))
    return total


def run(entry: StatsEntry, clock: FakeClock, records: int, seconds: int) -> None:
    """``records`` requests spread evenly over ``seconds`` fake seconds, 1 in 10 failing."""
    step = seconds / records
    for k in range(records):
        entry.log(float(k % 5000) + 0.5, 512, clock.time())
        if k % 10 == 0:
            entry.log_error(clock.time())
        clock.advance(step)


def test_an_entry_does_not_grow_with_run_length() -> None:
    clock = FakeClock()
    entry = StatsEntry("/a", "GET", clock.time())
    run(entry, clock, 10_000, 2_000)  # 0.5 .. 4999.5 ms: the histogram's span is now complete
    assert entry.histogram.count == 10_000
    short = deep_size(entry)
    run(entry, clock, 50_000, 10_000)
    assert entry.histogram.count == 60_000
    middle = deep_size(entry)
    run(entry, clock, 50_000, 10_000)
    assert entry.histogram.count == 110_000
    long = deep_size(entry)
    assert entry.num_requests == 110_000
    assert long == middle
    assert abs(long - short) < 256  # at most a few larger ints
    assert not hasattr(entry, "__dict__")
    assert long < 12_000  # a span of 1,300 buckets (0.5 ms .. 5 s), 32-bit counters
    assert entry.requests_in_second(int(clock.time()) - RING_SECONDS - 1) == 0


def test_a_name_used_a_few_times_costs_about_a_kilobyte() -> None:
    """50,000 distinct URLs once cost 30 KB each (a full HDR counts array per name)."""
    clock = FakeClock()
    stats = RequestStats(clock)
    for k in range(1_000):
        for ms in (3.0, 17.5, 250.0):
            stats.log_request("GET", f"/item/{k}", ms, 100)
        clock.advance(0.01)
    entry = stats.entries[("/item/7", "GET")]
    assert deep_size(entry) < 2_000
    everything = deep_size(stats) - deep_size(stats.total)
    assert everything / 1_000 < 2_500  # per name, with the registry's keys, history and windows


def test_the_dense_span_grows_at_both_ends_and_stays_exact() -> None:
    hist = Histogram()
    values = [10.0 + k * 0.1 for k in range(SPARSE_LIMIT + 1)]  # one bucket each: turns dense
    for ms in values:
        hist.record(ms)
    assert hist._dense is not None
    small = deep_size(hist)
    hist.record(0.001)  # far below the span
    hist.record(HIGHEST_US / 1000.0)  # the last bucket
    assert hist._dense is not None
    assert hist._base == 1
    assert deep_size(hist) > small
    # at most the whole layout in 32-bit counters, plus the array's growth slack (1/16)
    assert deep_size(hist) < 4 * COUNTS_LEN * 17 // 16 + 512
    reference = [0] * COUNTS_LEN
    for ms in [*values, 0.001, HIGHEST_US / 1000.0]:
        reference[bucket_index(min(HIGHEST_US, int(ms * 1000 + 0.5)))] += 1
    assert hist.bucket_counts() == reference


def test_counters_widen_from_16_to_32_to_64_bits_instead_of_overflowing() -> None:
    hist = Histogram()
    for k in range(SPARSE_LIMIT + 1):
        hist.record(1.0 + k * 0.01)
    assert hist._dense is not None
    assert hist._dense.typecode == "H"
    for _ in range(70_000):  # past 65,535 in one bucket, one sample at a time (the fast path)
        hist.record(1.0)
    assert hist._dense.typecode == "I"
    hist.record(1.0, count=2**32)
    assert hist._dense.typecode == "q"
    assert hist.count == SPARSE_LIMIT + 1 + 70_000 + 2**32
    other = hist.copy()
    other.merge(hist)
    assert other.count == 2 * hist.count
    small = Histogram()
    small.record(2.0)
    small.merge(hist)  # a sparse one absorbing a wide one turns dense, wide enough at once
    assert small.count == hist.count + 1


def test_a_huge_count_never_reaches_the_packed_sparse_form() -> None:
    hist = Histogram()
    hist.record(3.0, count=2**40)  # would spill into the bucket bits of ``index << 32 | count``
    assert hist._dense is not None
    assert hist.items() == [(bucket_index(3000), 2**40)]
    assert hist.percentiles([0.5])[0] == pytest.approx(3.0, rel=0.01)


def test_a_busy_name_with_few_buckets_turns_dense_after_enough_samples() -> None:
    hist = Histogram()
    for _ in range(SPARSE_SAMPLES):
        hist.record(0.42)
    assert hist._dense is None
    assert deep_size(hist) < 256
    hist.record(0.42)
    assert hist._dense is not None
    assert hist.items() == [(bucket_index(420), SPARSE_SAMPLES + 1)]


def test_reset_gives_the_dense_span_back() -> None:
    hist = Histogram()
    for k in range(1_000):
        hist.record(k * 0.7)
    assert hist._dense is not None
    hist.reset()
    assert hist._dense is None
    assert hist.count == 0
    assert deep_size(hist) < 256


def test_a_registry_keeps_its_structures_bounded() -> None:
    clock = FakeClock()
    stats = RequestStats(clock)
    for second in range(1_500):
        for k in range(5):
            stats.log_request("GET", f"/p{k}", 1.0 + second % 97, 100)
        if second % 7 == 0:
            stats.log_error("GET", "/p0", f"error at {clock.time()!r}")  # distinct messages
        clock.advance(1)
        if second % 3 == 0:
            stats.tick(10)
    assert len(stats.entries) == 5
    assert len(stats.history.points) <= CAPACITY
    assert all(len(s.points) <= CAPACITY for s in stats.entry_history.values())
    windows = [stats._window, *stats._entry_windows.values()]
    assert all(len(w._snapshots) == WINDOW_SECONDS + 1 for w in windows)
    assert all(len(g.samples) <= 5 for g in stats.errors.values())
    for entry in [stats.total, *stats.entries.values()]:
        assert len(entry._reqs._ring) == RING_SECONDS
        assert len(entry._fails._ring) in (0, RING_SECONDS)  # allocated at the first failure
    assert len(stats.entries[("/p1", "GET")]._fails._ring) == 0
