"""The ticket's algo order types: Stop-limit, Stop-market and (futures) Trailing, beside Limit and Market.

:class:`AlgoFields` owns the extra widgets (the type drop-down, the trigger price with its source — last or mark —
and the trailing stop's callback ratio) and turns the form into a ``core.algo.AlgoIntent``. The ticket keeps its
own fields for the rest: side, size, the limit price of a stop-limit, open/close or reduce-only. A stop-limit is a
limit order once triggered and a stop-market or trailing stop a market one, so the ticket's own checks of the order
itself still apply, with the trigger price as the price the order will meet.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtWidgets import QComboBox, QLabel, QPushButton, QWidget

from terminal_app.core.algo import AlgoIntent, AlgoKind, TriggerSource
from terminal_app.core.enums import OrderType, Side
from terminal_app.core.instruments import SymbolRef
from terminal_app.core.orders import OrderTicket
from terminal_app.ui.docks.common import DecimalEdit

STOP_LIMIT = "stop_limit"
STOP_MARKET = "stop_market"
TRAILING = "trailing"
MODES = (STOP_LIMIT, STOP_MARKET, TRAILING)
LABELS = {STOP_LIMIT: "Stop-limit", STOP_MARKET: "Stop-market", TRAILING: "Trailing"}


class AlgoFields:
    """The algo part of the ticket (widgets parented to ``parent``; laid out by the ticket).

    The type is a drop-down beside the Limit and Market buttons (one row: the ticket must fit a laptop's height),
    with a hidden checkable button that joins the ticket's exclusive Limit/Market group while an algo type is chosen.
    """

    def __init__(self, parent: QWidget) -> None:
        self.kind = QComboBox(parent)
        self.kind.setObjectName("TicketAlgoType")
        self.kind.addItem("Stop…", None)
        for mode in MODES:
            self.kind.addItem(LABELS[mode], mode)
        self.kind.setToolTip("Stop-limit, stop-market or (futures) trailing stop: an order placed when the price "
                             "reaches its trigger")
        self.button = QPushButton(parent)  # in the ticket's type group; never shown
        self.button.setCheckable(True)
        self.button.hide()
        self.trigger_label = QLabel("Trigger", parent)
        self.trigger = DecimalEdit("trigger price", parent)
        self.trigger.setObjectName("TicketTrigger")
        self.source = QComboBox(parent)
        self.source.setObjectName("TicketTriggerSource")
        self.source.addItem("Last", TriggerSource.LAST.value)
        self.source.addItem("Mark", TriggerSource.MARK.value)
        self.source.setToolTip("Which price fires the trigger: the last traded price or the mark price (futures)")
        self.callback_label = QLabel("Callback %", parent)
        self.callback = DecimalEdit("callback ratio", parent)
        self.callback.setObjectName("TicketCallback")
        self.callback.setToolTip("The trailing stop fires when the price comes back this many percent from the best "
                                 "price since its activation (the trigger price)")

    def choose(self, mode: str | None) -> None:
        """Select ``mode`` (None: back to a plain order) without emitting the drop-down's signal."""
        self.kind.blockSignals(True)
        self.kind.setCurrentIndex(max(0, self.kind.findData(mode)) if mode is not None else 0)
        self.kind.blockSignals(False)
        if mode is not None:
            self.button.setChecked(True)

    def mode(self) -> str | None:
        """The algo type chosen, or None for a plain limit/market order."""
        data = self.kind.currentData()
        return str(data) if data is not None and self.button.isChecked() else None

    def order_type(self) -> OrderType | None:
        """The order the trigger places: a stop-limit's limit, else market; None for plain orders."""
        mode = self.mode()
        if mode is None:
            return None
        return OrderType.LIMIT if mode == STOP_LIMIT else OrderType.MARKET

    def source_value(self) -> TriggerSource:
        return TriggerSource(self.source.currentData())

    def update(self, futures: bool, available: bool = True, refused: str | None = None) -> None:
        """Show what the chosen type needs; trailing stops and mark triggers are futures only, and trailing stops
        off where the account cannot hold them (``refused`` says why); nothing at all without an algo orders service
        (``available``)."""
        mode = self.mode() if available else None
        self.kind.setVisible(available)
        item = self.kind.model().item(self.kind.findData(TRAILING))  # type: ignore[attr-defined]
        item.setEnabled(futures and not refused)
        item.setToolTip(refused or "")
        if not futures:
            self.source.setCurrentIndex(0)
        self.source.setEnabled(futures)
        for w in (self.trigger_label, self.trigger, self.source):
            w.setVisible(mode is not None)
        self.trigger_label.setText("Activation" if mode == TRAILING else "Trigger")
        for w in (self.callback_label, self.callback):
            w.setVisible(mode == TRAILING)

    @staticmethod
    def refusal(algo: Any, ref: SymbolRef | None) -> str | None:
        """Why the account of ``algo`` (``services.algo_orders``) cannot hold a trailing stop on ``ref`` (a unified
        account: Bitget's V3 has none), or None."""
        if algo is None or ref is None:
            return None
        refused: str | None = algo.unsupported(AlgoIntent(ref, AlgoKind.TRAILING, Side.SELL, Decimal(0), None))
        return refused

    def intent(self, ticket: OrderTicket, size: Decimal) -> AlgoIntent | None:
        """The algo order the form describes, with ``size`` in the base coin; None for a plain order."""
        mode = self.mode()
        if mode is None:
            return None
        trigger = self.trigger.value() or Decimal(0)
        return AlgoIntent(
            ref=ticket.ref, kind=AlgoKind.TRAILING if mode == TRAILING else AlgoKind.STOP, side=ticket.side,
            trigger_price=trigger, size=size, execute_price=ticket.price if mode == STOP_LIMIT else None,
            trigger_source=self.source_value(),
            callback_ratio=self.callback.value() if mode == TRAILING else None, trade_side=ticket.trade_side,
            reduce_only=ticket.reduce_only)

