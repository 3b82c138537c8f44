"""The simulated exchange's facade: markets, market data, spot and futures trading, accounts, events.

Pure Python, no network, no Qt. Deterministic: the same ``seed``, the same clock readings and the same sequence of
``advance()`` and trading calls give the same results. The server (``sim/server/``) is the only caller
in the app; it maps API keys to ``uid`` strings and renders the returned snapshots as Bitget JSON.

Time: the market only moves inside :meth:`Exchange.advance` (the server calls it on a timer); every trading call
first advances the market to ``clock()`` so an order always meets the current book. Funding is charged there too, at
each futures market's funding time on that clock (see ``funding`` and ``account_bills``), so a test drives it by
moving its clock.

Errors: every rejection raises the typed error of ``terminal_app.bitget.errors`` built with ``error_for_code(code,
msg)``; ``err.code`` and ``err.exchange_msg`` are what Bitget would answer.

Events: listeners (sync callables) receive frozen event objects (see ``Event``); they run inside the engine's call and
must be quick (queue, don't render). ``BookChanged`` is emitted once per market per market step, and after a request
that changed a book, with every level that changed since the previous one (size 0 = level removed): a server may
forward each as a ``books`` update or accumulate them and push on its own cadence. ``TickerChanged`` follows every step
that moved the top of book or traded; ``CandleTick`` (the forming 1-minute candle) every step with trades; accounts
and positions of holders are refreshed once a simulated second (the mark moves their PnL).

Numbers: prices carry the market's decimals and sizes its lot's; money amounts are exact Decimals (quotients cut to
12 decimals), so render them with ``format(x, "f")`` (a zero may be ``0E-12``).

Threading: not thread-safe; call everything from one thread (the server's loop).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from terminal_app.bitget.clock import system_ms
from terminal_app.bitget.symbols import InstType, SymbolRef
from terminal_app.sim.engine.engine import (
    ZERO,
    Engine,
    Fill,
    MarketState,
    Order,
    OrderState,
    OrderStatus,
    Trade,
    fill_from_record,
    fill_record,
    order_from_record,
    order_record,
    reject,
)
from terminal_app.sim.engine.futures import (
    AccountBill,
    FuturesAccount,
    FuturesUser,
    PlanOrder,
    Position,
    SettingsState,
    SymbolSettings,
    plan_from_record,
    plan_record,
    position_from_record,
    position_record,
)
from terminal_app.sim.engine.spot_accounts import Balance
from terminal_app.sim.market.book import Entry
from terminal_app.sim.market.history import Candle, Granularity, window_stats
from terminal_app.sim.market.markets import COINS, MARKETS, SimMarket, all_markets, find_market
from terminal_app.sim.market.price import DAY_MS, HOUR_MS, MINUTE_MS
from terminal_app.store.sim_state import SimStateStore, UserRecord

__all__ = [
    "AccountBill",
    "AccountEvent",
    "Balance",
    "BookChanged",
    "Candle",
    "CandleTick",
    "Depth",
    "Event",
    "Exchange",
    "Fill",
    "FillEvent",
    "FundingInfo",
    "FuturesAccount",
    "Granularity",
    "Order",
    "OrderEvent",
    "OrderStatus",
    "PlanOrder",
    "PlanOrderEvent",
    "Position",
    "PositionEvent",
    "SimMarket",
    "SymbolSettings",
    "Ticker",
    "TickerChanged",
    "Trade",
    "TradeEvent",
]

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


# ---- events ---------------------------------------------------------------------------------------------------


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
    """The user's full list of open futures positions after a change (Bitget pushes full snapshots)."""

    uid: str
    positions: tuple[Position, ...]


@dataclass(frozen=True, slots=True)
class AccountEvent:
    """Spot: the balances that changed (``inst_type`` SPOT). Futures: the USDT-M account (``futures`` set)."""

    uid: str
    inst_type: InstType
    balances: tuple[Balance, ...] = ()
    futures: FuturesAccount | None = None


@dataclass(frozen=True, slots=True)
class PlanOrderEvent:
    uid: str
    plan: PlanOrder


Event = (BookChanged | TradeEvent | CandleTick | TickerChanged | OrderEvent | FillEvent | PositionEvent
         | AccountEvent | PlanOrderEvent)
Listener = Callable[[Event], None]

DecimalLike = Decimal | str | int


