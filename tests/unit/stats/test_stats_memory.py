"""Memory is bounded by design: a long run costs what a short one does (structure sizes, no RSS)."""

from __future__ import annotations

import ctypes
import gc
import sys
import types
from typing import Any

from horde.stats.entry import StatsEntry
from horde.stats.histogram import Histogram
from horde.stats.history import CAPACITY
from horde.stats.registry import RequestStats
from horde.stats.window import RING_SECONDS, WINDOW_SECONDS
from horde.testing.clock import FakeClock

_SHARED = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.CodeType)


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
    run(entry, clock, 1_000, 200)
    assert entry.histogram.count == 1_000  # reading flushes the deferred recordings
    short = deep_size(entry)
    run(entry, clock, 50_000, 10_000)
    assert entry.histogram.count == 51_000
    middle = deep_size(entry)
    run(entry, clock, 50_000, 10_000)
    assert entry.histogram.count == 101_000
    long = deep_size(entry)
    assert entry.num_requests == 101_000
    assert long == middle
    assert abs(long - short) < 256  # at most a few larger ints
    assert not hasattr(entry, "__dict__")
    assert 20_000 < long < 64_000  # the HDR counters dominate: about 27 KB
    layout = len(StatsEntry("x", "", 0).histogram.bucket_counts())
    assert len(entry.histogram.bucket_counts()) == layout
    assert entry.requests_in_second(int(clock.time()) - RING_SECONDS - 1) == 0


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
        assert len(entry._fails._ring) == RING_SECONDS


def test_deferred_recordings_stay_bounded() -> None:
    """Values wait in a dict until read; distinct ones beyond MAX_PENDING are flushed at once."""
    histogram = Histogram()
    for us in range(10 * Histogram.MAX_PENDING):
        histogram.record(us / 1000.0)
        assert len(histogram._pending) <= Histogram.MAX_PENDING
    assert histogram.count == 10 * Histogram.MAX_PENDING
    assert not histogram._pending
