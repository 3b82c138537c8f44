"""Work-around for a reference-count bug of PySide6 6.12.0 on CPython < 3.12.

With shiboken6 6.12.0 every call of a C++ method that returns void (``QPainter.setPen``, ``QWidget.setMinimumWidth``,
…) hands back ``None`` without taking a reference to it, so each call drops one reference from ``None``; some paths
(seen around signal emission and item painting) do the same to ``True``. From 3.12 these objects are immortal and
nothing happens; on 3.11 the count of ``None`` starts near 4,500 and the process aborts with "Fatal Python error:
none_dealloc" (or bool_dealloc) after a few hundred chart frames. 6.11.3 does not have the bug (checked).

:func:`pin_none` probes the bug with a few calls and, only if it is present, adds 2**40 references to ``None``,
``True`` and ``False``, which makes them as good as immortal for the life of the process, as CPython 3.12 does.
"""

from __future__ import annotations

import ctypes
import sys

_PROBE_CALLS = 64
_PIN = 1 << 40
_pinned = False


def leaks_none() -> bool:
    """True if a void PySide6 call drops a reference to ``None`` here."""
    from PySide6.QtCore import QRectF

    rect = QRectF()
    before = sys.getrefcount(None)
    for _ in range(_PROBE_CALLS):
        rect.setWidth(1.0)
    return before - sys.getrefcount(None) >= _PROBE_CALLS // 2


def pin_none() -> bool:
    """Apply the work-around once if needed; returns True if it is in force."""
    global _pinned
    if _pinned:
        return True
    if sys.version_info >= (3, 12) or not leaks_none():
        return False
    # ob_refcnt is the first field of every object in release builds of CPython 3.11.
    for singleton in (None, True, False):
        ctypes.c_ssize_t.from_address(id(singleton)).value += _PIN
    _pinned = True
    return True
