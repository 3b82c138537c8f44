"""Small dialogs are wide enough for their titles (seen on Xvfb: "Move Stop-… CUSDT PERP", "Transfer … accounts")."""

from __future__ import annotations

from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QDialog, QFormLayout, QLineEdit
from pytestqt.qtbot import QtBot

from terminal_app.ui.docks.common import TITLE_CHROME, titled


def test_a_small_form_dialog_is_as_wide_as_its_title(qtbot: QtBot) -> None:
    dialog = QDialog()
    qtbot.addWidget(dialog)
    form = QFormLayout(dialog)
    form.addRow("Trigger", QLineEdit(dialog))
    title = "Move Stop-market sell 0.01 BTCUSDT PERP"
    titled(dialog, title)
    dialog.show()
    assert dialog.windowTitle() == title
    assert dialog.width() >= QFontMetrics(dialog.font()).horizontalAdvance(title) + TITLE_CHROME
