"""Copy trading as the terminal sees it: tracking orders (copied positions), elite traders and their summaries,
followers, follow settings and profit share, for futures and spot.

Copy trading is an exchange feature with its own pages; each client maps its answers to these types (Bitget V2:
``terminal_app.bitget.models.copy``). Money is ``Decimal``; fees keep the exchange's sign (negative = paid); rates
are in %; times are epoch milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, TypeVar

from terminal_app.core.enums import MarginMode, PositionSide
from terminal_app.core.instruments import Product

T = TypeVar("T")


def display_decimal(value: Any) -> Decimal | None:
    """A number as the exchange shows it to people: ``"$12,376.16"``, ``"56.12%"``, ``"-14.13"``; ``None`` if absent
    or not a number (a hidden value like ``"****"``)."""
    if value is None:
        return None
    raw = (value if isinstance(value, str) else str(value)).replace("$", "").replace(",", "").replace("%", "").strip()
    if not raw:
        return None
    try:
        result = Decimal(raw)
    except InvalidOperation:
        return None
    return result if result.is_finite() else None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """A page of a list answer with the exchange's cursor: pass ``end_id`` back for the next (older) page."""

    items: tuple[T, ...]
    end_id: str | None

    def __len__(self) -> int:
        return len(self.items)


# --- futures tracking orders ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FuturesTrack:
    """One futures tracking order (a copied or copyable position slice), from any of:

    trader ``order-current-track`` / ``order-history-track``, follower ``query-current-orders`` /
    ``query-history-orders`` and broker ``query-current-traces`` / ``query-history-traces``. Fields a page does not
    send are ``None``. Fees keep the exchange's sign.

    ``trader_tracking_no``, ``trader_price`` and ``copy_delay_ms`` (the trader's order this copy follows, its fill
    price and the delay of the copy) are sent by the simulator only (``traderTrackingNo``, ``traderOpenPriceAvg``,
    ``copyDelayMs``); against Bitget they are ``None`` and a copy is matched to the trader's order by symbol and time.
    """

    tracking_no: str
    symbol: str
    pos_side: PositionSide
    open_leverage: Decimal
    open_price: Decimal
    open_size: Decimal
    open_time: int | None
    open_order_id: str | None = None
    open_fee: Decimal | None = None
    product_type: Product | None = None
    trader_id: str | None = None
    trader_name: str | None = None
    margin_mode: MarginMode | None = None
    margin: Decimal | None = None
    stop_surplus_price: Decimal | None = None
    stop_loss_price: Decimal | None = None
    follow_count: int | None = None
    close_order_id: str | None = None
    close_price: Decimal | None = None
    close_size: Decimal | None = None
    close_time: int | None = None
    close_fee: Decimal | None = None
    achieved_pl: Decimal | None = None
    net_profit: Decimal | None = None
    profit_rate: Decimal | None = None
    stop_type: str | None = None
    c_time: int | None = None
    trader_tracking_no: str | None = None
    trader_price: Decimal | None = None
    copy_delay_ms: int | None = None

    @property
    def is_closed(self) -> bool:
        return self.close_time is not None


@dataclass(frozen=True, slots=True)
class ClosedTrack:
    """Trader ``order-close-positions``: one tracking order that was closed."""

    tracking_no: str
    symbol: str
    product_type: Product | None


@dataclass(frozen=True, slots=True)
class RatePoint:
    """One point of a trader's ROI (``value`` = rate in %) or profit (``value`` = USDT) series."""

    ts: int
    value: Decimal


@dataclass(frozen=True, slots=True)
class TraderSummary:
    """``order-total-detail`` (futures and spot trader). Rates are in % (``roi`` 19.38 = +19.38 %).

    ``gain_num``/``loss_num`` are counts of profitable/losing trades; ``total_pl`` is read from the exchange's display
    text (``"$46.95"``). ``max_follower_num`` is sent by the spot page only.
    """

    roi: Decimal | None
    trading_order_num: int
    total_follower_num: int
    current_follower_num: int
    total_pl: Decimal | None
    gain_num: int
    loss_num: int
    win_rate: Decimal | None
    total_equity: Decimal | None
    trading_pairs: tuple[str, ...]
    last_week_roi: tuple[RatePoint, ...]
    last_week_profit: tuple[RatePoint, ...]
    last_month_roi: tuple[RatePoint, ...]
    last_month_profit: tuple[RatePoint, ...]
    max_follower_num: int | None = None


