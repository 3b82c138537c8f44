"""The elite trader's console on a unified account: Bitget's V3 copy API has no tracking orders, so the console shows
the lead account's positions (close one, set its TP/SL through the V3 trade API), the followers, the trading pairs
with the room left in each, and the profit share — and says plainly what V3 does not offer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from terminal_app.core.copy_lead import (
    LeadFollower,
    LeadOverview,
    LeadPair,
    LeadPosition,
    LeadProfitDetail,
    LeadProfitSummary,
)
from terminal_app.services.copy_trading import CopyTradingService
from terminal_app.ui.copy.common import Confirm, CopyTable, TpSl, TpSlForm, ask_yes_no, table_model
from terminal_app.ui.copy.follower import _with_buttons
from terminal_app.ui.models.table import Column, clock_ms, signed, text

AskLeadTpSl = Callable[[QWidget, LeadPosition], TpSl | None]

NOT_ON_V3 = ("Unified account · Bitget's V3 copy API: your lead positions are plain positions traded with the "
             "ordinary order ticket (no tracking numbers); followers copy them. Bitget offers no V3 endpoint to "
             "remove a follower, change per-symbol copy settings or switch elite trading on — do that in Bitget's "
             "app.")


def _side(p: LeadPosition) -> int:
    return 1 if p.hold_side == "long" else -1


def position_columns() -> list[Column[LeadPosition]]:
    return [
        Column("Symbol", lambda p: p.symbol),
        Column("Side", lambda p: p.hold_side, direction=_side),
        Column("Lev", lambda p: p.leverage, text(), numeric=True),
        Column("Size", lambda p: p.size, text(), numeric=True),
        Column("Entry", lambda p: p.avg_price, text(), numeric=True),
        Column("Mark", lambda p: p.mark_price, text(), numeric=True),
        Column("Value", lambda p: p.value, text(), numeric=True),
        Column("Margin", lambda p: p.margin, text(), numeric=True),
        Column("PnL", lambda p: p.unrealized_pnl, signed(4), numeric=True, direction=lambda p: p.unrealized_pnl),
        Column("Liq.", lambda p: p.liq_price or None, text(), numeric=True),
    ]


def lead_follower_columns() -> list[Column[LeadFollower]]:
    return [
        Column("Follower", lambda f: f.name),
        Column("Assets", lambda f: f.assets, text(), numeric=True),
        Column("Invested", lambda f: f.investment, text(), numeric=True),
        Column("PnL", lambda f: f.total_profit, signed(4), numeric=True, direction=lambda f: f.total_profit),
        Column("Share paid", lambda f: f.share_profit, signed(4), numeric=True),
        Column("Days", lambda f: f.follow_days, text(), numeric=True),
        Column("Since", lambda f: f.start_time, clock_ms(with_ms=False)),
    ]


def pair_columns() -> list[Column[LeadPair]]:
    return [
        Column("Symbol", lambda p: p.symbol),
        Column("Max leverage", lambda p: p.leverage),
        Column("Longs left", lambda p: f"{p.remaining_long} / {p.max_long}"),
        Column("Shorts left", lambda p: f"{p.remaining_short} / {p.max_short}"),
    ]


def detail_columns() -> list[Column[LeadProfitDetail]]:
    return [
        Column("Settled", lambda d: d.settle_time, clock_ms(with_ms=False)),
        Column("Follower", lambda d: d.follower_name),
        Column("Their PnL", lambda d: d.profit, signed(4), numeric=True, direction=lambda d: d.profit),
        Column("Ratio", lambda d: d.share_ratio, text(), numeric=True),
        Column("Profit share", lambda d: d.share_profit, signed(8), numeric=True, direction=lambda d: d.share_profit),
        Column("Why", lambda d: d.reason),
    ]


class LeadTpSlDialog(TpSlForm):
    """Take-profit / stop-loss prices for the whole lead position (empty: not set)."""

    def __init__(self, position: LeadPosition, parent: QWidget | None = None) -> None:
        super().__init__("LeadTpSlDialog", f"TP/SL · lead {position.symbol} {position.hold_side}",
                         f"Entry {position.avg_price} × {position.size}; mark {position.mark_price}.", parent)


def ask_lead_tpsl(parent: QWidget, position: LeadPosition) -> TpSl | None:
    dialog = LeadTpSlDialog(position, parent)
    return dialog.value if dialog.exec() == QDialog.DialogCode.Accepted else None


class LeadView(QWidget):
    """Tabs: Lead positions · Followers · Trading pairs · Profit share. ``confirm``/``ask_tpsl`` are replaceable."""

    def __init__(self, service: CopyTradingService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("copy-lead")
        self.service = service
        self.confirm: Confirm = ask_yes_no
        self.ask_tpsl: AskLeadTpSl = ask_lead_tpsl

        self.positions = table_model(position_columns(), lambda p: p.key, self)
        self.followers = table_model(lead_follower_columns(), lambda f: (f.name, f.start_time), self)
        self.pairs = table_model(pair_columns(), lambda p: p.symbol, self)
        self.details = table_model(detail_columns(), lambda d: (d.settle_time, d.follower_name, d.share_profit), self)
        self.positions_table = CopyTable(self.positions, "copy-lead-positions")

        self.role = QLabel("Checking whether this unified account is an elite trader…")
        self.role.setWordWrap(True)
        self.note = QLabel(NOT_ON_V3)
        self.note.setObjectName("copy-lead-note")
        self.note.setWordWrap(True)
        self.summary = QLabel()
        self.summary.setObjectName("copy-lead-summary")
        self.profit_summary = QLabel("No profit share yet.")
        self.profit_summary.setObjectName("copy-lead-profit")

        self.tpsl_button = QPushButton("Set &TP/SL…")
        self.close_button = QPushButton("Close lead position")
        self.tpsl_button.clicked.connect(self.tpsl_selected)
        self.close_button.clicked.connect(self.close_selected)

        profit_box = QWidget()
        profit_layout = QVBoxLayout(profit_box)
        profit_layout.setContentsMargins(0, 0, 0, 0)
        profit_layout.addWidget(self.profit_summary)
        profit_layout.addWidget(CopyTable(self.details, "copy-lead-profits"))

        self.tabs = QTabWidget(self)
        self.tabs.addTab(_with_buttons(self.positions_table, self.tpsl_button, self.close_button), "Lead positions")
        self.tabs.addTab(CopyTable(self.followers, "copy-lead-followers"), "Followers")
        self.tabs.addTab(CopyTable(self.pairs, "copy-lead-pairs"), "Trading pairs")
        self.tabs.addTab(profit_box, "Profit share")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.role)
        layout.addWidget(self.note)
        layout.addWidget(self.summary)
        layout.addWidget(self.tabs, 1)

        service.role_changed.connect(self._on_role)
        service.lead_positions_changed.connect(self.positions.replace_all)
        service.lead_followers_changed.connect(self.followers.replace_all)
        service.lead_pairs_changed.connect(self.pairs.replace_all)
        service.lead_profit_details_changed.connect(self.details.replace_all)
        service.lead_profit_summary_changed.connect(self._on_profit_summary)
        service.lead_overview_changed.connect(self._on_overview)
        if service.is_trader is not None:
            self._on_role(service.is_trader)

    def _on_role(self, trader: bool) -> None:
        self.tabs.setEnabled(trader)
        self.role.setText("Elite trader (unified account): futures positions you open in your trading pairs are "
                          "lead positions; followers copy them and close with them." if trader else
                          "This unified account is not an elite trader; Bitget's API cannot make it one (apply in "
                          "Bitget's app).")

    def _on_overview(self, o: LeadOverview) -> None:
        roi = "—" if o.roi is None else f"{o.roi}"
        self.summary.setText(f"ROI {roi} % · PnL {o.total_profit:+.2f} USDT · followers' PnL "
                             f"{o.follower_profit:+.2f} · lead assets {o.asset:,.2f} · max drawdown "
                             f"{o.max_drawdown if o.max_drawdown is not None else '—'} %")

    def _on_profit_summary(self, p: LeadProfitSummary) -> None:
        self.profit_summary.setText(f"Profit share {p.total:+.8f} USDT · settled {p.allocated:+.8f} · pending "
                                    f"{p.pending:+.8f}")

    # --- actions ----------------------------------------------------------------------------------------------

    def tpsl_selected(self) -> Any:
        position = self.positions_table.selected()
        if not isinstance(position, LeadPosition):
            return None
        answer = self.ask_tpsl(self, position)
        return None if answer is None else self.service.set_lead_tpsl(position, *answer)

    def close_selected(self) -> Any:
        position = self.positions_table.selected()
        if not isinstance(position, LeadPosition):
            return None
        if not self.confirm(self, "Close lead position", f"Close {position.symbol} {position.hold_side} "
                                                         f"{position.size}? Your followers' copies close with it."):
            return None
        return self.service.close_lead(position)

