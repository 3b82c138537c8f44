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

from PySide6.QtWidgets import QComboBox, QLabel, QWidget

from terminal_app.core.accounts import Position
from terminal_app.core.position_tools import estimated_liquidation, removable_margin
from terminal_app.ui.dialogs.checked import CheckedDialog
from terminal_app.ui.docks.common import DecimalEdit
from terminal_app.ui.theme import current_colors

ADD, REMOVE = "add", "remove"


def _num(value: Decimal | None, places: int = 4) -> str:
    if value is None:
        return "—"
    return f"{value.quantize(Decimal(1).scaleb(-places)).normalize():f}"


class MarginDialog(CheckedDialog):
    """Add or remove margin of ``position`` (isolated) through ``tools`` (``services.position_tools``);
    ``available`` is what the account may add, ``mark`` the current mark price."""

    def __init__(self, position: Position, tools: Any, *, available: Decimal | None, mark: Decimal | None,
                 parent: QWidget | None = None) -> None:
        super().__init__("MarginDialog", f"Margin of {position.ref.display} {position.hold_side}", parent)
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
        self.form.addRow("Change", self.direction)
        self.form.addRow("Amount", self.amount)
        self.form.addRow("", self.limits)
        self.form.addRow("Liquidation", self.liquidation)
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
        self.show_problem("")

    def submit(self) -> None:
        """Send the checked change; the position tools may still refuse it (said here), else wait for the answer."""
        delta = self.delta()
        assert delta is not None
        problem = self.tools.set_margin(self.position, delta)
        if problem:
            self.show_problem(problem)
            return
        self.sent = True
        self.ok_button.setEnabled(False)
        self.show_status("Sending…", current_colors().muted)

    def _done(self, position: Position, error: str) -> None:
        if not self.sent or position is not self.position:
            return
        self.sent = False
        self.ok_button.setEnabled(True)
        if error:
            self.show_problem(f"Not changed: {error}")
            return
        self.accept()

    def done(self, result: int) -> None:
        if self._listening:  # a closed dialog stops listening (the tools outlive it)
            self._listening = False
            self.tools.margin_done.disconnect(self._done)
        super().done(result)
