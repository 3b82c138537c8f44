"""Orders and fills as the engine reports them (immutable snapshots), the engine's mutable order, and the
order-validation rules.

Snapshots are frozen so a listener may queue them and render them later while the engine moves on.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from terminal_app.bitget.errors import ExchangeError, error_for_code
from terminal_app.core.instruments import SymbolRef
from terminal_app.sim.market.book import Entry
from terminal_app.sim.market.markets import SimMarket

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


# ---- engine-side order state and rules ------------------------------------------------------------------------

FORCES = ("gtc", "post_only", "ioc", "fok")



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
