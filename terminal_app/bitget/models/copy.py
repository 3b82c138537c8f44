"""Copy trading (``/api/v2/copy/...``): tracking orders, traders, followers, settings and profit share.

REST parsers take the unwrapped ``data``. Shapes follow Bitget's copy-trading pages and the samples in
``bitget-samples/copy/``. Quirks handled here:

* the same list comes bare (``data: [...]``) on some pages and wrapped (``{"trackingList": [...], "endId": …}``) on
  others: every list parser accepts both;
* the futures follower's current orders say ``openAvgPrice``/``closeAvgPrice`` while everything else says
  ``openPriceAvg``/``closePriceAvg``; trader history documents both spellings;
* open times of ``"0"`` mean "not closed yet";
* money shown to people arrives formatted (``"$12,376.16"``, ``totalpl: "$46.95"``): :func:`display_decimal` reads it;
* fees keep Bitget's sign (negative = paid), as in the rest of the models.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, TypeVar

from terminal_app.bitget.models.fields import (
    Fields,
    as_list,
    as_mapping,
    end_id,
    fail,
    inner_list,
    norm_margin_mode,
    parse_list,
    text,
)
from terminal_app.bitget.models.mapping import product_from_wire
from terminal_app.core.instruments import Product

T = TypeVar("T")


def display_decimal(value: Any) -> Decimal | None:
    """A number as Bitget shows it to people: ``"$12,376.16"``, ``"56.12%"``, ``"-14.13"``; ``None`` if absent
    or not a number (a hidden value like ``"****"``)."""
    if value is None:
        return None
    raw = text(value).replace("$", "").replace(",", "").replace("%", "").strip()
    if not raw:
        return None
    try:
        result = Decimal(raw)
    except InvalidOperation:
        return None
    return result if result.is_finite() else None


def _product_type(f: Fields) -> Product | None:
    value = f.opt_text("productType")
    if value is None:
        return None
    try:
        return product_from_wire(value)
    except ValueError:
        fail(f.kind, f"unknown productType {value!r}")


def _opt_int(f: Fields, key: str) -> int | None:
    value = f.opt_dec(key)
    return None if value is None else int(value)


def _symbols(values: list[Any]) -> tuple[str, ...]:
    out: list[str] = []
    for value in values:
        if isinstance(value, Mapping):  # broker "currentTradings": [{symbol, productType}]
            value = value.get("symbol")
        symbol = text(value).strip().upper()
        if symbol:
            out.append(symbol)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """A page of a list answer with Bitget's cursor: pass ``end_id`` as ``idLessThan`` for the next (older) page."""

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
    send are ``None``. ``pos_side`` is ``long``/``short``; fees keep Bitget's sign.

    ``trader_tracking_no``, ``trader_price`` and ``copy_delay_ms`` (the trader's order this copy follows, its fill
    price and the delay of the copy) are sent by the simulator only (``traderTrackingNo``, ``traderOpenPriceAvg``,
    ``copyDelayMs``); against Bitget they are ``None`` and a copy is matched to the trader's order by symbol and time.
    """

    tracking_no: str
    symbol: str
    pos_side: str
    open_leverage: Decimal
    open_price: Decimal
    open_size: Decimal
    open_time: int | None
    open_order_id: str | None = None
    open_fee: Decimal | None = None
    product_type: Product | None = None
    trader_id: str | None = None
    trader_name: str | None = None
    margin_mode: str | None = None
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


def futures_track_from(entry: Any) -> FuturesTrack:
    f = Fields(entry, "FuturesTrack")
    close_price = f.opt_dec(("closePriceAvg", "closeAvgPrice"))
    return FuturesTrack(
        tracking_no=f.text("trackingNo"),
        symbol=f.symbol("symbol"),
        pos_side=f.word(("posSide", "holdSide")),
        open_leverage=f.dec("openLeverage", "0"),
        open_price=f.dec(("openPriceAvg", "openAvgPrice")),
        open_size=f.dec("openSize"),
        open_time=f.opt_ms("openTime"),
        open_order_id=f.opt_text("openOrderId"),
        open_fee=f.opt_dec("openFee"),
        product_type=_product_type(f),
        trader_id=f.opt_text("traderId"),
        trader_name=f.opt_text("traderName"),
        margin_mode=norm_margin_mode(f.opt_word("marginMode")),
        margin=f.opt_dec(("openMarginSz", "marginAmount")),
        stop_surplus_price=f.opt_dec(("presetStopSurplusPrice", "stopSurplusPrice")),
        stop_loss_price=f.opt_dec(("presetStopLossPrice", "stopLossPrice")),
        follow_count=_opt_int(f, "followCount"),
        close_order_id=f.opt_text("closeOrderId"),
        close_price=close_price if close_price else None,
        close_size=f.opt_dec("closeSize"),
        close_time=f.opt_ms("closeTime"),
        close_fee=f.opt_dec("closeFee"),
        achieved_pl=f.opt_dec("achievedPL"),
        net_profit=f.opt_dec("netProfit"),
        profit_rate=f.opt_dec("profitRate"),
        stop_type=f.opt_word("stopType"),
        c_time=f.opt_ms("cTime"),
        trader_tracking_no=f.opt_text("traderTrackingNo"),
        trader_price=f.opt_dec("traderOpenPriceAvg"),
        copy_delay_ms=_opt_int(f, "copyDelayMs"),
    )


def parse_futures_tracks(data: Any) -> Page[FuturesTrack]:
    """Futures tracking orders of any copy page (bare list or ``{trackingList, endId}``) as a :class:`Page` of
    :class:`FuturesTrack`."""
    items = inner_list(data, "trackingList", "FuturesTracks")
    return Page(tuple(futures_track_from(e) for e in items), end_id(data))


@dataclass(frozen=True, slots=True)
class ClosedTrack:
    """Trader ``order-close-positions``: one tracking order that was closed."""

    tracking_no: str
    symbol: str
    product_type: Product | None


def parse_closed_tracks(data: Any) -> list[ClosedTrack]:
    def item(entry: Any) -> ClosedTrack:
        f = Fields(entry, "ClosedTrack")
        return ClosedTrack(f.text("trackingNo"), f.symbol("symbol"), _product_type(f))

    return parse_list(data, "ClosedTracks", item)


def parse_order_id_list(data: Any) -> list[str]:
    """Follower ``close-positions``: ``{"orderIdList": [...]}`` (a bare list is accepted too)."""
    if isinstance(data, list):
        values = data
    elif data is None:
        values = []
    else:
        values = as_list(as_mapping(data, "OrderIdList").get("orderIdList"), "OrderIdList")
    return [text(v) for v in values if text(v)]


def parse_success(data: Any) -> bool:
    """Copy POSTs answer ``"success"``/``"fail"`` or an empty string (spot: success is the ``00000`` code)."""
    if data is None or data == "":
        return True
    if isinstance(data, bool):
        return data
    if isinstance(data, str):
        return data.strip().lower() not in ("fail", "failure", "false")
    return True


# --- trader summaries and profit share -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RatePoint:
    """One point of a trader's ROI (``value`` = rate in %) or profit (``value`` = USDT) series."""

    ts: int
    value: Decimal


