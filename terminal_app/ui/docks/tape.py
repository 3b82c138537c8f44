"""Trade tape: the active symbol's public trades, newest on top, coloured by taker side; trades worth at least a
threshold (in the quote coin) are highlighted. Bounded to the newest ``max_rows`` trades.

Trades arrive in batches (``trades_added``, coalesced by the market-data service) and each batch is one insert into
the table model, so a burst of trades costs one insert and one repaint per flush.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from terminal_app.config.settings import Settings
from terminal_app.core.instruments import SymbolRef
from terminal_app.core.market_data import PublicTrade
from terminal_app.ui.docks import DockServices, active_ref, links_for
from terminal_app.ui.docks.common import DecimalEdit, make_table
from terminal_app.ui.format import MarketPlaces, fmt_fixed
from terminal_app.ui.models.table import Column, StreamingTableModel, clock_ms, compact, fixed

DEFAULT_MAX_ROWS = 200
DEFAULT_LARGE_QUOTE = Decimal(10_000)


def _side_sign(trade: PublicTrade) -> int:
    return 1 if trade.side == "buy" else -1


class TapePanel(QWidget):
    """The trade tape panel."""

    def __init__(self, services: DockServices, parent: QWidget | None = None, *,
                 max_rows: int = DEFAULT_MAX_ROWS, large_quote: Decimal = DEFAULT_LARGE_QUOTE) -> None:
        super().__init__(parent)
        self.setObjectName("TapePanel")
        self.md = services.market_data
        self.links = links_for(services)
        self.places = MarketPlaces(self.md.market)
        self.ref: SymbolRef | None = None
        self.large_quote = large_quote
        # No coalescing timer of its own: trades_added is already coalesced by the market-data service (one batch
        # per flush), and a second 33 ms timer here merged every other batch, halving the tape's frame rate.
        self.model: StreamingTableModel[PublicTrade] = StreamingTableModel(
            self._columns(), key=lambda t: t.trade_id, newest_first=True, max_rows=max_rows, coalesce_ms=None)

        self.title = QLabel("—", self)
        self.threshold = DecimalEdit("large trade value", self)
        self.threshold.setObjectName("TapeLargeThreshold")
        self.threshold.setToolTip("Trades worth at least this much (in the quote coin) are highlighted.")
        self.threshold.setMaximumWidth(90)
        self.threshold.set_value(large_quote)
        self.threshold.editingFinished.connect(self._on_threshold_edited)
        self.quote_label = QLabel("USDT", self)
        self.view = make_table(self.model, self, stretch=1)
        self.view.setObjectName("TapeView")
        header = self.view.horizontalHeader()
        for column, width in ((0, 66), (2, 76), (3, 58)):
            header.resizeSection(column, width)
        # A tape is read, not edited: no selection and no current row. A clicked row used to become the current
        # one, and when it aged out of the tape the view followed the current row to the bottom — the oldest trades,
        # looking frozen.
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.view.setAutoScroll(False)
        self.view.doubleClicked.connect(self._on_double_click)
        self.view.setToolTip("Double-click a trade to put its price in the ticket.")

        top = QHBoxLayout()
        top.setContentsMargins(6, 4, 4, 0)
        top.addWidget(self.title, 1)
        top.addWidget(QLabel("Large ≥", self))
        top.addWidget(self.threshold)
        top.addWidget(self.quote_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)

        self.md.active_changed.connect(self.set_symbol)
        self.md.trades_added.connect(self._on_trades)
        ref = active_ref(services)
        if ref is not None:
            self.set_symbol(ref)

    def _columns(self) -> list[Column[PublicTrade]]:
        places = self.places

        def price_places(t: PublicTrade) -> int:
            return places.price(self.ref) if self.ref is not None else 2

        def size_places(t: PublicTrade) -> int:
            return places.size(self.ref) if self.ref is not None else 4

        return [
            Column("Time", lambda t: t.ts, clock_ms(with_ms=False)),
            Column("Price", lambda t: t.price, fixed(price_places), numeric=True, direction=_side_sign,
                   tint=self._large_sign),
            Column("Size", lambda t: t.size, fixed(size_places), numeric=True, direction=_side_sign,
                   tint=self._large_sign),
            Column("Value", lambda t: t.price * t.size, compact(1), numeric=True, tint=self._large_sign,
                   tooltip=lambda t: f"{fmt_fixed(t.price * t.size, 2)} {self.quote_label.text()}"),
        ]

    # --- public API -------------------------------------------------------------------------------------------

    def set_symbol(self, ref: SymbolRef) -> None:
        if ref == self.ref:
            return
        self.ref = ref
        self.title.setText(ref.display)
        market = self.places.market(ref)
        self.quote_label.setText(market.quote_coin if market is not None else "")
        self.model.clear()

    def set_large_threshold(self, value: Decimal) -> None:
        self.large_quote = value
        self.threshold.set_value(value)
        rows = self.model.rowCount()
        if rows:
            self.model.dataChanged.emit(self.model.index(0, 0), self.model.index(rows - 1, len(self.model.columns) - 1))

    def is_large(self, trade: PublicTrade) -> bool:
        return trade.price * trade.size >= self.large_quote

    # --- reactions ----------------------------------------------------------------------------------------------

    def _large_sign(self, trade: PublicTrade) -> int:
        return _side_sign(trade) if self.is_large(trade) else 0

    def _on_trades(self, ref: SymbolRef, trades: list[PublicTrade]) -> None:
        if ref == self.ref and trades:
            self.model.upsert_many(trades)

    def _on_threshold_edited(self) -> None:
        value = self.threshold.value()
        if value is not None and value >= 0 and value != self.large_quote:
            self.set_large_threshold(value)

    def _on_double_click(self, index: QModelIndex) -> None:
        row = index.row()
        if 0 <= row < self.model.rowCount():
            self.links.price_picked.emit(self.model.row_at(row).price)


def create_tape(services: DockServices, parent: QWidget | None = None, *,
                settings: Settings | None = None) -> TapePanel:
    return TapePanel(services, parent)
