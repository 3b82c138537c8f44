"""The house side of every market step: the maker ladder quoted around the fair price (user orders the new quotes
cross trade with the house first) and the synthetic takers' trade flow. Trades go through the engine's matcher, which
this module knows only as a :data:`HouseTake` callable."""

from __future__ import annotations

import math
from collections.abc import Callable
from random import Random

from terminal_app.sim.market.state import MarketState

# (market, taker is a buyer, price in ticks, lots) -> lots traded, the house taking from the book at one price
HouseTake = Callable[[MarketState, bool, int, int], int]

_MAX_SYNTHETIC_FACTOR = 25


def poisson(rng: Random, lam: float) -> int:
    """Knuth's method; lam is small (trades per step)."""
    if lam <= 0:
        return 0
    limit = math.exp(-lam)
    k = 0
    p = rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


class SyntheticFlow:
    """Quotes and synthetic trades of every market. ``quiet``: no makers and no synthetic trades (books hold user
    orders only; prices, marks and candles still move). ``shocks`` multiply an underlying's fair price (tests,
    demos)."""

    def __init__(self, take: HouseTake, *, step_ms: int, churn: int, quiet: bool) -> None:
        self.take = take
        self.step_s = step_ms / 1000.0
        self.churn = churn
        self.quiet = quiet
        self.shocks: dict[str, float] = {}

    def fair_ticks(self, ms: MarketState, t: int) -> float:
        shock = self.shocks.get(ms.market.underlying, 1.0)
        return ms.path.price_at(t) * ms.factor * shock / ms.tick_f

    def quote(self, ms: MarketState, t: int) -> None:
        """Move the market to time ``t``: its fair price, the maker's quotes, and the mark/index of a future."""
        fair = self.fair_ticks(ms, t)
        ms.fair_ticks = fair
        if not self.quiet:
            best_bid, best_ask = ms.ladder.targets(fair)
            ms.ladder.cancel_outside(ms.book, best_bid, best_ask)
            self._sweep_crossed_users(ms, best_bid, best_ask)
            ms.ladder.refresh(ms.book, best_bid, best_ask, ms.rng, self.churn)
        if ms.market.is_futures:
            ms.mark = ms.price(int(fair + 0.5))
            ms.index = ms.price(int(fair / ms.factor + 0.5))

    def trade(self, ms: MarketState) -> None:
        """The synthetic takers of one step (none when ``quiet``)."""
        if self.quiet:
            return
        n = poisson(ms.rng, ms.market.params.trades_per_s * self.step_s)
        for _ in range(n):
            self._synthetic_trade(ms)

    def _synthetic_trade(self, ms: MarketState) -> None:
        rng = ms.rng
        last = ms.last_ticks if ms.last_ticks is not None else ms.fair_ticks
        # lean toward the fair price so trades keep the last price on the path
        is_buy = rng.random() < (0.65 if last < ms.fair_ticks else 0.35)
        p = ms.market.params
        lots = max(1, int(p.trade_lots * rng.lognormvariate(-0.4, 0.9)))
        lots = min(lots, p.trade_lots * _MAX_SYNTHETIC_FACTOR)
        opposite = ms.book.side(not is_buy)
        while lots > 0:
            best = opposite.best()
            if best is None:
                break
            lots -= self.take(ms, is_buy, best, lots)

    def _sweep_crossed_users(self, ms: MarketState, best_bid: int, best_ask: int) -> None:
        """User orders that the new maker quotes cross trade with the house at the users' prices."""
        for is_bid in (True, False):
            side = ms.book.side(is_bid)
            while True:
                best = side.best()
                if best is None or (best < best_ask if is_bid else best > best_bid):
                    break
                self.take(ms, not is_bid, best, side.levels[best].total)