def _points(f: Fields, key: str, value_key: str) -> tuple[RatePoint, ...]:
    out = []
    for entry in f.seq(key):
        g = Fields(entry, f"{f.kind}.{key}")
        out.append(RatePoint(g.ms(("ctime", "cTime")), g.dec(value_key)))
    return tuple(sorted(out, key=lambda p: p.ts))


@dataclass(frozen=True, slots=True)
class TraderSummary:
    """``order-total-detail`` (futures and spot trader). Rates are in % (``roi`` 19.38 = +19.38 %).

    ``gain_num``/``loss_num`` are counts of profitable/losing trades; ``total_pl`` is read from Bitget's display
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


def parse_trader_summary(data: Any) -> TraderSummary:
    f = Fields(data, "TraderSummary")
    return TraderSummary(
        roi=display_decimal(f.any("roi")),
        trading_order_num=int(f.dec("tradingOrderNum", "0")),
        total_follower_num=int(f.dec("totalFollowerNum", "0")),
        current_follower_num=int(f.dec("currentFollowerNum", "0")),
        total_pl=display_decimal(f.any("totalpl")),
        gain_num=int(f.dec("gainNum", "0")),
        loss_num=int(f.dec("lossNum", "0")),
        win_rate=display_decimal(f.any("winRate")),
        total_equity=display_decimal(f.any("totalEquity")),
        trading_pairs=_symbols(f.seq("tradingPairsAvailableList")),
        last_week_roi=_points(f, "lastWeekRoiList", "rate"),
        last_week_profit=_points(f, "lastWeekProfitList", "amount"),
        last_month_roi=_points(f, "lastMonthRoiList", "rate"),
        last_month_profit=_points(f, "lastMonthProfitList", "amount"),
        max_follower_num=_opt_int(f, "maxFollowerNum"),
    )


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


def parse_profit_summary(data: Any) -> ProfitSummary:
    f = Fields(data, "ProfitSummary")
    summary = Fields(f.any("profitSummary") or f.any("profitSummarys") or {}, "ProfitSummary.profitSummary")
    coins = []
    for entry in f.seq("profitHistoryList"):
        g = Fields(entry, "ProfitSummary.profitHistoryList")
        dated = [Fields(e, "ProfitSummary.historysByDateList") for e in g.seq("historysByDateList")]
        by_date = tuple(sorted((RatePoint(d.ms("profitTime"), d.dec("profit")) for d in dated), key=lambda p: p.ts))
        coins.append(CoinProfit(g.text("coin").upper(), g.dec("profitCount", "0"), g.opt_ms("lastProfitTime"),
                                by_date))
    return ProfitSummary(
        yesterday_profit=summary.dec("yesterdayProfit", "0"),
        yesterday_time=summary.opt_ms("yesterdayTime"),
        sum_profit=summary.dec("sumProfit", "0"),
        wait_profit=summary.dec("waitProfit", "0"),
        coins=tuple(coins),
    )


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


def _profit_share(entry: Any) -> ProfitShare:
    f = Fields(entry, "ProfitShare")
    return ProfitShare(coin=f.text("coin").upper(), profit=f.dec("profit", "0"),
                       name=f.opt_text(("nickName", "followerName")), profit_id=f.opt_text("profitId"),
                       profit_time=f.opt_ms("profitTime"), distribute_ratio=f.opt_dec("distributeRatio"))


def parse_profit_history(data: Any) -> Page[ProfitShare]:
    """``profit-history-details``: a :class:`Page` of :class:`ProfitShare` (``{profitList, endId}``)."""
    items = inner_list(data, "profitList", "ProfitHistory")
    return Page(tuple(_profit_share(e) for e in items), end_id(data))


def parse_profit_shares(data: Any) -> list[ProfitShare]:
    """``profit-details`` (pending share): a bare list (or ``{profitList}``)."""
    return [_profit_share(e) for e in inner_list(data, "profitList", "ProfitShares")]


def parse_profits_by_date(data: Any) -> list[ProfitShare]:
    """``profits-group-coin-date``: ``[{coin, profit, profitTime}]``."""
    return [_profit_share(e) for e in inner_list(data, "profitList", "ProfitsByDate")]


# --- trader settings and followers ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TraderSymbolSetting:
    """``config-query-symbols``: a symbol the elite trader may lead (``open_trader``) with its TP/SL ratios in %."""

    symbol: str
    open_trader: bool
    min_open_count: Decimal | None
    max_leverage: Decimal | None
    stop_surplus_ratio: Decimal | None
    stop_loss_ratio: Decimal | None


def parse_trader_symbol_settings(data: Any) -> list[TraderSymbolSetting]:
    def item(entry: Any) -> TraderSymbolSetting:
        f = Fields(entry, "TraderSymbolSetting")
        return TraderSymbolSetting(f.symbol("symbol"), bool(f.yes_no("openTrader")), f.opt_dec("minOpenCount"),
                                   f.opt_dec("maxLeverage"), f.opt_dec("stopSurplusRatio"), f.opt_dec("stopLossRatio"))

    return parse_list(data, "TraderSymbolSettings", item)


@dataclass(frozen=True, slots=True)
class CopyFollower:
    """``config-query-followers``: one follower of the elite trader. ``removable``: Bitget allows removing them."""

    follower_uid: str
    follower_name: str
    account_equity: Decimal | None
    removable: bool
    follower_time: int | None
    head_pic: str | None = None


def parse_copy_followers(data: Any) -> list[CopyFollower]:
    def item(entry: Any) -> CopyFollower:
        f = Fields(entry, "CopyFollower")
        return CopyFollower(f.text("followerUid"), f.text("followerName", ""), f.opt_dec("accountEquity"),
                            bool(f.yes_no("isRemove")), f.opt_ms("followerTime"), f.opt_text("followerHeadPic"))

    return [item(e) for e in inner_list(data, "resultList", "CopyFollowers")]


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


def parse_spot_trader_settings(data: Any) -> SpotTraderSettings:
    f = Fields(data, "SpotTraderSettings")
    symbols = []
    for entry in f.seq("traceSymbolList"):
        g = Fields(entry, "SpotTraderSettings.traceSymbolList")
        symbols.append((g.symbol("symbol"), bool(g.yes_no("enable")), g.opt_dec("minOpenCount")))
    quotas = []
    for entry in f.seq("spotInfoList"):
        g = Fields(entry, "SpotTraderSettings.spotInfoList")
        quotas.append((g.symbol("symbol"), g.opt_dec("maxQuoteSize"), g.opt_dec("surplusQuoteSize")))
    return SpotTraderSettings(bool(f.yes_no("enable")), bool(f.yes_no("showEquity")),
                              bool(f.yes_no("showAssetsMap")), f.opt_dec("removeLimitUsdt"), tuple(symbols),
                              tuple(quotas))


# --- follower ------------------------------------------------------------------------------------------------------


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


def parse_my_traders(data: Any) -> list[MyTrader]:
    def item(entry: Any) -> MyTrader:
        f = Fields(entry, "MyTrader")
        return MyTrader(
            trader_id=f.text("traderId"),
            trader_name=f.text("traderName", ""),
            certification=f.opt_text("certificationType"),
            max_follow_limit=_opt_int(f, "maxFollowLimit"),
            follow_count=_opt_int(f, "followCount"),
            trace_total_margin=f.opt_dec(("traceTotalMarginAmount", "traceTotalAmount")),
            trace_total_net_profit=f.opt_dec("traceTotalNetProfit"),
            trace_total_profit=f.opt_dec("traceTotalProfit"),
            current_trading_pairs=_symbols(f.seq("currentTradingPairs")),
            follower_time=f.opt_ms("followerTime"),
            bgb_max_follow_limit=_opt_int(f, "bgbMaxFollowLimit"),
            bgb_follow_count=_opt_int(f, "bgbFollowCount"),
        )

    return [item(e) for e in inner_list(data, "resultList", "MyTraders")]


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


def follow_setting_from(entry: Any) -> FollowSetting:
    f = Fields(entry, "FollowSetting")
    return FollowSetting(
        symbol=f.symbol("symbol"),
        trace_type=f.word("traceType"),
        trace_value=f.dec("traceValue"),
        product_type=_product_type(f) or Product.USDT_FUTURES,
        margin_type=f.word("marginType", "trader"),
        margin_coin=f.text("marginCoin", "USDT").upper(),
        lever_type=f.word("leverType", "trader"),
        long_leverage=f.opt_dec("longLeverage"),
        short_leverage=f.opt_dec("shortLeverage"),
        max_hold_size=f.opt_dec("maxHoldSize"),
        stop_surplus_ratio=f.opt_dec("stopSurplusRatio"),
        stop_loss_ratio=f.opt_dec("stopLossRatio"),
    )


@dataclass(frozen=True, slots=True)
class FollowSettings:
    """Futures follower ``query-settings``: whether the user follows the trader, and the per-symbol settings."""

    following: bool
    details: tuple[FollowSetting, ...]


def parse_follow_settings(data: Any) -> FollowSettings:
    f = Fields(data, "FollowSettings")
    key = "detailList" if "detailList" in f.data else "details"
    return FollowSettings(bool(f.yes_no("followerEnable")), tuple(follow_setting_from(e) for e in f.seq(key)))


@dataclass(frozen=True, slots=True)
class QuantityLimit:
    """``query-quantity-limit``: the size one copied order may have in ``symbol`` (base coin)."""

    symbol: str
    min_follow_size: Decimal
    max_follow_size: Decimal


def parse_quantity_limits(data: Any) -> list[QuantityLimit]:
    def item(entry: Any) -> QuantityLimit:
        f = Fields(entry, "QuantityLimit")
        return QuantityLimit(f.symbol("symbol"), f.dec("minFollowSize"), f.dec("maxFollowSize"))

    return parse_list(data, "QuantityLimits", item)


# --- broker --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BrokerTrader:
    """Broker ``query-traders``: one elite trader of the public list.

    ``columns`` keeps Bitget's display columns as sent (``describe`` → ``value``, e.g. ``"AUM" → "$50,079.15"``,
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


