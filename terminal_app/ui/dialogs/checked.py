"""The small form dialogs' common ground: OK first checks what was typed, shows the problem in the dialog, and only
then acts (move an algo order, modify an order, close with a limit, add margin, transfer, a copy trade's TP/SL).
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QPushButton, QVBoxLayout, QWidget

from terminal_app.ui.docks.common import message_label, show_message, titled
from terminal_app.ui.theme import current_colors

Button = QDialogButtonBox.StandardButton


class CheckedDialog(QDialog):
    """A form (``form``) above a one-line ``error`` and the OK/Cancel ``buttons``.

    A subclass fills ``form`` (and may put notes under it with ``add_note``), says in ``problem()`` what is wrong
    with the input ("" or None: nothing), and acts in ``submit()`` — by default it accepts, which closes the dialog.
    OK shows the problem in the alert colour and keeps the dialog open, so the trader can correct it.
    """

    def __init__(self, name: str, title: str, parent: QWidget | None = None, *, close: Button = Button.Cancel,
                 ok_text: str = "") -> None:
        super().__init__(parent)
        if name:
            self.setObjectName(name)
        titled(self, title)
        self.form = QFormLayout()
        self.error = message_label(self)
        self.buttons = QDialogButtonBox(Button.Ok | close, self)
        if ok_text:
            self.ok_button.setText(ok_text)
        self.buttons.accepted.connect(self.try_accept)
        self.buttons.rejected.connect(self.reject)
        self._layout = QVBoxLayout(self)
        self._layout.addLayout(self.form)
        self._layout.addWidget(self.error)
        self._layout.addWidget(self.buttons)

    @property
    def ok_button(self) -> QPushButton:
        return self.buttons.button(Button.Ok)

    def add_note(self, widget: QWidget) -> None:
        """Put ``widget`` under the form, above the error line."""
        self._layout.insertWidget(self._layout.indexOf(self.error), widget)

    def problem(self) -> str | None:
        """What is wrong with the input, said to the trader; None (or "") when it may be sent."""
        return None

    def submit(self) -> None:
        """Act on checked input; the default closes the dialog as accepted (the opener reads the values)."""
        self.accept()

    def try_accept(self) -> bool:
        """OK: show the problem and stay open, or submit. True when it was submitted."""
        problem = self.problem()
        if problem:
            self.show_problem(problem)
            return False
        self.submit()
        return True

    def show_problem(self, text: str) -> None:
        show_message(self.error, text, current_colors().alert)

    def show_status(self, text: str, colour: str) -> None:
        """A progress or success line in the error's place ("Sending…", "Moved …")."""
        show_message(self.error, text, colour)
