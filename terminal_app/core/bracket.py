"""Brackets: an entry with a take-profit and a stop-loss, where the leg that fires cancels the other (OCO).

The trader gives each leg as a price, as a percentage from the entry, or as a number of ticks from it;
:func:`leg_price` turns that into a price on the tick, on the profitable side of the entry for the TP and the losing
side for the SL (a long's TP above, its SL below; the reverse for a short). :func:`risk_reward` is the preview the
ticket shows: what the position gains at the TP and loses at the SL (in the quote coin, for the size), and the ratio.
:func:`validate_bracket` says what is wrong with the legs, as ticket issues.

Where the legs live is the exchange's business: on Bitget V2 futures the entry carries them as preset TP/SL
(``presetStopSurplusPrice``/``presetStopLossPrice``); once it fills they become TP/SL orders of the position and the
exchange cancels one when the other fires. On spot the terminal keeps the bracket (``services.oco``): its state is
:class:`SpotBracket`, which the journal stores so that a restart of the terminal resumes the take-profit watch.
Pure, Decimal-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from terminal_app.core.enums import Side
from terminal_app.core.instruments import MarketInfo, SymbolRef
from terminal_app.core.validation import Issue, Rounding, on_step, round_to_step

HUNDRED = Decimal(100)


class Stage(StrEnum):
    """Where a spot bracket is (``services.oco``); stored by its value in the journal."""

    ENTRY = "entry"          # waiting for the entry to fill
    ARMED = "armed"          # stop-loss on the exchange, take-profit watched
    TAKING = "taking"        # the take-profit was reached: cancelling the stop-loss, then selling
    DONE = "done"


@dataclass(slots=True)
class SpotBracket:
    """One spot bracket (a buy protected by a stop-loss on the exchange and a take-profit the terminal watches)."""

    entry_oid: str
    ref: SymbolRef
    tp: Decimal
    sl: Decimal
    size: Decimal = Decimal(0)       # the coins protected (the entry's fill, net of the fee)
    sl_oid: str | None = None
    exit_oid: str | None = None      # the market sell at the take-profit
    stage: Stage = Stage.ENTRY
    outcome: str = ""


class LegUnit(StrEnum):
    """How a leg is given: its price, or its distance from the entry in percent or in ticks."""

    PRICE = "price"
    PERCENT = "percent"
    TICKS = "ticks"

    @property
    def label(self) -> str:
        return {LegUnit.PRICE: "Price", LegUnit.PERCENT: "%", LegUnit.TICKS: "Ticks"}[self]


def leg_above(side: Side, take_profit: bool) -> bool:
    """Whether the leg sits above the entry: a long's TP and a short's SL."""
    return (side == Side.BUY) == take_profit


def leg_price(side: Side, entry: Decimal, value: Decimal, unit: LegUnit, market: MarketInfo, *,
              take_profit: bool) -> Decimal:
    """The trigger price of one leg. A distance is measured from ``entry`` towards the leg's side; the result is on
    the tick, rounded towards the entry (a TP never asks for more than typed, an SL never risks more)."""
    if unit is LegUnit.PRICE:
        return value
    up = leg_above(side, take_profit)
    distance = entry * value / HUNDRED if unit is LegUnit.PERCENT else value * market.tick_size
    price = entry + distance if up else entry - distance
    rounding: Rounding = "down" if up else "up"
    return round_to_step(price, market.tick_size, rounding)


@dataclass(frozen=True, slots=True)
class RiskReward:
    """What the bracket risks and targets for ``size`` (quote coin), and the ratio reward ÷ risk (None without a
    risk)."""

    reward: Decimal
    risk: Decimal
    reward_pct: Decimal
    risk_pct: Decimal

    @property
    def ratio(self) -> Decimal | None:
        return self.reward / self.risk if self.risk > 0 else None


def risk_reward(side: Side, entry: Decimal, size: Decimal, tp: Decimal | None, sl: Decimal | None, *,
                contract_value: Decimal = Decimal(1)) -> RiskReward:
    """The preview of a bracket (fees left out: the ticket says so). ``contract_value`` scales a size in contracts
    to the base coin; 1 for the linear markets the terminal sizes in the base coin."""
    sign = 1 if side == Side.BUY else -1
    reward = (tp - entry) * sign * size * contract_value if tp is not None else Decimal(0)
    risk = (entry - sl) * sign * size * contract_value if sl is not None else Decimal(0)
    reward_pct = abs(tp - entry) / entry * HUNDRED if tp is not None and entry else Decimal(0)
    risk_pct = abs(entry - sl) / entry * HUNDRED if sl is not None and entry else Decimal(0)
    return RiskReward(reward, risk, reward_pct, risk_pct)


def validate_bracket(side: Side, entry: Decimal | None, tp: Decimal | None, sl: Decimal | None,
                     market: MarketInfo) -> list[Issue]:
    """Why the legs cannot be sent (empty: they can). A bracket needs both legs; each on the tick and on its side
    of the entry (``entry`` None: a market entry not priced yet, sides unchecked)."""
    issues: list[Issue] = []
    if tp is None or sl is None:
        missing = " and ".join(w for w, v in (("a take-profit", tp), ("a stop-loss", sl)) if v is None)
        issues.append(Issue("tp" if tp is None else "sl", f"A bracket needs {missing}."))
    for field, label, value, profit in (("tp", "take-profit", tp, True), ("sl", "stop-loss", sl, False)):
        if value is None:
            continue
        if value <= 0:
            issues.append(Issue(field, f"The {label} must be greater than 0."))
        elif not on_step(value, market.tick_size):
            issues.append(Issue(field, f"The {label} must be a multiple of the tick "
                                       f"{market.tick_size.normalize():f}."))
        elif entry is not None:
            up = leg_above(side, profit)
            if (value <= entry) if up else (value >= entry):
                where = "above" if up else "below"
                position = "long" if side == Side.BUY else "short"
                issues.append(Issue(field, f"A {position}'s {label} must be {where} the entry "
                                           f"{entry.normalize():f}."))
    return issues
