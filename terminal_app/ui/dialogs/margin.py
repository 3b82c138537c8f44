"""Add or remove isolated margin of one position (Bitget's ``set-margin``), from the Positions panel.

The dialog shows what may be added (the account's available margin) and removed (``core.position_tools
.removable_margin``: what the position holds, less any unrealized loss, less twice its maintenance margin), checks the
amount as the exchange will, and previews the liquidation price after the change. OK sends it through the position
tools and waits for the answer: a refusal is shown in the dialog, success closes it (the positions panel then shows
the new margin and liquidation price). It never awaits the network itself.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from terminal_app.core.accounts import Position
from terminal_app.core.position_tools import estimated_liquidation, removable_margin
from terminal_app.ui.docks.common import DecimalEdit, message_label, show_message, titled
from terminal_app.ui.theme import current_colors

ADD, REMOVE = "add", "remove"


def _num(value: Decimal | None, places: int = 4) -> str:
    if value is None:
        return "—"
    return f"{value.quantize(Decimal(1).scaleb(-places)).normalize():f}"


class MarginDialog(QDialog):
    """Add or remove margin of ``position`` (isolated) through ``tools`` (``services.position_tools``);
    ``available`` is what the account may add, ``mark`` the current mark price."""

    def __init__(self, position: Position, tools: Any, *, available: Decimal | None, mark: Decimal | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MarginDialog")
        titled(self, f"Margin of {position.ref.display} {position.hold_side}")
        self.position = position
        self.tools = tools
        self.available = available
        self.mark = mark
        self.sent = False
        coin = position.margin_coin
        self.direction = QComboBox(self)
        self.direction.addItem("Add margin", ADD)
        self.direction.addItem("Remove margin", REMOVE)
        self.amount = DecimalEdit(f"amount in {coin}", self)
        self.limits = QLabel(self)
        self.limits.setText(f"Can add {_num(available)} {coin} · can remove "
                            f"{_num(removable_margin(position, mark))} {coin} · holds {_num(position.margin_size)}")
        self.liquidation = QLabel(self)
        self.error = message_label(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.accepted.connect(self.send)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Change", self.direction)
        form.addRow("Amount", self.amount)
        form.addRow("", self.limits)
        form.addRow("Liquidation", self.liquidation)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.direction.currentIndexChanged.connect(lambda _i: self._preview())
        self.amount.textChanged.connect(lambda _t: self._preview())
        tools.margin_done.connect(self._done)
        self._listening = True
        self._preview()

    def delta(self) -> Decimal | None:
        """The signed change asked for (+ add, - remove), or None without an amount."""
        amount = self.amount.value()
        if amount is None:
            return None
        return amount if self.direction.currentData() == ADD else -amount

    def problem(self) -> str:
        delta = self.delta()
        if delta is None or delta == 0:
            return "Enter an amount greater than 0."
        text: str = self.tools.margin_problem(self.position, delta)
        return text

    def _preview(self) -> None:
        now = self.position.liquidation_price
        after = estimated_liquidation(self.position, self.delta() or Decimal(0))
        self.liquidation.setText(f"{_num(now, 2)} now" + (f" → about {_num(after, 2)} after" if after else ""))
        show_message(self.error, "", current_colors().alert)

    def send(self) -> None:
        problem = self.problem()
        if not problem:
            delta = self.delta()
            assert delta is not None
            problem = self.tools.set_margin(self.position, delta)
        if problem:
            show_message(self.error, problem, current_colors().alert)
            return
        self.sent = True
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        show_message(self.error, "Sending…", current_colors().muted)

    def _done(self, position: Position, error: str) -> None:
        if not self.sent or position is not self.position:
            return
        self.sent = False
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)
        if error:
            show_message(self.error, f"Not changed: {error}", current_colors().alert)
            return
        self.accept()

    def done(self, result: int) -> None:
        if self._listening:  # a closed dialog stops listening (the tools outlive it)
            self._listening = False
            self.tools.margin_done.disconnect(self._done)
        super().done(result)
