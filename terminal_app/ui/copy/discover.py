"""Discover elite traders: a sortable table (ROI, PnL, win rate, max drawdown, AUM, followers, profit share) with a
7d/30d/90d/all period switch, and a profile of the selected trader: key figures, the cumulative-PnL curve of their
closed trades (pyqtgraph), their open and recent positions, and a Follow button."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from decimal import Decimal

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from terminal_app.core.copy_trading import BrokerTrader, FuturesTrack
from terminal_app.services.copy_trading import PERIODS, CopyTradingService, TraderProfile
from terminal_app.ui.copy.common import CopyTable, closed_columns, opened_columns, table_model
from terminal_app.ui.copy.follow_dialog import FollowDialog
from terminal_app.ui.format import fmt_compact
from terminal_app.ui.models.table import Column, clock_ms, compact, fixed, signed, text
from terminal_app.ui.theme import current_colors


@dataclass(frozen=True, slots=True)
class TraderRow:
    """A list entry plus the profit share the raw list carries (``BrokerTrader`` does not keep it)."""

    trader: BrokerTrader
    profit_share: Decimal | None

    @property
    def trader_id(self) -> str:
        return self.trader.trader_id


def trader_columns() -> list[Column[TraderRow]]:
    return [
        Column("Trader", lambda r: r.trader.trader_name),
        Column("ROI %", lambda r: r.trader.roi, signed(2), numeric=True, direction=lambda r: r.trader.roi),
        Column("PnL", lambda r: r.trader.total_pnl, signed(2), numeric=True, direction=lambda r: r.trader.total_pnl),
        Column("Win rate %", lambda r: r.trader.win_rate, fixed(2), numeric=True),
        Column("Max DD %", lambda r: r.trader.max_drawdown, fixed(2), numeric=True),
        Column("AUM", lambda r: r.trader.aum, compact(2), numeric=True),
        Column("Followers", lambda r: r.trader.follow_count, text(), numeric=True),
        Column("Slots", lambda r: r.trader.max_limit, text(), numeric=True),
        Column("Share %", lambda r: r.profit_share, fixed(0), numeric=True),
        Column("Pairs", lambda r: ", ".join(r.trader.current_trading)),
        Column("Status", lambda r: "following" if r.trader.is_my_trader else
               ("open" if r.trader.can_follow else "full")),
    ]


def trace_columns(closed: bool) -> list[Column[FuturesTrack]]:
    cols = opened_columns()
    if closed:
        cols += closed_columns(2)
    else:
        cols += [Column("Copiers", lambda t: t.follow_count, text(), numeric=True),
                 Column("Opened", lambda t: t.open_time, clock_ms(with_ms=False))]
    return cols


class ProfileView(QWidget):
    """One trader: figures, the PnL curve, open and recent positions, Follow."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("copy-profile")
        self.profile: TraderProfile | None = None
        self.title = QLabel("Select a trader")
        self.title.setObjectName("copy-profile-title")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title.setFont(font)
        self.figures = QLabel()
        self.figures.setWordWrap(True)
        self.follow_button = QPushButton("Follow…")
        self.follow_button.setEnabled(False)
        colors = current_colors()
        self.plot = pg.PlotWidget(background=colors.surface)
        self.plot.setObjectName("copy-profile-curve")
        self.plot.setMinimumHeight(150)
        self.plot.showGrid(x=False, y=True, alpha=0.2)
        self.plot.setAxisItems({"bottom": pg.DateAxisItem(orientation="bottom")})
        self.plot.setLabel("left", "Cumulative PnL (USDT)")
        self.plot.setMenuEnabled(False)
        self.curve = self.plot.plot([], [], pen=pg.mkPen(colors.accent, width=2))
        self.zero = pg.InfiniteLine(0, angle=0, pen=pg.mkPen(colors.muted, width=1, style=Qt.PenStyle.DashLine))
        self.plot.addItem(self.zero)
        self.current = table_model(trace_columns(False), lambda t: t.tracking_no, self)
        self.recent = table_model(trace_columns(True), lambda t: t.tracking_no, self)
        positions = QTabWidget(self)
        positions.addTab(CopyTable(self.current, "copy-profile-current"), "Open positions")
        positions.addTab(CopyTable(self.recent, "copy-profile-recent"), "Recent trades")

        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.follow_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 0, 0)
        layout.addLayout(head)
        layout.addWidget(self.figures)
        layout.addWidget(self.plot, 3)
        layout.addWidget(positions, 2)

    def show_profile(self, profile: TraderProfile, profit_share: Decimal | None) -> None:
        self.profile = profile
        t = profile.trader
        self.title.setText(t.trader_name)
        share = f"{profit_share:.0f} %" if profit_share is not None else "—"
        self.figures.setText(
            f"ROI {_pct(t.roi)} · PnL {_num(t.total_pnl)} USDT · win rate {_pct(t.win_rate, sign=False)} · "
            f"max drawdown {_pct(t.max_drawdown, sign=False)} · AUM {fmt_compact(t.aum)} · followers "
            f"{t.follow_count}/{t.max_limit} · profit share {share} · wins/losses {t.profit_count}/{t.loss_count}")
        xs = [ms / 1000 for ms, _ in profile.curve]
        ys = [float(v) for _, v in profile.curve]  # floats for drawing only
        self.curve.setData(xs, ys)
        if xs:
            self.plot.enableAutoRange()
        self.current.replace_all(profile.current)
        self.recent.replace_all(profile.recent)
        self.follow_button.setEnabled(bool(t.can_follow) and not t.is_my_trader)
        self.follow_button.setText("Following" if t.is_my_trader else "Follow…")


