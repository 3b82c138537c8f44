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
from typing import Any

from terminal_app.bitget.models.fields import (
    Fields,
    as_list,
    as_mapping,
    end_id,
    fail,
    inner_list,
    parse_list,
    text,
)
from terminal_app.bitget.models.mapping import MARGIN_MODE_FROM_WIRE, POSITION_SIDE_FROM_WIRE, product_from_wire
from terminal_app.core.copy_trading import (
    BrokerTrader,
    ClosedTrack,
    CoinProfit,
    CopyFollower,
    FollowSetting,
    FollowSettings,
    FuturesTrack,
    MyTrader,
    Page,
    ProfitShare,
    ProfitSummary,
    QuantityLimit,
    RatePoint,
    SpotFollowSetting,
    SpotFollowSettings,
    SpotTrack,
    SpotTraderSettings,
    TraderSummary,
    TraderSymbolSetting,
    display_decimal,
)
from terminal_app.core.enums import PositionSide
from terminal_app.core.instruments import Product


def _product_type(f: Fields) -> Product | None:
    value = f.opt_text("productType")
    if value is None:
        return None
    try:
        return product_from_wire(value)
    except ValueError:
        fail(f.kind, f"unknown productType {value!r}")


def _pos_side(f: Fields) -> PositionSide:
    side = f.enum(("posSide", "holdSide"), POSITION_SIDE_FROM_WIRE)
    if side is None:
        fail(f.kind, "field 'posSide' names no side")
    return side


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


def futures_track_from(entry: Any) -> FuturesTrack:
    f = Fields(entry, "FuturesTrack")
    close_price = f.opt_dec(("closePriceAvg", "closeAvgPrice"))
    return FuturesTrack(
        tracking_no=f.text("trackingNo"),
        symbol=f.symbol("symbol"),
        pos_side=_pos_side(f),
        open_leverage=f.dec("openLeverage", "0"),
        open_price=f.dec(("openPriceAvg", "openAvgPrice")),
        open_size=f.dec("openSize"),
        open_time=f.opt_ms("openTime"),
        open_order_id=f.opt_text("openOrderId"),
        open_fee=f.opt_dec("openFee"),
        product_type=_product_type(f),
        trader_id=f.opt_text("traderId"),
        trader_name=f.opt_text("traderName"),
        margin_mode=f.opt_enum("marginMode", MARGIN_MODE_FROM_WIRE),
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


def _points(f: Fields, key: str, value_key: str) -> tuple[RatePoint, ...]:
    out = []
    for entry in f.seq(key):
        g = Fields(entry, f"{f.kind}.{key}")
        out.append(RatePoint(g.ms(("ctime", "cTime")), g.dec(value_key)))
    return tuple(sorted(out, key=lambda p: p.ts))


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


def parse_trader_symbol_settings(data: Any) -> list[TraderSymbolSetting]:
    def item(entry: Any) -> TraderSymbolSetting:
        f = Fields(entry, "TraderSymbolSetting")
        return TraderSymbolSetting(f.symbol("symbol"), bool(f.yes_no("openTrader")), f.opt_dec("minOpenCount"),
                                   f.opt_dec("maxLeverage"), f.opt_dec("stopSurplusRatio"), f.opt_dec("stopLossRatio"))

    return parse_list(data, "TraderSymbolSettings", item)


def parse_copy_followers(data: Any) -> list[CopyFollower]:
    def item(entry: Any) -> CopyFollower:
        f = Fields(entry, "CopyFollower")
        return CopyFollower(f.text("followerUid"), f.text("followerName", ""), f.opt_dec("accountEquity"),
                            bool(f.yes_no("isRemove")), f.opt_ms("followerTime"), f.opt_text("followerHeadPic"))

    return [item(e) for e in inner_list(data, "resultList", "CopyFollowers")]


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


def parse_follow_settings(data: Any) -> FollowSettings:
    f = Fields(data, "FollowSettings")
    key = "detailList" if "detailList" in f.data else "details"
    return FollowSettings(bool(f.yes_no("followerEnable")), tuple(follow_setting_from(e) for e in f.seq(key)))


def parse_quantity_limits(data: Any) -> list[QuantityLimit]:
    def item(entry: Any) -> QuantityLimit:
        f = Fields(entry, "QuantityLimit")
        return QuantityLimit(f.symbol("symbol"), f.dec("minFollowSize"), f.dec("maxFollowSize"))

    return parse_list(data, "QuantityLimits", item)


# --- broker --------------------------------------------------------------------------------------------------------


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
