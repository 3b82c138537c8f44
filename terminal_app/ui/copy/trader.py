"""The elite trader's side: open tracking orders (TP/SL edit, close by trackingNo), closed ones, followers (remove),
symbol settings, and the profit share (summary and history). Elite trading is switched on here too."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTabWidget, QVBoxLayout, QWidget

from terminal_app.core.copy_trading import (
    CopyFollower,
    FuturesTrack,
    ProfitShare,
    ProfitSummary,
    TraderSummary,
    TraderSymbolSetting,
)
from terminal_app.services.copy_trading import CopyTradingService
from terminal_app.ui.copy.common import (
    AskTpSl,
    Confirm,
    CopyTable,
    ask_tpsl,
    ask_yes_no,
    closed_columns,
    opened_columns,
    table_model,
)
from terminal_app.ui.copy.follower import Mark, _with_buttons, unrealized
from terminal_app.ui.models.table import Column, clock_ms, fixed, signed, text


def track_columns(closed: bool, mark: Mark | None = None) -> list[Column[FuturesTrack]]:
    prices: Mark = mark or (lambda _symbol: None)

    def pnl(t: FuturesTrack) -> Decimal | None:
        return unrealized(t, prices(t.symbol))

    cols = opened_columns()
    if closed:
        cols += closed_columns(4)
    else:
        cols += [Column("Mark", lambda t: prices(t.symbol), text(), numeric=True),
                 Column("PnL", pnl, signed(4), numeric=True, direction=pnl),
                 Column("Copiers", lambda t: t.follow_count, text(), numeric=True),
                 Column("TP", lambda t: t.stop_surplus_price, text(), numeric=True),
                 Column("SL", lambda t: t.stop_loss_price, text(), numeric=True),
                 Column("Opened", lambda t: t.open_time, clock_ms(with_ms=False))]
    return [*cols, Column("Tracking no", lambda t: t.tracking_no)]


def follower_columns() -> list[Column[CopyFollower]]:
    return [
        Column("Follower", lambda f: f.follower_name),
        Column("UID", lambda f: f.follower_uid),
        Column("Equity", lambda f: f.account_equity, fixed(2), numeric=True),
        Column("Since", lambda f: f.follower_time, clock_ms(with_ms=False)),
        Column("Removable", lambda f: "yes" if f.removable else "no"),
    ]


def symbol_columns() -> list[Column[TraderSymbolSetting]]:
    return [
        Column("Symbol", lambda s: s.symbol),
        Column("Copyable", lambda s: "yes" if s.open_trader else "no"),
        Column("Min size", lambda s: s.min_open_count, text(), numeric=True),
        Column("Max leverage", lambda s: s.max_leverage, text(), numeric=True),
        Column("TP ratio %", lambda s: s.stop_surplus_ratio, text(), numeric=True),
        Column("SL ratio %", lambda s: s.stop_loss_ratio, text(), numeric=True),
    ]


def profit_columns() -> list[Column[ProfitShare]]:
    return [
        Column("Time", lambda p: p.profit_time, clock_ms(with_ms=False)),
        Column("Follower", lambda p: p.name or ""),
        Column("Coin", lambda p: p.coin),
        Column("Profit share", lambda p: p.profit, signed(8), numeric=True, direction=lambda p: p.profit),
    ]


class TraderView(QWidget):
    """Tabs: Open tracks · History · Followers · Symbols · Profit share. ``confirm``/``ask_tpsl`` are replaceable."""

    def __init__(self, service: CopyTradingService, mark: Mark | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("copy-trader")
        self.service = service
        self.confirm: Confirm = ask_yes_no
        self.ask_tpsl: AskTpSl = ask_tpsl

        self.current = table_model(track_columns(False, mark), lambda t: t.tracking_no, self)
        self.history = table_model(track_columns(True), lambda t: t.tracking_no, self)
        self.followers = table_model(follower_columns(), lambda f: f.follower_uid, self)
        self.symbols = table_model(symbol_columns(), lambda s: s.symbol, self)
        self.profits = table_model(profit_columns(), lambda p: (p.profit_id, p.name, p.profit_time, p.profit), self)
        self.current_table = CopyTable(self.current, "copy-tracks")
        self.followers_table = CopyTable(self.followers, "copy-followers")

        self.role = QLabel("Checking whether this account is an elite trader…")
        self.role.setWordWrap(True)
        self.enable_button = QPushButton("Become an &elite trader")
        self.enable_button.clicked.connect(self.enable_selected)
        self.summary = QLabel()
        self.summary.setObjectName("copy-trader-summary")
        self.profit_summary = QLabel("No profit share yet.")
        self.profit_summary.setObjectName("copy-profit-summary")

        self.tpsl_button = QPushButton("Set &TP/SL…")
        self.close_button = QPushButton("Close tracking order")
        self.remove_button = QPushButton("Remove follower…")
        self.tpsl_button.clicked.connect(self.tpsl_selected)
        self.close_button.clicked.connect(self.close_selected)
        self.remove_button.clicked.connect(self.remove_selected)

        profit_box = QWidget()
        profit_layout = QVBoxLayout(profit_box)
        profit_layout.setContentsMargins(0, 0, 0, 0)
        profit_layout.addWidget(self.profit_summary)
        profit_layout.addWidget(CopyTable(self.profits, "copy-profits"))

        self.tabs = QTabWidget(self)
        self.tabs.addTab(_with_buttons(self.current_table, self.tpsl_button, self.close_button), "Open tracks")
        self.tabs.addTab(CopyTable(self.history, "copy-track-history"), "History")
        self.tabs.addTab(_with_buttons(self.followers_table, self.remove_button), "Followers")
        self.tabs.addTab(CopyTable(self.symbols, "copy-symbols"), "Symbols")
        self.tabs.addTab(profit_box, "Profit share")

        head = QHBoxLayout()
        head.addWidget(self.role, 1)
        head.addWidget(self.enable_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(head)
        layout.addWidget(self.summary)
        layout.addWidget(self.tabs, 1)

        service.role_changed.connect(self._on_role)
        service.trader_current_changed.connect(self.current.replace_all)
        service.trader_history_changed.connect(self.history.replace_all)
        service.followers_changed.connect(self.followers.replace_all)
        service.trader_symbols_changed.connect(self.symbols.replace_all)
        service.profit_history_changed.connect(self.profits.replace_all)
        service.profit_summary_changed.connect(self._on_profit_summary)
        service.trader_summary_changed.connect(self._on_summary)
        if service.is_trader is not None:
            self._on_role(service.is_trader)

    def _on_role(self, trader: bool) -> None:
        self.enable_button.setVisible(not trader)
        self.tabs.setEnabled(trader)
        self.role.setText("Elite trader: your futures orders in copy symbols are tracked and copied by your "
                          "followers; close them here, by tracking number." if trader else
                          "This account is not an elite trader. Copy trading needs hedge (two-way) position mode.")

    def _on_summary(self, s: TraderSummary) -> None:
        self.summary.setText(f"ROI {s.roi if s.roi is not None else '—'} % · PnL {s.total_pl or 0:+.2f} USDT · "
                             f"{s.trading_order_num} trades ({s.gain_num} won, {s.loss_num} lost) · followers "
                             f"{s.current_follower_num} now, {s.total_follower_num} in total · equity "
                             f"{s.total_equity or 0:,.2f}")

    def _on_profit_summary(self, p: ProfitSummary) -> None:
        self.profit_summary.setText(f"Profit share received {p.sum_profit:+.8f} USDT · yesterday "
                                    f"{p.yesterday_profit:+.8f} · pending {p.wait_profit:+.8f}")

    # --- actions ----------------------------------------------------------------------------------------------

    def enable_selected(self) -> Any:
        if not self.confirm(self, "Elite trading", "Become an elite trader? Your futures orders in copy symbols "
                                                   "will be copied by followers."):
            return None
        return self.service.set_elite_trading(True)

    def tpsl_selected(self) -> Any:
        track = self.current_table.selected()
        if not isinstance(track, FuturesTrack):
            return None
        answer = self.ask_tpsl(self, track)
        return None if answer is None else self.service.set_track_tpsl(track, *answer)

    def close_selected(self) -> Any:
        track = self.current_table.selected()
        if not isinstance(track, FuturesTrack):
            return None
        if not self.confirm(self, "Close tracking order", f"Close {track.symbol} {track.pos_side} {track.open_size} "
                                                          f"(tracking no {track.tracking_no}) and its copies?"):
            return None
        return self.service.close_track(track.tracking_no)

    def remove_selected(self) -> Any:
        follower = self.followers_table.selected()
        if not isinstance(follower, CopyFollower):
            return None
        if not self.confirm(self, "Remove follower", f"Remove {follower.follower_name}? Their copies close."):
            return None
        return self.service.remove_follower(follower.follower_uid, name=follower.follower_name)
