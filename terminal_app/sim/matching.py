"""Orders, fills and trades as the engine reports them (immutable snapshots), and the order-validation rules.

Snapshots are frozen so a listener may queue them and render them later while the engine moves on.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from terminal_app.bitget.symbols import SymbolRef

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
