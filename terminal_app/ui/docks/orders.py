"""Orders panel: open orders, order history and fills, as tabs.

Open orders come from ``TradingService.open_orders()`` and show the moment ``place()`` returns (status *pending*),
then follow the REST reply and the private stream. Cancel one with its ✕, the Cancel button or Delete; cancel all of
the active symbol; modify price/size from a small dialog (double-click or Modify…): Bitget modifies futures orders in
place (``modify-order``) and replaces spot orders (``cancel-replace-order``), the dialog says which will happen.
History and fills are filled from the service's signals (and from its history reads, where it offers them).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from terminal_app.config.settings import Settings
from terminal_app.core.enums import OrderStatus
from terminal_app.core.instruments import MarketInfo, SymbolRef
from terminal_app.core.orders import Fill, OrderView
from terminal_app.core.validation import on_step
from terminal_app.ui.dialogs.checked import CheckedDialog
from terminal_app.ui.docks import DockServices, active_ref, algo_service
from terminal_app.ui.docks.algo_orders import AlgoOrdersTab
from terminal_app.ui.docks.common import DecimalEdit, make_table, message_label, show_message
from terminal_app.ui.docks.order_table import cancel_column, cancellable_table, select_key, selected_row, table_page
from terminal_app.ui.format import MarketPlaces, coin_places, fmt_clock
from terminal_app.ui.models.table import Column, StreamingTableModel, clock_ms, compact, fixed, signed, text
from terminal_app.ui.theme import current_colors

OPEN_STATUSES = frozenset({OrderStatus.PENDING, OrderStatus.LIVE, OrderStatus.PARTIALLY_FILLED})
DONE_STATUSES = frozenset({OrderStatus.FILLED, OrderStatus.CANCELLED, OrderStatus.REJECTED})
MAX_HISTORY = 500
MAX_FILLS = 500
_FORCE_LABELS = {"gtc": "GTC", "post_only": "Post", "ioc": "IOC", "fok": "FOK"}


def _sign(side: str) -> int:
    return 1 if side == "buy" else -1


def _fill_ref(fill: Fill) -> SymbolRef:
    return SymbolRef(fill.symbol, fill.product)


def _finished_at(view: Any) -> int:
    return int(view.u_time or view.c_time)


def _type_label(view: OrderView) -> str:
    kind = str(view.type).capitalize()
    force = _FORCE_LABELS.get(str(view.force or ""), "")
    return f"{kind} · {force}" if force and view.type == "limit" else kind


class ModifyDialog(CheckedDialog):
    """New price and size for one open order, checked against the market's tick and lot before it is sent."""

    def __init__(self, view: Any, market: MarketInfo | None, parent: QWidget | None = None) -> None:
        super().__init__("ModifyOrderDialog", f"Modify {view.side} {view.ref.display}", parent)
        self.view = view
        self.market = market
        self.price = DecimalEdit("price", self)
        self.price.set_value(view.price)
        self.size_edit = DecimalEdit("size", self)
        self.size_edit.set_value(view.size)
        how = ("Bitget changes the futures order in place (modify-order)." if view.ref.is_futures else
               "Bitget replaces a spot order: it is cancelled and placed again with the new values "
               "(cancel-replace); it loses its place in the queue.")
        note = QLabel(how, self)
        note.setWordWrap(True)
        self.form.addRow("Price", self.price)
        self.form.addRow("Size", self.size_edit)
        self.add_note(note)

    def problem(self) -> str | None:
        price, size = self.price.value(), self.size_edit.value()
        if price is None or price <= 0:
            return "Enter a price greater than 0."
        if size is None or size <= 0:
            return "Enter a size greater than 0."
        if self.market is not None:
            if not on_step(price, self.market.tick_size):
                return f"The price must be a multiple of the tick size {self.market.tick_size.normalize():f}."
            if not on_step(size, self.market.lot_size):
                return f"The size must be a multiple of {self.market.lot_size.normalize():f}."
        if price == self.view.price and size == self.view.size:
            return "Nothing changed."
        return None