@dataclass(frozen=True, slots=True)
class CoinProfit:
    """Profit share per settlement coin: ``profit_count`` in total, last paid at ``last_profit_time``; the spot page
    adds the history by date."""

    coin: str
    profit_count: Decimal
    last_profit_time: int | None
    by_date: tuple[RatePoint, ...] = ()


@dataclass(frozen=True, slots=True)
class ProfitSummary:
    """``profit-history-summarys`` (futures) / ``profit-summarys`` (spot): profit share received by an elite trader.
    ``wait_profit`` is what is still to be shared."""

    yesterday_profit: Decimal
    yesterday_time: int | None
    sum_profit: Decimal
    wait_profit: Decimal
    coins: tuple[CoinProfit, ...]


@dataclass(frozen=True, slots=True)
class ProfitShare:
    """One profit-share record. History pages (``profit-history-details``) carry ``profit_id`` and ``profit_time``;
    the pending page (``profit-details``) does not. ``name`` is the follower's alias (``nickName``/``followerName``),
    ``distribute_ratio`` in % (spot pages)."""

    coin: str
    profit: Decimal
    name: str | None
    profit_id: str | None = None
    profit_time: int | None = None
    distribute_ratio: Decimal | None = None


@dataclass(frozen=True, slots=True)
class TraderSymbolSetting:
    """``config-query-symbols``: a symbol the elite trader may lead (``open_trader``) with its TP/SL ratios in %."""

    symbol: str
    open_trader: bool
    min_open_count: Decimal | None
    max_leverage: Decimal | None
    stop_surplus_ratio: Decimal | None
    stop_loss_ratio: Decimal | None


@dataclass(frozen=True, slots=True)
class CopyFollower:
    """``config-query-followers``: one follower of the elite trader; ``removable`` if the exchange allows it."""

    follower_uid: str
    follower_name: str
    account_equity: Decimal | None
    removable: bool
    follower_time: int | None
    head_pic: str | None = None


@dataclass(frozen=True, slots=True)
class SpotTraderSettings:
    """Spot trader ``config-query-settings``. ``symbols``: (symbol, enabled, min open count); ``quotas``: (symbol,
    max single order quote size, remaining quote size)."""

    enable: bool
    show_equity: bool
    show_assets_map: bool
    remove_limit_usdt: Decimal | None
    symbols: tuple[tuple[str, bool, Decimal | None], ...]
    quotas: tuple[tuple[str, Decimal | None, Decimal | None], ...]


@dataclass(frozen=True, slots=True)
class MyTrader:
    """Follower ``query-traders`` (futures: bare list; spot: ``{resultList}``): an elite trader the user follows.

    ``trace_total_margin``: total opening margin (futures) or opening value (spot ``traceTotalAmount``), USDT.
    """

    trader_id: str
    trader_name: str
    certification: str | None
    max_follow_limit: int | None
    follow_count: int | None
    trace_total_margin: Decimal | None
    trace_total_net_profit: Decimal | None
    trace_total_profit: Decimal | None
    current_trading_pairs: tuple[str, ...]
    follower_time: int | None
    bgb_max_follow_limit: int | None = None
    bgb_follow_count: int | None = None


@dataclass(frozen=True, slots=True)
class FollowSetting:
    """Per-symbol futures copy settings (``mix-follower/settings`` request, ``query-settings`` answer).

    ``trace_type``: ``percent`` (``trace_value`` × the trader's size; 1 = same as the trader), ``amount`` (a fixed
    margin in USDT per copied order) or ``count`` (a fixed size per copied order). ``lever_type``: ``trader`` (the
    trader's leverage), ``specify`` (``long_leverage``/``short_leverage``) or ``position`` (your current leverage).
    ``margin_type``: ``trader`` or ``specify``. ``max_hold_size``: cap on the copied size held in the symbol.
    TP/SL ratios are in % of margin (200 = take profit at +200 % ROE).
    """

    symbol: str
    trace_type: str
    trace_value: Decimal
    product_type: Product = Product.USDT_FUTURES
    margin_type: str = "trader"
    margin_coin: str = "USDT"
    lever_type: str = "trader"
    long_leverage: Decimal | None = None
    short_leverage: Decimal | None = None
    max_hold_size: Decimal | None = None
    stop_surplus_ratio: Decimal | None = None
    stop_loss_ratio: Decimal | None = None


