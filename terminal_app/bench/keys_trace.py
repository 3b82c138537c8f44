"""What happened during each press of ``bench keys``: enough to say why the slow ones were slow.

Per press, beside the stage times (``bench.keys``):

``runq_ms``
    how long the GUI thread sat runnable on a run queue, waiting for a core, during the key event
    (``/proc/thread-self/schedstat``'s second field, read just before and just after it; Linux only);
``switches``
    the times the GUI thread was taken off a core during the key event (the schedstat's third field);
``gc_ms``
    garbage collection (any generation, any thread) between the key press and the bytes on the wire
    (``gc.callbacks``);
``journal_ms``
    the journal writer thread's batches overlapping that span: Python code on another thread of the GUI's process
    that can hold the GIL (the GUI thread then waits up to ``sys.getswitchinterval()`` for it);
``in_handler``
    whether the bytes were on the wire before the key event returned (the eager send): a press whose bytes left
    later was suspended somewhere between the key and the socket and waited for the event loop.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

SCHEDSTAT = Path("/proc/thread-self/schedstat")
SLOWEST = 5  # presses described in the output


def thread_sched() -> tuple[int, int, int]:
    """(ns on a core, ns waiting on a run queue, times scheduled) of the calling thread; zeros where unknown."""
    try:
        fd = os.open(SCHEDSTAT, os.O_RDONLY)
        try:
            run, wait, slices = os.read(fd, 128).split()[:3]
        finally:
            os.close(fd)
    except (OSError, ValueError):
        return 0, 0, 0
    return int(run), int(wait), int(slices)


class Spans:
    """(start_ns, end_ns) intervals, and how much of a window they cover."""

    def __init__(self) -> None:
        self.spans: list[tuple[int, int]] = []

    def covered_ms(self, start: int, end: int) -> float:
        total = sum(min(end, b) - max(start, a) for a, b in self.spans if a < end and b > start)
        return round(total / 1e6, 3)


class GcSpans(Spans):
    """Every collection while installed (``gc.callbacks``), as intervals."""

    def __init__(self) -> None:
        super().__init__()
        self._started = 0

    def __call__(self, phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.monotonic_ns()
        else:
            self.spans.append((self._started, time.monotonic_ns()))

    def __enter__(self) -> GcSpans:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)


class JournalSpans(Spans):
    """The journal writer's batches (``JournalWriter._run_batch``, wrapped for the run and put back after)."""

    def __enter__(self) -> JournalSpans:
        from terminal_app.store.journal import JournalWriter

        original: Callable[..., Any] = JournalWriter._run_batch
        spans = self.spans

        def timed(writer: Any, *args: Any, **kw: Any) -> Any:
            start = time.monotonic_ns()
            try:
                return original(writer, *args, **kw)
            finally:
                spans.append((start, time.monotonic_ns()))

        setattr(JournalWriter, "_run_batch", timed)  # noqa: B010 (a method swapped for the run)
        self._undo = partial(setattr, JournalWriter, "_run_batch", original)
        return self

    def __exit__(self, *exc: object) -> None:
        self._undo()


def press_report(index: int, stages_ms: dict[str, float], sched: tuple[int, int], wire_ns: int, key_ns: tuple[int, int],
                 gc_spans: Spans, journal: Spans) -> dict[str, Any]:
    """One press, described: its stage times (ms from the key) and what else happened meanwhile."""
    start, end = key_ns
    runq_ns, switches = sched
    return {"press": index + 1, **{k: round(v, 3) for k, v in stages_ms.items()},
            "runq_ms": round(runq_ns / 1e6, 3), "switches": switches,
            "gc_ms": gc_spans.covered_ms(start, wire_ns), "journal_ms": journal.covered_ms(start, wire_ns),
            "in_handler": wire_ns <= end}
