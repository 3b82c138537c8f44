"""Orders, fills and trades as the engine reports them (immutable snapshots), and the order-validation rules.

Snapshots are frozen so a listener may queue them and render them later while the engine moves on.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from random import Random
from typing import Any

from terminal_app.bitget.errors import ExchangeError, error_for_code
from terminal_app.bitget.symbols import InstType, SymbolRef
from terminal_app.sim.engine.futures import (
    CROSSED,
    FUNDING_FEE,
    HEDGE,
    ISOLATED,
    ONE_WAY,
    AccountBill,
    FuturesAccount,
    FuturesLedger,
    FuturesUser,
    PlanOrder,
    PlanState,
    Position,
    PositionState,
    SymbolSettings,
    funding_fee,
    initial_margin,
    liquidation_price,
    maintenance,
    money,
    unrealized,
    wallet,
)
from terminal_app.sim.engine.spot_accounts import SpotLedger
from terminal_app.sim.market.book import Book, BookSide, Entry, MakerLadder
from terminal_app.sim.market.history import MarketHistory
from terminal_app.sim.market.markets import SimMarket, all_markets
from terminal_app.sim.market.price import HOUR_MS, UnderlyingPath, stable_seed

ZERO = Decimal(0)


class OrderStatus(StrEnum):
    LIVE = "live"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLED = "cancelled"

    @property
    def is_open(self) -> bool:
        return self in (OrderStatus.LIVE, OrderStatus.PARTIALLY_FILLED)


@dataclass(frozen=True, slots=True)
class Order:
    """One user order. Spot market buys are sized in quote (``size_in_quote``), everything else in base."""

    order_id: str
    client_oid: str
    uid: str
    ref: SymbolRef
    side: str                      # "buy" | "sell"
    order_type: str                # "limit" | "market"
    force: str                     # "gtc" | "post_only" | "ioc" | "fok"
    price: Decimal | None          # limit price, None for market orders
    size: Decimal                  # as placed (quote amount for a spot market buy)
    size_in_quote: bool
    filled_size: Decimal           # base filled (Bitget baseVolume)
    filled_quote: Decimal          # quote filled (Bitget quoteVolume)
    avg_price: Decimal             # 0 until something filled (Bitget priceAvg)
    fee: Decimal                   # fees paid, a positive amount (Bitget shows it negative)
    fee_coin: str
    status: OrderStatus
    c_time: int
    u_time: int
    origin: str = "api"            # "api" | "tpsl" | "close_positions" | "liquidation"
    # futures only
    trade_side: str = ""           # hedge mode: "open" | "close"; one-way: ""
    pos_side: str = ""             # "long" | "short" (hedge) or "net" (one-way)
    reduce_only: bool = False
    margin_mode: str = ""          # "crossed" | "isolated"
    leverage: int = 0
    pos_mode: str = ""             # "one_way_mode" | "hedge_mode"
    preset_tp: Decimal | None = None
    preset_sl: Decimal | None = None
    profit: Decimal = ZERO         # realised PnL of this order's closing fills (Bitget totalProfits)
    cancel_reason: str = ""        # "", "user", "ioc", "fok", "market_remainder", "liquidation", "reduce_only"

    @property
    def is_open(self) -> bool:
        return self.status.is_open

    @property
    def remaining(self) -> Decimal:
        """Base size still open (limit orders)."""
        return self.size - self.filled_size if not self.size_in_quote else ZERO


@dataclass(frozen=True, slots=True)
class Fill:
    """One side of one trade, from the point of view of the order's owner."""

    trade_id: str
    order_id: str
    client_oid: str
    uid: str
    ref: SymbolRef
    side: str                      # the order's side
    order_type: str
    price: Decimal
    size: Decimal                  # base
    quote: Decimal                 # price * size
    fee: Decimal                   # positive amount paid
    fee_coin: str
    scope: str                     # "maker" | "taker"
    ts: int
    # futures only
    profit: Decimal = ZERO         # realised PnL of this fill
    trade_side: str = ""           # "open" | "close" (hedge), "buy_single" | "sell_single" (one-way)
    pos_mode: str = ""
    hold_side: str = ""            # "long" | "short": the position this fill changed


@dataclass(frozen=True, slots=True)
class Trade:
    """A public trade. ``side`` is the taker's side."""

    trade_id: str
    price: Decimal
    size: Decimal
    side: str
    ts: int


# ---- engine-side order state and rules ------------------------------------------------------------------------

FORCES = ("gtc", "post_only", "ioc", "fok")
POST_ONLY_CODE = "43111"             # the one code for "post-only would take liquidity"


def reject(code: str, msg: str) -> ExchangeError:
    """The typed error Bitget's ``code``/``msg`` maps to (the server renders both)."""
    return error_for_code(code, msg)


def parse_decimal(value: object, name: str) -> Decimal:
    """A positive finite Decimal from a request field, else 40017 (Bitget's parameter verification error)."""
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise reject("40017", f"Parameter {name} error") from None
    if not d.is_finite() or d <= 0:
        raise reject("40017", f"Parameter {name} error")
    return d


def to_ticks(price: Decimal, tick: Decimal) -> int:
    q = price / tick
    if q != q.to_integral_value():
        raise reject("41103", "param price scale error error")
    return int(q)


def to_lots(size: Decimal, lot: Decimal, places: int) -> int:
    q = size / lot
    if q != q.to_integral_value():
        raise reject("40808", f"Parameter verification exception size checkBDScale error value={size} "
                              f"checkScale={places}")
    return int(q)


def check_places(value: Decimal, places: int, code: str, what: str) -> None:
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise reject(code, f"Parameter verification exception {what} checkBDScale error value={value} "
                           f"checkScale={places}")


class OrderState:
    """The engine's mutable order. ``lots`` is the base size in lots (None for a spot market buy, which spends
    ``budget`` quote instead); ``frozen`` is what the order still holds (spot: the coin it spends; futures: margin)."""

    __slots__ = (
        "avg_cache", "budget", "c_time", "cancel_reason", "client_oid", "entry", "fee", "fee_coin", "filled_lots",
        "filled_quote", "force", "frozen", "frozen_per_lot", "hold_side", "is_buy", "is_close", "leverage", "lots",
        "margin_mode", "market", "order_id", "order_type", "origin", "pos_mode", "preset_sl", "preset_tp",
        "price_ticks", "profit", "reduce_only", "seq", "side", "size", "status", "trade_side", "u_time", "uid",
    )

    def __init__(self, *, uid: str, order_id: str, client_oid: str, market: SimMarket, side: str, order_type: str,
                 force: str, price_ticks: int | None, size: Decimal, lots: int | None, budget: Decimal, now: int,
                 seq: int) -> None:
        self.uid = uid
        self.order_id = order_id
        self.client_oid = client_oid
        self.market = market
        self.side = side
        self.is_buy = side == "buy"
        self.order_type = order_type
        self.force = force
        self.price_ticks = price_ticks
        self.size = size
        self.lots = lots
        self.budget = budget
        self.filled_lots = 0
        self.filled_quote = ZERO
        self.fee = ZERO
        self.fee_coin = ""
        self.status = OrderStatus.LIVE
        self.c_time = now
        self.u_time = now
        self.seq = seq
        self.origin = "api"
        self.entry: Entry | None = None
        self.frozen = ZERO
        self.frozen_per_lot = ZERO
        self.cancel_reason = ""
        self.avg_cache: Decimal | None = None
        # futures
        self.trade_side = ""
        self.pos_mode = ""
        self.hold_side = ""          # the position this order opens or closes ("" in one-way until it fills)
        self.is_close = False        # hedge close or one-way reduce-only: holds position size, no margin
        self.reduce_only = False
        self.margin_mode = ""
        self.leverage = 0
        self.preset_tp: Decimal | None = None
        self.preset_sl: Decimal | None = None
        self.profit = ZERO

    @property
    def remaining_lots(self) -> int:
        return (self.lots or 0) - self.filled_lots

    @property
    def price(self) -> Decimal | None:
        return None if self.price_ticks is None else self.price_ticks * self.market.tick

    def snapshot(self) -> Order:
        lot = self.market.lot
        filled = self.filled_lots * lot
        avg = self.filled_quote / filled if self.filled_lots else ZERO
        futures = self.market.is_futures
        return Order(
            order_id=self.order_id, client_oid=self.client_oid, uid=self.uid, ref=self.market.ref, side=self.side,
            order_type=self.order_type, force=self.force, price=self.price, size=self.size,
            size_in_quote=self.lots is None, filled_size=filled, filled_quote=self.filled_quote, avg_price=avg,
            fee=self.fee, fee_coin=self.fee_coin, status=self.status, c_time=self.c_time, u_time=self.u_time,
            origin=self.origin, trade_side=self.trade_side,
            pos_side=(self.hold_side if self.pos_mode == "hedge_mode" else "net") if futures else "",
            reduce_only=self.reduce_only, margin_mode=self.margin_mode, leverage=self.leverage,
            pos_mode=self.pos_mode, preset_tp=self.preset_tp, preset_sl=self.preset_sl, profit=self.profit,
            cancel_reason=self.cancel_reason,
        )