def parse_broker_traders(data: Any) -> list[BrokerTrader]:
    def item(entry: Any) -> BrokerTrader:
        f = Fields(entry, "BrokerTrader")
        columns = []
        for column in f.seq("columnList"):
            g = Fields(column, "BrokerTrader.columnList")
            columns.append((g.text("describe", ""), g.text("value", "")))
        trading = f.seq("currentTradingList") or f.seq("currentTradings")
        return BrokerTrader(
            trader_id=f.text("traderId"),
            trader_name=f.text("traderName", ""),
            can_follow=f.yes_no(("canTrace", "isTrace")),
            max_limit=_opt_int(f, "maxLimit"),
            follow_count=_opt_int(f, "followCount"),
            total_followers=_opt_int(f, "totalFollowers"),
            profit_count=_opt_int(f, "profitCount"),
            loss_count=_opt_int(f, "lossCount"),
            current_trading=_symbols(trading),
            columns=tuple(columns),
            total_equity=display_decimal(f.any("totalEquity")),
            bgb_max_follow_limit=_opt_int(f, "bgbMaxFollowLimit"),
            bgb_follow_count=_opt_int(f, "bgbFollowCount"),
            trader_status=f.opt_text("traderStatus"),
            is_my_trader=f.yes_no("isMyTrader"),
        )

    return [item(e) for e in inner_list(data, "resultList", "BrokerTraders")]


