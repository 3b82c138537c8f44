"""The follower's side: the traders I copy (settings, edit, unfollow with confirmation), my open copy positions (PnL
at the mark, TP/SL edit, close), closed copies with net profit, and the copy-slippage view (each copied fill next to
the trader's fill: price, size, delay)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTabWidget, QVBoxLayout, QWidget

from terminal_app.core.copy_trading import FuturesTrack, MyTrader
from terminal_app.services.copy_trading import CopyFill, CopyTradingService
from terminal_app.ui.copy.common import (
    AskTpSl,
    Confirm,
    CopyTable,
    ask_tpsl,
    ask_yes_no,
    side_sign,
    table_model,
)
from terminal_app.ui.copy.follow_dialog import FollowDialog
from terminal_app.ui.models.table import Column, clock_ms, fixed, signed, text

Mark = Callable[[str], Decimal | None]


def unrealized(track: FuturesTrack, mark: Decimal | None) -> Decimal | None:
    if mark is None:
        return None
    return ((mark - track.open_price) * track.open_size * side_sign(track)).quantize(Decimal("0.0001"))


def my_trader_columns() -> list[Column[MyTrader]]:
    return [
        Column("Trader", lambda t: t.trader_name),
        Column("Since", lambda t: t.follower_time, clock_ms(with_ms=False)),
        Column("Margin", lambda t: t.trace_total_margin, fixed(2), numeric=True),
        Column("Net profit", lambda t: t.trace_total_net_profit, signed(2), numeric=True,
               direction=lambda t: t.trace_total_net_profit),
        Column("Profit", lambda t: t.trace_total_profit, signed(2), numeric=True,
               direction=lambda t: t.trace_total_profit),
        Column("Pairs", lambda t: ", ".join(t.current_trading_pairs)),
    ]


def current_columns(mark: Mark) -> list[Column[FuturesTrack]]:
    def pnl(t: FuturesTrack) -> Decimal | None:
        return unrealized(t, mark(t.symbol))

    return [
        Column("Trader", lambda t: t.trader_name or t.trader_id),
        Column("Symbol", lambda t: t.symbol),
        Column("Side", lambda t: t.pos_side, direction=side_sign),
        Column("Lev", lambda t: t.open_leverage, fixed(0), numeric=True),
        Column("Size", lambda t: t.open_size, text(), numeric=True),
        Column("Entry", lambda t: t.open_price, text(), numeric=True),
        Column("Mark", lambda t: mark(t.symbol), text(), numeric=True),
        Column("PnL", pnl, signed(4), numeric=True, direction=pnl),
        Column("Margin", lambda t: t.margin, fixed(2), numeric=True),
        Column("TP", lambda t: t.stop_surplus_price, text(), numeric=True),
        Column("SL", lambda t: t.stop_loss_price, text(), numeric=True),
        Column("Opened", lambda t: t.open_time, clock_ms(with_ms=False)),
        Column("Tracking no", lambda t: t.tracking_no),
    ]


def history_columns() -> list[Column[FuturesTrack]]:
    return [
        Column("Trader", lambda t: t.trader_name or t.trader_id),
        Column("Symbol", lambda t: t.symbol),
        Column("Side", lambda t: t.pos_side, direction=side_sign),
        Column("Size", lambda t: t.open_size, text(), numeric=True),
        Column("Entry", lambda t: t.open_price, text(), numeric=True),
        Column("Exit", lambda t: t.close_price, text(), numeric=True),
        Column("Net profit", lambda t: t.net_profit, signed(4), numeric=True, direction=lambda t: t.net_profit),
        Column("Fees", lambda t: (t.open_fee or 0) + (t.close_fee or 0), signed(4), numeric=True),
        Column("Closed", lambda t: t.close_time, clock_ms(with_ms=False)),
        Column("Tracking no", lambda t: t.tracking_no),
    ]


def slippage_columns() -> list[Column[CopyFill]]:
    return [
        Column("Trader", lambda f: f.trader_name),
        Column("Symbol", lambda f: f.symbol),
        Column("Side", lambda f: f.pos_side),
        Column("Trader price", lambda f: f.trader_price, text(), numeric=True),
        Column("Copy price", lambda f: f.copy_price, text(), numeric=True),
        Column("Slippage", lambda f: f.slippage, signed(4), numeric=True,
               direction=lambda f: -(f.slippage or 0)),
        Column("bps", lambda f: f.slippage_bps, signed(2), numeric=True, direction=lambda f: -(f.slippage_bps or 0)),
        Column("Trader size", lambda f: f.trader_size, text(), numeric=True),
        Column("Copy size", lambda f: f.copy_size, text(), numeric=True),
        Column("Delay ms", lambda f: f.delay_ms, text(), numeric=True),
        Column("Opened", lambda f: f.open_time, clock_ms(with_ms=False)),
    ]


class FollowerView(QWidget):
    """Tabs: Traders I copy · Open copies · History · Slippage. ``confirm`` and ``ask_tpsl`` are replaceable."""

    def __init__(self, service: CopyTradingService, mark: Mark | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("copy-follower")
        self.service = service
        self.mark: Mark = mark or (lambda _symbol: None)
        self.confirm: Confirm = ask_yes_no
        self.ask_tpsl: AskTpSl = ask_tpsl
        self.dialog: FollowDialog | None = None

        self.my_traders = table_model(my_trader_columns(), lambda t: t.trader_id, self)
        self.current = table_model(current_columns(self.mark), lambda t: t.tracking_no, self)
        self.history = table_model(history_columns(), lambda t: t.tracking_no, self)
        self.fills = table_model(slippage_columns(), lambda f: f.tracking_no, self)
        self.traders_table = CopyTable(self.my_traders, "copy-my-traders")
        self.current_table = CopyTable(self.current, "copy-current")
        self.history_table = CopyTable(self.history, "copy-history")
        self.fills_table = CopyTable(self.fills, "copy-slippage")

        self.edit_button = QPushButton("Edit settings…")
        self.unfollow_button = QPushButton("Unfollow…")
        self.tpsl_button = QPushButton("Set &TP/SL…")
        self.close_button = QPushButton("Close copy")
        self.edit_button.clicked.connect(self.edit_selected)
        self.unfollow_button.clicked.connect(self.unfollow_selected)
        self.tpsl_button.clicked.connect(self.tpsl_selected)
        self.close_button.clicked.connect(self.close_selected)
        self.summary = QLabel()
        self.summary.setObjectName("copy-follower-summary")

        self.tabs = QTabWidget(self)
        self.tabs.addTab(_with_buttons(self.traders_table, self.edit_button, self.unfollow_button), "Traders I copy")
        self.tabs.addTab(_with_buttons(self.current_table, self.tpsl_button, self.close_button), "Open copies")
        self.tabs.addTab(self.history_table, "History")
        self.tabs.addTab(self.fills_table, "Copy slippage")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.tabs)

        service.my_traders_changed.connect(self._on_my_traders)
        service.follower_current_changed.connect(self._on_current)
        service.follower_history_changed.connect(self._on_history)
        service.fills_changed.connect(self.fills.replace_all)

    def _on_my_traders(self, traders: list[MyTrader]) -> None:
        self.my_traders.replace_all(traders)
        self._update_summary()

    def _on_current(self, tracks: list[FuturesTrack]) -> None:
        self.current.replace_all(tracks)
        self._update_summary()

    def _on_history(self, tracks: list[FuturesTrack]) -> None:
        self.history.replace_all(tracks)
        self._update_summary()

    def _update_summary(self) -> None:
        pnl = sum((unrealized(t, self.mark(t.symbol)) or Decimal(0) for t in self.current.rows()), Decimal(0))
        net = sum((t.net_profit or Decimal(0) for t in self.history.rows()), Decimal(0))
        self.summary.setText(f"Copying {self.my_traders.rowCount()} trader(s) · {self.current.rowCount()} open "
                             f"copies, unrealised {pnl:+.2f} USDT · closed net {net:+.2f} USDT")

    # --- actions ----------------------------------------------------------------------------------------------

    def edit_selected(self) -> None:
        trader = self.traders_table.selected()
        if isinstance(trader, MyTrader):
            self.service.run(self.open_settings(trader.trader_id, trader.trader_name), "edit-settings")

    async def open_settings(self, trader_id: str, name: str) -> FollowDialog:
        """Load the current settings and the quantity limits, then show the edit dialog (non-blocking)."""
        limits = await self.service.quantity_limits()
        current = await self.service.follow_settings(trader_id)
        dialog = FollowDialog(name, limits, current.details, self)
        dialog.accepted.connect(lambda: self.service.follow(trader_id, dialog.settings(), trader_name=name))
        self.dialog = dialog
        dialog.open()
        return dialog

    def unfollow_selected(self) -> Any:
        trader = self.traders_table.selected()
        if not isinstance(trader, MyTrader):
            return None
        question = (f"Stop copying {trader.trader_name}? Bitget closes its open copy positions at market.")
        if not self.confirm(self, "Unfollow", question):
            return None
        return self.service.unfollow(trader.trader_id, trader_name=trader.trader_name)

    def tpsl_selected(self) -> Any:
        track = self.current_table.selected()
        if not isinstance(track, FuturesTrack):
            return None
        answer = self.ask_tpsl(self, track)
        if answer is None:
            return None
        return self.service.set_copy_tpsl(track, *answer)

    def close_selected(self) -> Any:
        track = self.current_table.selected()
        if not isinstance(track, FuturesTrack):
            return None
        if not self.confirm(self, "Close copy", f"Close the copy {track.symbol} {track.pos_side} "
                                                f"{track.open_size} at market?"):
            return None
        return self.service.close_copy(track)


def _with_buttons(table: QWidget, *buttons: QPushButton) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    row = QHBoxLayout()
    for button in buttons:
        row.addWidget(button)
    row.addStretch(1)
    layout.addLayout(row)
    layout.addWidget(table)
    return box
