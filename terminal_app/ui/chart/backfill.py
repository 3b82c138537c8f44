"""A long history shown before it is all parsed: the newest bars first, the older rows parsed between frames.

Parsing wire rows costs about 0.1 µs per number in CPython (``float`` of a decimal string), half a second and more for
a million candles: the chart would stay blank that long. :func:`split_history` keeps the newest
:data:`EAGER_BARS` rows for the first frame; :class:`HistoryBackfill` parses the older ones in slices of
:data:`SLICE_ROWS` on a zero-delay timer (a slice is a few milliseconds, so frames keep coming) and hands the
columns back once, together, to be merged in front of what is shown (one level-of-detail rebuild, not one per slice).
The result equals parsing everything at once: the merge keeps the bars already held, which are the later rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from PySide6 import QtCore

from terminal_app.core.candles import FloatArray, IntArray, parse_rows

# The newest bars parsed before the first frame: more than any first screen shows zoomed out to its pixels, ~10 ms.
EAGER_BARS = 20_000
# Histories shorter than this are parsed at once (a REST page or a few thousand bars: a few ms).
LAZY_MIN_ROWS = 4 * EAGER_BARS
SLICE_ROWS = 20_000


def _ts(row: Any) -> Any:
    return row.ts if hasattr(row, "ts") else row[0]


def split_history(rows: Sequence[Any]) -> tuple[Sequence[Any], Sequence[Any]]:
    """(older rows to parse later, newest rows to parse now); nothing to defer for short or unordered input."""
    n = len(rows)
    if n < LAZY_MIN_ROWS:
        return (), rows
    first, middle, last = (int(_ts(rows[i])) for i in (0, n - EAGER_BARS, n - 1))
    if not first <= middle <= last:  # not oldest-first: the tail would not be the newest bars
        return (), rows
    return rows[: n - EAGER_BARS], rows[n - EAGER_BARS :]


class HistoryBackfill(QtCore.QObject):
    """Parses ``rows`` in slices between frames, then calls ``done(ts, values)`` once; :meth:`cancel` drops it."""

    def __init__(self, rows: Sequence[Any], done: Callable[[IntArray, FloatArray], None],
                 parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._rows = rows
        self._done = done
        self._next = 0
        self._ts: list[IntArray] = []
        self._values: list[FloatArray] = []
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._step)
        self._timer.start()

    @property
    def pending(self) -> bool:
        return self._timer.isActive()

    @property
    def remaining(self) -> int:
        return len(self._rows) - self._next

    def cancel(self) -> None:
        self._timer.stop()
        self._rows = ()
        self._ts.clear()
        self._values.clear()

    def finish(self) -> None:
        """Parse whatever is left now (e.g. before a change that must see the whole history)."""
        while self._timer.isActive():
            self._step()

    def _step(self) -> None:
        end = min(len(self._rows), self._next + SLICE_ROWS)
        ts, values = parse_rows(self._rows[self._next : end])
        self._ts.append(ts)
        self._values.append(values)
        self._next = end
        if end < len(self._rows):
            return
        self._timer.stop()
        ts_all = np.concatenate(self._ts)
        values_all = np.concatenate(self._values, axis=1)
        self._rows = ()
        self._ts.clear()
        self._values.clear()
        self._done(ts_all, values_all)
