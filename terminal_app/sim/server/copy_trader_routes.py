"""Copy-trading endpoints of an elite trader (``/api/v2/copy/mix-trader/...`` and ``spot-trader/...``): tracking
orders, TP/SL, closes, summaries, profit share, symbols, settings and followers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from terminal_app.bitget.paths import CopyPaths as P
from terminal_app.core.instruments import Product
from terminal_app.sim.copy.state import FUTURES_MARKET, SPOT_MARKET, TRADER, SymbolConfig, Trader, check_ratio
from terminal_app.sim.copy.traders import COPY_SYMBOLS, SPOT_COPY_SYMBOLS
from terminal_app.sim.market.markets import find_market
from terminal_app.sim.market.price import DAY_MS
from terminal_app.sim.server.copy_params import (
    CopyHandlers,
    decimal_field,
    futures_symbol,
    page_rows,
    page_tracks,
    spot_symbol,
    tpsl,
    tracking_list,
    yes_no,
)
from terminal_app.sim.server.copy_render import (
    USDT_FUTURES,
    Json,
    money,
    opt,
    pct,
    spot_current,
    spot_history,
    time_text,
    trader_current,
    trader_history,
    yes,
)
from terminal_app.sim.server.render import num
from terminal_app.sim.server.routes import Call, Handler, reject


class TraderRoutes(CopyHandlers):
    """The trader's side of copy trading, futures and spot."""

    def trader_current_track(self, call: Call) -> Any:
        e = self._e()
        trader = e.trader_for_uid(call.uid)
        tracks, end = page_tracks(call, e.trader_open(trader, symbol=futures_symbol(call)), default=20, maximum=50)
        return {"trackingList": [trader_current(t) for t in tracks], "endId": end}

    def trader_history_track(self, call: Call) -> Any:
        e = self._e()
        trader = e.trader_for_uid(call.uid)
        history = e.trader_history(trader, symbol=futures_symbol(call))
        if (call.opt("order") or "desc").lower() == "asc":
            history = history[::-1]
        tracks, end = page_tracks(call, history, default=20, maximum=100)
        return {"trackingList": [trader_history(t) for t in tracks], "endId": end}

    def trader_modify_tpsl(self, call: Call) -> Any:
        e = self._e()
        futures_symbol(call)
        e.trader_for_uid(call.uid)
        tp, sl = tpsl(call)
        e.set_tpsl(call.uid, call.req("trackingNo"), tp, sl, role=TRADER)
        return "success"

    def trader_close_positions(self, call: Call) -> Any:
        e = self._e()
        symbol = futures_symbol(call)
        closed = e.trader_close(call.uid, tracking_no=call.opt("trackingNo"), symbol=symbol)
        return [{"trackingNo": t.tracking_no, "symbol": t.symbol, "productType": USDT_FUTURES} for t in closed]

    def _summary(self, trader: Trader, *, spot: bool) -> Json:
        e = self.engine
        market = SPOT_MARKET if spot else FUTURES_MARKET
        stats = e.stats(trader)
        tracks = e.tracks_of(trader.uid or "", role=TRADER, market=market, open_=False)
        gains = sum(1 for t in tracks if t.achieved_pl - t.open_fee - t.close_fee > 0)
        week_roi, week_profit = e.summary_series(trader, 7)
        month_roi, month_profit = e.summary_series(trader, 30)
        total = len(tracks) + len(e.tracks_of(trader.uid or "", role=TRADER, market=market))
        out = {
            "roi": pct(stats.roi), "tradingOrderNum": str(total), "totalFollowerNum": str(trader.total_followers),
            "currentFollowerNum": str(len(trader.spot_followers if spot else trader.followers)),
            "totalpl": num(stats.pnl.quantize(Decimal("0.00000001"))) if spot else money(stats.pnl),
            "gainNum": str(gains), "lossNum": str(len(tracks) - gains),
            "winRate": pct(Decimal(gains) / len(tracks) * 100 if tracks else Decimal(0)),
            "tradingPairsAvailableList": sorted(trader.spot_symbols) if spot else
            [s for s, c in trader.symbols.items() if c.open],
            "lastWeekRoiList": [{"rate": num(v), "ctime": time_text(t)} for t, v in week_roi],
            "lastWeekProfitList": [{"amount": num(v.quantize(Decimal("0.000001"))), "ctime": time_text(t)}
                                   for t, v in week_profit],
            "lastMonthRoiList": [{"rate": num(v), "ctime": time_text(t)} for t, v in month_roi],
            "lastMonthProfitList": [{"amount": num(v.quantize(Decimal("0.000001"))), "ctime": time_text(t)}
                                    for t, v in month_profit],
            "totalEquity": num(stats.equity.quantize(Decimal("0.01"))),
        }
        if spot:
            out["maxFollowerNum"] = str(stats.max_followers)
        return out

    def trader_total_detail(self, call: Call) -> Any:
        e = self._e()
        return self._summary(e.trader_for_uid(call.uid), spot=False)

    def _profit_summary(self, call: Call, *, spot: bool) -> Json:
        e = self._e()
        trader = e.trader_for_uid(call.uid)
        market = SPOT_MARKET if spot else FUTURES_MARKET
        records = [r for r in trader.profits if r.market == market]
        today = e.now() // DAY_MS * DAY_MS
        yesterday = sum((r.profit for r in records if today - DAY_MS <= r.time < today), Decimal(0))
        total = sum((r.profit for r in records), Decimal(0))
        waiting = sum(e.pending_profit(trader, market).values(), Decimal(0))
        history: list[Json] = []
        if records:
            entry: Json = {"coin": "USDT", "profitCount": num(total), "lastProfitTime": time_text(records[-1].time)}
            if spot:
                by_day: dict[int, Decimal] = {}
                for r in records:
                    day = r.time // DAY_MS * DAY_MS
                    by_day[day] = by_day.get(day, Decimal(0)) + r.profit
                entry["historysByDateList"] = [{"profit": num(v), "profitTime": time_text(d)}
                                               for d, v in sorted(by_day.items(), reverse=True)]
            history.append(entry)
        summary = {"yesterdayProfit": num(yesterday), "sumProfit": num(total), "waitProfit": num(waiting),
                   "yesterdayTime": time_text(today - DAY_MS)}
        return {"profitSummarys" if spot else "profitSummary": summary, "profitHistoryList": history}

    def trader_profit_summarys(self, call: Call) -> Any:
        return self._profit_summary(call, spot=False)

    def _profit_history(self, call: Call, *, spot: bool) -> Json:
        e = self._e()
        trader = e.trader_for_uid(call.uid)
        market = SPOT_MARKET if spot else FUTURES_MARKET
        coin = (call.opt("coin") or "").upper()
        below = call.integer("idLessThan")
        above = call.integer("idGreaterThan")
        start = call.integer("startTime")
        end = call.integer("endTime")
        limit = call.limit(100, 100)
        rows: list[Json] = []
        for r in reversed(trader.profits):
            n = int(r.profit_id)
            if r.market != market or (coin and coin != r.coin):
                continue
            if (below is not None and n >= below) or (above is not None and n <= above):
                continue
            if (start is not None and r.time < start) or (end is not None and r.time > end):
                continue
            row: Json = {"profitId": r.profit_id, "coin": r.coin, "profit": num(r.profit),
                         "profitTime": time_text(r.time)}
            if spot:
                row.update({"distributeRatio": pct(r.ratio * 100), "followerName": r.name})
            else:
                row["nickName"] = r.name
            rows.append(row)
            if len(rows) >= limit:
                break
        return {"profitList": rows, "endId": rows[-1]["profitId"] if rows else ""}

    def trader_profit_history(self, call: Call) -> Any:
        return self._profit_history(call, spot=False)

    def _profit_details(self, call: Call, *, spot: bool) -> list[Json]:
        e = self._e()
        trader = e.trader_for_uid(call.uid)
        pending = e.pending_profit(trader, SPOT_MARKET if spot else FUTURES_MARKET)
        rows: list[Json] = []
        for name, profit in sorted(pending.items()):
            row: Json = {"coin": "USDT", "profit": num(profit)}
            if spot:
                row.update({"distributeRatio": pct(trader.share_ratio * 100), "followerName": name})
            else:
                row["nickName"] = name
            rows.append(row)
        return page_rows(call, rows, 20, 100)

    def trader_profit_details(self, call: Call) -> Any:
        return self._profit_details(call, spot=False)

    def trader_profits_group_coin_date(self, call: Call) -> Any:
        e = self._e()
        trader = e.trader_for_uid(call.uid)
        by_day: dict[int, Decimal] = {}
        for r in trader.profits:
            if r.market == FUTURES_MARKET:
                day = r.time // DAY_MS * DAY_MS
                by_day[day] = by_day.get(day, Decimal(0)) + r.profit
        rows = [{"coin": "USDT", "profit": num(v), "profitTime": time_text(d)} for d, v in sorted(by_day.items(),
                                                                                            reverse=True)]
        return page_rows(call, rows, 20, 50)

    def trader_config_query_symbols(self, call: Call) -> Any:
        e = self._e()
        if call.product_type() is not Product.USDT_FUTURES:
            return []
        trader = e.trader_for_uid(call.uid)
        rows = []
        for symbol in COPY_SYMBOLS:
            market = find_market(symbol, Product.USDT_FUTURES)
            config = trader.symbols.get(symbol)
            # YES/NO as the page's field table and typed-bitget say (the page's example prints "yes")
            rows.append({"symbol": symbol, "openTrader": yes(config is not None and config.open),
                         "minOpenCount": num(market.info.min_size), "maxLeverage": str(market.info.max_leverage),
                         "stopSurplusRatio": opt(config.tp_ratio) or "" if config else "",
                         "stopLossRatio": opt(config.sl_ratio) or "" if config else ""})
        return rows

    def trader_config_setting_symbols(self, call: Call) -> Any:
        e = self._e()
        trader = e.trader_for_uid(call.uid)
        items = call.items("settingList", 50)
        changes = []
        for entry in items:
            if not isinstance(entry, dict):
                raise reject("40017", "Parameter settingList error")
            symbol = str(entry.get("symbol") or "").upper()
            kind = str(entry.get("settingType") or "").upper()
            if symbol not in COPY_SYMBOLS:
                raise reject("31052", "Cannot set trading symbol that have not been opened by traders.")
            if kind not in ("ADD", "DELETE", "UPDATE"):
                raise reject("40017", "Parameter settingType error")
            tp, sl = decimal_field(entry, "stopSurplusRatio"), decimal_field(entry, "stopLossRatio")
            check_ratio(tp, "43056")
            check_ratio(sl, "43055")
            if kind == "UPDATE" and tp is None and sl is None:
                raise reject("40019", "Parameter stopSurplusRatio cannot be empty")
            changes.append((symbol, kind, tp, sl))
        for symbol, kind, tp, sl in changes:
            if kind == "DELETE":
                trader.symbols.pop(symbol, None)
                continue
            config = trader.symbols.setdefault(symbol, SymbolConfig())
            config.open = True
            if kind == "ADD":
                config.tp_ratio, config.sl_ratio = tp or None, sl or None
            else:
                if tp is not None:
                    config.tp_ratio = tp or None
                if sl is not None:
                    config.sl_ratio = sl or None
        return "success"

    def trader_config_settings_base(self, call: Call) -> Any:
        e = self._e()
        enable = yes_no(call.opt("enable"))
        show_equity = yes_no(call.opt("showTotalEquity"))
        show_tpsl = yes_no(call.opt("showTpsl"))
        if enable is None and show_equity is None and show_tpsl is None:
            raise reject("40019", "Parameter enable cannot be empty")
        if enable is None:
            e.trader_for_uid(call.uid)
        e.enable_trader(call.uid, enable=True if enable is None else enable, show_total_equity=show_equity,
                        show_tpsl=show_tpsl)
        return "success"

    def _followers(self, call: Call, *, spot: bool) -> list[Json]:
        e = self._e()
        trader = e.trader_for_uid(call.uid)
        followers = trader.spot_followers if spot else trader.followers
        start, end = call.integer("startTime"), call.integer("endTime")
        rows = []
        for uid, since in sorted(followers.items(), key=lambda kv: (-kv[1], kv[0])):
            if (start is not None and since < start) or (end is not None and since > end):
                continue
            equity = e.exchange.futures_account(uid).equity
            rows.append({"accountEquity": num(equity.quantize(Decimal("0.0001"))), "isRemove": "yes",
                         "followerHeadPic": "", "followerName": e.follower_name(uid), "followerUid": uid,
                         "followerTime": time_text(since)})
        return page_rows(call, rows, 30 if spot else 20, 1000 if spot else 100)

    def trader_config_query_followers(self, call: Call) -> Any:
        return self._followers(call, spot=False)

    def trader_config_remove_follower(self, call: Call) -> Any:
        e = self._e()
        e.remove_follower(call.uid, call.req("followerUid"), FUTURES_MARKET)
        return "success"

    def spot_trader_profit_summarys(self, call: Call) -> Any:
        return self._profit_summary(call, spot=True)

    def spot_trader_profit_history(self, call: Call) -> Any:
        return self._profit_history(call, spot=True)

    def spot_trader_profit_details(self, call: Call) -> Any:
        return self._profit_details(call, spot=True)

    def spot_trader_total_detail(self, call: Call) -> Any:
        e = self._e()
        return self._summary(e.trader_for_uid(call.uid), spot=True)

    def spot_trader_modify_tpsl(self, call: Call) -> Any:
        e = self._e()
        e.trader_for_uid(call.uid)
        tp, sl = tpsl(call)
        e.set_tpsl(call.uid, call.req("trackingNo"), tp, sl, role=TRADER, market=SPOT_MARKET)
        return ""

    def spot_trader_history_track(self, call: Call) -> Any:
        e = self._e()
        trader = e.trader_for_uid(call.uid)
        tracks = e.tracks_of(trader.uid or "", role=TRADER, market=SPOT_MARKET, open_=False,
                             symbol=spot_symbol(call))
        page, end = page_tracks(call, tracks, default=20, maximum=100)
        return {"endId": end, "trackingList": [spot_history(t, trader_view=True) for t in page]}

    def spot_trader_current_track(self, call: Call) -> Any:
        e = self._e()
        trader = e.trader_for_uid(call.uid)
        tracks = e.trader_open(trader, symbol=spot_symbol(call), market=SPOT_MARKET)
        page, end = page_tracks(call, tracks, default=20, maximum=50)
        return {"endId": end, "trackingList": [spot_current(e, t, trader_view=True) for t in page]}

    def spot_trader_close_tracking(self, call: Call) -> Any:
        e = self._e()
        e.trader_close(call.uid, symbol=call.req("symbol"), market=SPOT_MARKET, tracking_nos=tracking_list(call))
        return ""

    def spot_trader_setting_symbols(self, call: Call) -> Any:
        e = self._e()
        trader = e.trader_for_uid(call.uid)
        items = call.items("symbolList")
        kind = call.word("settingType", ("add", "delete"))
        if kind is None:
            raise reject("40019", "Parameter settingType cannot be empty")
        symbols = [str(s).upper() for s in items]
        for symbol in symbols:
            if symbol not in SPOT_COPY_SYMBOLS:
                raise reject("31019", "Support trading currency pair does not exist")
        for symbol in symbols:
            if kind == "add":
                trader.spot_symbols.add(symbol)
            else:
                trader.spot_symbols.discard(symbol)
        return ""

    def spot_trader_remove_follower(self, call: Call) -> Any:
        e = self._e()
        e.remove_follower(call.uid, call.req("followerUid"), SPOT_MARKET)
        return ""

    def spot_trader_query_settings(self, call: Call) -> Any:
        e = self._e()
        trader = e.trader_for_uid(call.uid)
        infos, symbols = [], []
        for symbol in SPOT_COPY_SYMBOLS:
            market = find_market(symbol, Product.SPOT)
            used = sum((t.open_price * t.size for t in e.trader_open(trader, symbol=symbol, market=SPOT_MARKET)),
                       Decimal(0))
            cap = Decimal(5_000_000) if market.info.base_coin == "BTC" else Decimal(1_000_000)
            infos.append({"maxQuoteSize": num(cap), "surplusQuoteSize": num((cap - used).quantize(Decimal("0.01"))),
                          "symbol": symbol})
            symbols.append({"enable": yes(symbol in trader.spot_symbols), "symbol": symbol,
                            "minOpenCount": num(market.info.min_size or market.lot)})
        return {"removeLimitUsdt": "100", "spotInfoList": infos, "labelList": [], "enable": yes(trader.enabled),
                "showAssetsMap": "NO", "showEquity": yes(trader.show_total_equity), "traceSymbolList": symbols}

    def spot_trader_query_followers(self, call: Call) -> Any:
        return self._followers(call, spot=True)

    # -- the table ---------------------------------------------------------------------------------------------------

    def table(self) -> tuple[list[tuple[str, Handler]], list[tuple[str, Handler]]]:
        get: list[tuple[str, Handler]] = [
            (P.MIX_TRADER_CURRENT_TRACK, self.trader_current_track),
            (P.MIX_TRADER_HISTORY_TRACK, self.trader_history_track),
            (P.MIX_TRADER_TOTAL_DETAIL, self.trader_total_detail),
            (P.MIX_TRADER_PROFIT_SUMMARYS, self.trader_profit_summarys),
            (P.MIX_TRADER_PROFIT_HISTORY, self.trader_profit_history),
            (P.MIX_TRADER_PROFIT_DETAILS, self.trader_profit_details),
            (P.MIX_TRADER_PROFITS_BY_DATE, self.trader_profits_group_coin_date),
            (P.MIX_TRADER_QUERY_SYMBOLS, self.trader_config_query_symbols),
            (P.MIX_TRADER_QUERY_FOLLOWERS, self.trader_config_query_followers),
            (P.SPOT_TRADER_PROFIT_SUMMARYS, self.spot_trader_profit_summarys),
            (P.SPOT_TRADER_PROFIT_HISTORY, self.spot_trader_profit_history),
            (P.SPOT_TRADER_PROFIT_DETAILS, self.spot_trader_profit_details),
            (P.SPOT_TRADER_TOTAL_DETAIL, self.spot_trader_total_detail),
            (P.SPOT_TRADER_HISTORY_TRACK, self.spot_trader_history_track),
            (P.SPOT_TRADER_CURRENT_TRACK, self.spot_trader_current_track),
            (P.SPOT_TRADER_QUERY_SETTINGS, self.spot_trader_query_settings),
            (P.SPOT_TRADER_QUERY_FOLLOWERS, self.spot_trader_query_followers),
        ]
        post: list[tuple[str, Handler]] = [
            (P.MIX_TRADER_MODIFY_TPSL, self.trader_modify_tpsl),
            (P.MIX_TRADER_CLOSE_POSITIONS, self.trader_close_positions),
            (P.MIX_TRADER_SETTING_SYMBOLS, self.trader_config_setting_symbols),
            (P.MIX_TRADER_SETTINGS_BASE, self.trader_config_settings_base),
            (P.MIX_TRADER_REMOVE_FOLLOWER, self.trader_config_remove_follower),
            (P.SPOT_TRADER_MODIFY_TPSL, self.spot_trader_modify_tpsl),
            (P.SPOT_TRADER_CLOSE_TRACKING, self.spot_trader_close_tracking),
            (P.SPOT_TRADER_SETTING_SYMBOLS, self.spot_trader_setting_symbols),
            (P.SPOT_TRADER_REMOVE_FOLLOWER, self.spot_trader_remove_follower),
        ]
        return get, post
