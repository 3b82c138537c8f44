"""The periodic ``malloc_trim``: once per interval, never in a tick that collected garbage, and on this machine's
glibc it really gives freed heap pages back."""

from __future__ import annotations

import gc
import os
import sys
from typing import Any

import pytest

from terminal_app.services.heap_trim import HeapTrim, glibc_malloc_trim


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_trims_at_most_once_per_interval() -> None:
    calls: list[int] = []
    clock = Clock()
    heap = HeapTrim(60.0, trim=lambda pad: calls.append(pad) or 1, clock=clock)
    assert heap.available
    assert not heap.maybe_trim()                 # not before the first interval has passed
    clock.now += 60.0
    assert heap.maybe_trim()
    assert not heap.maybe_trim()
    clock.now += 59.9
    assert not heap.maybe_trim()
    clock.now += 0.2
    assert heap.maybe_trim()
    assert calls == [0, 0]
    assert heap.count == 2
    assert len(heap.durations_ms) == 2


def test_without_malloc_trim_nothing_happens() -> None:
    heap = HeapTrim(0.0, trim=None, clock=Clock())
    heap._trim = None                            # a C library without malloc_trim (macOS, Windows, musl)
    assert not heap.available
    assert not heap.maybe_trim()


def test_the_collector_timer_trims_only_in_a_tick_without_a_collection(qapp: Any) -> None:
    from terminal_app.app import MainThreadGc

    calls: list[int] = []
    clock = Clock()
    collector = MainThreadGc(interval_ms=10_000, heap=HeapTrim(1.0, trim=lambda pad: calls.append(pad) or 1,
                                                                 clock=clock))
    try:
        clock.now += 5.0
        garbage = [[] for _ in range(gc.get_threshold()[0] + 10)]   # gen 0 over its threshold
        collector.check()                        # this tick collects ...
        assert calls == []
        del garbage
        collector.check()                        # ... the next one trims
        assert calls == [0]
    finally:
        collector.stop()


def _rss_kb() -> int:
    with open(f"/proc/{os.getpid()}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim is Linux's")
def test_glibc_gives_the_holes_of_a_fragmented_heap_back() -> None:
    trim = glibc_malloc_trim()
    assert trim is not None
    # 64 KiB buffers come from the heap (under glibc's 128 KiB mmap threshold); freeing every other one leaves
    # ~40 MB of holes below the ones still alive, which glibc keeps until trimmed.
    blocks = [bytearray(b"x" * 65_536) for _ in range(1_200)]
    del blocks[::2]
    keep_top = bytearray(b"y" * 65_536)  # alive above the holes
    before = _rss_kb()
    heap = HeapTrim(0.0, trim=trim)
    assert heap.maybe_trim()
    after = _rss_kb()
    assert before - after > 20_000, (before, after)
    assert len(blocks) == 600
    assert keep_top
