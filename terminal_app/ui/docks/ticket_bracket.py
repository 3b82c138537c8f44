"""The ticket's Bracket section: an entry with a take-profit and a stop-loss that cancel each other (OCO).

:class:`BracketFields` owns the toggle, the unit of the legs (a price, a percentage from the entry or a number of
ticks from it), the two legs and the risk/reward preview; ``core.bracket`` does the arithmetic. The ticket sends the
entry with the legs attached (``OrderTicket.tp``/``sl``): on Bitget futures they are the entry's preset TP/SL, which
the exchange turns into the position's TP/SL orders when the entry fills and cancels one of when the other fires.
Bitget V2 spot has no OCO (``ccxt`` lists ``oco: false`` for it): a spot bracket (a buy) is sent without presets and
handed to ``services.oco.SpotOcoService``, which rests the stop-loss on the exchange and watches the take-profit
(kept in the journal across restarts).
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtWidgets import QCheckBox, QComboBox, QGridLayout, QLabel, QWidget

from terminal_app.core.bracket import LegUnit, RiskReward, leg_price, risk_reward, validate_bracket
from terminal_app.core.enums import Side
from terminal_app.core.instruments import MarketInfo
from terminal_app.core.validation import Issue, is_inverse
from terminal_app.ui.docks.common import DecimalEdit
from terminal_app.ui.format import fmt_fixed

SPOT_REASON = "Spot brackets are for buys: the stop-loss rests on the exchange, the terminal watches the take-profit."
FUTURES_TIP = "Attach a take-profit and a stop-loss: when one fires the exchange cancels the other"
SPOT_TIP = ("Spot: the stop-loss rests on Bitget once the buy fills; the terminal watches the take-profit and, when it "
            "is reached, cancels the stop-loss and sells at market (Bitget spot has no OCO). The watch is kept across "
            "restarts, but fires only while the terminal runs")


class BracketFields:
    """The bracket part of the ticket (widgets parented to ``parent``; ``panel`` holds all but the toggle)."""

    def __init__(self, parent: QWidget) -> None:
        self.toggle = QCheckBox("Bracket", parent)
        self.toggle.setObjectName("TicketBracket")
        self.toggle.setToolTip("Attach a take-profit and a stop-loss: when one fires the exchange cancels the other")
        self.panel = QWidget(parent)
        self.unit = QComboBox(self.panel)
        self.unit.setObjectName("TicketBracketUnit")
        for unit in LegUnit:
            self.unit.addItem(unit.label, unit.value)
        self.unit.setToolTip("Give the legs as prices, or as a distance from the entry in percent or in ticks")
        self.tp = DecimalEdit("take profit", self.panel)
        self.tp.setObjectName("TicketBracketTp")
        self.sl = DecimalEdit("stop loss", self.panel)
        self.sl.setObjectName("TicketBracketSl")
        self.preview = QLabel(self.panel)
        self.preview.setObjectName("TicketBracketPreview")
        self.preview.setWordWrap(True)
        grid = QGridLayout(self.panel)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(6)
        grid.addWidget(QLabel("TP", self.panel), 0, 0)
        grid.addWidget(self.tp, 0, 1)
        grid.addWidget(QLabel("SL", self.panel), 0, 2)
        grid.addWidget(self.sl, 0, 3)
        grid.addWidget(self.unit, 0, 4)
        grid.addWidget(self.preview, 1, 0, 1, 5)
        self.panel.setVisible(False)

    @property
    def on(self) -> bool:
        return self.toggle.isChecked() and self.toggle.isEnabled()

    def unit_value(self) -> LegUnit:
        return LegUnit(self.unit.currentData())

    def set_unit(self, unit: LegUnit) -> None:
        self.unit.setCurrentIndex(self.unit.findData(unit.value))

    def update(self, futures: bool, allowed: bool, spot_buy: bool = False) -> None:
        """Offer the toggle when the order can carry legs (``allowed``: it opens, and is a plain order): on futures,
        and on spot for a buy when the terminal can manage the bracket (``spot_buy``)."""
        self.toggle.setEnabled(allowed and (futures or spot_buy))
        self.toggle.setToolTip(FUTURES_TIP if futures else SPOT_TIP if spot_buy else SPOT_REASON)
        self.panel.setVisible(self.on)

    def prices(self, side: Side, entry: Decimal | None, market: MarketInfo) -> tuple[Decimal | None, Decimal | None]:
        """The legs' trigger prices for an entry at ``entry`` (None for a distance without an entry price yet)."""
        unit = self.unit_value()
        out: list[Decimal | None] = []
        for edit, profit in ((self.tp, True), (self.sl, False)):
            value = edit.value()
            if value is None or (unit is not LegUnit.PRICE and (entry is None or value <= 0)):
                out.append(None)
            else:
                out.append(leg_price(side, entry or Decimal(0), value, unit, market, take_profit=profit))
        return out[0], out[1]

    def issues(self, side: Side, entry: Decimal | None, market: MarketInfo) -> list[Issue]:
        tp, sl = self.prices(side, entry, market)
        if self.unit_value() is not LegUnit.PRICE and entry is None:
            return [Issue("tp", "The bracket's distances need an entry price: wait for the last price.")]
        return validate_bracket(side, entry, tp, sl, market)

    def show_preview(self, side: Side, entry: Decimal | None, size: Decimal, market: MarketInfo) -> RiskReward | None:
        """Write the preview line (the legs as prices, reward and risk, the ratio); the numbers shown, or None."""
        tp, sl = self.prices(side, entry, market)
        if entry is None or tp is None or sl is None or not self.on:
            self.preview.setText("")
            return None
        rr = risk_reward(side, entry, size, tp, sl)
        places = market.price_places
        parts = [f"TP {fmt_fixed(tp, places)} (+{fmt_fixed(rr.reward_pct, 2)} %)",
                 f"SL {fmt_fixed(sl, places)} (−{fmt_fixed(rr.risk_pct, 2)} %)"]
        if size > 0 and not is_inverse(market.ref):
            parts.append(f"reward {fmt_fixed(rr.reward, 2)} / risk {fmt_fixed(rr.risk, 2)} {market.quote_coin}")
        ratio = rr.ratio
        if ratio is not None:
            parts.append(f"R:R {fmt_fixed(ratio, 2)}")
        self.preview.setText(" · ".join(parts) + " (before fees)")
        return rr

    def clear(self) -> None:
        self.tp.clear()
        self.sl.clear()
        self.preview.setText("")
