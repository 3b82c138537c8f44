"""The ticket's Scaled section: N limit orders spread between two prices, previewed before they are sent.

:class:`ScaledFields` owns the toggle, the last price of the range (the ticket's price field is the first), the
number of orders, the weighting (even, increasing or decreasing sizes from the first price to the last) and the
preview table: each order's price and size, then the total and the average price. ``core.scale.plan_scale`` works
the legs out (tick, lot, minimum size, exact total); the ticket's size field is the total, and the set goes through
the one order pipeline as one decision (``GuardedTrading.submit_scaled``: the risk limits on the total, one
confirmation, the batch endpoint cut to its limit).
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHeaderView,
    QLabel,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from terminal_app.core.enums import Side
from terminal_app.core.instruments import MarketInfo
from terminal_app.core.scale import MAX_LEGS, ScalePlan, Weighting, plan_scale
from terminal_app.ui.docks.common import DecimalEdit
from terminal_app.ui.format import fmt_fixed

DEFAULT_COUNT = 5


class ScaledFields:
    """The scaled part of the ticket (widgets parented to ``parent``; ``panel`` holds all but the toggle)."""

    def __init__(self, parent: QWidget) -> None:
        self.toggle = QCheckBox("Scaled", parent)
        self.toggle.setObjectName("TicketScaled")
        self.toggle.setToolTip("Spread the size over several limit orders from the price to a second price")
        self.panel = QWidget(parent)
        self.to_price = DecimalEdit("to price", self.panel)
        self.to_price.setObjectName("TicketScaledTo")
        self.count = QSpinBox(self.panel)
        self.count.setObjectName("TicketScaledCount")
        self.count.setRange(2, MAX_LEGS)
        self.count.setValue(DEFAULT_COUNT)
        self.count.setSuffix(" orders")
        self.weighting = QComboBox(self.panel)
        self.weighting.setObjectName("TicketScaledWeighting")
        for w in Weighting:
            self.weighting.addItem(w.label, w.value)
        self.weighting.setToolTip("Even: the same size at every price. Increasing / decreasing: sizes grow / shrink "
                                  "linearly from the first price to the last.")
        self.table = QTableWidget(0, 2, self.panel)
        self.table.setObjectName("TicketScaledPreview")
        self.table.setHorizontalHeaderLabels(["Price", "Size"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setMaximumHeight(150)
        self.summary = QLabel(self.panel)
        self.summary.setObjectName("TicketScaledSummary")
        grid = QGridLayout(self.panel)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(6)
        grid.addWidget(QLabel("To", self.panel), 0, 0)
        grid.addWidget(self.to_price, 0, 1)
        grid.addWidget(self.count, 0, 2)
        grid.addWidget(self.weighting, 0, 3)
        grid.addWidget(self.table, 1, 0, 1, 4)
        grid.addWidget(self.summary, 2, 0, 1, 4)
        self.panel.setVisible(False)
        self.plan: ScalePlan | None = None

    @property
    def on(self) -> bool:
        return self.toggle.isChecked() and self.toggle.isEnabled()

    def weighting_value(self) -> Weighting:
        return Weighting(self.weighting.currentData())

    def set_weighting(self, weighting: Weighting) -> None:
        self.weighting.setCurrentIndex(self.weighting.findData(weighting.value))

    def update(self, allowed: bool) -> None:
        """Offer the toggle for a plain limit order (``allowed``)."""
        self.toggle.setEnabled(allowed)
        self.panel.setVisible(self.on)

    def make_plan(self, market: MarketInfo, side: Side, total: Decimal, first: Decimal | None) -> ScalePlan:
        """The legs for the form now (kept as :attr:`plan`), and the preview drawn from them."""
        last = self.to_price.value()
        plan = plan_scale(market, side, total, first or Decimal(0), last or Decimal(0), self.count.value(),
                          self.weighting_value())
        self.plan = plan
        self._show(plan, market)
        return plan

    def _show(self, plan: ScalePlan, market: MarketInfo) -> None:
        self.table.setRowCount(len(plan.legs))
        for row, leg in enumerate(plan.legs):
            for col, text in enumerate((fmt_fixed(leg.price, market.price_places),
                                        fmt_fixed(leg.size, market.size_places))):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
        avg = plan.average_price
        if plan.legs and avg is not None:
            self.summary.setText(f"{len(plan.legs)} orders · total {fmt_fixed(plan.total, market.size_places)} "
                                 f"{market.base_coin} · average {fmt_fixed(avg, market.price_places)} · value ≈ "
                                 f"{fmt_fixed(plan.notional, 2)} {market.quote_coin}")
        else:
            self.summary.setText("")

    def clear(self) -> None:
        self.to_price.clear()
        self.table.setRowCount(0)
        self.summary.setText("")
        self.plan = None