@dataclass(frozen=True, slots=True)
class FollowSettings:
    """Futures follower ``query-settings``: whether the user follows the trader, and the per-symbol settings."""

    following: bool
    details: tuple[FollowSetting, ...]


@dataclass(frozen=True, slots=True)
class QuantityLimit:
    """``query-quantity-limit``: the size one copied order may have in ``symbol`` (base coin)."""

    symbol: str
    min_follow_size: Decimal
    max_follow_size: Decimal


@dataclass(frozen=True, slots=True)
class BrokerTrader:
    """Broker ``query-traders``: one elite trader of the public list.

    ``columns`` keeps the exchange's display columns as sent (``describe`` → ``value``, e.g. ``"AUM" → "$50,079.15"``,
    language per ``languageType``); the properties read the English ones.
    """

    trader_id: str
    trader_name: str
    can_follow: bool | None
    max_limit: int | None
    follow_count: int | None
    total_followers: int | None
    profit_count: int | None
    loss_count: int | None
    current_trading: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]
    total_equity: Decimal | None = None
    bgb_max_follow_limit: int | None = None
    bgb_follow_count: int | None = None
    trader_status: str | None = None
    is_my_trader: bool | None = None

    def column(self, *names: str) -> Decimal | None:
        """The first column whose describe matches one of ``names`` (case-insensitive), as a number."""
        wanted = [n.lower() for n in names]
        for describe, value in self.columns:
            if describe.lower() in wanted:
                return display_decimal(value)
        return None

    @property
    def roi(self) -> Decimal | None:
        return self.column("ROI")

    @property
    def total_pnl(self) -> Decimal | None:
        return self.column("Total PnL", "Total P/L", "Total P/L 3W")

    @property
    def aum(self) -> Decimal | None:
        return self.column("AUM")

    @property
    def max_drawdown(self) -> Decimal | None:
        return self.column("Max drawdown", "MDD")

    @property
    def win_rate(self) -> Decimal | None:
        return self.column("Last 3W win rate", "Win rate 3W", "Win rate")


@dataclass(frozen=True, slots=True)
class SpotTrack:
    """One spot tracking order (a copied buy), from the spot trader's or follower's current/history pages.

    Current: ``buy_*`` and ``unrealized_*``; history: ``fill_size``, ``sell_*``, ``achieved_*``. Ratios are in %.
    """

    tracking_no: str
    symbol: str
    buy_price: Decimal
    buy_time: int | None
    buy_fee: Decimal | None
    buy_fill_size: Decimal | None = None
    buy_delegate_size: Decimal | None = None
    order_id: str | None = None
    trader_id: str | None = None
    unrealized_pl: Decimal | None = None
    unrealized_plr: Decimal | None = None
    stop_surplus_price: Decimal | None = None
    stop_loss_price: Decimal | None = None
    follow_count: int | None = None
    fill_size: Decimal | None = None
    sell_price: Decimal | None = None
    sell_time: int | None = None
    sell_fee: Decimal | None = None
    achieved_pl: Decimal | None = None
    achieved_plr: Decimal | None = None
    net_profit: Decimal | None = None

    @property
    def size(self) -> Decimal:
        return self.buy_fill_size if self.buy_fill_size is not None else (self.fill_size or Decimal(0))


@dataclass(frozen=True, slots=True)
class SpotFollowSetting:
    """Spot follower settings of one symbol (request and ``tradeSettingList`` answer). Ratios in %."""

    symbol: str
    trace_type: str
    trace_value: Decimal | None
    max_hold_size: Decimal | None
    stop_surplus_ratio: Decimal | None = None
    stop_loss_ratio: Decimal | None = None


@dataclass(frozen=True, slots=True)
class SpotFollowSettings:
    """Spot follower ``query-settings``. ``symbol_limits`` keeps the exchange's per-symbol bounds (min/max trace
    amount, size, ratio, TP/SL ratios) as Decimals keyed by the exchange's names."""

    following: bool
    trader_name: str | None
    profit_rate: Decimal | None
    settled_in_days: int | None
    settings: tuple[SpotFollowSetting, ...]
    symbol_limits: tuple[tuple[str, tuple[tuple[str, Decimal | None], ...]], ...]
