"""The facade's events and the pump that makes them: book changes, tickers and candles after every market step, and
the engine's notifications (orders, fills, trades, plans) and touched accounts after every step and request.

Listeners (sync callables) receive the frozen event objects; they run inside the engine's call and must be quick
(queue, don't render)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.engine.engine import Engine
from terminal_app.sim.engine.futures import FuturesAccount, PlanOrder, Position
from terminal_app.sim.engine.market_data import Level, Ticker
from terminal_app.sim.engine.orders import Fill, Order
from terminal_app.sim.engine.spot_accounts import Balance
from terminal_app.sim.market.history import Candle
from terminal_app.sim.market.markets import FUTURES_PRODUCTS
from terminal_app.sim.market.price import MINUTE_MS
from terminal_app.sim.market.state import MarketState, Trade

ACCOUNT_PUSH_MS = 1_000


@dataclass(frozen=True, slots=True)
class BookChanged:
    """Levels that changed in one market step; size 0 means the level is gone. Best-first order is not implied."""

    ref: SymbolRef
    bids: tuple[Level, ...]
    asks: tuple[Level, ...]
    ts: int


@dataclass(frozen=True, slots=True)
class TradeEvent:
    ref: SymbolRef
    trade_id: str
    price: Decimal
    size: Decimal
    side: str                            # taker side
    ts: int


@dataclass(frozen=True, slots=True)
class CandleTick:
    """The forming 1-minute candle after a step with trades; other sizes come from ``Exchange.candles``."""

    ref: SymbolRef
    candle: Candle


@dataclass(frozen=True, slots=True)
class TickerChanged:
    ref: SymbolRef
    ticker: Ticker


@dataclass(frozen=True, slots=True)
class OrderEvent:
    """An order was created, (partly) filled, modified or cancelled. ``fill`` is set when a trade caused it."""

    uid: str
    order: Order
    fill: Fill | None = None


@dataclass(frozen=True, slots=True)
class FillEvent:
    uid: str
    fill: Fill


@dataclass(frozen=True, slots=True)
class PositionEvent:
    """The user's full list of open positions of one futures line after a change (Bitget pushes full snapshots per
    instType)."""

    uid: str
    positions: tuple[Position, ...]
    product: Product = Product.USDT_FUTURES


@dataclass(frozen=True, slots=True)
class AccountEvent:
    """Spot: the balances that changed (``product`` SPOT). Futures: one margin coin's account of the futures line
    ``product`` (``futures`` set)."""

    uid: str
    product: Product
    balances: tuple[Balance, ...] = ()
    futures: FuturesAccount | None = None


@dataclass(frozen=True, slots=True)
class PlanOrderEvent:
    uid: str
    plan: PlanOrder


Event = (BookChanged | TradeEvent | CandleTick | TickerChanged | OrderEvent | FillEvent | PositionEvent
         | AccountEvent | PlanOrderEvent)
Listener = Callable[[Event], None]


class EventPump:
    """Turns what the engine did into events for the listeners (or drops it when nobody listens). ``clock`` is the
    facade's time, ``ticker`` its ticker view; holders' accounts and positions are pushed again once a simulated
    second, as the mark moves their PnL."""

    def __init__(self, engine: Engine, clock: Callable[[], int], ticker: Callable[[SymbolRef], Ticker]) -> None:
        self.engine = engine
        self.clock = clock
        self.ticker = ticker
        self.listeners: list[Listener] = []
        self._last_bbo: dict[SymbolRef, tuple[int | None, int | None]] = {}
        self._next_account_push = clock() + ACCOUNT_PUSH_MS

    def add(self, listener: Listener) -> None:
        self.listeners.append(listener)
        self.engine.state.emitting = True

    def remove(self, listener: Listener) -> None:
        if listener in self.listeners:
            self.listeners.remove(listener)
        self.engine.state.emitting = bool(self.listeners)

    def emit(self, event: Event) -> None:
        for listener in self.listeners:
            listener(event)

    def book_changes(self, ms: MarketState) -> None:
        bids = ms.book.bids.take_changes()
        asks = ms.book.asks.take_changes()
        n = len(bids) + len(asks)
        if n:
            self.engine.state.counters["book_changes"] += n
            if self.listeners:
                tick, lot = ms.market.tick, ms.market.lot
                self.emit(BookChanged(ms.ref, tuple((p * tick, q * lot) for p, q in sorted(bids, reverse=True)),
                                      tuple((p * tick, q * lot) for p, q in sorted(asks)), self.clock()))

    def changed_books(self) -> None:
        """After a request: the book levels it changed."""
        for ms in self.engine.state.markets.values():
            if ms.book.bids.changed or ms.book.asks.changed:
                self.book_changes(ms)

    def after_step(self) -> None:
        state = self.engine.state
        now = self.clock()
        listening = bool(self.listeners)
        for ms in state.markets.values():
            self.book_changes(ms)
            if not listening:
                continue
            bbo = (ms.book.bids.best(), ms.book.asks.best())
            if ms.traded:
                self.emit(CandleTick(ms.ref, ms.history.minute_candle(now // MINUTE_MS)))
            if ms.traded or bbo != self._last_bbo.get(ms.ref):
                self._last_bbo[ms.ref] = bbo
                self.emit(TickerChanged(ms.ref, self.ticker(ms.ref)))
        if now >= self._next_account_push:
            # unrealised PnL moves with the mark: refresh holders' positions and accounts once a second
            self._next_account_push = now + ACCOUNT_PUSH_MS
            for users in state.pos_users.values():
                state.touched_futures |= users
        self.dispatch()

    def dispatch(self) -> None:
        """Turn the engine's notifications and touched accounts into events (or just drop them)."""
        engine = self.engine
        state = engine.state
        outbox = state.outbox
        touched_spot = state.spot.drain_touched()
        touched_futures = state.touched_futures
        state.touched_futures = set()
        if not self.listeners:
            outbox.clear()
            return
        state.outbox = []
        for item in outbox:
            kind = item[0]
            if kind == "trade":
                trade: Trade = item[2]
                self.emit(TradeEvent(item[1], trade.trade_id, trade.price, trade.size, trade.side, trade.ts))
            elif kind == "order":
                self.emit(OrderEvent(item[1], item[2], item[3]))
            elif kind == "fill":
                self.emit(FillEvent(item[1], item[2]))
            elif kind == "plan":
                self.emit(PlanOrderEvent(item[1], item[2]))
        for uid in sorted(touched_spot):
            if state.spot.has(uid):
                self.emit(AccountEvent(uid, Product.SPOT, tuple(state.spot.balances(uid, touched_spot[uid]))))
        for uid in sorted(touched_futures):
            for product in FUTURES_PRODUCTS:
                coins = [led.coin for led in state.ledgers(product) if uid in led.users]
                for coin in coins:
                    self.emit(AccountEvent(uid, product, futures=engine.views.account(uid, coin)))
                if coins:
                    self.emit(PositionEvent(uid, tuple(engine.views.positions(uid, product=product)), product))
