"""Copy-trading state of the simulator: tracking orders, traders, follows and profit records, plus the small helpers
the engine and the routes share (TP/SL from ratios, lot rounding, validation).

See :mod:`terminal_app.sim.copy.engine` for the behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from terminal_app.bitget.errors import ExchangeError, error_for_code
from terminal_app.core.copy_trading import FollowSetting, SpotFollowSetting
from terminal_app.core.instruments import Product
from terminal_app.sim.copy.traders import TraderProfile, TraderStats, TraderTrade
from terminal_app.sim.market.markets import SimMarket

ZERO = Decimal(0)
HUNDRED = Decimal(100)
FUTURES = Product.USDT_FUTURES
SPOT = Product.SPOT
TRADER = "trader"
FOLLOWER = "follower"
FUTURES_MARKET = "futures"
SPOT_MARKET = "spot"
DEFAULT_SHARE_RATIO = Decimal("0.10")
REAL_TRACK_BASE = 1_400_000_000_000_000_000
ORDER_INTERVAL_MS = 1_000                  # an elite trader's one order per second
TPSL_INTERVAL_MS = 300                     # 43036
REFOLLOW_COOLDOWN_MS = 2 * 3_600_000       # 43047 after a removal
SYNTHETIC_FOLLOWERS: tuple[tuple[str, str, Decimal], ...] = (
    # uid, display name, copy ratio (traceType percent)
    ("copy-follower-1", "Copier Ada", Decimal("0.5")),
    ("copy-follower-2", "Copier Bo", Decimal("1")),
    ("copy-follower-3", "Copier Cy", Decimal("1.5")),
    ("copy-follower-4", "Copier Dee", Decimal("2")),
)
MAX_FOLLOW_NOTIONAL = Decimal("2000000")   # query-quantity-limit: max size = this / the market's start price
MONEY = Decimal("0.00000001")


def reject(code: str, msg: str) -> ExchangeError:
    return error_for_code(code, msg)


# ---- state ---------------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Track:
    """A tracking order: a trader's position slice (``role`` trader) or a follower's copy of one (``role`` follower,
    ``parent`` = the trader's trackingNo). Fees are positive amounts paid. Spot tracks are buys (``hold_side`` long,
    ``size`` the base received)."""

    tracking_no: str
    role: str
    owner: str                        # simulator uid, or the synthetic trader's id
    trader_id: str
    market: str
    symbol: str
    hold_side: str
    leverage: int
    margin_mode: str
    size: Decimal
    open_price: Decimal
    open_fee: Decimal
    open_time: int
    open_order_id: str
    parent: str = ""
    trader_price: Decimal | None = None     # follower: the trader's price (copy slippage)
    delay_ms: int = 0                       # follower: time from the trader's fill to the copy
    tp: Decimal | None = None
    sl: Decimal | None = None
    tpsl_time: int = 0
    follow_count: int = 0
    due_ms: int | None = None               # synthetic trader: scheduled close
    stopped: bool = False                   # spot follower: copying stopped, the coins are the user's own
    close_time: int | None = None
    close_price: Decimal | None = None
    close_size: Decimal = ZERO
    close_fee: Decimal = ZERO
    close_order_id: str = ""
    achieved_pl: Decimal = ZERO
    profit_share: Decimal = ZERO
    stop_type: str = ""

    @property
    def is_open(self) -> bool:
        return self.close_time is None

    @property
    def margin(self) -> Decimal:
        value = self.open_price * self.size
        return value / self.leverage if self.market == FUTURES_MARKET and self.leverage else value

    @property
    def net_profit(self) -> Decimal:
        return self.achieved_pl - self.open_fee - self.close_fee - self.profit_share

    def unrealized(self, price: Decimal) -> Decimal:
        diff = price - self.open_price
        return (diff if self.hold_side == "long" else -diff) * self.size


@dataclass(slots=True)
class SymbolConfig:
    """A trader's copy symbol: open for copying, and default TP/SL ratios (%) of new tracking orders."""

    open: bool = True
    tp_ratio: Decimal | None = None
    sl_ratio: Decimal | None = None


