"""Copy-trading endpoints of a follower (``/api/v2/copy/mix-follower/...`` and ``spot-follower/...``) and of a
broker (``mix-broker/...``: the trader list and any trader's tracking orders). The broker trader list accepts the
simulator's ``period`` (``7d``/``30d``/``90d``/``all``) for its columns."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from terminal_app.bitget.models.mapping import wire_product
from terminal_app.bitget.paths import CopyPaths as P
from terminal_app.core.instruments import Product
from terminal_app.sim.copy.engine import CopyEngine
from terminal_app.sim.copy.state import FOLLOWER, FUTURES_MARKET, SPOT_MARKET, RankedTrader, Trader
from terminal_app.sim.copy.traders import TraderStats
from terminal_app.sim.market.markets import find_market
from terminal_app.sim.market.price import DAY_MS
from terminal_app.sim.server.copy_params import (
    CopyHandlers,
    follow_setting,
    futures_symbol,
    page_rows,
    page_tracks,
    settings_list,
    spot_setting,
    spot_symbol,
    switch_on,
    tpsl,
    tracking_list,
)
from terminal_app.sim.server.copy_render import (
    Json,
    broker_trace,
    follower_current,
    follower_history,
    money,
    opt,
    pct,
    spot_current,
    spot_history,
    time_text,
    yes,
)
from terminal_app.sim.server.render import num
from terminal_app.sim.server.routes import Call, Handler, reject

PERIODS = {"7d": 7, "30d": 30, "90d": 90, "all": None}


class FollowerRoutes(CopyHandlers):
    """The follower's side of copy trading, futures and spot."""

    def follower_current_orders(self, call: Call) -> Any:
        e = self._e()
        tracks = e.tracks_of(call.uid, role=FOLLOWER, symbol=futures_symbol(call), trader_id=call.opt("traderId"))
        page, end = page_tracks(call, tracks, default=20, maximum=100)
        # {trackingList, endId}, trackingList null when empty: typed-bitget's live capture (Bitget's page shows a
        # bare list; the client reads both)
        return {"trackingList": [follower_current(e, t) for t in page] or None, "endId": end if page else None}

    def follower_history_orders(self, call: Call) -> Any:
        e = self._e()
        tracks = e.tracks_of(call.uid, role=FOLLOWER, open_=False, symbol=futures_symbol(call),
                             trader_id=call.opt("traderId"))
        page, end = page_tracks(call, tracks, default=20, maximum=100)
        return {"trackingList": [follower_history(t) for t in page], "endId": end}

    def follower_setting_tpsl(self, call: Call) -> Any:
        e = self._e()
        futures_symbol(call)
        tp, sl = tpsl(call)
        e.set_tpsl(call.uid, call.req("trackingNo"), tp, sl, role=FOLLOWER)
        return "success"

    def follower_settings(self, call: Call) -> Any:
        e = self._e()
        settings = [follow_setting(entry) for entry in settings_list(call, 10)]
        mode = (call.opt("mode") or "advanced").lower()
        if mode not in ("basic", "advanced"):
            raise reject("40017", "Parameter mode error")
        e.follow(call.uid, call.req("traderId"), settings, auto_copy=switch_on(call.opt("autoCopy")), mode=mode)
        return "success"

    def follower_query_settings(self, call: Call) -> Any:
        e = self._e()
        trader_id = call.req("traderId")
        e.trader(trader_id)
        follow = e.follow_of(call.uid, trader_id)
        details = []
        for s in (follow.settings.values() if follow else ()):
            details.append({
                "symbol": s.symbol, "productType": wire_product(s.product_type), "marginType": s.margin_type,
                "marginCoin": s.margin_coin, "leverType": s.lever_type,
                "longLeverage": opt(s.long_leverage) or "", "shortLeverage": opt(s.short_leverage) or "",
                "traceType": s.trace_type, "traceValue": num(s.trace_value),
                "maxHoldSize": opt(s.max_hold_size) or "", "stopSurplusRatio": opt(s.stop_surplus_ratio) or "",
                "stopLossRatio": opt(s.stop_loss_ratio) or ""})
        return {"followerEnable": yes(follow is not None), "detailList": details}

    def follower_close_positions(self, call: Call) -> Any:
        e = self._e()
        symbol = futures_symbol(call)
        hold_side = call.word("holdSide", ("long", "short"))
        ids = e.follower_close(call.uid, tracking_no=call.opt("trackingNo"), symbol=symbol, hold_side=hold_side)
        return {"orderIdList": ids}

    def _my_traders(self, call: Call, market: str) -> list[Json]:
        e = self._e()
        rows: list[Json] = []
        start, end = call.integer("startTime"), call.integer("endTime")
        for follow in e.followed(call.uid, market):
            if (start is not None and follow.since_ms < start) or (end is not None and follow.since_ms > end):
                continue
            trader = e.traders[follow.trader_id]
            mine = [t for t in e.tracks.values() if t.owner == call.uid and t.role == FOLLOWER
                    and t.trader_id == trader.trader_id and t.market == market]
            opened = sum((t.margin for t in mine if t.is_open), Decimal(0)) if market == FUTURES_MARKET else sum(
                (t.open_price * t.size for t in mine), Decimal(0))
            gross = sum((t.achieved_pl for t in mine if not t.is_open), Decimal(0))
            net = sum((t.net_profit for t in mine if not t.is_open), Decimal(0))
            row: Json = {
                "certificationType": "Certified" if trader.profile and trader.profile.certified else "Uncertified",
                "traderId": trader.trader_id, "traderName": trader.name,
                "maxFollowLimit": str(e.follower_slots(trader)), "followCount": str(e.follower_count(trader)),
                "traceTotalNetProfit": num(net.quantize(Decimal("0.0001"))),
                "traceTotalProfit": num(gross.quantize(Decimal("0.0001"))), "followerTime": time_text(follow.since_ms),
                "bgbMaxFollowLimit": "", "bgbFollowCount": ""}
            if market == FUTURES_MARKET:
                row["traceTotalMarginAmount"] = num(opened.quantize(Decimal("0.0001")))
                row["currentTradingPairs"] = [s for s, c in trader.symbols.items() if c.open]
            else:
                row["traceTotalAmount"] = num(opened.quantize(Decimal("0.0001")))
            rows.append(row)
        return page_rows(call, rows, 20, 50)

    def follower_query_traders(self, call: Call) -> Any:
        return self._my_traders(call, FUTURES_MARKET)

    def follower_query_quantity_limit(self, call: Call) -> Any:
        e = self._e()
        symbol = futures_symbol(call)
        return [{"maxFollowSize": num(hi), "minFollowSize": num(lo), "symbol": sym}
                for sym, lo, hi in e.quantity_limits(symbol)]

    def follower_cancel_trader(self, call: Call) -> Any:
        e = self._e()
        e.unfollow(call.uid, call.req("traderId"), FUTURES_MARKET)
        return "success"

    def spot_follower_stop_order(self, call: Call) -> Any:
        e = self._e()
        e.spot_stop(call.uid, tracking_list(call))
        return ""

    def spot_follower_settings(self, call: Call) -> Any:
        e = self._e()
        settings = [spot_setting(entry) for entry in settings_list(call, 10)]
        mode = (call.opt("mode") or "advanced").lower()
        e.spot_follow(call.uid, call.req("traderId"), settings, auto_copy=switch_on(call.opt("autoCopy")), mode=mode)
        return ""

    def spot_follower_setting_tpsl(self, call: Call) -> Any:
        e = self._e()
        tp, sl = tpsl(call)
        e.set_tpsl(call.uid, call.req("trackingNo"), tp, sl, role=FOLLOWER, market=SPOT_MARKET)
        return ""

    def spot_follower_query_traders(self, call: Call) -> Any:
        return {"resultList": self._my_traders(call, SPOT_MARKET)}

    def spot_follower_query_trader_symbols(self, call: Call) -> Any:
        e = self._e()
        trader = e.trader(call.req("traderId"))
        return {"currentTradingList": sorted(trader.spot_symbols)}

    def spot_follower_query_settings(self, call: Call) -> Any:
        e = self._e()
        trader = e.trader(call.req("traderId"))
        follow = e.follow_of(call.uid, trader.trader_id, SPOT_MARKET)
        mine = []
        for s in (follow.spot_settings.values() if follow else ()):
            mine.append({"maxTraceAmount": opt(s.max_hold_size) or "", "stopLossRation": opt(s.stop_loss_ratio)
                         or "", "stopSurplusRation": opt(s.stop_surplus_ratio) or "", "symbol": s.symbol,
                         "traceType": s.trace_type, "traceValue": opt(s.trace_value) or ""})
        limits = []
        for symbol in sorted(trader.spot_symbols):
            market = find_market(symbol, Product.SPOT)
            limits.append({"maxStopLossRation": "90", "maxStopSurplusRation": "400", "maxTraceAmount": "50000",
                           "maxTraceAmountSystem": "50000", "maxTraceSize": num(market.lot * 10**8),
                           "maxTraceRation": "10", "minStopLossRation": "1", "minStopSurplusRation": "1",
                           "minTraceAmount": "5", "minTraceSize": num(market.lot), "minTraceRation": "0.01",
                           "sliderMaxStopLossRatio": "90", "sliderMaxStopSurplusRatio": "400", "symbol": symbol})
        return {"enable": yes(follow is not None), "profitRate": pct(trader.share_ratio * 100),
                "settledInDays": str(max(1, (e.now() - trader.since_ms) // DAY_MS + 1)),
                "tradeSettingList": mine, "tradeSymbolSettingList": limits, "traderHeadPic": "",
                "traderName": trader.name}

    def spot_follower_history_orders(self, call: Call) -> Any:
        e = self._e()
        tracks = e.tracks_of(call.uid, role=FOLLOWER, market=SPOT_MARKET, open_=False,
                             symbol=spot_symbol(call), trader_id=call.opt("traderId"))
        page, end = page_tracks(call, tracks, default=20, maximum=50)
        return {"endId": end, "trackingList": [spot_history(t, trader_view=False) for t in page]}

    def spot_follower_current_orders(self, call: Call) -> Any:
        e = self._e()
        tracks = [t for t in e.tracks_of(call.uid, role=FOLLOWER, market=SPOT_MARKET,
                                         symbol=spot_symbol(call), trader_id=call.opt("traderId"))
                  if not t.stopped]
        page, end = page_tracks(call, tracks, default=20, maximum=50)
        return {"endId": end, "trackingList": [spot_current(e, t, trader_view=False) for t in page]}

    def spot_follower_close_tracking(self, call: Call) -> Any:
        e = self._e()
        e.follower_close(call.uid, symbol=call.req("symbol"), market=SPOT_MARKET, tracking_nos=tracking_list(call))
        return ""

    def spot_follower_cancel_trader(self, call: Call) -> Any:
        e = self._e()
        e.unfollow(call.uid, call.req("traderId"), SPOT_MARKET)
        return ""

    # -- the table ---------------------------------------------------------------------------------------------------

    def table(self) -> tuple[list[tuple[str, Handler]], list[tuple[str, Handler]]]:
        get: list[tuple[str, Handler]] = [
            (P.MIX_FOLLOWER_CURRENT_ORDERS, self.follower_current_orders),
            (P.MIX_FOLLOWER_HISTORY_ORDERS, self.follower_history_orders),
            (P.MIX_FOLLOWER_QUERY_SETTINGS, self.follower_query_settings),
            (P.MIX_FOLLOWER_QUERY_TRADERS, self.follower_query_traders),
            (P.MIX_FOLLOWER_QUANTITY_LIMIT, self.follower_query_quantity_limit),
            (P.SPOT_FOLLOWER_QUERY_TRADERS, self.spot_follower_query_traders),
            (P.SPOT_FOLLOWER_TRADER_SYMBOLS, self.spot_follower_query_trader_symbols),
            (P.SPOT_FOLLOWER_QUERY_SETTINGS, self.spot_follower_query_settings),
            (P.SPOT_FOLLOWER_HISTORY_ORDERS, self.spot_follower_history_orders),
            (P.SPOT_FOLLOWER_CURRENT_ORDERS, self.spot_follower_current_orders),
        ]
        post: list[tuple[str, Handler]] = [
            (P.MIX_FOLLOWER_SETTING_TPSL, self.follower_setting_tpsl),
            (P.MIX_FOLLOWER_SETTINGS, self.follower_settings),
            (P.MIX_FOLLOWER_CLOSE_POSITIONS, self.follower_close_positions),
            (P.MIX_FOLLOWER_CANCEL_TRADER, self.follower_cancel_trader),
            (P.SPOT_FOLLOWER_STOP_ORDER, self.spot_follower_stop_order),
            (P.SPOT_FOLLOWER_SETTINGS, self.spot_follower_settings),
            (P.SPOT_FOLLOWER_SETTING_TPSL, self.spot_follower_setting_tpsl),
            (P.SPOT_FOLLOWER_CLOSE_TRACKING, self.spot_follower_close_tracking),
            (P.SPOT_FOLLOWER_CANCEL_TRADER, self.spot_follower_cancel_trader),
        ]
        return get, post


class BrokerRoutes(CopyHandlers):
    """A broker's view of every trader."""

    def _broker(self, call: Call) -> CopyEngine:
        e = self._e()
        if e.broker_uids is not None and call.uid not in e.broker_uids:
            raise reject("40029", "This account is not a Broker, please apply to become a Broker first")
        return e

    def broker_query_traders(self, call: Call) -> Any:
        e = self._broker(call)
        period_word = (call.opt("period") or "all").lower()
        if period_word not in PERIODS:
            raise reject("40017", "Parameter period error")
        days = PERIODS[period_word]
        full = (call.opt("fullStatus") or "all").lower() == "full"
        ranked = e.ranked_traders(sort_rule=call.opt("sortRule") or "composite",
                                  descending=(call.opt("sortFlag") or "desc").lower() != "asc",
                                  trader_id=call.opt("traderId"), name=call.opt("traderName"), full_only=full,
                                  days=days)
        rows = []
        for r in ranked:
            trader, stats = r.trader, r.stats
            win = e.stats(trader, 21).win_rate
            can = stats.followers < stats.max_followers and trader.uid != call.uid
            rows.append({
                "canTrace": "Yes" if can else "No", "traderId": trader.trader_id, "traderName": trader.name,
                "maxLimit": str(stats.max_followers), "bgbMaxFollowLimit": "0", "followCount": str(stats.followers),
                "bgbFollowCount": "0", "traderStatus": "No" if can else "Yes",
                "totalEquity": num(stats.equity.quantize(Decimal("0.01"))) if trader.show_total_equity else "****",
                "currentTradingList": list(r.trading),
                "columnList": [{"describe": "ROI", "value": pct(stats.roi)},
                               {"describe": "Total PnL", "value": money(stats.pnl)},
                               {"describe": "Total followers PnL", "value": money(r.followers_pnl)},
                               {"describe": "AUM", "value": money(stats.aum)},
                               {"describe": "Max drawdown", "value": pct(stats.max_drawdown)},
                               {"describe": "Last 3W win rate", "value": pct(win)}],
                "totalFollowers": str(stats.total_followers), "profitCount": str(stats.wins),
                "lossCount": str(stats.losses), "isMyTrader": yes(e.follow_of(call.uid, trader.trader_id)
                                                                   is not None),
                "profitShareRatio": pct(trader.share_ratio * 100), **self._trader_card(e, trader, stats, r)})
        return page_rows(call, rows, 20, 20)

    @staticmethod
    def _trader_card(e: CopyEngine, trader: Trader, stats: TraderStats, ranked: RankedTrader) -> Json:
        """The profile-card fields typed-bitget saw live on this answer (not on Bitget's page): trade counts,
        drawdown, win rate, followers' profit and the daily ROI/profit series (last 7 days; 24 h = the last day)."""
        rois, profits = e.summary_series(trader, 7)
        closes = [t.close_time for t in e.tracks.values() if t.trader_id == trader.trader_id and t.close_time]
        last = max(closes, default=0)
        return {"tradeCount": str(stats.trades), "traderPic": "", "maxCallbackRate": pct(stats.max_drawdown),
                "averageWinRate": pct(stats.win_rate), "followerTotalProfit": num(ranked.followers_pnl),
                "dailyProfitRateList": [{"rate": num(v), "cTime": str(t)} for t, v in rois],
                "dailyProfitList": [{"amount": num(v), "cTime": str(t)} for t, v in profits],
                "profitRate24hList": [{"rate": num(v), "cTime": str(t)} for t, v in rois[-1:]],
                "profit24hList": [{"amount": num(v), "cTime": str(t)} for t, v in profits[-1:]],
                "lastTradeTime": str(last), "tradeDays": str(max(1, (e.now() - trader.since_ms) // DAY_MS))}

    def broker_current_traces(self, call: Call) -> Any:
        e = self._broker(call)
        symbol = futures_symbol(call)
        trader = e.trader(call.req("traderId"))
        tracks, _ = page_tracks(call, e.trader_open(trader, symbol=symbol), default=20, maximum=100)
        return [broker_trace(t) for t in tracks]

    def broker_history_traces(self, call: Call) -> Any:
        e = self._broker(call)
        symbol = futures_symbol(call)
        trader = e.trader(call.req("traderId"))
        tracks, end = page_tracks(call, e.trader_history(trader, symbol=symbol), default=20, maximum=100)
        return {"trackingList": [broker_trace(t) for t in tracks], "endId": end}

    # -- the table ---------------------------------------------------------------------------------------------------

    def table(self) -> tuple[list[tuple[str, Handler]], list[tuple[str, Handler]]]:
        get: list[tuple[str, Handler]] = [
            (P.MIX_BROKER_QUERY_TRADERS, self.broker_query_traders),
            (P.MIX_BROKER_CURRENT_TRACES, self.broker_current_traces),
            (P.MIX_BROKER_HISTORY_TRACES, self.broker_history_traces),
        ]
        post: list[tuple[str, Handler]] = [
        ]
        return get, post
