"""The window shown while the terminal starts: up within a few tenths of a second, replaced by the main window.

Building the main window needs the services connected (its panels are built on them) and pyqtgraph, numpy and
aiohttp imported: a second or more after the process started. The shell is a plain ``QMainWindow`` that needs only
Qt: it says which profile is opening and what the start-up is waiting for, at the size the main window will have, and
closes once the main window is shown (``terminal_app.app.Terminal``).
"""

from __future__ import annotations

import time

from PySide6 import QtCore, QtGui, QtWidgets

SHELL_SIZE = QtCore.QSize(1280, 800)


class StartupShell(QtWidgets.QMainWindow):
    def __init__(self, profile: str | None = None) -> None:
        super().__init__()
        self.setObjectName("StartupShell")
        self.setWindowTitle(f"Bitget Terminal — {profile}" if profile else "Bitget Terminal")
        self.message = QtWidgets.QLabel(self)
        self.message.setObjectName("startup_message")
        self.message.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.setCentralWidget(self.message)
        self.set_message(f"Opening {profile}…" if profile else "Starting…")
        self.resize(SHELL_SIZE)
        self.painted_at: float | None = None  # CLOCK_MONOTONIC of the first paint (bench start reads it)

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        if self.painted_at is None:
            self.painted_at = time.monotonic()
        super().paintEvent(event)

    def set_message(self, text: str) -> None:
        self.message.setText(text)