@dataclass(slots=True)
class ProfitRecord:
    profit_id: str
    coin: str
    profit: Decimal
    name: str                               # the follower's alias
    time: int
    ratio: Decimal
    market: str


@dataclass(slots=True)
class Trader:
    """An elite trader: synthetic (``profile``) or a simulator user (``uid``)."""

    trader_id: str
    name: str
    uid: str | None
    profile: TraderProfile | None
    share_ratio: Decimal
    symbols: dict[str, SymbolConfig]
    spot_symbols: set[str]
    enabled: bool = True
    show_total_equity: bool = True
    show_tpsl: bool = True
    followers: dict[str, int] = field(default_factory=dict)         # futures follower uid → since
    spot_followers: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    total_followers: int = 0
    last_order_ms: int = -ORDER_INTERVAL_MS
    start_equity: Decimal = ZERO
    since_ms: int = 0
    profits: list[ProfitRecord] = field(default_factory=list)


@dataclass(slots=True)
class Follow:
    follower_uid: str
    trader_id: str
    market: str
    since_ms: int
    auto_copy: bool
    mode: str
    settings: dict[str, FollowSetting] = field(default_factory=dict)
    spot_settings: dict[str, SpotFollowSetting] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RankedTrader:
    """A trader with its statistics, for the broker list."""

    trader: Trader
    stats: TraderStats
    followers_pnl: Decimal
    trading: tuple[str, ...]


# ---- helpers ------------------------------------------------------------------------------------------------


def round_down(value: Decimal, step: Decimal) -> Decimal:
    if value <= 0:
        return ZERO
    return (value / step).to_integral_value(rounding=ROUND_DOWN) * step


def max_follow_size(market: SimMarket) -> Decimal:
    """The largest copy of one trader order in ``market`` (``query-quantity-limit``)."""
    return round_down(MAX_FOLLOW_NOTIONAL / market.start_price, market.lot)


def taker_fee(notional: Decimal) -> Decimal:
    return (notional * Decimal("0.0006")).quantize(MONEY)


def check_trace(trace_type: str, value: Decimal | None) -> None:
    kind = (trace_type or "").lower()
    if kind not in ("percent", "amount", "count"):
        raise reject("40017", "Parameter traceType error")
    if value is None or not value.is_finite() or value <= 0:
        raise reject("40017", "Parameter traceValue error")
    if kind == "percent" and value < Decimal("0.01"):
        raise reject("43054", "The copy ratio cannot be less than 0.01")
    if kind == "percent" and value > 10:
        raise reject("43053", "The copy ratio cannot exceed 10")


def check_ratio(value: Decimal | None, code: str) -> None:
    if value is not None and value != 0 and not 1 <= value <= 400:
        raise reject(code, "The ratio must be between 1-400")


def ratio_price(price: Decimal, leverage: int, hold_side: str, ratio: Decimal | None, *, up: bool, market: str,
                 tick: Decimal | None = None) -> Decimal | None:
    """TP/SL price for a return ``ratio`` (% of margin, so of price × leverage) from ``price``."""
    if not ratio:
        return None
    move = ratio / HUNDRED / (leverage if market == FUTURES_MARKET and leverage else 1)
    gain = up == (hold_side == "long")
    target = price * (1 + move) if gain else price * (1 - move)
    if target <= 0:
        return None
    if tick is not None:
        target = round_down(target, tick) if not gain else (target / tick).to_integral_value() * tick
    return target


def track_from_trade(trade: TraderTrade) -> Track:
    return Track(trade.tracking_no, TRADER, trade.trader_id, trade.trader_id, FUTURES_MARKET, trade.symbol,
                 trade.hold_side, trade.leverage, "crossed", trade.size, trade.open_price, trade.open_fee,
                 trade.open_time, trade.tracking_no, close_time=trade.close_time, close_price=trade.close_price,
                 close_size=trade.size, close_fee=trade.close_fee, close_order_id=trade.tracking_no,
                 follow_count=trade.follow_count,
                 achieved_pl=trade.pnl)
