"""Work-arounds for defects of the Qt binding; :func:`install` runs once at start-up, before any signal is emitted.

PySide6 6.12.0 ``SignalInstance.emit()`` returns ``True`` without taking a reference to it. Each emit from Python
therefore lowers ``True``'s reference count by one, and on Python 3.11 (where ``True`` is not immortal, unlike 3.12+)
the interpreter aborts after a few hundred emits with "Fatal Python error: bool_dealloc: deallocating True or False".
A terminal emits tens of signals a second, so it would die within a minute. :func:`install` measures the leak on a
probe signal and, only if it is there, wraps ``emit`` so each call gives the reference back; on a fixed binding it
changes nothing. The wrapper costs well under a microsecond per emit.
"""

from __future__ import annotations

import ctypes
import logging
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance

log = logging.getLogger("terminal_app.ui.qt_workarounds")

_PROBES = 64
_incref = ctypes.pythonapi.Py_IncRef
_incref.argtypes = [ctypes.py_object]
_incref.restype = None
_installed = False


class _Probe(QObject):
    fired = Signal()


def emit_leaks_true() -> bool:
    """True if ``emit()`` drops a reference to ``True`` on this binding (the loss of the probe itself is repaid)."""
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(_PROBES):
        probe.fired.emit()
    lost = before - sys.getrefcount(True)
    for _ in range(max(lost, 0)):
        _incref(True)
    # Other threads may touch True meanwhile; a leak of one per emit stands out from that noise.
    return lost >= _PROBES - 4


def install() -> bool:
    """Apply the emit fix if this binding needs it; returns whether it is active. Safe to call more than once."""
    global _installed
    if _installed:
        return True
    if not emit_leaks_true():
        return False
    original = SignalInstance.emit

    def emit(self: SignalInstance, *args: Any) -> Any:
        result = original(self, *args)
        if result is True:
            _incref(True)
        return result

    emit.__doc__ = original.__doc__
    SignalInstance.emit = emit  # type: ignore[method-assign]
    _installed = True
    log.info("PySide6 emit() reference leak detected; work-around installed")
    return True
