"""USDT-M futures: account, per-symbol settings, positions and TP/SL plan orders (snapshots)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from terminal_app.bitget.symbols import SymbolRef

ZERO = Decimal(0)
ONE_WAY = "one_way_mode"
HEDGE = "hedge_mode"
CROSSED = "crossed"
ISOLATED = "isolated"


@dataclass(frozen=True, slots=True)
class FuturesAccount:
    """USDT-M account. ``equity = available + locked + crossed_margin + isolated_margin + unrealized_pl``."""

    uid: str
    margin_coin: str
    available: Decimal             # cash not used as margin nor frozen
    locked: Decimal                # frozen by open orders
    crossed_margin: Decimal        # initial margin of crossed positions
    isolated_margin: Decimal       # margin held by isolated positions
    unrealized_pl: Decimal
    equity: Decimal
    crossed_max_available: Decimal # what a new crossed order may use (available plus crossed losses)
    isolated_max_available: Decimal
    max_transfer_out: Decimal
    crossed_risk_rate: Decimal     # crossed maintenance margin / crossed equity
    pos_mode: str
    u_time: int


@dataclass(frozen=True, slots=True)
class SymbolSettings:
    symbol: str
    margin_mode: str               # "crossed" | "isolated"
    cross_leverage: int
    long_leverage: int             # isolated long (and isolated one-way)
    short_leverage: int


@dataclass(frozen=True, slots=True)
class Position:
    uid: str
    ref: SymbolRef
    pos_id: str
    hold_side: str                 # "long" | "short"
    pos_mode: str
    margin_mode: str
    total: Decimal                 # size in base
    available: Decimal             # total minus what pending close orders hold
    locked: Decimal                # held by pending close orders
    open_delegate_size: Decimal    # size of pending orders that would open more of this side
    open_price_avg: Decimal
    leverage: int
    margin: Decimal                # isolated: the position's margin; crossed: its initial margin
    achieved_profits: Decimal      # realised PnL since the position opened
    unrealized_pl: Decimal
    unrealized_plr: Decimal        # unrealized PnL / initial margin
    liquidation_price: Decimal     # 0 when it cannot be liquidated by price
    keep_margin_rate: Decimal
    mark_price: Decimal
    break_even_price: Decimal
    total_fee: Decimal             # fees paid on this position (positive)
    margin_ratio: Decimal          # maintenance margin / margin balance
    take_profit: Decimal | None    # position TP trigger (pos_profit) if any
    stop_loss: Decimal | None      # position SL trigger (pos_loss) if any
    c_time: int
    u_time: int


@dataclass(frozen=True, slots=True)
class PlanOrder:
    """A TP/SL order. Triggers on the mark price and closes at market (``execute_price`` None)."""

    order_id: str
    client_oid: str
    uid: str
    ref: SymbolRef
    plan_type: str                 # "profit_plan" | "loss_plan" | "pos_profit" | "pos_loss"
    trigger_price: Decimal
    trigger_type: str              # "mark_price" (also accepted: "fill_price", evaluated on the mark as well)
    execute_price: Decimal | None
    hold_side: str                 # "long" | "short"
    size: Decimal | None           # None: the whole position
    status: str                    # "live" | "executed" | "cancelled"
    pos_mode: str
    side: str                      # side of the closing order: "sell" closes a long, "buy" a short
    executed_order_id: str
    linked_order_id: str           # the order whose preset TP/SL created it, else ""
    c_time: int
    u_time: int
