"""Keyboard focus comes back to the main window when a dialog closes.

A window manager usually re-activates a dialog's parent when the dialog goes; without one (Xvfb, some tiling setups,
the offscreen platform) or when a dialog was shown before the window manager activated it, the closed dialog stays
the "active window" and every key of the terminal (Ctrl+K, F12, the trading keys) does nothing until the user clicks.
:class:`FocusKeeper` remembers the last widget of the window that had the focus and gives it back once no dialog of the
window is open any more.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from shiboken6 import isValid


class FocusKeeper(QObject):
    """Returns the focus to ``window`` (to the widget that last had it) after its dialogs close.

    The window calls :meth:`watch_dialog` for each dialog that becomes its child (``MainWindow.childEvent``)."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._last: QWidget | None = None
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_focus)

    def watch_dialog(self, dialog: QDialog) -> None:
        dialog.removeEventFilter(self)  # once per dialog, however often it is polished
        dialog.installEventFilter(self)

    def _on_focus(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is not None and isValid(self._window) and new.window() is self._window:
            self._last = new

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Hide and isinstance(watched, QDialog):
            # After the hide has run its course (Qt may still activate another window itself).
            QTimer.singleShot(0, self.restore)
        return False

    def restore(self) -> None:
        window = self._window
        if not isValid(window) or not window.isVisible():
            return
        if any(isinstance(w, QDialog) and w.isVisible() and (parent := w.parentWidget()) is not None
               and parent.window() is window for w in QApplication.topLevelWidgets()):
            return  # another dialog of the window is still open: it keeps the focus
        active = QApplication.activeWindow()
        if active is not None and active is not window and active.isVisible():
            return  # the user went to another window of ours (a floating panel): leave it there
        window.activateWindow()
        last = self._last
        if last is not None and isValid(last) and last.isVisible() and last.window() is window:
            last.setFocus()
        elif window.focusWidget() is None:
            window.setFocus()