def crosses(is_buy: bool, limit_ticks: int | None, best: int) -> bool:
    if limit_ticks is None:
        return True
    return best <= limit_ticks if is_buy else best >= limit_ticks


def fillable_lots(opposite: BookSide, is_buy: bool, limit_ticks: int | None, wanted: int) -> int:
    """Lots available against ``opposite`` up to the limit price, counting at most ``wanted``."""
    total = 0
    for price in opposite.iter_prices():
        if not crosses(is_buy, limit_ticks, price):
            break
        total += opposite.levels[price].total
        if total >= wanted:
            return wanted
    return total


def sweep_cost(opposite: BookSide, lots: int) -> tuple[int, int]:
    """(lots available, sum of price_ticks * lots) to take ``lots`` at market; used for margin estimates."""
    got = 0
    cost = 0
    for price in opposite.iter_prices():
        n = min(opposite.levels[price].total, lots - got)
        got += n
        cost += n * price
        if got >= lots:
            break
    return got, cost


# ---- the engine ------------------------------------------------------------------------------------------------

ORDER_ID_BASE = 1_300_000_000_000_000_000
TRADE_ID_BASE = 1_300_000_000_000_000_000
_USDT = "USDT"
_MAX_SYNTHETIC_FACTOR = 25
DEMO_SPOT_FUNDING = {"USDT": Decimal("10000"), "BTC": Decimal("0.1"), "ETH": Decimal("1")}
DEMO_FUTURES_FUNDING = Decimal("10000")
# Bitget's rate is premium + clamp(interest - premium, ±0.05 %) with interest 0.01 % per 8 h; the simulated futures
# trade a steady 0.03 % over the index, inside that band, so the rate is the interest rate.
FUNDING_RATE = Decimal("0.0001")
BILL_ID_BASE = 1_300_000_000_000_000_000


def _poisson(rng: Random, lam: float) -> int:
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
                                  stable_seed(seed, market.ref.key, "ladder"))
        self.rng = Random(stable_seed(seed, market.ref.key, "flow"))
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