# --- spot copy -----------------------------------------------------------------------------------------------------


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


def spot_track_from(entry: Any) -> SpotTrack:
    f = Fields(entry, "SpotTrack")
    return SpotTrack(
        tracking_no=f.text("trackingNo"),
        symbol=f.symbol("symbol"),
        buy_price=f.dec("buyPrice"),
        buy_time=f.opt_ms("buyTime"),
        buy_fee=f.opt_dec("buyFee"),
        buy_fill_size=f.opt_dec("buyFillSize"),
        buy_delegate_size=f.opt_dec("buyDelegateSize"),
        order_id=f.opt_text("orderId"),
        trader_id=f.opt_text("traderId"),
        unrealized_pl=f.opt_dec("unrealizedPL"),
        unrealized_plr=f.opt_dec("unrealizedPLR"),
        stop_surplus_price=f.opt_dec("stopSurplusPrice"),
        stop_loss_price=f.opt_dec("stopLossPrice"),
        follow_count=_opt_int(f, "followCount"),
        fill_size=f.opt_dec("fillSize"),
        sell_price=f.opt_dec("sellPrice"),
        sell_time=f.opt_ms("sellTime"),
        sell_fee=f.opt_dec("sellFee"),
        achieved_pl=f.opt_dec("achievedPL"),
        achieved_plr=f.opt_dec("achievedPLR"),
        net_profit=f.opt_dec("netProfit"),
    )