def _pct(value: Decimal | None, *, sign: bool = True) -> str:
    if value is None:
        return "—"
    return f"{value:+.2f} %" if sign else f"{value:.2f} %"


def _num(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:+,.2f}"


class DiscoverView(QWidget):
    """Period buttons, the trader table (click a header to sort) and the profile of the selected trader."""

    def __init__(self, service: CopyTradingService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("copy-discover")
        self.service = service
        self.dialog: FollowDialog | None = None
        self.model = table_model(trader_columns(), lambda r: r.trader_id, self)
        self.table = CopyTable(self.model, "copy-traders")
        self.table.setMinimumWidth(420)
        self.profile = ProfileView(self)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.hide()

        bar = QHBoxLayout()
        bar.addWidget(QLabel("Period:"))
        self.periods = QButtonGroup(self)
        self.period_buttons: dict[str, QPushButton] = {}
        for period in PERIODS:
            button = QPushButton(period)
            button.setCheckable(True)
            button.setChecked(period == service.period)
            button.clicked.connect(lambda _checked=False, p=period: self.set_period(p))
            self.periods.addButton(button)
            self.period_buttons[period] = button
            bar.addWidget(button)
        bar.addStretch(1)
        accent = current_colors().accent
        for button in self.period_buttons.values():
            button.setStyleSheet(f"QPushButton:checked {{ background: {accent}; color: white; font-weight: bold; }}")
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(service.refresh)
        bar.addWidget(refresh)

        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.table)
        split.addWidget(self.profile)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([900, 600])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.notice)
        layout.addWidget(split, 1)

        service.traders_changed.connect(self._on_traders)
        service.discover_unavailable.connect(self._on_unavailable)
        service.profile_loaded.connect(self._on_profile)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        self.profile.follow_button.clicked.connect(self.follow_selected)

    def set_period(self, period: str) -> None:
        self.service.period = period
        self.period_buttons[period].setChecked(True)
        self.service.run(self.service.load_traders(period), "traders")

    def _on_traders(self, period: str, traders: list[BrokerTrader]) -> None:
        if period != self.service.period:
            return
        self.notice.hide()
        selected = self.table.selected()
        shares = self.service.profit_shares
        self.model.replace_all(TraderRow(t, shares.get(t.trader_id)) for t in traders)
        if isinstance(selected, TraderRow):
            self.table.select_key(selected.trader_id)
        elif traders and self.profile.profile is None:
            self.table.selectRow(0)

    def _on_unavailable(self, reason: str) -> None:
        self.notice.setText(reason)
        self.notice.show()

    def _on_selection(self, *_args: object) -> None:
        row = self.table.selected()
        if isinstance(row, TraderRow) and (self.profile.profile is None
                                           or self.profile.profile.trader.trader_id != row.trader_id):
            self.service.run(self.service.load_profile(row.trader_id), "profile")

    def _on_profile(self, profile: TraderProfile) -> None:
        self.profile.show_profile(profile, self.service.profit_shares.get(profile.trader.trader_id))

    def follow_selected(self) -> None:
        row = self.table.selected()
        if isinstance(row, TraderRow):
            self.service.run(self.open_follow(row.trader), "follow-dialog")

    async def open_follow(self, trader: BrokerTrader) -> FollowDialog:
        """Load the quantity limits and the futures position mode, then show the follow dialog (non-blocking):
        in one-way mode it offers the switch to hedge mode first; Follow sends the settings."""
        limits, mode = await asyncio.gather(self.service.quantity_limits(), self.service.position_mode())
        symbols = set(trader.current_trading)
        offered = [q for q in limits if not symbols or q.symbol in symbols] or limits
        dialog = FollowDialog(trader.trader_name, offered, (), self)
        dialog.accepted.connect(lambda: self.service.follow(trader.trader_id, dialog.settings(),
                                                            trader_name=trader.trader_name))
        dialog.hedge_requested.connect(lambda: self._switch_to_hedge(dialog))
        dialog.set_position_mode(mode)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _switch_to_hedge(self, dialog: FollowDialog) -> None:
        errors: list[str] = []
        self.service.error.connect(errors.append)

        async def switch() -> None:
            try:
                task = self.service.use_hedge_mode()
                switched = bool(await task) if task is not None else False
                mode = await self.service.position_mode()
            finally:
                self.service.error.disconnect(errors.append)
            if isValid(dialog):
                dialog.set_position_mode(mode, "" if switched else (errors[-1] if errors else "The switch failed."))

        self.service.run(switch(), "hedge-mode")