class Engine:
    """Markets, books, users, orders and money. Mutations append notifications to ``outbox`` (when ``emitting``)
    and mark what must be persisted; the facade (engine/exchange.py) turns both into events and SQLite writes."""

    def __init__(self, seed: int, *, step_ms: int, churn: int, quiet: bool = False) -> None:
        self.seed = seed
        self.step_ms = step_ms
        self.churn = churn
        self.quiet = quiet            # no makers, no synthetic trades: books hold user orders only
        self.now = 0
        self.paths: dict[str, UnderlyingPath] = {}
        self.markets: dict[SymbolRef, MarketState] = {}
        for m in all_markets():
            path = self.paths.get(m.underlying)
            if path is None:
                path = UnderlyingPath(seed, m.underlying, float(m.start_price), m.params.annual_vol)
                self.paths[m.underlying] = path
            self.markets[m.ref] = MarketState(m, path, seed)
        self.shocks: dict[str, float] = {}
        self.spot = SpotLedger()
        self.fut = FuturesLedger()
        self.orders: dict[str, OrderState] = {}                   # open orders by id
        self.open_by_user: dict[str, dict[str, OrderState]] = {}
        self.client_ids: dict[tuple[str, str], str] = {}          # (uid, clientOid) → orderId
        self.done: dict[str, deque[OrderState]] = {}              # finished orders, newest last
        self.done_by_id: dict[str, OrderState] = {}
        self.user_fills: dict[str, deque[Fill]] = {}
        self.plans: dict[str, PlanState] = {}                     # every plan in memory by id
        self.live_plans: dict[str, dict[str, PlanState]] = {}     # symbol → id → live plan
        self.plan_client_ids: dict[tuple[str, str], str] = {}
        self.linked_plans: dict[str, list[str]] = {}              # order id → its preset TP/SL plan ids
        self.pos_users: dict[str, set[str]] = {}                  # futures symbol → uids with a position
        self.order_seq = 0
        self.trade_seq = 0
        self.entry_seq = 0
        self.emitting = False
        self.outbox: list[tuple[Any, ...]] = []
        self.touched_futures: set[str] = set()                    # uids whose futures account/positions changed
        self.dirty_users: set[str] = set()
        self.dirty_orders: dict[str, OrderState] = {}
        self.dirty_plans: dict[str, PlanState] = {}
        self.new_fills: list[Fill] = []
        self.counters = {"steps": 0, "book_changes": 0, "trades": 0, "user_fills": 0}
        self.history_cap = 10_000
        self.funding_rates: dict[str, Decimal] = {}               # futures symbol → rate, when not FUNDING_RATE
        self.next_funding: dict[str, int] = {}                    # futures symbol → next funding time (ms)
        self.bills: dict[str, deque[AccountBill]] = {}            # USDT-M account bills per user, newest last
        self.bill_seq = 0

    # ---- ids -----------------------------------------------------------------------------------------------

    def next_order_id(self) -> str:
        self.order_seq += 1
        return str(ORDER_ID_BASE + self.order_seq)

    def next_trade_id(self) -> str:
        self.trade_seq += 1
        return str(TRADE_ID_BASE + self.trade_seq)

    def next_entry_key(self) -> int:
        self.entry_seq += 1
        return self.entry_seq

    # ---- users ---------------------------------------------------------------------------------------------

    def ensure_user(self, uid: str) -> None:
        if self.spot.has(uid):
            return
        self.spot.now = self.now
        self.spot.open_account(uid, dict(DEMO_SPOT_FUNDING))
        self.fut.open_account(uid, DEMO_FUTURES_FUNDING).u_time = self.now
        self.open_by_user.setdefault(uid, {})
        self.done.setdefault(uid, deque(maxlen=self.history_cap))
        self.user_fills.setdefault(uid, deque(maxlen=self.history_cap))
        self.dirty_users.add(uid)
        self.touched_futures.add(uid)

    def remove_user(self, uid: str) -> None:
        """Forget a user entirely (its open orders leave the books first)."""
        for st in list(self.open_by_user.get(uid, {}).values()):
            self.finish(st, OrderStatus.CANCELLED, "user")
        for plan in [p for p in self.plans.values() if p.uid == uid]:
            self.live_plans.get(plan.symbol, {}).pop(plan.order_id, None)
            del self.plans[plan.order_id]
        user = self.fut.users.get(uid)
        if user is not None:
            for symbol, _ in user.positions:
                self.pos_users.get(symbol, set()).discard(uid)
        self.spot.close_account(uid)
        self.fut.close_account(uid)
        for key in [k for k in self.client_ids if k[0] == uid]:
            del self.client_ids[key]
        for key in [k for k in self.plan_client_ids if k[0] == uid]:
            del self.plan_client_ids[key]
        for st in self.done.pop(uid, ()):
            self.done_by_id.pop(st.order_id, None)
        self.user_fills.pop(uid, None)
        self.bills.pop(uid, None)
        self.open_by_user.pop(uid, None)
        self.touched_futures.discard(uid)
        self.dirty_users.discard(uid)

    # ---- notifications ---------------------------------------------------------------------------------------

    def _order_changed(self, st: OrderState, fill: Fill | None = None) -> None:
        self.dirty_orders[st.order_id] = st
        if self.emitting:
            self.outbox.append(("order", st.uid, st.snapshot(), fill))

    def _plan_changed(self, plan: PlanState) -> None:
        self.dirty_plans[plan.order_id] = plan
        if self.emitting:
            self.outbox.append(("plan", plan.uid, self.plan_view(plan)))

    def _record_fill(self, st: OrderState, fill: Fill) -> None:
        self.user_fills[st.uid].append(fill)
        self.new_fills.append(fill)
        self.counters["user_fills"] += 1
        self._order_changed(st, fill)
        if self.emitting:
            self.outbox.append(("fill", st.uid, fill))

    # ---- market stepping -------------------------------------------------------------------------------------

    def fair_ticks(self, ms: MarketState, t: int) -> float:
        shock = self.shocks.get(ms.market.underlying, 1.0)
        return ms.path.price_at(t) * ms.factor * shock / ms.tick_f

    def start(self, t: int) -> None:
        """Build every book at time ``t`` (before the first step); the first funding is the next one after ``t``
        (none is charged for time the simulator did not run)."""
        self.now = t
        for ms in self.markets.values():
            self._quote(ms, t)
            if ms.market.is_futures:
                interval = self.funding_interval_ms(ms.market)
                self.next_funding[ms.market.symbol] = (t // interval + 1) * interval
            ms.book.bids.take_changes()
            ms.book.asks.take_changes()

    def _quote(self, ms: MarketState, t: int) -> None:
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

    def step(self, t: int) -> None:
        self.now = t
        self.spot.now = t
        self.counters["steps"] += 1
        step_s = self.step_ms / 1000.0
        for ms in self.markets.values():
            ms.traded = False
            self._quote(ms, t)
            if self.quiet:
                continue
            p = ms.market.params
            n = _poisson(ms.rng, p.trades_per_s * step_s)
            for _ in range(n):
                self._synthetic_trade(ms, t)
        self._settle_funding(t)
        self._check_futures()

    def _synthetic_trade(self, ms: MarketState, t: int) -> None:
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
            lots -= self._take(ms, None, is_buy, best, lots)

    def _sweep_crossed_users(self, ms: MarketState, best_bid: int, best_ask: int) -> None:
        """User orders that the new maker quotes cross trade with the house at the users' prices."""
        for is_bid in (True, False):
            side = ms.book.side(is_bid)
            while True:
                best = side.best()
                if best is None or (best < best_ask if is_bid else best > best_bid):
                    break
                self._take(ms, None, not is_bid, best, side.levels[best].total)

    # ---- trades and settlement -------------------------------------------------------------------------------

    def _take(self, ms: MarketState, taker: OrderState | None, taker_is_buy: bool, price_ticks: int,
              lots: int) -> int:
        """Trade up to ``lots`` with the opposite level at ``price_ticks``, one maker at a time in time priority;
        returns the lots traded.

        Each maker is settled before the next one is looked at: a settlement can shrink or close a position and so
        cancel that position's reduce-only/close orders further down the same queue (Bitget cancels them before
        they can fill). Taking the whole level first and settling afterwards would fill the taker against lots
        that no longer settle."""
        side = ms.book.side(not taker_is_buy)
        done = 0
        while done < lots:
            level = side.levels.get(price_ticks)
            if level is None:
                break
            entry = level.queue[0]
            maker = entry.order
            if maker is not None and maker.is_close and self._closable_lots(maker) < maker.remaining_lots:
                self.finish(maker, OrderStatus.CANCELLED, "reduce_only")
                if level.queue and level.queue[0] is entry:      # an entry its order no longer owns
                    side.remove(entry)
                continue
            k = min(entry.lots, lots - done)
            side.consume(price_ticks, k)                         # only the front entry: k <= its size
            self._trade(ms, taker, taker_is_buy, entry, price_ticks, k)
            done += k
            if taker is not None and not taker.status.is_open:
                break
        return done

    def _closable_lots(self, st: OrderState) -> int:
        """Lots of the position a futures close/reduce-only order may still close (0 when it is gone)."""
        user = self.fut.users.get(st.uid)
        pos = user.positions.get((st.market.symbol, st.hold_side)) if user is not None else None
        return pos.lots if pos is not None else 0

    def _trade(self, ms: MarketState, taker: OrderState | None, taker_is_buy: bool, maker: Entry, price_ticks: int,
               lots: int) -> None:
        now = self.now
        trade_id = self.next_trade_id()
        market = ms.market
        trade = Trade(trade_id, price_ticks * market.tick, lots * market.lot, "buy" if taker_is_buy else "sell", now)
        ms.trades.appendleft(trade)
        ms.history.record_trade(now, price_ticks, lots)
        ms.last_ticks = price_ticks
        ms.traded = True
        ms.ticker_dirty = True
        self.counters["trades"] += 1
        if self.emitting:
            self.outbox.append(("trade", ms.ref, trade))
        maker_state: OrderState | None = maker.order
        if maker_state is None:
            if maker.lots == 0:
                ms.ladder.forget_consumed(not taker_is_buy, price_ticks)
        else:
            if maker.lots == 0:
                maker_state.entry = None
            self._settle(ms, maker_state, price_ticks, lots, True, trade_id)
        if taker is not None:
            self._settle(ms, taker, price_ticks, lots, False, trade_id)
        if not market.is_futures and (taker is None) != (maker_state is None):
            # one side is the house (both house: nothing changes hands that anyone owns)
            self._settle_house_spot(market, taker_is_buy if taker is None else not taker_is_buy, price_ticks, lots)

    def _settle_house_spot(self, market: SimMarket, house_buys: bool, price_ticks: int, lots: int) -> None:
        size = lots * market.lot
        quote = price_ticks * market.tick * size
        sign = 1 if house_buys else -1
        self.spot.house_add(market.info.base_coin, sign * size)
        self.spot.house_add(market.info.quote_coin, -sign * quote)

    def _settle(self, ms: MarketState, st: OrderState, price_ticks: int, lots: int, is_maker: bool,
                trade_id: str) -> None:
        if ms.market.is_futures:
            self._settle_futures(ms, st, price_ticks, lots, is_maker, trade_id)
        else:
            self._settle_spot(ms, st, price_ticks, lots, is_maker, trade_id)

    def _settle_spot(self, ms: MarketState, st: OrderState, price_ticks: int, lots: int, is_maker: bool,
                     trade_id: str) -> None:
        m = ms.market
        base, quote_coin = m.info.base_coin, m.info.quote_coin
        price = price_ticks * m.tick
        size = lots * m.lot
        quote = price * size
        rate = m.info.maker_fee if is_maker else m.info.taker_fee
        uid = st.uid
        if st.is_buy:
            self.spot.pay_from_frozen(uid, quote_coin, quote)
            st.frozen -= quote
            if st.lots is None:
                st.budget -= quote
            fee = size * rate
            self.spot.credit(uid, base, size - fee)
            self.spot.collect_fee(base, fee)
            st.fee_coin = base
        else:
            self.spot.pay_from_frozen(uid, base, size)
            st.frozen -= size
            fee = quote * rate
            self.spot.credit(uid, quote_coin, quote - fee)
            self.spot.collect_fee(quote_coin, fee)
            st.fee_coin = quote_coin
        st.filled_lots += lots
        st.filled_quote += quote
        st.fee += fee
        st.u_time = self.now
        fill = Fill(trade_id, st.order_id, st.client_oid, uid, m.ref, st.side, st.order_type, price, size, quote,
                    fee, st.fee_coin, "maker" if is_maker else "taker", self.now)
        self._after_fill(st, fill)

    def _after_fill(self, st: OrderState, fill: Fill) -> None:
        if st.lots is not None and st.filled_lots >= st.lots:
            st.status = OrderStatus.FILLED
        else:
            st.status = OrderStatus.PARTIALLY_FILLED
        self.dirty_users.add(st.uid)
        self._record_fill(st, fill)
        if st.status is OrderStatus.FILLED:
            self.finish(st, OrderStatus.FILLED)

    def finish(self, st: OrderState, status: OrderStatus, reason: str = "") -> None:
        """Close an order: leave the book, release what it still holds, move it to history."""
        if st.entry is not None:
            if st.entry.lots > 0:
                self.markets[st.market.ref].book.side(st.is_buy).remove(st.entry)
            st.entry = None
        if st.market.is_futures:
            user = self.fut.users[st.uid]
            if st.frozen:
                user.frozen -= st.frozen
                user.cash += st.frozen
                st.frozen = ZERO
            if st.is_close:
                pos = user.positions.get((st.market.symbol, st.hold_side))
                if pos is not None:
                    pos.locked_lots = max(0, pos.locked_lots - st.remaining_lots)
            self.touched_futures.add(st.uid)
        elif st.frozen:
            coin = st.market.info.quote_coin if st.is_buy else st.market.info.base_coin
            self.spot.unfreeze(st.uid, coin, st.frozen)
            st.frozen = ZERO
        st.status = status
        st.cancel_reason = reason
        st.u_time = self.now
        self.orders.pop(st.order_id, None)
        self.open_by_user.get(st.uid, {}).pop(st.order_id, None)
        done = self.done.setdefault(st.uid, deque(maxlen=self.history_cap))
        if len(done) == done.maxlen:
            # the oldest finished order leaves memory (it stays in SQLite), with its clientOid
            old = done[0]
            self.done_by_id.pop(old.order_id, None)
            if self.client_ids.get((old.uid, old.client_oid)) == old.order_id:
                del self.client_ids[(old.uid, old.client_oid)]
        done.append(st)
        self.done_by_id[st.order_id] = st
        self.dirty_users.add(st.uid)
        self._order_changed(st)

    # ---- placing (common) ------------------------------------------------------------------------------------

    def _common_checks(self, uid: str, side: str, order_type: str, force: str | None,
                       client_oid: str | None) -> tuple[str, str, str, str]:
        side = (side or "").lower()
        if side not in ("buy", "sell"):
            raise reject("40017", "Parameter side error")
        order_type = (order_type or "").lower()
        if order_type not in ("limit", "market"):
            raise reject("40017", "Parameter orderType error")
        force = (force or "gtc").lower()
        if force not in FORCES:
            raise reject("40017", "Parameter force error")
        if client_oid and (uid, client_oid) in self.client_ids:
            raise reject("43118", "clientOrderId duplicate")
        return side, order_type, force, client_oid or ""

    def _new_state(self, uid: str, market: SimMarket, side: str, order_type: str, force: str,
                   price_ticks: int | None, size: Decimal, lots: int | None, budget: Decimal,
                   client_oid: str) -> OrderState:
        order_id = self.next_order_id()
        st = OrderState(uid=uid, order_id=order_id, client_oid=client_oid or order_id, market=market, side=side,
                        order_type=order_type, force=force, price_ticks=price_ticks, size=size, lots=lots,
                        budget=budget, now=self.now, seq=self.next_entry_key())
        return st

    def _register(self, st: OrderState) -> None:
        self.orders[st.order_id] = st
        self.open_by_user.setdefault(st.uid, {})[st.order_id] = st
        self.client_ids[(st.uid, st.client_oid)] = st.order_id
        self.dirty_users.add(st.uid)
        self._order_changed(st)

    def _execute(self, st: OrderState) -> None:
        """Match a new order against the book, then rest, cancel or finish it according to its force."""
        ms = self.markets[st.market.ref]
        opposite = ms.book.side(not st.is_buy)
        limit = st.price_ticks if st.order_type == "limit" else None
        if st.force == "fok" and st.lots is not None and fillable_lots(opposite, st.is_buy, limit,
                                                                        st.remaining_lots) < st.remaining_lots:
            self.finish(st, OrderStatus.CANCELLED, "fok")
            return
        self._match(ms, st, limit)
        if not st.status.is_open:
            return
        if st.order_type == "market" or st.force in ("ioc", "fok"):
            if st.order_type == "market" and st.filled_lots:
                self.finish(st, OrderStatus.FILLED, "market_remainder" if st.remaining_lots > 0 else "")
            else:
                self.finish(st, OrderStatus.CANCELLED, "market_remainder" if st.order_type == "market" else st.force)
            return
        st.entry = Entry(st.seq, st.price_ticks or 0, st.remaining_lots, st)
        ms.book.side(st.is_buy).add(st.entry)

    def _match(self, ms: MarketState, st: OrderState, limit: int | None) -> None:
        opposite = ms.book.side(not st.is_buy)
        market = ms.market
        lot_cost = market.tick * market.lot
        while st.status.is_open:
            if st.is_close and self._closable_lots(st) < st.remaining_lots:
                # its position shrank under it (pending close orders normally make this impossible)
                self.finish(st, OrderStatus.CANCELLED, "reduce_only")
                break
            best = opposite.best()
            if best is None or not crosses(st.is_buy, limit, best):
                break
            want = int(st.budget / (best * lot_cost)) if st.lots is None else st.remaining_lots
            if want <= 0:
                break
            self._take(ms, st, st.is_buy, best, want)

    # ---- spot ------------------------------------------------------------------------------------------------

    def place_spot(self, uid: str, market: SimMarket, side: str, order_type: str, size_raw: object,
                   price_raw: object, force: str | None, client_oid: str | None) -> OrderState:
        side, order_type, force, client_oid = self._common_checks(uid, side, order_type, force, client_oid)
        info = market.info
        ms = self.markets[market.ref]
        size = parse_decimal(size_raw, "size")
        price_ticks: int | None = None
        lots: int | None
        budget = ZERO
        if order_type == "limit":
            if price_raw is None or str(price_raw).strip() == "":
                raise reject("40019", "Parameter price cannot be empty")
            price = parse_decimal(price_raw, "price")
            price_ticks = to_ticks(price, info.tick_size)
            lots = to_lots(size, info.lot_size, info.size_places)
            if size < info.min_size or lots == 0:
                raise reject("45111", "less than the minimum order quantity")
            if price * size < info.min_notional:
                raise reject("45110", f"less than the minimum amount {info.min_notional} USDT")
        elif side == "buy":
            check_places(size, info.quote_places, "40808", "size")
            lots = None
            budget = size
            if size < info.min_notional:
                raise reject("45110", f"less than the minimum amount {info.min_notional} USDT")
        else:
            lots = to_lots(size, info.lot_size, info.size_places)
            if size < info.min_size or lots == 0:
                raise reject("45111", "less than the minimum order quantity")
            best = ms.book.bids.best()
            if best is not None and best * info.tick_size * size < info.min_notional:
                raise reject("45110", f"less than the minimum amount {info.min_notional} USDT")
        if side == "buy":
            need, coin = (budget if lots is None else (price_ticks or 0) * info.tick_size * size), info.quote_coin
        else:
            need, coin = size, info.base_coin
        if self.spot.available(uid, coin) < need:
            raise reject("43012", "Insufficient balance")
        if force == "post_only" and order_type == "limit":
            best = ms.book.side(side == "sell").best()
            if best is not None and crosses(side == "buy", price_ticks, best):
                raise reject(POST_ONLY_CODE, "Post only order will take liquidity and was rejected")
        if order_type == "market":
            force = "gtc"
        st = self._new_state(uid, market, side, order_type, force, price_ticks, size, lots, budget, client_oid)
        self.spot.freeze(uid, coin, need)
        st.frozen = need
        st.fee_coin = info.base_coin if side == "buy" else info.quote_coin
        self._register(st)
        self._execute(st)
        return st

    # ---- lookups ---------------------------------------------------------------------------------------------

    def find_order(self, uid: str, order_id: str | None, client_oid: str | None) -> OrderState | None:
        if not order_id and client_oid:
            order_id = self.client_ids.get((uid, client_oid))
        if not order_id:
            return None
        st = self.orders.get(order_id) or self.done_by_id.get(order_id)
        return st if st is not None and st.uid == uid else None

    def cancel(self, st: OrderState) -> None:
        self.finish(st, OrderStatus.CANCELLED, "user")

    # ==== USDT-M futures: order rules, positions, TP/SL, liquidation, views ====================================

    # ---- helpers -------------------------------------------------------------------------------------------

    def futures_market(self, symbol: str) -> MarketState:
        return self.markets[SymbolRef(symbol, InstType.USDT_FUTURES)]

    def cross_state(self, user: FuturesUser) -> tuple[Decimal, Decimal, Decimal]:
        """(Σ crossed initial margin, Σ crossed unrealised PnL, Σ crossed maintenance margin)."""
        im = upl = mm = ZERO
        for pos in user.positions.values():
            if pos.margin_mode != CROSSED:
                continue
            ms = self.futures_market(pos.symbol)
            lot = ms.market.lot
            im += initial_margin(pos)
            upl += unrealized(pos, ms.mark, lot)
            mm += maintenance(pos, ms.mark, lot, ms.market.keep_margin_rate)
        return im, upl, mm

    def max_available(self, user: FuturesUser) -> Decimal:
        im, upl, _ = self.cross_state(user)
        return user.cash - im + min(upl, ZERO)

    def symbol_busy(self, user: FuturesUser, symbol: str | None) -> bool:
        if any(p.lots and (symbol is None or p.symbol == symbol) for p in user.positions.values()):
            return True
        return any(st.market.is_futures and (symbol is None or st.market.symbol == symbol)
                   for st in self.open_by_user.get(user.uid, {}).values())

    # ---- placing ---------------------------------------------------------------------------------------------

    def place_futures(self, uid: str, market: SimMarket, side: str, order_type: str, size_raw: object,
                      price_raw: object = None, force: str | None = None, client_oid: str | None = None,
                      margin_mode: str | None = None, trade_side: str | None = None, reduce_only: bool = False,
                      preset_tp: object = None, preset_sl: object = None, origin: str = "api") -> OrderState:
        side, order_type, force, client_oid = self._common_checks(uid, side, order_type, force, client_oid)
        user = self.fut.users[uid]
        info = market.info
        ms = self.markets[market.ref]
        symbol = market.symbol
        settings = user.setting(symbol)
        size = parse_decimal(size_raw, "size")
        lots = to_lots(size, info.lot_size, info.size_places)
        if size < info.min_size or lots == 0:
            raise reject("45111", "less than the minimum order quantity")
        price_ticks: int | None = None
        if order_type == "limit":
            if price_raw is None or str(price_raw).strip() == "":
                raise reject("40019", "Parameter price cannot be empty")
            price_ticks = to_ticks(parse_decimal(price_raw, "price"), info.tick_size)
        if margin_mode:
            mode = margin_mode.lower()
            if mode == "cross":
                mode = CROSSED
            if mode not in (CROSSED, ISOLATED):
                raise reject("40017", "Parameter marginMode error")
            if mode != settings.margin_mode:
                if self.symbol_busy(user, symbol):
                    raise reject("45117", "Currently holding positions or orders, the margin mode cannot be adjusted")
                settings.margin_mode = mode
                self.dirty_users.add(uid)
        ts = (trade_side or "").lower()
        if user.pos_mode == HEDGE:
            if ts not in ("open", "close"):
                raise reject("40774", "The order type for hedge position must also be the hedge position type")
            hold_side = "long" if side == "buy" else "short"
            is_close = ts == "close"
            is_buy = (side == "buy") != is_close
        else:
            if ts:
                raise reject("40774", "The order type for unilateral position must also be the unilateral "
                                      "position type.")
            is_buy = side == "buy"
            is_close = bool(reduce_only)
            hold_side = ("short" if is_buy else "long") if is_close else ""
        if is_close:
            pos = user.positions.get((symbol, hold_side))
            if pos is None or pos.lots == 0:
                raise reject("22002", "No position to close")
            free = pos.lots - pos.locked_lots
            if lots > free:
                if order_type == "market" and free > 0:
                    lots = free
                    size = lots * info.lot_size
                else:
                    raise reject("40757", "Not enough position is available.")
        opposite_best = ms.book.side(not is_buy).best()
        ref_ticks = price_ticks if price_ticks is not None else (opposite_best or int(ms.fair_ticks + 0.5))
        ref_price = ref_ticks * info.tick_size
        if not is_close and ref_price * size < info.min_notional:
            raise reject("45110", f"less than the minimum amount {info.min_notional} USDT")
        if (force == "post_only" and order_type == "limit" and opposite_best is not None
                and crosses(is_buy, price_ticks, opposite_best)):
            raise reject(POST_ONLY_CODE, "Post only order will take liquidity and was rejected")
        open_side = hold_side if user.pos_mode == HEDGE else ("long" if is_buy else "short")
        leverage = settings.leverage(open_side)
        frozen = per_lot = ZERO
        if not is_close:
            est_open = lots
            if user.pos_mode == ONE_WAY:
                opp = user.positions.get((symbol, "short" if is_buy else "long"))
                if opp is not None:
                    est_open = max(0, lots - opp.lots)
            if order_type == "market":
                got, cost_ticks = sweep_cost(ms.book.side(not is_buy), est_open)
                est_value = (cost_ticks + (est_open - got) * ref_ticks) * info.tick_size * info.lot_size
            else:
                est_value = ref_price * est_open * info.lot_size
            fee_est = ref_price * size * info.taker_fee
            if est_value / leverage + fee_est > self.max_available(user):
                raise reject("40762", "The order amount exceeds the balance")
            if order_type == "limit":
                per_lot = money(ref_price * info.lot_size / leverage)
                frozen = per_lot * est_open
        tp = self._preset(preset_tp, info.tick_size)
        sl = self._preset(preset_sl, info.tick_size)
        if not is_close and (tp is not None or sl is not None):
            long = open_side == "long"
            if tp is not None and (tp <= ref_price if long else tp >= ref_price):
                raise reject("40917", "The take-profit price is on the wrong side of the order price")
            if sl is not None and (sl >= ref_price if long else sl <= ref_price):
                raise reject("40917", "The stop-loss price is on the wrong side of the order price")
        if order_type == "market":
            force = "gtc"
        st = self._new_state(uid, market, side, order_type, force, price_ticks, size, lots, ZERO, client_oid)
        st.is_buy = is_buy
        st.trade_side = ts
        st.pos_mode = user.pos_mode
        st.hold_side = hold_side
        st.is_close = is_close
        st.reduce_only = bool(reduce_only) and user.pos_mode == ONE_WAY
        st.margin_mode = settings.margin_mode
        st.leverage = leverage
        st.preset_tp = tp
        st.preset_sl = sl
        st.fee_coin = _USDT
        st.origin = origin
        if is_close:
            user.positions[(symbol, hold_side)].locked_lots += lots
        if frozen:
            user.cash -= frozen
            user.frozen += frozen
            st.frozen = frozen
            st.frozen_per_lot = per_lot
        self.touched_futures.add(uid)
        self._register(st)
        self._execute(st)
        return st

    @staticmethod
    def _preset(raw: object, tick: Decimal) -> Decimal | None:
        if raw is None or str(raw).strip() in ("", "0"):
            return None
        price = parse_decimal(raw, "presetPrice")
        to_ticks(price, tick)
        return price

    def close_market(self, uid: str, symbol: str, hold_side: str, lots: int, origin: str) -> OrderState:
        user = self.fut.users[uid]
        ms = self.futures_market(symbol)
        size = lots * ms.market.lot
        if user.pos_mode == HEDGE:
            return self.place_futures(uid, ms.market, "buy" if hold_side == "long" else "sell", "market", size,
                                      trade_side="close", origin=origin)
        return self.place_futures(uid, ms.market, "sell" if hold_side == "long" else "buy", "market", size,
                                  reduce_only=True, origin=origin)

    # ---- settlement ------------------------------------------------------------------------------------------

    def _settle_futures(self, ms: MarketState, st: OrderState, price_ticks: int, lots: int, is_maker: bool,
                        trade_id: str) -> None:
        m = ms.market
        lot = m.lot
        price = price_ticks * m.tick
        user = self.fut.users[st.uid]
        symbol = m.symbol
        value = price * lots * lot
        fee = value * (m.info.maker_fee if is_maker else m.info.taker_fee)
        close_side = ""
        close_lots = 0
        pos: PositionState | None = None
        if st.is_close:
            close_side = st.hold_side
            pos = user.positions.get((symbol, close_side))
            # _take and _match cancel a close order before it could fill more than its position; were that ever
            # missed, the lots beyond the position change nothing but the fee (money stays conserved)
            close_lots = min(lots, pos.lots) if pos is not None else 0
            open_lots = 0
        else:
            if st.pos_mode == ONE_WAY:
                close_side = "short" if st.is_buy else "long"
                pos = user.positions.get((symbol, close_side))
                # one-way: an opposite order always reduces first, so long and short never coexist
                close_lots = min(lots, pos.lots) if pos is not None else 0
            open_lots = lots - close_lots
        profit = ZERO
        fee_pos: PositionState | None = None
        closed: PositionState | None = None
        if close_lots and pos is not None:
            profit = self._reduce(user, pos, price, close_lots, lot, st.is_close)
            fee_pos = pos
            if pos.lots == 0:
                closed = pos
            elif pos.locked_lots > pos.lots:
                # reduce-only orders now exceed the position: Bitget cancels them oldest first
                for other in self._close_orders(st.uid, pos):
                    if pos.locked_lots <= pos.lots:
                        break
                    if other is not st:
                        self.finish(other, OrderStatus.CANCELLED, "reduce_only")
        open_side = ""
        if open_lots:
            open_side = st.hold_side if st.pos_mode == HEDGE else ("long" if st.is_buy else "short")
            fee_pos = self._grow(user, ms, st, open_side, price, open_lots)
        user.cash -= fee
        self.fut.fees += fee
        if fee_pos is not None:
            fee_pos.total_fee += fee
        user.u_time = self.now
        st.filled_lots += lots
        st.filled_quote += value
        st.fee += fee
        st.profit += profit
        st.u_time = self.now
        trade_side = st.trade_side or ("buy_single" if st.is_buy else "sell_single")
        fill = Fill(trade_id, st.order_id, st.client_oid, st.uid, m.ref, st.side, st.order_type, price, lots * lot,
                    value, fee, _USDT, "maker" if is_maker else "taker", self.now, profit=profit,
                    trade_side=trade_side, pos_mode=st.pos_mode, hold_side=open_side or close_side)
        self.touched_futures.add(st.uid)
        self._after_fill(st, fill)
        if closed is not None:
            self._position_closed(user, closed, "position_closed")

    def _reduce(self, user: FuturesUser, pos: PositionState, price: Decimal, k: int, lot: Decimal,
                locked: bool) -> Decimal:
        if k == pos.lots:
            cost_part, margin_part = pos.cost, pos.margin
        else:
            cost_part = money(pos.cost * k / pos.lots)
            margin_part = money(pos.margin * k / pos.lots)
        value = price * k * lot
        pnl = value - cost_part if pos.hold_side == "long" else cost_part - value
        pos.cost -= cost_part
        pos.margin -= margin_part
        pos.lots -= k
        if locked:
            pos.locked_lots -= k
        pos.achieved += pnl
        pos.u_time = self.now
        user.cash += margin_part + pnl
        self.fut.house -= pnl
        return pnl

    def _grow(self, user: FuturesUser, ms: MarketState, st: OrderState, side: str, price: Decimal,
              k: int) -> PositionState:
        symbol = ms.market.symbol
        pos = user.positions.get((symbol, side))
        if pos is None:
            pos = PositionState(user.uid, symbol, side, st.margin_mode, st.leverage, self.next_order_id(),
                                c_time=self.now)
            user.positions[(symbol, side)] = pos
            self.pos_users.setdefault(symbol, set()).add(user.uid)
        value = price * k * ms.market.lot
        release = min(st.frozen, st.frozen_per_lot * k)
        if release:
            st.frozen -= release
            user.frozen -= release
            user.cash += release
        if pos.margin_mode == ISOLATED:
            margin = money(value / pos.leverage)
            user.cash -= margin
            pos.margin += margin
        pos.cost += value
        pos.lots += k
        pos.u_time = self.now
        if st.preset_tp is not None or st.preset_sl is not None:
            self._grow_linked_plans(st, pos, k)
        return pos

    def _position_closed(self, user: FuturesUser, pos: PositionState, reason: str) -> None:
        key = (pos.symbol, pos.hold_side)
        if user.positions.get(key) is not pos or pos.lots:
            return
        del user.positions[key]
        if not any(s == pos.symbol for s, _ in user.positions):
            self.pos_users.get(pos.symbol, set()).discard(user.uid)
        for st in self._close_orders(user.uid, pos):
            self.finish(st, OrderStatus.CANCELLED, reason)
        for plan in self._position_plans(user.uid, pos.symbol, pos.hold_side):
            self.cancel_plan(plan)
        self.touched_futures.add(user.uid)
        self.dirty_users.add(user.uid)

    def _close_orders(self, uid: str, pos: PositionState) -> list[OrderState]:
        return sorted((st for st in self.open_by_user.get(uid, {}).values()
                       if st.is_close and st.market.is_futures and st.market.symbol == pos.symbol
                       and st.hold_side == pos.hold_side), key=lambda s: s.seq)

    # ---- funding -----------------------------------------------------------------------------------------------

    @staticmethod
    def funding_interval_ms(market: SimMarket) -> int:
        return int(market.raw.get("fundInterval") or 8) * HOUR_MS

    def funding_rate(self, symbol: str) -> Decimal:
        return self.funding_rates.get(symbol, FUNDING_RATE)

    def _settle_funding(self, t: int) -> None:
        """At each market's funding time every open position pays or receives funding (see futures.py). A step
        that jumped over several funding times (the exchange skips long gaps) settles once."""
        for ms in self.markets.values():
            if not ms.market.is_futures:
                continue
            symbol = ms.market.symbol
            due = self.next_funding.get(symbol)
            if due is None or t < due:
                continue
            interval = self.funding_interval_ms(ms.market)
            self.next_funding[symbol] = (t // interval + 1) * interval
            rate = self.funding_rate(symbol)
            for uid in sorted(self.pos_users.get(symbol, ())):
                user = self.fut.users[uid]
                for hold_side in ("long", "short"):
                    pos = user.positions.get((symbol, hold_side))
                    if pos is not None and pos.lots:
                        self._charge_funding(user, pos, ms, rate, t)

    def _charge_funding(self, user: FuturesUser, pos: PositionState, ms: MarketState, rate: Decimal,
                        t: int) -> None:
        fee = funding_fee(ms.mark * pos.lots * ms.market.lot, rate)
        amount = -fee if pos.hold_side == "long" else fee
        if not amount:
            return
        if pos.margin_mode == ISOLATED:
            into_margin = max(amount, -pos.margin)
            pos.margin += into_margin
            user.cash += amount - into_margin
        else:
            user.cash += amount
        self.fut.funding -= amount
        pos.u_time = t
        user.u_time = t
        self.bill_seq += 1
        bill = AccountBill(str(BILL_ID_BASE + self.bill_seq), user.uid, pos.symbol, _USDT, FUNDING_FEE, amount, ZERO,
                           wallet(user), t)
        bills = self.bills.get(user.uid)
        if bills is None:
            bills = self.bills[user.uid] = deque(maxlen=self.history_cap)
        bills.append(bill)
        self.touched_futures.add(user.uid)
        self.dirty_users.add(user.uid)

    # ---- TP/SL -------------------------------------------------------------------------------------------------

    def _position_plans(self, uid: str, symbol: str, hold_side: str) -> list[PlanState]:
        return sorted((p for p in self.live_plans.get(symbol, {}).values()
                       if p.uid == uid and p.hold_side == hold_side), key=lambda p: int(p.order_id))

    def new_plan(self, uid: str, symbol: str, plan_type: str, trigger: Decimal, trigger_type: str,
                 execute_price: Decimal | None, hold_side: str, lots: int | None, client_oid: str = "",
                 linked: str = "") -> PlanState:
        order_id = self.next_order_id()
        plan = PlanState(order_id, client_oid or order_id, uid, symbol, plan_type, trigger, trigger_type,
                         execute_price, hold_side, lots, "live", self.fut.users[uid].pos_mode, self.now, self.now,
                         linked_order_id=linked)
        self.plans[order_id] = plan
        self.live_plans.setdefault(symbol, {})[order_id] = plan
        self.plan_client_ids[(uid, plan.client_oid)] = order_id
        self.dirty_users.add(uid)
        self._plan_changed(plan)
        return plan

    def cancel_plan(self, plan: PlanState, status: str = "cancelled") -> None:
        plan.status = status
        plan.u_time = self.now
        self.live_plans.get(plan.symbol, {}).pop(plan.order_id, None)
        self._plan_changed(plan)

    def _grow_linked_plans(self, st: OrderState, pos: PositionState, k: int) -> None:
        ids = self.linked_plans.get(st.order_id)
        if ids is None:
            ids = []
            for plan_type, trigger in (("profit_plan", st.preset_tp), ("loss_plan", st.preset_sl)):
                if trigger is not None:
                    plan = self.new_plan(st.uid, pos.symbol, plan_type, trigger, "mark_price", None, pos.hold_side,
                                         k, linked=st.order_id)
                    ids.append(plan.order_id)
            self.linked_plans[st.order_id] = ids
            return
        for pid in ids:
            plan = self.plans.get(pid)
            if plan is not None and plan.status == "live" and plan.lots is not None:
                plan.lots += k
                self._plan_changed(plan)

    def _trigger(self, plan: PlanState) -> None:
        user = self.fut.users.get(plan.uid)
        pos = user.positions.get((plan.symbol, plan.hold_side)) if user is not None else None
        if user is None or pos is None or pos.lots == 0:
            self.cancel_plan(plan)
            return
        whole = plan.plan_type in ("pos_profit", "pos_loss")
        if whole:
            for st in self._close_orders(plan.uid, pos):
                self.finish(st, OrderStatus.CANCELLED, "tpsl")
            lots = pos.lots
        else:
            lots = min(plan.lots or 0, pos.lots - pos.locked_lots)
        if lots <= 0:
            self.cancel_plan(plan)
            return
        self.cancel_plan(plan, "executed")
        try:
            st = self.close_market(plan.uid, plan.symbol, plan.hold_side, lots, "tpsl")
        except ExchangeError:
            plan.status = "fail_trigger"
            self._plan_changed(plan)
            return
        plan.executed_order_id = st.order_id
        self._plan_changed(plan)
        if plan.linked_order_id:
            for pid in self.linked_plans.get(plan.linked_order_id, []):
                sibling = self.plans.get(pid)
                if sibling is not None and sibling.status == "live":
                    self.cancel_plan(sibling)

    # ---- risk ------------------------------------------------------------------------------------------------

    def _check_futures(self) -> None:
        for ms in self.markets.values():
            if not ms.market.is_futures:
                continue
            live = self.live_plans.get(ms.market.symbol)
            if live:
                for plan in sorted(live.values(), key=lambda p: int(p.order_id)):
                    if plan.status == "live" and plan.triggered_by(ms.mark):
                        self._trigger(plan)
        uids: set[str] = set()
        for users in self.pos_users.values():
            uids |= users
        for uid in sorted(uids):
            self._check_risk(uid)

    def _check_risk(self, uid: str) -> None:
        user = self.fut.users[uid]
        for pos in sorted(user.positions.values(), key=lambda p: (p.symbol, p.hold_side)):
            if pos.margin_mode != ISOLATED:
                continue
            ms = self.futures_market(pos.symbol)
            lot = ms.market.lot
            if pos.margin + unrealized(pos, ms.mark, lot) <= maintenance(pos, ms.mark, lot,
                                                                          ms.market.keep_margin_rate):
                self._liquidate_isolated(user, pos, ms)
        crossed = [p for p in user.positions.values() if p.margin_mode == CROSSED]
        if not crossed:
            return
        _, upl, mm = self.cross_state(user)
        if user.cash + user.frozen + upl <= mm:
            self._liquidate_crossed(user)

    def _liquidate_isolated(self, user: FuturesUser, pos: PositionState, ms: MarketState) -> None:
        for st in self._close_orders(user.uid, pos):
            self.finish(st, OrderStatus.CANCELLED, "liquidation")
        loss = pos.margin
        self.fut.house += loss
        self._liquidation_record(user, pos, ms, -loss)
        pos.margin = ZERO
        pos.cost = ZERO
        pos.lots = 0
        pos.locked_lots = 0
        self._position_closed(user, pos, "liquidation")

    def _liquidate_crossed(self, user: FuturesUser) -> None:
        for st in sorted(self.open_by_user.get(user.uid, {}).values(), key=lambda s: s.seq):
            if st.market.is_futures:
                self.finish(st, OrderStatus.CANCELLED, "liquidation")
        for pos in sorted((p for p in user.positions.values() if p.margin_mode == CROSSED),
                          key=lambda p: (p.symbol, p.hold_side)):
            ms = self.futures_market(pos.symbol)
            pnl = unrealized(pos, ms.mark, ms.market.lot)
            user.cash += pnl
            self.fut.house -= pnl
            self._liquidation_record(user, pos, ms, pnl)
            pos.cost = ZERO
            pos.lots = 0
            pos.locked_lots = 0
            self._position_closed(user, pos, "liquidation")
        # what is left backs the liquidation (insurance fund); a deficit is covered by it
        self.fut.house += user.cash
        user.cash = ZERO

    def _liquidation_record(self, user: FuturesUser, pos: PositionState, ms: MarketState, profit: Decimal) -> None:
        m = ms.market
        long = pos.hold_side == "long"
        side = ("buy" if long else "sell") if user.pos_mode == HEDGE else ("sell" if long else "buy")
        size = pos.lots * m.lot
        st = self._new_state(user.uid, m, side, "market", "gtc", None, size, pos.lots, ZERO, "")
        st.is_buy = not long
        st.pos_mode = user.pos_mode
        st.trade_side = "close" if user.pos_mode == HEDGE else ""
        st.hold_side = pos.hold_side
        st.margin_mode = pos.margin_mode
        st.leverage = pos.leverage
        st.origin = "liquidation"
        st.fee_coin = _USDT
        self._register(st)
        value = ms.mark * size
        st.filled_lots = pos.lots
        st.filled_quote = value
        st.profit = profit
        pos.achieved += profit
        fill = Fill(self.next_trade_id(), st.order_id, st.client_oid, user.uid, m.ref, side, "market", ms.mark,
                    size, value, ZERO, _USDT, "taker", self.now, profit=profit,
                    trade_side=f"burst_close_{pos.hold_side}", pos_mode=user.pos_mode, hold_side=pos.hold_side)
        self.touched_futures.add(user.uid)
        self._after_fill(st, fill)

    # ---- views -----------------------------------------------------------------------------------------------

    def position_view(self, user: FuturesUser, pos: PositionState) -> Position:
        ms = self.futures_market(pos.symbol)
        m = ms.market
        lot = m.lot
        mark = ms.mark
        kmr = m.keep_margin_rate
        total = pos.lots * lot
        im = initial_margin(pos)
        upl = unrealized(pos, mark, lot)
        maint = maintenance(pos, mark, lot, kmr)
        if pos.margin_mode == ISOLATED:
            liq = liquidation_price(pos, lot, kmr, ZERO)
            balance = pos.margin + upl
        else:
            others = ZERO
            cross_upl = ZERO
            for other in user.positions.values():
                if other.margin_mode != CROSSED:
                    continue
                oms = self.futures_market(other.symbol)
                o_upl = unrealized(other, oms.mark, oms.market.lot)
                cross_upl += o_upl
                if other is not pos:
                    others += o_upl - maintenance(other, oms.mark, oms.market.lot, oms.market.keep_margin_rate)
            liq = liquidation_price(pos, lot, kmr, user.cash + user.frozen + others)
            balance = user.cash + user.frozen + cross_upl
        delegate = sum((st.remaining_lots for st in self.open_by_user.get(user.uid, {}).values()
                        if st.market is m and not st.is_close
                        and (st.hold_side == pos.hold_side if st.pos_mode == HEDGE
                             else st.is_buy == (pos.hold_side == "long"))), 0)
        entry = pos.cost / total if total else ZERO
        fees = pos.total_fee
        break_even = (pos.cost + fees) / total if pos.hold_side == "long" else (pos.cost - fees) / total
        tp = sl = None
        for plan in self._position_plans(user.uid, pos.symbol, pos.hold_side):
            if plan.plan_type == "pos_profit":
                tp = plan.trigger_price
            elif plan.plan_type == "pos_loss":
                sl = plan.trigger_price
        return Position(
            uid=user.uid, ref=m.ref, pos_id=pos.pos_id, hold_side=pos.hold_side, pos_mode=user.pos_mode,
            margin_mode=pos.margin_mode, total=total, available=total - pos.locked_lots * lot,
            locked=pos.locked_lots * lot, open_delegate_size=delegate * lot, open_price_avg=entry,
            leverage=pos.leverage, margin=im, achieved_profits=pos.achieved, unrealized_pl=upl,
            unrealized_plr=upl / im if im else ZERO, liquidation_price=liq, keep_margin_rate=kmr, mark_price=mark,
            break_even_price=break_even, total_fee=fees, margin_ratio=maint / balance if balance > 0 else Decimal(1),
            take_profit=tp, stop_loss=sl, c_time=pos.c_time, u_time=pos.u_time)

    def positions_view(self, uid: str, symbol: str | None = None) -> list[Position]:
        user = self.fut.users[uid]
        return [self.position_view(user, p) for _, p in sorted(user.positions.items())
                if p.lots and (symbol is None or p.symbol == symbol)]

    def account_view(self, uid: str) -> FuturesAccount:
        user = self.fut.users[uid]
        im, cross_upl, mm = self.cross_state(user)
        iso_margin = iso_upl = ZERO
        for pos in user.positions.values():
            if pos.margin_mode == ISOLATED:
                ms = self.futures_market(pos.symbol)
                iso_margin += pos.margin
                iso_upl += unrealized(pos, ms.mark, ms.market.lot)
        available = user.cash - im
        max_avail = available + min(cross_upl, ZERO)
        cross_equity = user.cash + user.frozen + cross_upl
        return FuturesAccount(
            uid=uid, margin_coin=_USDT, available=available, locked=user.frozen, crossed_margin=im,
            isolated_margin=iso_margin, unrealized_pl=cross_upl + iso_upl,
            equity=user.cash + user.frozen + iso_margin + cross_upl + iso_upl,
            crossed_max_available=max_avail, isolated_max_available=max_avail,
            max_transfer_out=max(max_avail, ZERO),
            crossed_risk_rate=mm / cross_equity if mm and cross_equity > 0 else ZERO,
            pos_mode=user.pos_mode, u_time=user.u_time)

    def plan_view(self, plan: PlanState) -> PlanOrder:
        ms = self.futures_market(plan.symbol)
        closing_side = "sell" if plan.hold_side == "long" else "buy"
        return PlanOrder(
            order_id=plan.order_id, client_oid=plan.client_oid, uid=plan.uid, ref=ms.market.ref,
            plan_type=plan.plan_type, trigger_price=plan.trigger_price, trigger_type=plan.trigger_type,
            execute_price=plan.execute_price, hold_side=plan.hold_side,
            size=None if plan.lots is None else plan.lots * ms.market.lot, status=plan.status,
            pos_mode=plan.pos_mode, side=closing_side, executed_order_id=plan.executed_order_id,
            linked_order_id=plan.linked_order_id, c_time=plan.c_time, u_time=plan.u_time)

    def settings_view(self, uid: str, symbol: str) -> SymbolSettings:
        s = self.fut.users[uid].setting(symbol)
        return SymbolSettings(symbol, s.margin_mode, s.cross_leverage, s.long_leverage, s.short_leverage)

    # ---- account settings ------------------------------------------------------------------------------------

    def set_leverage(self, uid: str, market: SimMarket, leverage: int, hold_side: str | None) -> None:
        info = market.info
        if not info.min_leverage <= leverage <= info.max_leverage:
            raise reject("40017", f"leverage must be between {info.min_leverage} and {info.max_leverage}")
        user = self.fut.users[uid]
        s = user.setting(market.symbol)
        side = (hold_side or "").lower()
        if s.margin_mode == CROSSED:
            sides = ("long", "short")
        elif side in ("long", "short") and user.pos_mode == HEDGE:
            sides = (side,)
        else:
            sides = ("long", "short")
        affected = [p for (sym, hs), p in sorted(user.positions.items())
                    if sym == market.symbol and hs in sides and p.lots]
        # margin the change would need (isolated: moved now; crossed: earmarked)
        extra = ZERO
        for pos in affected:
            extra += money(pos.cost / leverage) - initial_margin(pos)
        if extra > 0 and extra > self.max_available(user):
            raise reject("40762", "The order amount exceeds the balance")
        if s.margin_mode == CROSSED:
            s.cross_leverage = leverage
        else:
            if "long" in sides:
                s.long_leverage = leverage
            if "short" in sides:
                s.short_leverage = leverage
        for pos in affected:
            if pos.margin_mode == ISOLATED:
                new_margin = money(pos.cost / leverage)
                user.cash -= new_margin - pos.margin
                pos.margin = new_margin
            pos.leverage = leverage
            pos.u_time = self.now
        self.dirty_users.add(uid)
        self.touched_futures.add(uid)

    def set_margin_mode(self, uid: str, market: SimMarket, margin_mode: str) -> None:
        mode = (margin_mode or "").lower()
        if mode == "cross":
            mode = CROSSED
        if mode not in (CROSSED, ISOLATED):
            raise reject("40017", "Parameter marginMode error")
        user = self.fut.users[uid]
        s = user.setting(market.symbol)
        if mode != s.margin_mode:
            if self.symbol_busy(user, market.symbol):
                raise reject("45117", "Currently holding positions or orders, the margin mode cannot be adjusted")
            s.margin_mode = mode
            self.dirty_users.add(uid)

    def set_position_mode(self, uid: str, pos_mode: str) -> str:
        mode = (pos_mode or "").lower()
        if mode not in (ONE_WAY, HEDGE):
            raise reject("40017", "Parameter posMode error")
        user = self.fut.users[uid]
        if mode != user.pos_mode:
            if self.symbol_busy(user, None) or any(p.uid == uid for live in self.live_plans.values()
                                                   for p in live.values()):
                raise reject("45117", "Currently holding positions or orders, the position mode cannot be adjusted")
            user.pos_mode = mode
            self.dirty_users.add(uid)
            self.touched_futures.add(uid)
        return mode

    # ---- modify ----------------------------------------------------------------------------------------------

    def modify_futures(self, st: OrderState, new_client_oid: str | None, new_size: object, new_price: object,
                       new_tp: object, new_sl: object) -> OrderState:
        uid = st.uid
        market = st.market
        info = market.info
        user = self.fut.users[uid]
        ms = self.markets[market.ref]
        if new_client_oid and new_client_oid != st.client_oid and (uid, new_client_oid) in self.client_ids:
            raise reject("43118", "clientOrderId duplicate")
        reprice = new_size not in (None, "") or new_price not in (None, "")
        if reprice and st.order_type != "limit":
            raise reject("40017", "Only limit orders can change price or size")
        lots = st.lots or 0
        price_ticks = st.price_ticks
        if new_size not in (None, ""):
            size = parse_decimal(new_size, "newSize")
            lots = to_lots(size, info.lot_size, info.size_places)
            if lots <= st.filled_lots:
                raise reject("40017", "Parameter newSize must be larger than the filled size")
        if new_price not in (None, ""):
            price_ticks = to_ticks(parse_decimal(new_price, "newPrice"), info.tick_size)
        tp = self._preset(new_tp, info.tick_size) if new_tp not in (None, "") else st.preset_tp
        sl = self._preset(new_sl, info.tick_size) if new_sl not in (None, "") else st.preset_sl
        remaining = lots - st.filled_lots
        if reprice:
            opposite_best = ms.book.side(not st.is_buy).best()
            if (st.force == "post_only" and opposite_best is not None
                    and crosses(st.is_buy, price_ticks, opposite_best)):
                raise reject(POST_ONLY_CODE, "Post only order will take liquidity and was rejected")
            price = (price_ticks or 0) * info.tick_size
            if st.is_close:
                pos = user.positions.get((market.symbol, st.hold_side))
                free = (pos.lots - pos.locked_lots + st.remaining_lots) if pos is not None else 0
                if remaining > free:
                    raise reject("40757", "Not enough position is available.")
                new_frozen = per_lot = ZERO
            else:
                per_lot = money(price * info.lot_size / st.leverage)
                est_open = remaining
                if st.pos_mode == ONE_WAY:
                    opp = user.positions.get((market.symbol, "short" if st.is_buy else "long"))
                    if opp is not None:
                        est_open = max(0, remaining - opp.lots)
                new_frozen = per_lot * est_open
                fee_est = price * remaining * info.lot_size * info.taker_fee
                if new_frozen + fee_est > self.max_available(user) + st.frozen:
                    raise reject("40762", "The order amount exceeds the balance")
            # re-queue: leave the book, swap what the order holds, then match like a new order
            if st.entry is not None:
                ms.book.side(st.is_buy).remove(st.entry)
                st.entry = None
            if st.is_close:
                pos = user.positions[(market.symbol, st.hold_side)]
                pos.locked_lots += remaining - st.remaining_lots
            else:
                user.frozen += new_frozen - st.frozen
                user.cash -= new_frozen - st.frozen
                st.frozen = new_frozen
                st.frozen_per_lot = per_lot
            st.lots = lots
            st.size = lots * info.lot_size
            st.price_ticks = price_ticks
            st.seq = self.next_entry_key()
        if new_client_oid and new_client_oid != st.client_oid:
            self.client_ids.pop((uid, st.client_oid), None)
            st.client_oid = new_client_oid
            self.client_ids[(uid, new_client_oid)] = st.order_id
        st.preset_tp, st.preset_sl = tp, sl
        st.u_time = self.now
        self.dirty_users.add(uid)
        self.touched_futures.add(uid)
        self._order_changed(st)
        if reprice:
            self._match(ms, st, st.price_ticks)
            if st.status.is_open:
                st.entry = Entry(st.seq, st.price_ticks or 0, st.remaining_lots, st)
                ms.book.side(st.is_buy).add(st.entry)
        return st

    # ---- TP/SL orders ----------------------------------------------------------------------------------------

    def place_tpsl(self, uid: str, market: SimMarket, plan_type: str, trigger_raw: object, hold_side: str,
                   size_raw: object, trigger_type: str | None, execute_raw: object,
                   client_oid: str | None) -> PlanState:
        plan_type = (plan_type or "").lower()
        if plan_type not in ("profit_plan", "loss_plan", "pos_profit", "pos_loss"):
            raise reject("40017", "Parameter planType error")
        user = self.fut.users[uid]
        side = {"buy": "long", "sell": "short"}.get((hold_side or "").lower(), (hold_side or "").lower())
        if side not in ("long", "short"):
            raise reject("40017", "Parameter holdSide error")
        info = market.info
        trigger = parse_decimal(trigger_raw, "triggerPrice")
        to_ticks(trigger, info.tick_size)
        ttype = (trigger_type or "mark_price").lower()
        if ttype not in ("mark_price", "fill_price"):
            raise reject("40017", "Parameter triggerType error")
        execute = None
        if execute_raw not in (None, "", "0"):
            execute = parse_decimal(execute_raw, "executePrice")
            to_ticks(execute, info.tick_size)
        if client_oid and (uid, client_oid) in self.plan_client_ids:
            raise reject("43118", "clientOrderId duplicate")
        pos = user.positions.get((market.symbol, side))
        if pos is None or pos.lots == 0:
            raise reject("22002", "No position to close")
        whole = plan_type.startswith("pos_")
        lots: int | None = None
        if not whole:
            lots = to_lots(parse_decimal(size_raw, "size"), info.lot_size, info.size_places)
        mark = self.markets[market.ref].mark
        profit = plan_type in ("profit_plan", "pos_profit")
        up = profit == (side == "long")
        if (trigger <= mark) if up else (trigger >= mark):
            raise reject("40917", "The trigger price is on the wrong side of the mark price")
        if whole:
            for old in self._position_plans(uid, market.symbol, side):
                if old.plan_type == plan_type:
                    self.cancel_plan(old)
        return self.new_plan(uid, market.symbol, plan_type, trigger, ttype, execute, side, lots,
                             client_oid=client_oid or "")


# ---- persistence records ---------------------------------------------------------------------------------------

_ORDER_INTS = ("price_ticks", "lots", "filled_lots", "c_time", "u_time", "seq", "leverage")
_ORDER_DECIMALS = ("size", "budget", "filled_quote", "fee", "frozen", "frozen_per_lot", "profit")
_ORDER_TEXT = ("uid", "order_id", "client_oid", "side", "order_type", "force", "fee_coin", "origin",
               "cancel_reason", "trade_side", "pos_mode", "hold_side", "margin_mode")


def order_record(st: OrderState) -> dict[str, Any]:
    d: dict[str, Any] = {f: getattr(st, f) for f in _ORDER_INTS + _ORDER_TEXT}
    for f in _ORDER_DECIMALS:
        d[f] = str(getattr(st, f))
    d["inst_type"] = st.market.ref.inst_type.value
    d["symbol"] = st.market.symbol
    d["status"] = st.status.value
    d["is_buy"] = st.is_buy
    d["is_close"] = st.is_close
    d["reduce_only"] = st.reduce_only
    d["preset_tp"] = None if st.preset_tp is None else str(st.preset_tp)
    d["preset_sl"] = None if st.preset_sl is None else str(st.preset_sl)
    return d


def order_from_record(d: dict[str, Any], market: SimMarket) -> OrderState:
    st = OrderState(uid=d["uid"], order_id=d["order_id"], client_oid=d["client_oid"], market=market, side=d["side"],
                    order_type=d["order_type"], force=d["force"], price_ticks=d["price_ticks"],
                    size=Decimal(d["size"]), lots=d["lots"], budget=Decimal(d["budget"]), now=d["c_time"],
                    seq=d["seq"])
    for f in _ORDER_INTS + _ORDER_TEXT:
        setattr(st, f, d[f])
    for f in _ORDER_DECIMALS:
        setattr(st, f, Decimal(d[f]))
    st.status = OrderStatus(d["status"])
    st.is_buy = d["is_buy"]
    st.is_close = d["is_close"]
    st.reduce_only = d["reduce_only"]
    st.preset_tp = None if d["preset_tp"] is None else Decimal(d["preset_tp"])
    st.preset_sl = None if d["preset_sl"] is None else Decimal(d["preset_sl"])
    return st


_FILL_DECIMALS = ("price", "size", "quote", "fee", "profit")


def fill_record(fill: Fill) -> dict[str, Any]:
    d: dict[str, Any] = {f: getattr(fill, f) for f in Fill.__dataclass_fields__ if f != "ref"}
    for f in _FILL_DECIMALS:
        d[f] = str(d[f])
    d["symbol"] = fill.ref.symbol
    d["inst_type"] = fill.ref.inst_type.value
    return d


def fill_from_record(d: dict[str, Any]) -> Fill:
    values = {k: v for k, v in d.items() if k not in ("symbol", "inst_type")}
    for f in _FILL_DECIMALS:
        values[f] = Decimal(values[f])
    return Fill(ref=SymbolRef(d["symbol"], InstType(d["inst_type"])), **values)
