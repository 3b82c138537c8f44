"""The question the risk guards ask before a large market order (``services.guards.Ask``), as a dialog."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget


class MessageBoxAsk:
    """A window-modal question box, default answer No (Enter must not send by accident); closing it is a no."""

    def __init__(self, parent: Callable[[], QWidget | None] | None = None) -> None:
        self._parent = parent or (lambda: None)
        self.box: QMessageBox | None = None

    def __call__(self, title: str, text: str, answer: Callable[[bool], None]) -> None:
        box = QMessageBox(QMessageBox.Icon.Question, title, text,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self._parent())
        box.setObjectName("GuardConfirmation")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        answered = {"done": False}

        def finish(result: int) -> None:
            if answered["done"]:
                return
            answered["done"] = True
            answer(result == QMessageBox.StandardButton.Yes.value)

        box.finished.connect(finish)
        box.finished.connect(box.deleteLater)
        self.box = box
        box.open()