class OrdersPanel(QWidget):
    """The orders panel.

    Signals:
        modify_requested(object): a modify dialog opened for this order view (tests and the smoke test use it).
    """

    modify_requested = Signal(object)

    def __init__(self, services: DockServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("OrdersPanel")
        self.trading = services.trading
        self.md = services.market_data
        self.places = MarketPlaces(self.md.market)
        self.ref: SymbolRef | None = active_ref(services)
        self.dialog: ModifyDialog | None = None

        # Applied at once (no coalescing): orders change rarely and a just-placed order must show immediately.
        self.open_model: StreamingTableModel[Any] = StreamingTableModel(self._open_columns(),
                                                                        key=lambda v: v.client_oid, coalesce_ms=None)
        self.history_model: StreamingTableModel[Any] = StreamingTableModel(
            self._history_columns(), key=lambda v: v.client_oid, newest_first=True, max_rows=MAX_HISTORY)
        self.fills_model: StreamingTableModel[Fill] = StreamingTableModel(
            self._fill_columns(), key=lambda f: f.trade_id, newest_first=True, max_rows=MAX_FILLS)

        common = {"Time": 66, "Symbol": 104, "Side": 52, "Type": 96}
        self.open_view = cancellable_table(self.open_model, self, name="OpenOrdersView", widths=common,
                                           cancel=self.trading.cancel, edit=lambda _v: self.modify_selected(),
                                           selection_changed=self._update_buttons)
        self.history_view = make_table(self.history_model, self, widths={**common, "Status": 80})
        self.fills_view = make_table(self.fills_model, self, widths={"Time": 66, "Symbol": 104, "Side": 80,
                                                                       "Role": 56})

        self.only_active = QCheckBox("Active symbol only", self)
        self.only_active.toggled.connect(self.refresh_open)
        self.modify_button = QPushButton("Modify…", self)
        self.modify_button.clicked.connect(lambda: self.modify_selected())
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setToolTip("Cancel the selected order (Delete)")
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.cancel_all_button = QPushButton("Cancel all", self)
        self.cancel_all_button.setObjectName("CancelAllButton")
        self.cancel_all_button.clicked.connect(self.cancel_all)
        self.message = message_label(self)

        open_tab = QWidget(self)
        table_page(open_tab, self.open_view, self.message, leading=[self.only_active],
                   buttons=[self.modify_button, self.cancel_button, self.cancel_all_button])

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(open_tab, "Open orders")
        algo = algo_service(services)  # stops, trailing, TP/SL: a tab beside the open orders
        self.algo_tab = (AlgoOrdersTab(algo, self.md, self, trading=self.trading, oco=getattr(services, "oco", None))
                         if algo is not None else None)
        if self.algo_tab is not None:
            index = self.tabs.addTab(self.algo_tab, "Algo orders")
            self.algo_tab.count_changed.connect(
                lambda n: self.tabs.setTabText(index, f"Algo orders ({n})" if n else "Algo orders"))
            self.algo_tab.refresh()
        self.tabs.addTab(self.history_view, "Order history")
        self.tabs.addTab(self.fills_view, "Fills")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

        self.trading.orders_changed.connect(self.refresh_open)
        self.trading.order_updated.connect(self._on_order_updated)
        self.trading.history_changed.connect(self.refresh_history)
        self.trading.fill_received.connect(self._on_fill)
        self.trading.order_rejected.connect(self._on_rejected)
        self.md.active_changed.connect(self._on_active_changed)
        self.refresh_open()
        self.refresh_history()
        self._update_buttons()

    # --- columns --------------------------------------------------------------------------------------------------

    def _price(self, v: Any) -> int:
        return self.places.price(v.ref)

    def _size(self, v: Any) -> int:
        return self.places.size(v.ref)

    def _open_columns(self) -> list[Column[Any]]:
        return [
            Column("Time", lambda v: v.c_time, clock_ms(with_ms=False)),
            Column("Symbol", lambda v: v.ref.display, text()),
            Column("Side", lambda v: v.side.capitalize(), text(), direction=lambda v: _sign(v.side)),
            Column("Type", _type_label, text()),
            Column("Price", lambda v: v.price, fixed(self._price), numeric=True),
            Column("Size", lambda v: v.size, fixed(self._size), numeric=True),
            Column("Filled", lambda v: v.filled, fixed(self._size), numeric=True),
            Column("Status", lambda v: str(v.status).replace("_", " "), text(),
                   tooltip=lambda v: v.reason or None),
            cancel_column("order"),
        ]

    def _history_columns(self) -> list[Column[Any]]:
        # A finished order is listed (and sorted) by when it finished — filled, cancelled, rejected — the time the
        # trader remembers; when it was placed is in the tooltip.
        return [
            Column("Time", _finished_at, clock_ms(with_ms=False),
                   tooltip=lambda v: f"Placed {fmt_clock(v.c_time)}" if v.c_time else None),
            Column("Symbol", lambda v: v.ref.display, text()),
            Column("Side", lambda v: v.side.capitalize(), text(), direction=lambda v: _sign(v.side)),
            Column("Type", _type_label, text()),
            Column("Price", lambda v: v.price, fixed(self._price), numeric=True),
            Column("Avg price", lambda v: v.avg_price, fixed(self._price), numeric=True),
            Column("Size", lambda v: v.size, fixed(self._size), numeric=True),
            Column("Filled", lambda v: v.filled, fixed(self._size), numeric=True),
            Column("Status", lambda v: str(v.status).replace("_", " "), text()),
            Column("Reason", lambda v: v.reason, text(), tooltip=lambda v: v.reason or None),
        ]

    def _fill_columns(self) -> list[Column[Fill]]:
        def price(f: Fill) -> int:
            return self.places.price(_fill_ref(f))

        def size(f: Fill) -> int:
            return self.places.size(_fill_ref(f))

        def quote(f: Fill) -> int:
            return self.places.quote(_fill_ref(f))

        def fee(f: Fill) -> int:
            # In the decimals of the coin it was charged in (a stable coin 4, others 8): Bitget's own fee carries up
            # to 11, which reads as noise, and a base-coin fee of a spot buy is far below the market's lot.
            return coin_places(f.fee_coin or "")

        return [
            Column("Time", lambda f: f.ts, clock_ms(with_ms=False)),
            Column("Symbol", lambda f: _fill_ref(f).display, text()),
            Column("Side", lambda f: f.side.capitalize() + (f" {f.trade_side}" if f.trade_side else ""), text(),
                   direction=lambda f: _sign(f.side)),
            Column("Price", lambda f: f.price, fixed(price), numeric=True),
            Column("Size", lambda f: f.size, fixed(size), numeric=True),
            Column("Value", lambda f: f.quote_size, compact(2), numeric=True),
            Column("Fee", lambda f: f.fee, fixed(fee), numeric=True, tooltip=lambda f: f.fee_coin),
            Column("Role", lambda f: f.scope or "", text()),
            Column("PnL", lambda f: f.profit, signed(quote), numeric=True, direction=lambda f: f.profit),
        ]

    # --- public API ---------------------------------------------------------------------------------------------

    def selected_order(self) -> Any | None:
        return selected_row(self.open_view, self.open_model)

    def select_order(self, client_oid: str) -> None:
        select_key(self.open_view, self.open_model, client_oid)
        self._update_buttons()

    def cancel_selected(self) -> None:
        view = self.selected_order()
        if view is not None:
            self.trading.cancel(view)

    def cancel_all(self) -> None:
        if self.ref is not None:
            self.trading.cancel_all(self.ref)

    def modify_selected(self, price: Decimal | None = None, size: Decimal | None = None) -> ModifyDialog | None:
        """With a price and/or size, send the change at once; without, open the dialog (and return it)."""
        view = self.selected_order()
        if view is None:
            return None
        if view.type != "limit":
            show_message(self.message, "Only limit orders can be modified.", current_colors().warn,
                         clear_after_ms=10_000)
            return None
        if price is not None or size is not None:
            self.trading.modify(view.client_oid, price, size)
            return None
        dialog = ModifyDialog(view, self.places.market(view.ref), self)
        dialog.accepted.connect(lambda: self._send_modify(dialog))
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        self.modify_requested.emit(view)
        dialog.open()
        return dialog

    def refresh_open(self) -> None:
        views = [v for v in self.trading.open_orders(None) if v.status in OPEN_STATUSES or not v.status]
        if self.only_active.isChecked() and self.ref is not None:
            views = [v for v in views if v.ref == self.ref]
        keep = {v.client_oid for v in views}
        for old in self.open_model.rows():
            if old.client_oid not in keep:
                self.open_model.remove(old.client_oid)
        self.open_model.upsert_many(views)
        self._update_tab_title()
        self._update_buttons()

    def refresh_history(self) -> None:
        self.history_model.replace_all(sorted(self.trading.order_history(), key=_finished_at))
        self.fills_model.replace_all(sorted(self.trading.fills(), key=lambda f: f.ts))

    # --- reactions ----------------------------------------------------------------------------------------------

    def _send_modify(self, dialog: ModifyDialog) -> None:
        price, size = dialog.price.value(), dialog.size_edit.value()
        view = dialog.view
        self.trading.modify(view.client_oid, price if price != view.price else None,
                            size if size != view.size else None)

    def _on_order_updated(self, view: Any) -> None:
        if view.status in DONE_STATUSES:
            self.history_model.upsert(view)
            if self.open_model.row_of(view.client_oid) is not None:
                self.open_model.remove(view.client_oid)
        elif view.status in OPEN_STATUSES and (not self.only_active.isChecked() or view.ref == self.ref):
            self.open_model.upsert(view)
        self._update_tab_title()

    def _on_rejected(self, view: Any, message: str) -> None:
        self.history_model.upsert(view)
        show_message(self.message, f"Rejected {view.side} {view.ref.display}: {message}", current_colors().alert,
                     clear_after_ms=30_000)

    def _on_fill(self, fill: Fill) -> None:
        self.fills_model.upsert(fill)

    def _on_active_changed(self, ref: SymbolRef) -> None:
        self.ref = ref
        self.cancel_all_button.setText(f"Cancel all {ref.display}")
        if self.only_active.isChecked():
            self.refresh_open()

    def _update_tab_title(self) -> None:
        n = self.open_model.rowCount()
        self.tabs.setTabText(0, f"Open orders ({n})" if n else "Open orders")

    def _update_buttons(self) -> None:
        has = self.selected_order() is not None
        self.cancel_button.setEnabled(has)
        self.modify_button.setEnabled(has)
        self.cancel_all_button.setEnabled(self.ref is not None)
        if self.ref is not None:
            self.cancel_all_button.setText(f"Cancel all {self.ref.display}")


def create_orders(services: DockServices, parent: QWidget | None = None, *,
                  settings: Settings | None = None) -> OrdersPanel:
    return OrdersPanel(services, parent)