def parse_spot_tracks(data: Any) -> Page[SpotTrack]:
    """Spot tracking orders (``{trackingList, endId}`` or a bare list) as a :class:`Page` of :class:`SpotTrack`."""
    items = inner_list(data, "trackingList", "SpotTracks")
    return Page(tuple(spot_track_from(e) for e in items), end_id(data))


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
    """Spot follower ``query-settings``. ``symbol_limits`` keeps Bitget's per-symbol bounds (min/max trace amount,
    size, ratio, TP/SL ratios) as Decimals keyed by Bitget's field names."""

    following: bool
    trader_name: str | None
    profit_rate: Decimal | None
    settled_in_days: int | None
    settings: tuple[SpotFollowSetting, ...]
    symbol_limits: tuple[tuple[str, tuple[tuple[str, Decimal | None], ...]], ...]


def parse_spot_follow_settings(data: Any) -> SpotFollowSettings:
    f = Fields(data, "SpotFollowSettings")
    settings = []
    for entry in f.seq("tradeSettingList"):
        g = Fields(entry, "SpotFollowSettings.tradeSettingList")
        settings.append(SpotFollowSetting(
            symbol=g.symbol("symbol"), trace_type=g.word("traceType", ""), trace_value=g.opt_dec("traceValue"),
            max_hold_size=g.opt_dec(("maxTraceAmount", "maxHoldSize")),
            stop_surplus_ratio=g.opt_dec(("stopSurplusRation", "stopSurplusRatio")),
            stop_loss_ratio=g.opt_dec(("stopLossRation", "stopLossRatio"))))
    limits = []
    for entry in f.seq("tradeSymbolSettingList"):
        g = Fields(entry, "SpotFollowSettings.tradeSymbolSettingList")
        values = tuple((k, g.opt_dec(k)) for k in sorted(g.data) if k != "symbol")
        limits.append((g.symbol("symbol"), values))
    return SpotFollowSettings(bool(f.yes_no("enable")), f.opt_text("traderName"), f.opt_dec("profitRate"),
                              _opt_int(f, "settledInDays"), tuple(settings), tuple(limits))


def parse_trading_symbols(data: Any) -> list[str]:
    """Spot follower ``query-trader-symbols``: ``{"currentTradingList": [...]}``."""
    if isinstance(data, list):
        return list(_symbols(data))
    return list(_symbols(inner_list(data, "currentTradingList", "TradingSymbols")))
