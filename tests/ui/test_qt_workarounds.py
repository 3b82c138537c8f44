"""The emit() reference fix: after install, emitting from Python leaves True's reference count alone."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal

from terminal_app.ui import qt_workarounds


class Source(QObject):
    changed = Signal(int)


def test_emits_no_longer_drain_true() -> None:
    qt_workarounds.install()  # conftest did it already; a second call is harmless
    assert not qt_workarounds.emit_leaks_true()
    src = Source()
    got: list[int] = []
    src.changed.connect(got.append)
    before = sys.getrefcount(True)
    for i in range(5000):  # far more than True's whole reference count: unfixed, this aborts the interpreter
        src.changed.emit(i)
    assert abs(sys.getrefcount(True) - before) < 16
    assert len(got) == 5000
    assert got[-1] == 4999
