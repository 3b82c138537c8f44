"""Hand the C heap's free pages back to the system now and then (glibc's ``malloc_trim``).

Why: over an hour of ``terminal-app bench gui --seconds 3600`` (main 296ecdc) the GUI process's resident set grew
12 % (218.2 → 244.7 MB) while glibc's heap in use stayed flat (63.5 → 64.7 MB) and its free-but-kept memory rose
from 4.6 to 21.7 MB: buffers of many sizes (network frames, JSON, Qt's paint data) freed in an order that leaves holes
below the top of the heap, and glibc returns free memory to the system by itself only from the top.
``malloc_trim(0)`` releases the free pages anywhere in every arena; at the end of that hour it brought the process
back to 226.8 MB. The collector's timer on the GUI thread (``app.MainThreadGc``) calls :meth:`HeapTrim.maybe_trim`
once a minute, never in the same tick as a garbage collection, so there is one short pause at a time.

Other C libraries (macOS, Windows, musl) have no ``malloc_trim``; there is nothing to do and :attr:`available` is false.
"""

from __future__ import annotations

import ctypes
import sys
import time
from collections import deque
from collections.abc import Callable

TRIM_INTERVAL_S = 60.0

Trim = Callable[[int], int]


def glibc_malloc_trim() -> Trim | None:
    """The process's own ``malloc_trim`` when its C library has one (glibc), else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the C library already loaded into this process, not another copy
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


class HeapTrim:
    """At most one ``malloc_trim`` per ``interval_s``; :attr:`durations_ms` keeps how long the recent ones took."""

    def __init__(self, interval_s: float = TRIM_INTERVAL_S, *, trim: Trim | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.interval_s = interval_s
        self._trim = trim if trim is not None else glibc_malloc_trim()
        self._clock = clock
        self._next = clock() + interval_s
        self.count = 0
        self.durations_ms: deque[float] = deque(maxlen=256)

    @property
    def available(self) -> bool:
        return self._trim is not None

    def maybe_trim(self) -> bool:
        """Trim when the interval has passed since the last one (or since start); whether it did."""
        now = self._clock()
        if self._trim is None or now < self._next:
            return False
        self._next = now + self.interval_s
        started = time.perf_counter()
        self._trim(0)
        self.durations_ms.append((time.perf_counter() - started) * 1000)
        self.count += 1
        return True


__all__ = ["TRIM_INTERVAL_S", "HeapTrim", "glibc_malloc_trim"]
