"""The "Algo orders" tab of the orders panel: stops, trailing stops and TP/SL orders, live from the algo orders
service (``services.algo_orders``).

Move one with Move… or a double-click (a new trigger price, checked against the tick and the side of the current
price before it is sent), cancel it with its ✕, the Cancel button or Delete, or every one of the active symbol with
Cancel all. Finished ones (triggered, cancelled, failed, refused) leave the list; "Finished" shows those instead
(newest first); a refusal is said above the list.

Rows are grouped (``ui.docks.algo_groups``): a bracket's legs under their entry while it waits to fill (shown
"on entry"; cancelling one cancels the entry), then under the position with every other TP/SL of it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QLabel,
    QPushButton,
    QWidget,
)

from terminal_app.core.algo import AlgoKind, AlgoOrder, TriggerSource, intent_of, validate_algo
from terminal_app.core.instruments import MarketInfo, SymbolRef
from terminal_app.ui.dialogs.checked import CheckedDialog
from terminal_app.ui.docks import AlgoOrdersApi, MarketDataApi
from terminal_app.ui.docks.algo_groups import (
    ON_ENTRY,
    WATCHED,
    attached_legs,
    bracket_groups,
    bracket_of,
    entry_of,
    grouped,
    is_leg,
    is_watched,
    watched_legs,
)
from terminal_app.ui.docks.common import DecimalEdit, message_label, show_message
from terminal_app.ui.docks.order_table import cancel_column, cancellable_table, select_key, selected_row, table_page
from terminal_app.ui.format import MarketPlaces
from terminal_app.ui.models.table import Column, StreamingTableModel, clock_ms, fixed, text
from terminal_app.ui.theme import current_colors


def _sign(order: AlgoOrder) -> int:
    return 1 if order.side == "buy" else -1


def _side_text(order: AlgoOrder) -> str:
    if order.trade_side is not None:
        return f"{order.trade_side.capitalize()} {'long' if order.side == 'buy' else 'short'}"
    return order.side.capitalize()


def _trigger_text(order: AlgoOrder) -> str:
    return "mark" if order.trigger_source is TriggerSource.MARK else "last"


def _local(client_oid: str) -> bool:
    """A row that is not an exchange algo order of its own (nothing to move on the exchange)."""
    return is_leg(client_oid) or is_watched(client_oid)


def _status_text(order: AlgoOrder) -> str:
    if is_leg(order.client_oid):
        return ON_ENTRY
    return WATCHED if is_watched(order.client_oid) else str(order.status)


def line_label(order: AlgoOrder) -> str:
    """What the chart line and the list call it: "Stop-market buy 0.01", "Position SL", "Trailing 1.5 %"."""
    size = "" if order.size is None else f" {order.size.normalize():f}"
    if order.kind is AlgoKind.TRAILING:
        ratio = f" {order.callback_ratio.normalize():f} %" if order.callback_ratio is not None else ""
        return f"Trailing {order.side}{size}{ratio}"
    if order.kind.is_tpsl:
        return f"{order.label}{size}"
    return f"{order.label} {order.side}{size}"


class MoveDialog(CheckedDialog):
    """A new trigger price for one algo order, checked as a new order would be before it is sent."""

    def __init__(self, order: AlgoOrder, market: MarketInfo | None, reference: Decimal | None,
                 parent: QWidget | None = None) -> None:
        super().__init__("MoveAlgoDialog", f"Move {line_label(order)} {order.ref.display}", parent)
        self.order = order
        self.market = market
        self.reference = reference
        self.trigger = DecimalEdit("trigger price", self)
        self.trigger.set_value(order.trigger_price)
        self.form.addRow(f"Trigger ({_trigger_text(order)} price)", self.trigger)

    def problem(self) -> str | None:
        price = self.trigger.value()
        if price is None or price <= 0:
            return "Enter a trigger price greater than 0."
        if price == self.order.trigger_price:
            return "Nothing changed."
        if self.market is not None:
            issues = validate_algo(intent_of(self.order.moved(price)), self.market, self.reference)
            if issues:
                return str(issues[0])
        return None


class AlgoOrdersTab(QWidget):
    """The algo orders of the account (``algo``: the algo orders service; ``md``: market data).

    Signals:
        move_requested(object): a move dialog opened for this order (tests use it).
        count_changed(int): how many algo orders are open now (for the tab's title).
    """

    move_requested = Signal(object)
    count_changed = Signal(int)

    def __init__(self, algo: AlgoOrdersApi, md: MarketDataApi, parent: QWidget | None = None, *,
                 trading: Any = None, oco: Any = None) -> None:
        super().__init__(parent)
        self.setObjectName("AlgoOrdersTab")
        self.algo = algo
        self.md = md
        self.trading = trading  # the open orders, for the legs attached to entries (None: not shown)
        self.oco = oco  # spot brackets (services.oco), for the take-profits the terminal watches (None: not shown)
        self._groups: dict[str, str] = {}
        self.places = MarketPlaces(md.market)
        self.ref: SymbolRef | None = md.active
        self.dialog: MoveDialog | None = None
        self.model: StreamingTableModel[AlgoOrder] = StreamingTableModel(self._columns(), key=lambda o: o.client_oid,
                                                                         coalesce_ms=None)
        self.view = cancellable_table(self.model, self, name="AlgoOrdersView",
                                      widths={"Time": 66, "Symbol": 104, "Type": 110, "Side": 80},
                                      cancel=lambda o: self.cancel(o.client_oid), edit=lambda _o: self.move_selected(),
                                      can_edit=lambda o: not _local(o.client_oid),
                                      selection_changed=self._update_buttons)
        self.move_button = QPushButton("Move…", self)
        self.move_button.clicked.connect(lambda: self.move_selected())
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setToolTip("Cancel the selected algo order (Delete)")
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.cancel_all_button = QPushButton("Cancel all", self)
        self.cancel_all_button.setObjectName("AlgoCancelAllButton")
        self.cancel_all_button.clicked.connect(self.cancel_all)
        self.finished = QCheckBox("Finished", self)
        self.finished.setObjectName("AlgoFinished")
        self.finished.setToolTip("Show the algo orders that fired, were cancelled or refused")
        self.finished.toggled.connect(lambda _on: self.refresh())
        self.message = message_label(self)
        table_page(self, self.view, self.message, leading=[QLabel("Stops, trailing stops and TP/SL", self),
                                                           self.finished],
                   buttons=[self.move_button, self.cancel_button, self.cancel_all_button])
        algo.changed.connect(self.refresh)
        algo.rejected.connect(self._on_rejected)
        if trading is not None:
            trading.orders_changed.connect(self.refresh)
        if oco is not None:
            oco.changed.connect(self.refresh)
        md.active_changed.connect(self._on_active_changed)
        self.refresh()

    def _columns(self) -> list[Column[AlgoOrder]]:
        def price(o: AlgoOrder) -> int:
            return self.places.price(o.ref)

        def size(o: AlgoOrder) -> int:
            return self.places.size(o.ref)

        return [
            Column("Group", lambda o: self._groups.get(o.client_oid, ""), text()),
            Column("Time", lambda o: o.c_time, clock_ms(with_ms=False)),
            Column("Symbol", lambda o: o.ref.display, text()),
            Column("Type", lambda o: o.label, text()),
            Column("Side", _side_text, text(), direction=_sign),
            Column("Trigger", lambda o: o.trigger_price, fixed(price), numeric=True,
                   tooltip=lambda o: f"Fires on the {_trigger_text(o)} price"),
            Column("By", _trigger_text, text()),
            Column("Price", lambda o: o.execute_price if o.execute_price is not None else "Market",
                   lambda v, o: v if isinstance(v, str) else fixed(price)(v, o), numeric=True),
            Column("Size", lambda o: o.size if o.size is not None else "Position",
                   lambda v, o: v if isinstance(v, str) else fixed(size)(v, o), numeric=True),
            Column("Callback", lambda o: f"{o.callback_ratio.normalize():f} %" if o.callback_ratio else "", text()),
            Column("Status", _status_text, text(),
                   tooltip=lambda o: o.reason or None),
            cancel_column("algo order"),
        ]

    # --- public API ---------------------------------------------------------------------------------------------

    def selected(self) -> AlgoOrder | None:
        return selected_row(self.view, self.model)

    def select(self, client_oid: str) -> None:
        select_key(self.view, self.model, client_oid)
        self._update_buttons()

    def cancel_selected(self) -> None:
        order = self.selected()
        if order is not None:
            self.cancel(order.client_oid)

    def cancel(self, client_oid: str) -> None:
        """Cancel one row's order: an attached leg's is its entry's; a watched take-profit's is the watch."""
        if is_leg(client_oid):
            if self.trading is not None:
                self.trading.cancel(entry_of(client_oid))
        elif is_watched(client_oid):
            if self.oco is not None:
                self.oco.stop_watching(bracket_of(client_oid))
        else:
            self.algo.cancel(client_oid)

    def cancel_all(self) -> None:
        self.algo.cancel_all(self.ref)

    def move_selected(self, trigger: Decimal | None = None) -> MoveDialog | None:
        """With a price, send the move at once; without, open the dialog (and return it)."""
        order = self.selected()
        if order is None:
            return None
        if trigger is not None:
            self.algo.modify(order.client_oid, trigger)
            return None
        dialog = MoveDialog(order, self.md.market(order.ref),
                            self.algo.reference_price(order.ref, order.trigger_source), self)
        dialog.accepted.connect(lambda: self._send_move(dialog))
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        self.move_requested.emit(order)
        dialog.open()
        return dialog

    def legs(self) -> list[AlgoOrder]:
        """The TP/SL attached to open entries (not yet the exchange's orders) and the take-profits the terminal
        watches for spot brackets."""
        attached = attached_legs(self.trading.open_orders()) if self.trading is not None else []
        if self.oco is None:
            return attached
        times = {o.client_oid: o.c_time for o in self.algo.orders()}
        return attached + watched_legs(self.oco.brackets(), times)

    def refresh(self) -> None:
        if self.finished.isChecked():
            orders, entries = self.algo.history(), {}
        else:
            entries = {v.client_oid: v for v in self.trading.open_orders()} if self.trading is not None else {}
            orders = [*self.algo.orders(), *self.legs()]
        rows = grouped(orders, entries, bracket_groups(self.oco.brackets()) if self.oco is not None else None)
        self._groups = {o.client_oid: group for group, o in rows}
        ordered = [o for _g, o in rows]
        if [o.client_oid for o in self.model.rows()] != [o.client_oid for o in ordered]:
            self.model.replace_all(list(reversed(ordered)) if self.model.newest_first else ordered)
        else:
            self.model.upsert_many(ordered)
        self._update_buttons()
        self.count_changed.emit(len(self.algo.orders()) + len(self.legs()))

    # --- reactions ----------------------------------------------------------------------------------------------

    def _send_move(self, dialog: MoveDialog) -> None:
        price = dialog.trigger.value()
        if price is not None:
            self.algo.modify(dialog.order.client_oid, price)

    def _on_rejected(self, order: AlgoOrder, message: str) -> None:
        show_message(self.message, f"{order.label} {order.ref.display}: {message}", current_colors().alert,
                     clear_after_ms=30_000)

    def _on_active_changed(self, ref: SymbolRef) -> None:
        self.ref = ref
        self._update_buttons()

    def _update_buttons(self) -> None:
        selected = self.selected()
        has = selected is not None and selected.is_open
        self.move_button.setEnabled(has and selected is not None and not _local(selected.client_oid))
        self.cancel_button.setEnabled(has)
        self.cancel_all_button.setEnabled(self.ref is not None)
        if self.ref is not None:
            self.cancel_all_button.setText(f"Cancel all {self.ref.display}")
