"""Market data as the facade serves it: depth, tickers (24 h statistics), the tape, candles (market, mark, index),
mark and index prices, funding and open interest. Read-only views of the engine at the facade's time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.engine.engine import Engine
from terminal_app.sim.engine.orders import reject
from terminal_app.sim.market.history import Candle, Granularity, window_stats
from terminal_app.sim.market.markets import SimMarket, all_markets, find_market
from terminal_app.sim.market.price import DAY_MS, HOUR_MS, MINUTE_MS
from terminal_app.sim.market.state import MarketState, Trade

ZERO = Decimal(0)
Level = tuple[Decimal, Decimal]          # (price, size); prices carry the market's decimals, sizes its lot's


@dataclass(frozen=True, slots=True)
class Depth:
    bids: tuple[Level, ...]              # best first
    asks: tuple[Level, ...]
    ts: int


@dataclass(frozen=True, slots=True)
class Ticker:
    ref: SymbolRef
    last: Decimal
    bid: Decimal
    ask: Decimal
    bid_size: Decimal
    ask_size: Decimal
    open_24h: Decimal
    high_24h: Decimal
    low_24h: Decimal
    base_volume: Decimal                 # 24 h
    quote_volume: Decimal                # 24 h
    open_utc: Decimal                    # price at 00:00 UTC today
    change_24h: Decimal                  # ratio: 0.0123 = +1.23 %
    change_utc: Decimal
    ts: int
    # futures only (None on spot)
    mark_price: Decimal | None = None
    index_price: Decimal | None = None
    funding_rate: Decimal | None = None
    next_funding_time: int | None = None
    holding_amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class FundingInfo:
    rate: Decimal
    interval_hours: int
    next_time: int
    min_rate: Decimal
    max_rate: Decimal


def _ratio(last: Decimal, base: Decimal) -> Decimal:
    if not base:
        return ZERO
    return ((last - base) / base).quantize(Decimal("0.00001"))


class MarketData:
    """Public market data of every market; ``clock`` is the facade's time (what the market was advanced to)."""

    def __init__(self, engine: Engine, clock: Callable[[], int]) -> None:
        self.engine = engine
        self.clock = clock
        self._stats_cache: dict[SymbolRef, tuple[int, tuple[int, int, int, int, int, int]]] = {}

    def market(self, ref: SymbolRef) -> SimMarket:
        """Raises 40034 for an unknown symbol."""
        return find_market(ref.symbol, ref.product)

    def _state(self, ref: SymbolRef) -> MarketState:
        return self.engine.state.markets[self.market(ref).ref]

    def depth(self, ref: SymbolRef, limit: int = 150) -> Depth:
        ms = self._state(ref)
        tick, lot = ms.market.tick, ms.market.lot
        return Depth(tuple((p * tick, q * lot) for p, q in ms.book.bids.top(limit)),
                     tuple((p * tick, q * lot) for p, q in ms.book.asks.top(limit)), self.clock())

    def _window(self, ms: MarketState) -> tuple[int, int, int, int, int, int]:
        """24 h stats: the full minutes are cached per minute, the forming minute is added on top."""
        minute = self.clock() // MINUTE_MS * MINUTE_MS
        cached = self._stats_cache.get(ms.ref)
        if cached is None or cached[0] != minute:
            cached = (minute, window_stats(ms.history, minute - DAY_MS + MINUTE_MS, minute))
            self._stats_cache[ms.ref] = cached
        o, h, low, _, v, q = cached[1]
        cur = ms.history.live.get(minute // MINUTE_MS)
        if cur is not None:
            h, low, v, q = max(h, cur[1]), min(low, cur[2]), v + cur[4], q + cur[5]
        return o, h, low, 0, v, q

    def ticker(self, ref: SymbolRef) -> Ticker:
        ms = self._state(ref)
        m = ms.market
        now = self.clock()
        tick, lot = m.tick, m.lot
        last_ticks = ms.last_ticks if ms.last_ticks is not None else int(ms.fair_ticks + 0.5)
        last = last_ticks * tick
        bb, ba = ms.book.bids.best(), ms.book.asks.best()
        o, h, low, _, v, q = self._window(ms)
        h, low = max(h, last_ticks), min(low, last_ticks)
        day_open = ms.history.minute_candle(now // DAY_MS * DAY_MS // MINUTE_MS).open
        open_24h = o * tick
        extra: dict[str, object] = {}
        if m.is_futures:
            fund = self.funding(ref)
            extra = {"mark_price": ms.mark, "index_price": ms.index, "funding_rate": fund.rate,
                     "next_funding_time": fund.next_time, "holding_amount": self.open_interest(ref)}
        return Ticker(
            ref=m.ref, last=last, bid=(bb or 0) * tick, ask=(ba or 0) * tick,
            bid_size=ms.book.bids.total_at(bb) * lot if bb else ZERO,
            ask_size=ms.book.asks.total_at(ba) * lot if ba else ZERO,
            open_24h=open_24h, high_24h=h * tick, low_24h=low * tick, base_volume=v * lot,
            quote_volume=Decimal(q).scaleb(-4), open_utc=day_open,
            change_24h=_ratio(last, open_24h), change_utc=_ratio(last, day_open), ts=now,
            **extra)  # type: ignore[arg-type]  # extra's values differ per key (Decimal, int, None): mypy sees one union

    def tickers(self, product: Product) -> list[Ticker]:
        return [self.ticker(m.ref) for m in all_markets(product)]

    def recent_trades(self, ref: SymbolRef, limit: int = 100) -> list[Trade]:
        """Newest first."""
        trades = self._state(ref).trades
        return list(trades)[:limit]

    def candles(self, ref: SymbolRef, granularity: Granularity, *, start_ms: int | None = None,
                end_ms: int | None = None, limit: int = 100, offset_ms: int = 0, kind: str = "market") -> list[Candle]:
        """See :meth:`terminal_app.sim.engine.exchange.Exchange.candles`."""
        ms = self._state(ref)
        history = {"market": ms.history, "mark": ms.mark_history, "index": ms.index_history}.get(kind)
        if history is None:
            raise reject("40017", "Parameter kLineType error")
        return history.candles(granularity, self.clock(), start_ms=start_ms, end_ms=end_ms, limit=limit,
                               offset_ms=offset_ms)

    def mark_price(self, ref: SymbolRef) -> Decimal:
        ms = self._state(ref)
        if ms.market.is_futures:
            return ms.mark
        return (ms.last_ticks if ms.last_ticks is not None else int(ms.fair_ticks + 0.5)) * ms.market.tick

    def index_price(self, ref: SymbolRef) -> Decimal:
        ms = self._state(ref)
        if ms.market.is_futures:
            return ms.index
        return self.mark_price(ref)

    def funding(self, ref: SymbolRef) -> FundingInfo:
        market = self.market(ref)
        funding = self.engine.funding
        interval = funding.interval_ms(market)
        next_time = funding.next_funding.get(market.symbol, (self.clock() // interval + 1) * interval)
        return FundingInfo(rate=funding.rate(market.symbol), interval_hours=interval // HOUR_MS,
                           next_time=next_time, min_rate=Decimal("-0.003"), max_rate=Decimal("0.003"))

    def open_interest(self, ref: SymbolRef) -> Decimal:
        ms = self._state(ref)
        m = ms.market
        users = sum((p.lots for u in self.engine.state.ledger(m.symbol).users.values()
                     for (sym, side), p in u.positions.items()
                     if sym == m.symbol and side == "long"), 0)
        synthetic = int(m.params.trades_per_s * 86_400 * m.params.trade_lots * 0.4)
        return (synthetic + users) * m.lot
