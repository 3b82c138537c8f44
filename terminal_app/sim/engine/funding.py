"""Funding: every futures market's funding times, its rate, and at each funding time every open position pays or
receives ``mark * size * rate`` (the money model is in ``engine.futures``), with an account bill per payment."""

from __future__ import annotations

from decimal import Decimal

from terminal_app.sim.engine.futures import (
    FUNDING_FEE,
    ISOLATED,
    FuturesUser,
    PositionState,
    funding_fee,
    wallet,
)
from terminal_app.sim.engine.state import EngineState
from terminal_app.sim.market.markets import SimMarket
from terminal_app.sim.market.price import HOUR_MS
from terminal_app.sim.market.state import MarketState

ZERO = Decimal(0)
# Bitget's rate is premium + clamp(interest - premium, ±0.05 %) with interest 0.01 % per 8 h; the simulated futures
# trade a steady 0.03 % over the index, inside that band, so the rate is the interest rate.
FUNDING_RATE = Decimal("0.0001")


class FundingScheduler:
    """Funding times and rates per futures symbol, the charges, and the USDT-M account bills they leave."""

    def __init__(self, state: EngineState) -> None:
        self.state = state
        self.funding_rates: dict[str, Decimal] = {}               # futures symbol → rate, when not FUNDING_RATE
        self.next_funding: dict[str, int] = {}                    # futures symbol → next funding time (ms)

    @staticmethod
    def interval_ms(market: SimMarket) -> int:
        # a delivery contract has no funding ("0"); its interval only feeds the funding view
        return (int(market.raw.get("fundInterval") or 8) or 8) * HOUR_MS

    def rate(self, symbol: str) -> Decimal:
        return self.funding_rates.get(symbol, FUNDING_RATE)

    def schedule(self, market: SimMarket, t: int) -> None:
        """The first funding is the next one after ``t`` (none is charged for time the simulator did not run)."""
        interval = self.interval_ms(market)
        self.next_funding[market.symbol] = (t // interval + 1) * interval

    def settle(self, t: int) -> None:
        """At each market's funding time every open position pays or receives funding. A step that jumped over
        several funding times (the exchange skips long gaps) settles once."""
        state = self.state
        for ms in state.markets.values():
            if not ms.market.is_futures or ms.market.is_delivery:
                continue
            symbol = ms.market.symbol
            due = self.next_funding.get(symbol)
            if due is None or t < due:
                continue
            interval = self.interval_ms(ms.market)
            self.next_funding[symbol] = (t // interval + 1) * interval
            rate = self.rate(symbol)
            ledger = state.ledger(symbol)
            for uid in sorted(state.pos_users.get(symbol, ())):
                user = ledger.users[uid]
                for hold_side in ("long", "short"):
                    pos = user.positions.get((symbol, hold_side))
                    if pos is not None and pos.lots:
                        self._charge(user, pos, ms, rate, t)

    def _charge(self, user: FuturesUser, pos: PositionState, ms: MarketState, rate: Decimal, t: int) -> None:
        state = self.state
        m = ms.market
        # coin-M: q · rate coins (the USD value q·mark at the mark, in coin), products doc §2.4
        size = pos.lots * m.lot
        fee = funding_fee(size if m.inverse else ms.mark * size, rate)
        amount = -fee if pos.hold_side == "long" else fee
        if not amount:
            return
        if pos.margin_mode == ISOLATED:
            into_margin = max(amount, -pos.margin)
            pos.margin += into_margin
            user.cash += amount - into_margin
        else:
            user.cash += amount
        state.ledger(pos.symbol).funding -= amount
        pos.funding += amount
        pos.u_time = t
        user.u_time = t
        state.bills.add_futures(user.uid, pos.symbol, m.margin_coin, FUNDING_FEE, amount, ZERO, wallet(user), t)
        state.touched_futures.add(user.uid)
        state.dirty_users.add(user.uid)