class Exchange:
    """The whole simulated exchange.

    ``clock`` returns the exchange time in ms. ``state_path`` (SQLite) keeps users, balances, positions, open orders
    and order/fill history across restarts; None keeps everything in memory. ``fast`` makes the market step every
    5 ms with many more book changes per step (benchmarks). ``step_ms`` overrides the market step (default 100 ms).
    ``quiet`` removes the market makers and the synthetic trades (prices, marks and candle history still move):
    the books then hold user orders only, for tests that need exact matching.
    """

    def __init__(self, seed: int = 1, clock: Callable[[], int] = system_ms, state_path: str | Path | None = None,
                 *, fast: bool = False, step_ms: int | None = None, quiet: bool = False) -> None:
        self.seed = seed
        self.fast = fast
        self.step_ms = step_ms or (5 if fast else 100)
        self._clock = clock
        self._engine = Engine(seed, step_ms=self.step_ms, churn=12 if fast else 2, quiet=quiet)
        self._listeners: list[Listener] = []
        self._store = SimStateStore(state_path) if state_path is not None else None
        self._created: dict[str, int] = {}
        self._stats_cache: dict[SymbolRef, tuple[int, tuple[int, int, int, int, int, int]]] = {}
        self._last_bbo: dict[SymbolRef, tuple[int | None, int | None]] = {}
        t0 = clock() // self.step_ms * self.step_ms
        self._engine.now = t0
        if self._store is not None:
            _load_state(self._engine, self._store, self._created)
        self._engine.start(t0)
        self._t = t0
        self._next_account_push = t0 + _ACCOUNT_PUSH_MS
        self._engine.outbox.clear()
        self._engine.spot.drain_touched()
        self._engine.touched_futures.clear()

    # ---- time and lifecycle ----------------------------------------------------------------------------------

    def now_ms(self) -> int:
        """The time the market has been advanced to."""
        return self._t

    def advance(self, now_ms: int | None = None) -> None:
        """Run the market up to ``now_ms`` (default ``clock()``) in fixed steps; gaps over a minute are skipped."""
        now = self._clock() if now_ms is None else now_ms
        step = self.step_ms
        if now - self._t > _MAX_CATCHUP_MS:
            self._t = (now - _MAX_CATCHUP_MS) // step * step
        engine = self._engine
        while self._t + step <= now:
            self._t += step
            engine.step(self._t)
            self._after_step()
        self._dispatch()
        self._save()

    def flush(self) -> None:
        """Write pending state to SQLite (also done after every call that changed something)."""
        self._save()

    def close(self) -> None:
        self._save()
        if self._store is not None:
            self._store.close()
            self._store = None

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)
        self._engine.emitting = True

    def remove_listener(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)
        self._engine.emitting = bool(self._listeners)

    # ---- stepping and events ---------------------------------------------------------------------------------

    def _book_changes(self, ms: MarketState) -> None:
        bids = ms.book.bids.take_changes()
        asks = ms.book.asks.take_changes()
        n = len(bids) + len(asks)
        if n:
            self._engine.counters["book_changes"] += n
            if self._listeners:
                tick, lot = ms.market.tick, ms.market.lot
                self._emit(BookChanged(ms.ref, tuple((p * tick, q * lot) for p, q in sorted(bids, reverse=True)),
                                       tuple((p * tick, q * lot) for p, q in sorted(asks)), self._t))

    def _after_step(self) -> None:
        engine = self._engine
        listening = bool(self._listeners)
        for ms in engine.markets.values():
            self._book_changes(ms)
            if not listening:
                continue
            bbo = (ms.book.bids.best(), ms.book.asks.best())
            if ms.traded:
                self._emit(CandleTick(ms.ref, ms.history.minute_candle(self._t // MINUTE_MS)))
            if ms.traded or bbo != self._last_bbo.get(ms.ref):
                self._last_bbo[ms.ref] = bbo
                self._emit(TickerChanged(ms.ref, self.ticker(ms.ref)))
        if self._t >= self._next_account_push:
            # unrealised PnL moves with the mark: refresh holders' positions and accounts once a second
            self._next_account_push = self._t + _ACCOUNT_PUSH_MS
            for users in engine.pos_users.values():
                engine.touched_futures |= users
        self._dispatch()

    def _emit(self, event: Event) -> None:
        for listener in self._listeners:
            listener(event)

    def _dispatch(self) -> None:
        """Turn the engine's notifications and touched accounts into events (or just drop them)."""
        engine = self._engine
        outbox = engine.outbox
        touched_spot = engine.spot.drain_touched()
        touched_futures = engine.touched_futures
        engine.touched_futures = set()
        if not self._listeners:
            outbox.clear()
            return
        engine.outbox = []
        for item in outbox:
            kind = item[0]
            if kind == "trade":
                trade: Trade = item[2]
                self._emit(TradeEvent(item[1], trade.trade_id, trade.price, trade.size, trade.side, trade.ts))
            elif kind == "order":
                self._emit(OrderEvent(item[1], item[2], item[3]))
            elif kind == "fill":
                self._emit(FillEvent(item[1], item[2]))
            elif kind == "plan":
                self._emit(PlanOrderEvent(item[1], item[2]))
        for uid in sorted(touched_spot):
            if engine.spot.has(uid):
                self._emit(AccountEvent(uid, InstType.SPOT, tuple(engine.spot.balances(uid, touched_spot[uid]))))
        for uid in sorted(touched_futures):
            if uid in engine.fut.users:
                self._emit(AccountEvent(uid, InstType.USDT_FUTURES, futures=engine.account_view(uid)))
                self._emit(PositionEvent(uid, tuple(engine.positions_view(uid))))

    def _save(self) -> None:
        engine = self._engine
        if self._store is None:
            engine.dirty_users.clear()
            engine.dirty_orders.clear()
            engine.dirty_plans.clear()
            engine.new_fills.clear()
            return
        if engine.dirty_users or engine.dirty_orders or engine.dirty_plans or engine.new_fills:
            _save_state(engine, self._store, self._created)

    def _sync(self) -> Engine:
        """Bring the market to the clock before a request, as the real exchange is always current."""
        self.advance()
        return self._engine

    def _done(self) -> None:
        """After a request: the book levels it changed, its order/fill/account events, then SQLite."""
        for ms in self._engine.markets.values():
            if ms.book.bids.changed or ms.book.asks.changed:
                self._book_changes(ms)
        self._dispatch()
        self._save()

    # ---- markets and market data -----------------------------------------------------------------------------

    def markets(self, inst_type: InstType | None = None) -> list[SimMarket]:
        return all_markets(inst_type)

    def market(self, ref: SymbolRef) -> SimMarket:
        """Raises 40034 for an unknown symbol."""
        return find_market(ref.symbol, ref.inst_type)

    def coins(self) -> list[str]:
        return list(COINS)

    def _state(self, ref: SymbolRef) -> MarketState:
        return self._engine.markets[self.market(ref).ref]

    def depth(self, ref: SymbolRef, limit: int = 150) -> Depth:
        ms = self._state(ref)
        tick, lot = ms.market.tick, ms.market.lot
        return Depth(tuple((p * tick, q * lot) for p, q in ms.book.bids.top(limit)),
                     tuple((p * tick, q * lot) for p, q in ms.book.asks.top(limit)), self._t)

    def _window(self, ms: MarketState) -> tuple[int, int, int, int, int, int]:
        """24 h stats: the full minutes are cached per minute, the forming minute is added on top."""
        minute = self._t // MINUTE_MS * MINUTE_MS
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
        tick, lot = m.tick, m.lot
        last_ticks = ms.last_ticks if ms.last_ticks is not None else int(ms.fair_ticks + 0.5)
        last = last_ticks * tick
        bb, ba = ms.book.bids.best(), ms.book.asks.best()
        o, h, low, _, v, q = self._window(ms)
        h, low = max(h, last_ticks), min(low, last_ticks)
        day_open = ms.history.minute_candle(self._t // DAY_MS * DAY_MS // MINUTE_MS).open
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
            change_24h=_ratio(last, open_24h), change_utc=_ratio(last, day_open), ts=self._t,
            **extra)  # type: ignore[arg-type]

    def tickers(self, inst_type: InstType) -> list[Ticker]:
        return [self.ticker(m.ref) for m in all_markets(inst_type)]

    def recent_trades(self, ref: SymbolRef, limit: int = 100) -> list[Trade]:
        """Newest first."""
        trades = self._state(ref).trades
        return list(trades)[:limit]

    def candles(self, ref: SymbolRef, granularity: Granularity, *, start_ms: int | None = None,
                end_ms: int | None = None, limit: int = 100, offset_ms: int = 0, kind: str = "market") -> list[Candle]:
        """Candles oldest first, at most ``limit``, the newest ones whose open time is in [start_ms, end_ms] (end
        defaults to now).

        History before the live market is deterministic; minutes with live trades are built from those trades;
        coarser candles aggregate the 1-minute ones. ``offset_ms`` shifts the candle boundaries (e.g. +8 h for
        Bitget's UTC+8 daily candles: a 1D candle then opens at 16:00 UTC). ``kind``: "market", "mark" or "index"
        (futures; mark and index follow the fair price without the trades' bid/ask bounce).
        """
        ms = self._state(ref)
        history = {"market": ms.history, "mark": ms.mark_history, "index": ms.index_history}.get(kind)
        if history is None:
            raise reject("40017", "Parameter kLineType error")
        return history.candles(granularity, self._t, start_ms=start_ms, end_ms=end_ms, limit=limit,
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
        """The rate the next funding time (``next_time``) will charge; every open position pays or receives it
        then (an account bill ``contract_settle_fee`` per position, see ``account_bills``)."""
        market = self.market(ref)
        engine = self._engine
        interval = engine.funding_interval_ms(market)
        next_time = engine.next_funding.get(market.symbol, (self._t // interval + 1) * interval)
        return FundingInfo(rate=engine.funding_rate(market.symbol), interval_hours=interval // HOUR_MS,
                           next_time=next_time, min_rate=Decimal("-0.003"), max_rate=Decimal("0.003"))

    def open_interest(self, ref: SymbolRef) -> Decimal:
        ms = self._state(ref)
        m = ms.market
        engine = self._engine
        users = sum((p.lots for u in engine.fut.users.values() for (sym, side), p in u.positions.items()
                     if sym == m.symbol and side == "long"), 0)
        synthetic = int(m.params.trades_per_s * 86_400 * m.params.trade_lots * 0.4)
        return (synthetic + users) * m.lot

    # ---- users -----------------------------------------------------------------------------------------------

    def ensure_user(self, uid: str) -> None:
        """Create a funded demo user (10,000 USDT + 0.1 BTC + 1 ETH spot, 10,000 USDT futures) if unknown."""
        if not self._engine.spot.has(uid):
            self._engine.ensure_user(uid)
            self._created[uid] = self._t
            self._done()

    def _user(self, uid: str) -> Engine:
        engine = self._sync()
        if not engine.spot.has(uid):
            engine.ensure_user(uid)
            self._created[uid] = self._t
        return engine

    def reset_user(self, uid: str) -> None:
        """"Reset demo account": cancel everything, drop positions and history, fund again."""
        engine = self._sync()
        engine.remove_user(uid)
        self._created.pop(uid, None)
        if self._store is not None:
            self._store.delete_user(uid)
            engine.dirty_orders = {k: v for k, v in engine.dirty_orders.items() if v.uid != uid}
            engine.dirty_plans = {k: v for k, v in engine.dirty_plans.items() if v.uid != uid}
            engine.new_fills = [f for f in engine.new_fills if f.uid != uid]
        engine.ensure_user(uid)
        self._created[uid] = self._t
        self._done()

    def users(self) -> list[str]:
        return sorted(self._engine.spot.accounts)

    # ---- spot ------------------------------------------------------------------------------------------------

    def spot_balances(self, uid: str) -> list[Balance]:
        engine = self._user(uid)
        self._done()
        return engine.spot.balances(uid)

    def place_spot_order(self, uid: str, symbol: str, side: str, order_type: str, size: DecimalLike,
                         price: DecimalLike | None = None, force: str = "gtc",
                         client_oid: str | None = None) -> Order:
        """Market buys are sized in quote. Codes: 40034, 40017, 41103, 40808, 45110, 45111, 43012, 43111, 43118."""
        engine = self._user(uid)
        try:
            market = find_market(symbol, InstType.SPOT)
            return engine.place_spot(uid, market, side, order_type, size, price, force, client_oid).snapshot()
        finally:
            self._done()

    def _open_order(self, uid: str, inst_type: InstType, symbol: str | None, order_id: str | None,
                    client_oid: str | None) -> OrderState:
        code = "43001" if inst_type is InstType.SPOT else "40768"
        if not order_id and not client_oid:
            raise reject("40019", "Parameter orderId or clientOid cannot be empty")
        st = self._engine.find_order(uid, order_id, client_oid)
        if (st is None or not st.status.is_open or st.market.ref.inst_type is not inst_type
                or (symbol and st.market.symbol != symbol.upper())):
            raise reject(code, "The order does not exist")
        return st

    def cancel_spot_order(self, uid: str, symbol: str, order_id: str | None = None,
                          client_oid: str | None = None) -> Order:
        """43001 when the order is not open."""
        engine = self._user(uid)
        try:
            find_market(symbol, InstType.SPOT)
            st = self._open_order(uid, InstType.SPOT, symbol, order_id, client_oid)
            engine.cancel(st)
            return st.snapshot()
        finally:
            self._done()

    def cancel_spot_symbol(self, uid: str, symbol: str) -> list[Order]:
        engine = self._user(uid)
        try:
            market = find_market(symbol, InstType.SPOT)
            out = []
            for st in sorted(engine.open_by_user.get(uid, {}).values(), key=lambda s: s.seq):
                if st.market is market:
                    engine.cancel(st)
                    out.append(st.snapshot())
            return out
        finally:
            self._done()

    def replace_spot_order(self, uid: str, symbol: str, price: DecimalLike, size: DecimalLike,
                           order_id: str | None = None, client_oid: str | None = None,
                           new_client_oid: str | None = None) -> Order:
        """Cancel-replace: cancels the open order and places a limit order with the same side and force."""
        engine = self._user(uid)
        try:
            market = find_market(symbol, InstType.SPOT)
            st = self._open_order(uid, InstType.SPOT, symbol, order_id, client_oid)
            if new_client_oid and (uid, new_client_oid) in engine.client_ids:
                raise reject("43118", "clientOrderId duplicate")
            engine.cancel(st)
            return engine.place_spot(uid, market, st.side, "limit", size, price, st.force, new_client_oid).snapshot()
        finally:
            self._done()

    # ---- orders common to spot and futures -------------------------------------------------------------------

    def get_order(self, uid: str, inst_type: InstType, order_id: str | None = None,
                  client_oid: str | None = None) -> Order:
        engine = self._user(uid)
        self._done()
        st = engine.find_order(uid, order_id, client_oid)
        if st is None or st.market.ref.inst_type is not inst_type:
            raise reject("43001" if inst_type is InstType.SPOT else "40768", "The order does not exist")
        return st.snapshot()

    def open_orders(self, uid: str, inst_type: InstType, symbol: str | None = None) -> list[Order]:
        """Newest first."""
        engine = self._user(uid)
        self._done()
        sym = symbol.upper() if symbol else None
        return [st.snapshot() for st in sorted(engine.open_by_user.get(uid, {}).values(), key=lambda s: -s.seq)
                if st.market.ref.inst_type is inst_type and (sym is None or st.market.symbol == sym)]

    def order_history(self, uid: str, inst_type: InstType, symbol: str | None = None, *,
                      start_ms: int | None = None, end_ms: int | None = None, id_less_than: str | None = None,
                      limit: int = 100) -> list[Order]:
        """Finished orders (filled or cancelled), newest first."""
        engine = self._user(uid)
        self._done()
        sym = symbol.upper() if symbol else None
        below = int(id_less_than) if id_less_than else None
        out: list[Order] = []
        for st in sorted(engine.done.get(uid, ()), key=lambda s: -int(s.order_id)):
            if st.market.ref.inst_type is not inst_type or (sym and st.market.symbol != sym):
                continue
            if (start_ms is not None and st.c_time < start_ms) or (end_ms is not None and st.c_time > end_ms):
                continue
            if below is not None and int(st.order_id) >= below:
                continue
            out.append(st.snapshot())
            if len(out) >= limit:
                break
        return out

    def fills(self, uid: str, inst_type: InstType, symbol: str | None = None, *, order_id: str | None = None,
              start_ms: int | None = None, end_ms: int | None = None, id_less_than: str | None = None,
              limit: int = 100) -> list[Fill]:
        """Newest first."""
        engine = self._user(uid)
        self._done()
        sym = symbol.upper() if symbol else None
        below = int(id_less_than) if id_less_than else None
        out: list[Fill] = []
        for fill in reversed(engine.user_fills.get(uid, ())):
            if fill.ref.inst_type is not inst_type or (sym and fill.ref.symbol != sym):
                continue
            if order_id and fill.order_id != order_id:
                continue
            if (start_ms is not None and fill.ts < start_ms) or (end_ms is not None and fill.ts > end_ms):
                continue
            if below is not None and int(fill.trade_id) >= below:
                continue
            out.append(fill)
            if len(out) >= limit:
                break
        return out

    # ---- futures (USDT-M) ------------------------------------------------------------------------------------

    def futures_account(self, uid: str) -> FuturesAccount:
        engine = self._user(uid)
        self._done()
        return engine.account_view(uid)

    def symbol_settings(self, uid: str, symbol: str) -> SymbolSettings:
        engine = self._user(uid)
        self._done()
        return engine.settings_view(uid, find_market(symbol, InstType.USDT_FUTURES).symbol)

    def set_leverage(self, uid: str, symbol: str, leverage: int, hold_side: str | None = None) -> SymbolSettings:
        """``hold_side`` (long/short) only for isolated margin in hedge mode; otherwise both sides change."""
        engine = self._user(uid)
        try:
            market = find_market(symbol, InstType.USDT_FUTURES)
            try:
                lev = int(str(leverage))
            except ValueError:
                raise reject("40017", "Parameter leverage error") from None
            engine.set_leverage(uid, market, lev, hold_side)
            return engine.settings_view(uid, market.symbol)
        finally:
            self._done()

    def set_margin_mode(self, uid: str, symbol: str, margin_mode: str) -> SymbolSettings:
        """45117 with an open position or order on the symbol."""
        engine = self._user(uid)
        try:
            market = find_market(symbol, InstType.USDT_FUTURES)
            engine.set_margin_mode(uid, market, margin_mode)
            return engine.settings_view(uid, market.symbol)
        finally:
            self._done()

    def set_position_mode(self, uid: str, pos_mode: str) -> str:
        """45117 with any open position or order."""
        engine = self._user(uid)
        try:
            return engine.set_position_mode(uid, pos_mode)
        finally:
            self._done()

    def place_futures_order(self, uid: str, symbol: str, side: str, order_type: str, size: DecimalLike,
                            price: DecimalLike | None = None, force: str = "gtc", client_oid: str | None = None,
                            margin_mode: str | None = None, trade_side: str | None = None,
                            reduce_only: bool = False, preset_tp: DecimalLike | None = None,
                            preset_sl: DecimalLike | None = None) -> Order:
        """Bitget semantics: hedge mode needs ``trade_side`` (open/close; ``side`` names the position: buy=long),
        one-way mode refuses it (40774); ``reduce_only`` is one-way only. Codes: 40774, 40762, 22002, 40757, plus
        the spot ones."""
        engine = self._user(uid)
        try:
            market = find_market(symbol, InstType.USDT_FUTURES)
            return engine.place_futures(uid, market, side, order_type, size, price, force, client_oid, margin_mode,
                                        trade_side, reduce_only, preset_tp, preset_sl).snapshot()
        finally:
            self._done()

    def cancel_futures_order(self, uid: str, symbol: str, order_id: str | None = None,
                             client_oid: str | None = None) -> Order:
        engine = self._user(uid)
        try:
            find_market(symbol, InstType.USDT_FUTURES)
            st = self._open_order(uid, InstType.USDT_FUTURES, symbol, order_id, client_oid)
            engine.cancel(st)
            return st.snapshot()
        finally:
            self._done()

    def cancel_all_futures(self, uid: str, symbol: str | None = None) -> list[Order]:
        engine = self._user(uid)
        try:
            sym = find_market(symbol, InstType.USDT_FUTURES).symbol if symbol else None
            out = []
            for st in sorted(engine.open_by_user.get(uid, {}).values(), key=lambda s: s.seq):
                if st.market.is_futures and (sym is None or st.market.symbol == sym):
                    engine.cancel(st)
                    out.append(st.snapshot())
            return out
        finally:
            self._done()

    def modify_futures_order(self, uid: str, symbol: str, order_id: str | None = None,
                             client_oid: str | None = None, new_client_oid: str | None = None,
                             new_size: DecimalLike | None = None, new_price: DecimalLike | None = None,
                             new_preset_tp: DecimalLike | None = None,
                             new_preset_sl: DecimalLike | None = None) -> Order:
        """New price/size re-queues the order (it keeps its orderId; ``new_client_oid`` replaces the clientOid)."""
        engine = self._user(uid)
        try:
            find_market(symbol, InstType.USDT_FUTURES)
            st = self._open_order(uid, InstType.USDT_FUTURES, symbol, order_id, client_oid)
            return engine.modify_futures(st, new_client_oid, new_size, new_price, new_preset_tp,
                                         new_preset_sl).snapshot()
        finally:
            self._done()

    def close_positions(self, uid: str, symbol: str | None = None, hold_side: str | None = None) -> list[Order]:
        """Flash close at market: every position (or one symbol, or one side)."""
        engine = self._user(uid)
        try:
            sym = find_market(symbol, InstType.USDT_FUTURES).symbol if symbol else None
            side = (hold_side or "").lower() or None
            user = engine.fut.users[uid]
            targets = [p for (s, hs), p in sorted(user.positions.items())
                       if p.lots and (sym is None or s == sym) and (side is None or hs == side)]
            if not targets:
                raise reject("22002", "No position to close")
            out = []
            for pos in targets:
                for st in engine._close_orders(uid, pos):
                    engine.finish(st, OrderStatus.CANCELLED, "close_positions")
                if pos.lots:
                    out.append(engine.close_market(uid, pos.symbol, pos.hold_side, pos.lots,
                                                   "close_positions").snapshot())
            return out
        finally:
            self._done()

    def account_bills(self, uid: str, symbol: str | None = None, *, business_type: str | None = None,
                      start_ms: int | None = None, end_ms: int | None = None, id_less_than: str | None = None,
                      limit: int = 100) -> list[AccountBill]:
        """USDT-M account bills, newest first (funding payments so far; kept in memory, not across restarts)."""
        engine = self._user(uid)
        self._done()
        sym = find_market(symbol, InstType.USDT_FUTURES).symbol if symbol else None
        below = int(id_less_than) if id_less_than else None
        out: list[AccountBill] = []
        for bill in reversed(engine.bills.get(uid, ())):
            if (sym and bill.symbol != sym) or (business_type and bill.business_type != business_type):
                continue
            if (start_ms is not None and bill.c_time < start_ms) or (end_ms is not None and bill.c_time > end_ms):
                continue
            if below is not None and int(bill.bill_id) >= below:
                continue
            out.append(bill)
            if len(out) >= limit:
                break
        return out

    def positions(self, uid: str, symbol: str | None = None) -> list[Position]:
        engine = self._user(uid)
        self._done()
        sym = find_market(symbol, InstType.USDT_FUTURES).symbol if symbol else None
        return engine.positions_view(uid, sym)

    def place_tpsl_order(self, uid: str, symbol: str, plan_type: str, trigger_price: DecimalLike,
                         hold_side: str, size: DecimalLike | None = None, trigger_type: str = "mark_price",
                         execute_price: DecimalLike | None = None, client_oid: str | None = None) -> PlanOrder:
        """plan_type profit_plan/loss_plan (sized) or pos_profit/pos_loss (whole position, replaces the previous
        one). ``hold_side`` long/short (one-way accounts may also say buy=long, sell=short). 40917 when the
        trigger is on the wrong side of the mark; 22002 without a position. Executes at market."""
        engine = self._user(uid)
        try:
            market = find_market(symbol, InstType.USDT_FUTURES)
            plan = engine.place_tpsl(uid, market, plan_type, trigger_price, hold_side, size, trigger_type,
                                     execute_price, client_oid)
            return engine.plan_view(plan)
        finally:
            self._done()

    def place_pos_tpsl(self, uid: str, symbol: str, hold_side: str, take_profit: DecimalLike | None = None,
                       stop_loss: DecimalLike | None = None) -> list[PlanOrder]:
        engine = self._user(uid)
        try:
            market = find_market(symbol, InstType.USDT_FUTURES)
            out = []
            for plan_type, trigger in (("pos_profit", take_profit), ("pos_loss", stop_loss)):
                if trigger not in (None, ""):
                    plan = engine.place_tpsl(uid, market, plan_type, trigger, hold_side, None, "mark_price", None,
                                             None)
                    out.append(engine.plan_view(plan))
            if not out:
                raise reject("40019", "Parameter stopSurplusTriggerPrice or stopLossTriggerPrice cannot be empty")
            return out
        finally:
            self._done()

    def cancel_plan_order(self, uid: str, symbol: str, order_id: str | None = None,
                          client_oid: str | None = None) -> PlanOrder:
        engine = self._user(uid)
        try:
            find_market(symbol, InstType.USDT_FUTURES)
            pid = order_id or engine.plan_client_ids.get((uid, client_oid or ""))
            plan = engine.plans.get(pid or "")
            if plan is None or plan.uid != uid or plan.status != "live" or plan.symbol != symbol.upper():
                raise reject("40768", "The order does not exist")
            engine.cancel_plan(plan)
            return engine.plan_view(plan)
        finally:
            self._done()

    def plan_orders(self, uid: str, symbol: str | None = None, *, pending: bool = True) -> list[PlanOrder]:
        """Newest first; ``pending`` False lists the finished ones."""
        engine = self._user(uid)
        self._done()
        sym = symbol.upper() if symbol else None
        return [engine.plan_view(p) for p in sorted(engine.plans.values(), key=lambda p: -int(p.order_id))
                if p.uid == uid and (sym is None or p.symbol == sym) and (p.status == "live") == pending]

    # ---- test hooks ------------------------------------------------------------------------------------------

    def shock(self, underlying: str, factor: DecimalLike) -> None:
        """Multiply the fair price of one underlying (e.g. "BTC") by ``factor`` from the next step on (tests,
        demos). Candles of minutes with trades follow; mark/index candles and history keep the plain path."""
        engine = self._sync()
        key = underlying.upper()
        engine.shocks[key] = engine.shocks.get(key, 1.0) * float(Decimal(str(factor)))

    def set_funding_rate(self, symbol: str, rate: DecimalLike) -> None:
        """Fix a futures market's funding rate (tests, demos); it is quoted and charged from now on."""
        market = find_market(symbol, InstType.USDT_FUTURES)
        self._engine.funding_rates[market.symbol] = Decimal(str(rate))

    def stats(self) -> dict[str, int]:
        """Counters: steps, book_changes (levels), trades, user_fills."""
        return dict(self._engine.counters)

    def audit(self) -> dict[str, Decimal]:
        """Money created or destroyed per ledger (spot coins, "futures:USDT"): all zero unless there is a bug."""
        out = dict(self._engine.spot.imbalance())
        out["futures:USDT"] = self._engine.fut.imbalance()
        return out


_MAX_CATCHUP_MS = 60_000
_ACCOUNT_PUSH_MS = 1_000


def _ratio(last: Decimal, base: Decimal) -> Decimal:
    if not base:
        return ZERO
    return ((last - base) / base).quantize(Decimal("0.00001"))


# ---- persistence glue: engine state <-> store records ----------------------------------------------------------


def _save_state(engine: Engine, store: SimStateStore, created: dict[str, int]) -> None:
    users: list[UserRecord] = []
    for uid in sorted(engine.dirty_users):
        if not engine.spot.has(uid):
            continue
        fu = engine.fut.users[uid]
        users.append(UserRecord(
            uid=uid, created_ms=created.get(uid, engine.now),
            spot={coin: (str(a), str(f)) for coin, (a, f) in engine.spot.accounts[uid].items()},
            futures_cash=str(fu.cash), futures_frozen=str(fu.frozen), pos_mode=fu.pos_mode, futures_u_time=fu.u_time,
            settings={sym: (s.margin_mode, s.cross_leverage, s.long_leverage, s.short_leverage)
                      for sym, s in fu.settings.items()},
            positions=[position_record(p) for p in fu.positions.values() if p.lots]))
    live_users = engine.spot.accounts
    store.save(users=users,
               orders=[order_record(st) for st in engine.dirty_orders.values() if st.uid in live_users],
               fills=[fill_record(f) for f in engine.new_fills if f.uid in live_users],
               plans=[plan_record(p) for p in engine.dirty_plans.values() if p.uid in live_users],
               kv=_ledger_kv(engine))
    engine.dirty_users.clear()
    engine.dirty_orders.clear()
    engine.dirty_plans.clear()
    engine.new_fills.clear()


def _ledger_kv(engine: Engine) -> dict[str, str]:
    kv = {"order_seq": str(engine.order_seq), "trade_seq": str(engine.trade_seq), "entry_seq": str(engine.entry_seq),
          "futures.house": str(engine.fut.house), "futures.fees": str(engine.fut.fees),
          "futures.minted": str(engine.fut.minted), "futures.funding": str(engine.fut.funding),
          "bill_seq": str(engine.bill_seq)}
    for name, book in (("house", engine.spot.house), ("fees", engine.spot.fees), ("minted", engine.spot.minted)):
        for coin, amount in book.items():
            kv[f"spot.{name}.{coin}"] = str(amount)
    return kv


def _load_state(engine: Engine, store: SimStateStore, created: dict[str, int]) -> None:
    kv = store.load_kv()
    engine.order_seq = int(kv.get("order_seq", "0"))
    engine.trade_seq = int(kv.get("trade_seq", "0"))
    engine.entry_seq = int(kv.get("entry_seq", "0"))
    engine.fut.house = Decimal(kv.get("futures.house", "0"))
    engine.fut.fees = Decimal(kv.get("futures.fees", "0"))
    engine.fut.minted = Decimal(kv.get("futures.minted", "0"))
    engine.fut.funding = Decimal(kv.get("futures.funding", "0"))
    engine.bill_seq = int(kv.get("bill_seq", "0"))
    for key, value in kv.items():
        if key.startswith("spot."):
            _, name, coin = key.split(".", 2)
            getattr(engine.spot, name)[coin] = Decimal(value)
    cap = engine.history_cap
    for rec in store.load_users():
        uid = rec.uid
        created[uid] = rec.created_ms
        engine.spot.restore(uid, {coin: (Decimal(a), Decimal(f)) for coin, (a, f) in rec.spot.items()})
        fu = FuturesUser(uid, Decimal(rec.futures_cash), Decimal(rec.futures_frozen), rec.pos_mode,
                         u_time=rec.futures_u_time)
        for sym, (mode, cross, long, short) in rec.settings.items():
            fu.settings[sym] = SettingsState(mode, cross, long, short)
        for d in rec.positions:
            pos = position_from_record(d)
            fu.positions[(pos.symbol, pos.hold_side)] = pos
            engine.pos_users.setdefault(pos.symbol, set()).add(uid)
        engine.fut.users[uid] = fu
        engine.open_by_user.setdefault(uid, {})
        engine.done.setdefault(uid, deque(maxlen=cap))
        engine.user_fills.setdefault(uid, deque(maxlen=cap))
    open_states: list[OrderState] = []
    for d in store.load_orders(history_per_user=cap):
        if d["uid"] not in engine.spot.accounts:
            continue
        st = order_from_record(d, MARKETS[SymbolRef(d["symbol"], InstType(d["inst_type"]))])
        engine.client_ids[(st.uid, st.client_oid)] = st.order_id
        if st.status.is_open:
            open_states.append(st)
        else:
            engine.done[st.uid].append(st)
            engine.done_by_id[st.order_id] = st
    for st in sorted(open_states, key=lambda s: s.seq):
        engine.orders[st.order_id] = st
        engine.open_by_user[st.uid][st.order_id] = st
        if st.order_type == "limit" and st.remaining_lots > 0:
            st.entry = Entry(st.seq, st.price_ticks or 0, st.remaining_lots, st)
            engine.markets[st.market.ref].book.side(st.is_buy).add(st.entry)
    for d in store.load_fills(per_user=cap):
        if d["uid"] in engine.user_fills:
            engine.user_fills[d["uid"]].append(fill_from_record(d))
    for d in store.load_plans():
        if d["uid"] not in engine.spot.accounts:
            continue
        plan = plan_from_record(d)
        engine.plans[plan.order_id] = plan
        engine.plan_client_ids[(plan.uid, plan.client_oid)] = plan.order_id
        if plan.status == "live":
            engine.live_plans.setdefault(plan.symbol, {})[plan.order_id] = plan
        if plan.linked_order_id:
            engine.linked_plans.setdefault(plan.linked_order_id, []).append(plan.order_id)
