"""Positions panel: the futures positions of every line (USDT-M, coin-M, USDC-M) in one table, with size, entry, mark,
liquidation, unrealized PnL in the margin coin and its USDT value, ROE, margin; close the selected one at market or
with a limit (price prompt), or flash-close every position after a confirmation.

Closing goes through ``TradingService.close_position`` / ``flash_close_all``; the panel never builds close orders
itself, so hedge/one-way details stay in one place. Reverse, break-even and isolated margin (buttons and the
right-click menu) go through the position tools (``services.position_tools``); reverse asks first.
Double-clicking a position puts its mark price and size in the ticket (traders.md §3.18).
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, Qt
from PySide6.QtWidgets import (
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QWidget,
)

from terminal_app.config.settings import Settings
from terminal_app.core.accounts import Position
from terminal_app.core.enums import MarginMode
from terminal_app.core.instruments import MarketInfo
from terminal_app.core.market_data import Ticker
from terminal_app.core.validation import on_step
from terminal_app.ui.dialogs.checked import CheckedDialog
from terminal_app.ui.dialogs.margin import MarginDialog
from terminal_app.ui.docks import DockServices, links_for
from terminal_app.ui.docks.closed_positions import tools_service
from terminal_app.ui.docks.common import DecimalEdit, ThemeWatcher, make_table, message_label, show_message
from terminal_app.ui.docks.order_table import select_key, selected_row, table_page
from terminal_app.ui.format import STABLE_COINS, MarketPlaces, fmt_fixed
from terminal_app.ui.models.table import Column, StreamingTableModel, fixed, percent, signed, text
from terminal_app.ui.theme import current_colors


def position_key(p: Position) -> str:
    return f"{p.ref.key}:{p.hold_side}"


def roe(p: Position) -> Decimal | None:
    """Return on margin as a ratio: unrealized PnL ÷ margin (Bitget's ``unrealizedPLR`` when the margin is unknown)."""
    if p.margin_size > 0:
        return p.unrealized_pl / p.margin_size
    return p.unrealized_plr


def _sign(p: Position) -> int:
    return 1 if p.hold_side == "long" else -1


COIN_PLACES = 8          # a coin-M PnL or margin in BTC/ETH: satoshi-sized digits matter


def line_label(p: Position) -> str:
    """The futures line, short: USDT-M, Coin-M, USDC-M."""
    return {"usdt_futures": "USDT-M", "coin_futures": "Coin-M", "usdc_futures": "USDC-M"}.get(
        p.product.value, p.product.label)


def usdt_value(amount: Decimal, p: Position, mark: Decimal | None) -> Decimal | None:
    """An amount in the position's margin coin in USDT: stable coins count 1:1; a coin-M coin at the contract's mark
    (the USD price of the coin, which the terminal takes as its USDT price)."""
    if p.margin_coin in STABLE_COINS:
        return amount
    return amount * mark if mark is not None else None


class ClosePriceDialog(CheckedDialog):
    """Asks for the limit price of a close; refuses prices off the market's tick."""

    def __init__(self, position: Position, market: MarketInfo | None, default: Decimal | None,
                 parent: QWidget | None = None) -> None:
        super().__init__("ClosePriceDialog", f"Close {position.hold_side} {position.ref.display} with a limit",
                         parent)
        self.position = position
        self.market = market
        self.price = DecimalEdit("limit price", self)
        self.price.set_value(default)
        self.form.addRow(f"Close {fmt_fixed(position.total, market.size_places if market else 4)} at", self.price)

    def problem(self) -> str | None:
        price = self.price.value()
        if price is None or price <= 0:
            return "Enter a price greater than 0."
        if self.market is not None and not on_step(price, self.market.tick_size):
            return f"The price must be a multiple of the tick size {self.market.tick_size.normalize():f}."
        return None


class PositionsPanel(QWidget):
    """The positions panel."""

    def __init__(self, services: DockServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PositionsPanel")
        self.account = services.account
        self.trading = services.trading
        self.md = services.market_data
        self.links = links_for(services)
        self.places = MarketPlaces(self.md.market)
        self._marks: dict[str, Decimal] = {}
        self.dialog: ClosePriceDialog | None = None
        self.confirm_box: QMessageBox | None = None
        self.tools = tools_service(services)
        self.margin_dialog: MarginDialog | None = None
        self.menu: QMenu | None = None

        self.model: StreamingTableModel[Position] = StreamingTableModel(self._columns(), key=position_key)
        self.view = make_table(self.model, self, widths={"Symbol": 110, "Side": 56, "Lev.": 50, "Mode": 70})
        self.view.setObjectName("PositionsView")
        self.view.doubleClicked.connect(self._on_double_click)
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        self.close_market_button = QPushButton("Close at market", self)
        self.close_market_button.clicked.connect(self.close_selected_market)
        self.close_limit_button = QPushButton("Close with limit…", self)
        self.close_limit_button.clicked.connect(lambda: self.close_selected_limit())
        self.flash_button = QPushButton("Flash close all", self)
        self.flash_button.setObjectName("FlashCloseAllButton")
        self.flash_button.setToolTip("Close every position at market (asks first)")
        self.flash_button.clicked.connect(lambda: self.flash_close_all())
        self.reverse_button = QPushButton("Reverse", self)
        self.reverse_button.setToolTip("Turn the position the other way at market (asks first)")
        self.reverse_button.clicked.connect(self.reverse_selected)
        self.break_even_button = QPushButton("Break-even", self)
        self.break_even_button.setToolTip("Put the position's stop-loss at its entry price")
        self.break_even_button.clicked.connect(self.break_even_selected)
        self.margin_button = QPushButton("Margin…", self)
        self.margin_button.setToolTip("Add or remove margin of an isolated position")
        self.margin_button.clicked.connect(lambda: self.margin_selected())
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.summary = QLabel(self)
        self.message = message_label(self)

        table_page(self, self.view, self.message, leading=[self.summary], leading_stretches=True,
                   buttons=[self.reverse_button, self.break_even_button, self.margin_button, self.close_market_button,
                            self.close_limit_button, self.flash_button])

        self.theme = ThemeWatcher(self, lambda c: self.flash_button.setStyleSheet(
            f"QPushButton {{ color: {c.alert}; font-weight: bold; }} QPushButton:disabled {{ color: {c.muted}; }}"))
        self.account.positions_changed.connect(self.refresh)
        self.md.ticker_changed.connect(self._on_ticker)
        self.refresh()

    def _columns(self) -> list[Column[Position]]:
        places = self.places

        def price(p: Position) -> int:
            return places.price(p.ref)

        def size(p: Position) -> int:
            return places.size(p.ref)

        def quote(p: Position) -> int:
            return places.quote(p.ref)

        def coin(p: Position) -> int:
            return places.quote(p.ref) if p.margin_coin in STABLE_COINS else COIN_PLACES

        return [
            Column("Symbol", lambda p: p.ref.display, text()),
            Column("Line", line_label, text()),
            Column("Side", lambda p: p.hold_side.capitalize(), text(), direction=_sign),
            Column("Size", lambda p: p.total, fixed(size), numeric=True, direction=_sign),
            Column("Entry", lambda p: p.open_price_avg, fixed(price), numeric=True),
            Column("Mark", self.mark_of, fixed(price), numeric=True),
            Column("Liq.", lambda p: p.liquidation_price if p.liquidation_price and p.liquidation_price > 0 else None,
                   fixed(price), numeric=True),
            Column("uPnL", lambda p: p.unrealized_pl, signed(coin), numeric=True, direction=lambda p: p.unrealized_pl),
            Column("Coin", lambda p: p.margin_coin, text()),
            Column("uPnL USDT", self.pnl_usdt, signed(2), numeric=True, direction=lambda p: p.unrealized_pl,
                   tooltip=lambda p: None if p.margin_coin in STABLE_COINS else
                   f"{p.margin_coin} PnL at the mark, in USDT"),
            Column("ROE", roe, percent(2), numeric=True, direction=lambda p: p.unrealized_pl),
            Column("Margin", lambda p: p.margin_size, fixed(coin), numeric=True),
            Column("Lev.", lambda p: f"{p.leverage.normalize():f}x", text(), numeric=True),
            Column("Mode", lambda p: p.margin_mode, text()),
        ]

    # --- public API ---------------------------------------------------------------------------------------------

    def mark_of(self, p: Position) -> Decimal | None:
        """The position's mark price; the positions push omits it, so the ticker's mark (or last) stands in."""
        return p.mark_price if p.mark_price is not None else self._marks.get(p.ref.key)

    def pnl_usdt(self, p: Position) -> Decimal | None:
        if p.margin_coin == "USDC":
            # Bitget values the USDC-M account in USDT itself (usdtEquity beside accountEquity): its rate, not 1:1
            account = self.account.margin_account(p.ref)
            if account is not None and account.equity > 0 and account.usdt_equity > 0:
                return p.unrealized_pl * account.usdt_equity / account.equity
        return usdt_value(p.unrealized_pl, p, self.mark_of(p))

    def refresh(self) -> None:
        positions = [p for p in self.account.positions() if p.total != 0]
        keep = {position_key(p) for p in positions}
        for old in self.model.rows():
            if position_key(old) not in keep:
                self.model.remove(position_key(old))
        self.model.upsert_many(positions)
        self.model.flush()
        # one total across lines and margin coins: each position's PnL valued in USDT
        total = sum((v for v in map(self.pnl_usdt, positions) if v is not None), Decimal(0))
        self.summary.setText(f"{len(positions)} open · uPnL {fmt_fixed(total, 2)}" if positions else "No positions")
        self.summary.setToolTip("Unrealized PnL of every line, in USDT (coin-M at each contract's mark)")
        self._update_buttons()

    def selected(self) -> Position | None:
        return selected_row(self.view, self.model)

    def select(self, position: Position) -> None:
        select_key(self.view, self.model, position_key(position))

    def close_selected_market(self) -> None:
        p = self.selected()
        if p is not None:
            self.trading.close_position(p, None)

    def close_selected_limit(self, price: Decimal | None = None) -> ClosePriceDialog | None:
        """With a price, close at once with that limit; without, open the price prompt (and return it)."""
        p = self.selected()
        if p is None:
            return None
        if price is not None:
            self.trading.close_position(p, price)
            return None
        dialog = ClosePriceDialog(p, self.places.market(p.ref), self.mark_of(p), self)
        dialog.accepted.connect(lambda: self.trading.close_position(dialog.position, dialog.price.value()))
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        return dialog

    def flash_close_all(self, confirmed: bool = False) -> QMessageBox | None:
        """Close every position at market; asks first unless ``confirmed`` (returns the open question)."""
        if confirmed:
            self.trading.flash_close_all()
            return None
        n = self.model.rowCount()
        box = QMessageBox(QMessageBox.Icon.Warning, "Flash close all",
                          f"Close all {n} position{'s' if n != 1 else ''} at market now?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.accepted.connect(self.trading.flash_close_all)
        box.finished.connect(box.deleteLater)
        self.confirm_box = box
        box.open()
        return box

    def reverse_selected(self) -> None:
        p = self.selected()
        if p is not None and self.tools is not None:
            self.tools.reverse(p)

    def break_even_selected(self) -> str:
        p = self.selected()
        if p is None or self.tools is None:
            return ""
        answer = self.tools.break_even(p)
        colors = current_colors()
        show_message(self.message, answer.text, colors.alert if answer.refused else colors.muted,
                     clear_after_ms=8000)
        return answer.text

    def margin_selected(self) -> MarginDialog | None:
        """Open the margin dialog of the selected isolated position (and return it)."""
        p = self.selected()
        if p is None or self.tools is None or p.margin_mode != MarginMode.ISOLATED:
            return None
        account = self.account.margin_account(p.ref)
        dialog = MarginDialog(p, self.tools, available=account.available if account is not None else None,
                              mark=self.mark_of(p), parent=self)
        dialog.finished.connect(dialog.deleteLater)
        self.margin_dialog = dialog
        dialog.open()
        return dialog

    def context_menu(self) -> QMenu:
        """The right-click menu of the selected position (built now; the caller shows it)."""
        menu = QMenu(self)
        p = self.selected()
        trades = p is not None and self.tools is not None and self.tools.trades
        desk = p is not None and self.tools is not None and self.tools.available
        for label, slot, enabled in (
                ("Reverse…", self.reverse_selected, trades),
                ("Break-even stop", self.break_even_selected, trades),
                ("Add / remove margin…", self.margin_selected,
                 desk and p is not None and p.margin_mode == MarginMode.ISOLATED),
                ("Close at market", self.close_selected_market, p is not None),
                ("Close with limit…", self.close_selected_limit, p is not None)):
            action = menu.addAction(label)
            action.setEnabled(enabled)
            action.triggered.connect(lambda _c=False, s=slot: s())
        return menu

    def _context_menu(self, point: QPoint) -> None:
        index = self.view.indexAt(point)
        if index.isValid():
            self.view.setCurrentIndex(index)
        menu = self.context_menu()
        menu.aboutToHide.connect(menu.deleteLater)
        self.menu = menu
        menu.popup(self.view.viewport().mapToGlobal(point))

    # --- reactions ----------------------------------------------------------------------------------------------

    def _on_ticker(self, ticker: Ticker) -> None:
        if not ticker.product.is_futures:
            return
        mark = ticker.mark_price if ticker.mark_price is not None else ticker.last
        key = ticker.ref.key
        if self._marks.get(key) == mark:
            return
        self._marks[key] = mark
        for p in self.model.rows():
            if p.ref.key == key and p.mark_price is None:
                self.model.upsert(p)  # same row, new mark: repaint it

    def _on_double_click(self, index: QModelIndex | QPersistentModelIndex) -> None:
        if not index.isValid():
            return
        p = self.model.row_at(index.row())
        mark = self.mark_of(p)
        if mark is not None:
            self.links.price_picked.emit(mark)
        self.links.size_picked.emit(p.total)

    def _update_buttons(self) -> None:
        selected = self.selected()
        has = selected is not None
        self.close_market_button.setEnabled(has)
        self.close_limit_button.setEnabled(has)
        trades = has and self.tools is not None and self.tools.trades
        self.reverse_button.setEnabled(trades)
        self.break_even_button.setEnabled(trades)
        self.margin_button.setEnabled(trades and self.tools is not None and self.tools.available
                                      and selected is not None and selected.margin_mode == MarginMode.ISOLATED)
        self.flash_button.setEnabled(self.model.rowCount() > 0)
        self.view.setToolTip("" if self.model.rowCount() else "No open positions")


def create_positions(services: DockServices, parent: QWidget | None = None, *,
                     settings: Settings | None = None) -> PositionsPanel:
    return PositionsPanel(services, parent)

