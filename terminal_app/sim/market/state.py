"""The runtime of one market: its book and house maker, its trade flow's random stream, candles, the recent tape and
the current fair, mark and index prices; and :func:`build_markets`, the runtime of every market of the catalogue."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from decimal import Decimal
from random import Random

from terminal_app.bitget.models.mapping import wire_product
from terminal_app.core.instruments import SymbolRef
from terminal_app.sim.market.book import Book
from terminal_app.sim.market.history import MarketHistory
from terminal_app.sim.market.maker import MakerLadder
from terminal_app.sim.market.markets import SimMarket, all_markets
from terminal_app.sim.market.price import UnderlyingPath, stable_seed

ZERO = Decimal(0)


def seed_name(ref: SymbolRef) -> str:
    """The market's name in its random streams: Bitget's ``BTCUSDT:USDT-FUTURES``, as it has always been, so a seed
    keeps giving the same markets whatever the terminal calls a product."""
    return f"{ref.symbol}:{wire_product(ref.product)}"


@dataclass(frozen=True, slots=True)
class Trade:
    """A public trade. ``side`` is the taker's side."""

    trade_id: str
    price: Decimal
    size: Decimal
    side: str
    ts: int


class MarketState:
    """Runtime of one market: its book, maker, candles, recent trades and current fair/mark price."""

    def __init__(self, market: SimMarket, path: UnderlyingPath, seed: int) -> None:
        p = market.params
        self.market = market
        self.ref = market.ref
        self.path = path
        self.factor = 1.0 + market.basis
        self.tick_f = float(market.tick)
        self.book = Book()
        self.ladder = MakerLadder(p.spread_ticks, p.dense_ticks, p.density, p.levels, p.level_lots,
                                  stable_seed(seed, seed_name(market.ref), "ladder"))
        self.rng = Random(stable_seed(seed, seed_name(market.ref), "flow"))
        lots_per_minute = p.trades_per_s * 60.0 * p.trade_lots
        self.history = MarketHistory(market.tick, market.lot, path, self.factor, lots_per_minute)
        self.mark_history = MarketHistory(market.tick, market.lot, path, self.factor, 0.0)
        self.index_history = MarketHistory(market.tick, market.lot, path, 1.0, 0.0)
        self.trades: deque[Trade] = deque(maxlen=500)
        self.last_ticks: int | None = None
        self.fair_ticks = 0.0
        self.mark = ZERO
        self.index = ZERO
        self.traded = False           # a trade happened in the current step
        self.ticker_dirty = True

    def price(self, ticks: int) -> Decimal:
        return ticks * self.market.tick


def build_markets(seed: int) -> dict[SymbolRef, MarketState]:
    """Every market of the catalogue; markets of one underlying share its price path."""
    paths: dict[str, UnderlyingPath] = {}
    markets: dict[SymbolRef, MarketState] = {}
    for m in all_markets():
        path = paths.get(m.underlying)
        if path is None:
            path = UnderlyingPath(seed, m.underlying, float(m.start_price), m.params.annual_vol)
            paths[m.underlying] = path
        markets[m.ref] = MarketState(m, path, seed)
    return markets
