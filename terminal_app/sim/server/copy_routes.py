"""Every V2 copy-trading REST path of the simulator (``/api/v2/copy/...``), in Bitget's envelope and shapes, over the
:class:`terminal_app.sim.copy.engine.CopyEngine`.

Wiring: :func:`register_copy_routes` adds the routes to a :class:`terminal_app.sim.server.http.SimServer` (its
``routes`` table), sets the copy endpoints' rates in its rate limiter (5 req/s, 1 req/s for the spot copy writes) and
hooks ``CopyEngine.sync`` into its timer; every copy request also syncs first.

Shapes follow Bitget's copy-trading pages and ``bitget-samples/copy/``: amounts are plain strings, fees negative,
timestamps strings of ms, ``"0"`` close times while open. Simulator extensions (extra fields a Bitget client
ignores): follower tracking orders carry ``traderTrackingNo``, ``traderOpenPriceAvg`` and ``copyDelayMs`` (the copy
slippage view), and the broker trader list accepts ``period`` (``7d``/``30d``/``90d``/``all``) for its columns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from terminal_app.bitget.errors import ExchangeError, error_for_code
from terminal_app.bitget.models.copy import FollowSetting, SpotFollowSetting
from terminal_app.bitget.rest_copy import COPY_RATES, CopyPaths
from terminal_app.bitget.symbols import InstType
from terminal_app.sim.copy.engine import CopyEngine
from terminal_app.sim.copy.state import FOLLOWER, FUTURES_MARKET, SPOT_MARKET, TRADER, SymbolConfig, Track, Trader
from terminal_app.sim.copy.traders import COPY_SYMBOLS, SPOT_COPY_SYMBOLS
from terminal_app.sim.market.markets import find_market
from terminal_app.sim.market.price import DAY_MS
from terminal_app.sim.server.render import neg, num
from terminal_app.sim.server.routes import Call, Route

if TYPE_CHECKING:
    from terminal_app.sim.server.http import SimServer

Json = dict[str, Any]
P = CopyPaths
USDT_FUTURES = InstType.USDT_FUTURES.value
_PERIODS = {"7d": 7, "30d": 30, "90d": 90, "all": None}
_WINDOW_MS = 90 * DAY_MS


def reject(code: str, msg: str) -> ExchangeError:
    return error_for_code(code, msg)


def _ms(value: int | None) -> str:
    return str(int(value)) if value else "0"


def _opt(value: Decimal | None) -> str | None:
    return None if value is None else num(value)


def _yes(flag: bool, *, upper: bool = True) -> str:
    word = "YES" if flag else "NO"
    return word if upper else word.lower()


def _money(value: Decimal) -> str:
    """Bitget's display form of a USD amount: ``$12,376.16``."""
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


def _pct(value: Decimal) -> str:
    return num(value.quantize(Decimal("0.01")))


# ---- rendering ---------------------------------------------------------------------------------------------------


def trader_current(t: Track) -> Json:
    return {"trackingNo": t.tracking_no, "openOrderId": t.open_order_id, "symbol": t.symbol, "posSide": t.hold_side,
            "openLeverage": str(t.leverage), "openPriceAvg": num(t.open_price), "openTime": _ms(t.open_time),
            "openSize": num(t.size), "presetStopSurplusPrice": _opt(t.tp) or "",
            "presetStopLossPrice": _opt(t.sl) or "", "openFee": neg(t.open_fee), "followCount": str(t.follow_count)}


def trader_history(t: Track) -> Json:
    return {"trackingNo": t.tracking_no, "symbol": t.symbol, "openOrderId": t.open_order_id,
            "closeOrderId": t.close_order_id, "productType": USDT_FUTURES, "posSide": t.hold_side,
            "openLeverage": str(t.leverage), "openPriceAvg": num(t.open_price), "openTime": _ms(t.open_time),
            "openSize": num(t.size), "closeSize": num(t.close_size), "closeTime": _ms(t.close_time),
            "closePriceAvg": _opt(t.close_price) or "0", "stopType": t.stop_type, "achievedPL": num(t.achieved_pl),
            "openFee": neg(t.open_fee), "closeFee": neg(t.close_fee), "cTime": _ms(t.open_time)}


def _copy_extras(t: Track) -> Json:
    return {"traderTrackingNo": t.parent, "traderOpenPriceAvg": _opt(t.trader_price) or "",
            "copyDelayMs": str(t.delay_ms)}


def follower_current(engine: CopyEngine, t: Track) -> Json:
    return {"trackingNo": t.tracking_no, "traderName": engine.traders[t.trader_id].name,
            "openOrderId": t.open_order_id, "closeOrderId": "", "traderId": t.trader_id, "symbol": t.symbol,
            "posSide": t.hold_side, "openLeverage": str(t.leverage), "openAvgPrice": num(t.open_price),
            "openTime": _ms(t.open_time), "openSize": num(t.size), "closeAvgPrice": "0", "closeSize": "0",
            "openMarginSz": num(t.margin.quantize(Decimal("0.0001"))), "closeTime": "0", "openFee": neg(t.open_fee),
            "stopSurplusPrice": _opt(t.tp) or "", "stopLossPrice": _opt(t.sl) or "", **_copy_extras(t)}


def follower_history(t: Track) -> Json:
    margin = t.margin
    rate = (t.net_profit / margin * 100).quantize(Decimal("0.01")) if margin else Decimal(0)
    return {"trackingNo": t.tracking_no, "posSide": t.hold_side, "openLeverage": str(t.leverage),
            "openSize": num(t.size), "closeSize": num(t.close_size), "openPriceAvg": num(t.open_price),
            "closePriceAvg": _opt(t.close_price) or "0", "achievedPL": num(t.achieved_pl),
            "openFee": neg(t.open_fee), "closeFee": neg(t.close_fee), "symbol": t.symbol, "profitRate": num(rate),
            "netProfit": num(t.net_profit), "openOrderId": t.open_order_id, "closeOrderId": t.close_order_id,
            "openTime": _ms(t.open_time), "closeTime": _ms(t.close_time), "traderId": t.trader_id,
            "productType": USDT_FUTURES, "stopType": t.stop_type, "profitShare": num(t.profit_share),
            **_copy_extras(t)}


def broker_trace(t: Track) -> Json:
    out = {"trackingNo": t.tracking_no, "openOrderId": t.open_order_id,
           "marginMode": "cross" if t.margin_mode in ("crossed", "") else t.margin_mode, "posSide": t.hold_side,
           "symbol": t.symbol, "openLeverage": str(t.leverage), "openPriceAvg": num(t.open_price),
           "openTime": _ms(t.open_time), "openSize": num(t.size), "openFee": neg(t.open_fee),
           "marginAmount": num(t.margin.quantize(Decimal("0.0001"))), "followCount": str(t.follow_count),
           "stopSurplusPrice": _opt(t.tp) or "", "stopLossPrice": _opt(t.sl) or "", "cTime": _ms(t.open_time)}
    if not t.is_open:
        out.update({"closeOrderId": t.close_order_id, "closePriceAvg": _opt(t.close_price) or "0",
                    "closeSize": num(t.close_size), "closeTime": _ms(t.close_time), "closeFee": neg(t.close_fee),
                    "achievedPL": num(t.achieved_pl)})
    return out


def _base_fee(t: Track) -> str:
    return neg((t.open_fee / t.open_price).quantize(Decimal("0.00000001"))) if t.open_price else "0"


def spot_current(engine: CopyEngine, t: Track, *, trader_view: bool) -> Json:
    price = engine.price_of(t)
    pnl = t.unrealized(price) - t.open_fee
    cost = t.open_price * t.size
    out = {"trackingNo": t.tracking_no, "buyFillSize": num(t.size), "buyDelegateSize": num(t.size),
           "buyPrice": num(t.open_price), "unrealizedPL": num(pnl.quantize(Decimal("0.00000001"))),
           "buyTime": _ms(t.open_time), "buyFee": _base_fee(t),
           "unrealizedPLR": num((pnl / cost * 100).quantize(Decimal("0.01")) if cost else Decimal(0)),
           "symbol": t.symbol, "stopSurplusPrice": _opt(t.tp), "stopLossPrice": _opt(t.sl)}
    if trader_view:
        out.update({"orderId": t.open_order_id, "followCount": str(t.follow_count)})
    else:
        out.update({"traderId": t.trader_id, **_copy_extras(t)})
    return out


def spot_history(t: Track, *, trader_view: bool) -> Json:
    cost = t.open_price * t.size
    out = {"trackingNo": t.tracking_no, "fillSize": num(t.close_size), "buyPrice": num(t.open_price),
           "sellPrice": _opt(t.close_price) or "0", "buyFee": _base_fee(t), "sellFee": neg(t.close_fee),
           "achievedPL": num(t.achieved_pl),
           "achievedPLR": num((t.achieved_pl / cost * 100).quantize(Decimal("0.01")) if cost else Decimal(0)),
           "symbol": t.symbol, "buyTime": _ms(t.open_time), "sellTime": _ms(t.close_time),
           "netProfit": num(t.net_profit)}
    if trader_view:
        out["followCount"] = str(t.follow_count)
    else:
        out.update({"traderId": t.trader_id, **_copy_extras(t)})
    return out


# ---- request helpers ---------------------------------------------------------------------------------------------


def _futures(call: Call) -> str | None:
    """Checks ``productType`` (only USDT-FUTURES has copy trading here) and returns the optional symbol."""
    if call.product_type() is not InstType.USDT_FUTURES:
        raise reject("40854", "This product does not support copy trading")
    symbol = call.opt("symbol")
    if symbol is not None:
        find_market(symbol, InstType.USDT_FUTURES)
    return symbol.upper() if symbol else None


def _page_tracks(call: Call, tracks: list[Track], *, default: int, maximum: int,
                 time_of: Callable[[Track], int | None] = lambda t: t.open_time) -> tuple[list[Track], str]:
    """Bitget's id/time paging over tracks sorted newest first: idLessThan (older), idGreaterThan (newer),
    startTime/endTime (a window of at most 3 months), limit."""
    below = call.integer("idLessThan")
    above = call.integer("idGreaterThan")
    start = call.integer("startTime")
    end = call.integer("endTime")
    if start is not None and end is not None and end - start > _WINDOW_MS:
        raise reject("40705", "The start and end time cannot exceed 90 days")
    limit = call.limit(default, maximum)
    out = []
    for t in tracks:
        n = int(t.tracking_no)
        ts = time_of(t) or 0
        if (below is not None and n >= below) or (above is not None and n <= above):
            continue
        if (start is not None and ts < start) or (end is not None and ts > end):
            continue
        out.append(t)
        if len(out) >= limit:
            break
    return out, (out[-1].tracking_no if out else "")


def _page(call: Call, rows: list[Any], default: int, maximum: int) -> list[Any]:
    page = call.integer("pageNo", 1, lo=1) or 1
    size = call.integer("pageSize", default, lo=1, hi=maximum) or default
    return rows[(page - 1) * size:page * size]


def _tpsl(call: Call) -> tuple[Decimal | None, Decimal | None]:
    return call.decimal("stopSurplusPrice"), call.decimal("stopLossPrice")


def _tracking_list(call: Call) -> list[str]:
    items = call.params.get("trackingNoList")
    if isinstance(items, str):
        items = [x for x in items.split(",") if x]
    if not isinstance(items, list) or not items:
        raise reject("40019", "Parameter trackingNoList cannot be empty")
    if len(items) > 50:
        raise reject("40017", "Parameter trackingNoList exceeds 50 entries")
    return [str(x) for x in items]


def _dec(entry: dict[str, Any], name: str) -> Decimal | None:
    value = entry.get(name)
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        raise reject("40017", f"Parameter {name} error") from None


def _settings_list(call: Call, maximum: int) -> list[dict[str, Any]]:
    items = call.params.get("settings")
    if not isinstance(items, list) or not items:
        raise reject("40019", "Parameter settings cannot be empty")
    if len(items) > maximum:
        raise reject("40017", f"Parameter settings exceeds {maximum} entries")
    if not all(isinstance(e, dict) for e in items):
        raise reject("40017", "Parameter settings error")
    return items


def _follow_setting(entry: dict[str, Any]) -> FollowSetting:
    for name in ("symbol", "productType", "traceType", "traceValue"):
        if entry.get(name) in (None, ""):
            raise reject("40019", f"Parameter {name} cannot be empty")
    try:
        product = InstType(str(entry["productType"]).upper())
    except ValueError:
        raise reject("40017", "Parameter productType error") from None
    trace_value = _dec(entry, "traceValue")
    assert trace_value is not None
    return FollowSetting(
        symbol=str(entry["symbol"]).upper(), trace_type=str(entry["traceType"]).lower(), trace_value=trace_value,
        product_type=product, margin_type=str(entry.get("marginType") or "trader").lower(),
        margin_coin=str(entry.get("marginCoin") or "USDT").upper(),
        lever_type=str(entry.get("leverType") or "trader").lower(), long_leverage=_dec(entry, "longLeverage"),
        short_leverage=_dec(entry, "shortLeverage"), max_hold_size=_dec(entry, "maxHoldSize"),
        stop_surplus_ratio=_dec(entry, "stopSurplusRatio"), stop_loss_ratio=_dec(entry, "stopLossRatio"))


def _spot_setting(entry: dict[str, Any]) -> SpotFollowSetting:
    for name in ("symbol", "traceType", "traceValue"):
        if entry.get(name) in (None, ""):
            raise reject("40019", f"Parameter {name} cannot be empty")
    return SpotFollowSetting(str(entry["symbol"]).upper(), str(entry["traceType"]).lower(),
                             _dec(entry, "traceValue"), _dec(entry, "maxHoldSize"), _dec(entry, "stopSurplusRatio"),
                             _dec(entry, "stopLossRatio"))


def _on(value: str | None, default: bool = True) -> bool:
    if value is None:
        return default
    return value.lower() in ("on", "yes", "true")


def _yes_no(value: str | None) -> bool | None:
    if value is None:
        return None
    word = value.lower()
    if word not in ("yes", "no"):
        raise reject("40017", "Parameter error: YES or NO")
    return word == "yes"


# ---- the handlers ------------------------------------------------------------------------------------------------


class CopyRoutes:
    """The copy endpoints over one engine (handlers are bound methods: ``Route(handler=routes.x)``)."""

    def __init__(self, engine: CopyEngine) -> None:
        self.engine = engine

    def _e(self) -> CopyEngine:
        self.engine.sync()
        return self.engine

    # -- futures trader --------------------------------------------------------------------------------------------

    def trader_current_track(self, call: Call) -> Any:
        e = self._e()
        trader = e.trader_for_uid(call.uid)
        tracks, end = _page_tracks(call, e.trader_open(trader, symbol=_futures(call)), default=20, maximum=50)
        return {"trackingList": [trader_current(t) for t in tracks], "endId": end}

    def trader_history_track(self, call: Call) -> Any:
        e = self._e()
        trader = e.trader_for_uid(call.uid)
        history = e.trader_history(trader, symbol=_futures(call))
        if (call.opt("order") or "desc").lower() == "asc":
            history = history[::-1]
        tracks, end = _page_tracks(call, history, default=20, maximum=100)
        return {"trackingList": [trader_history(t) for t in tracks], "endId": end}

    def trader_modify_tpsl(self, call: Call) -> Any:
        e = self._e()
        _futures(call)
        e.trader_for_uid(call.uid)
        tp, sl = _tpsl(call)
        e.set_tpsl(call.uid, call.req("trackingNo"), tp, sl, role=TRADER)
        return "success"

    def trader_close_positions(self, call: Call) -> Any:
        e = self._e()
        symbol = _futures(call)
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
            "roi": _pct(stats.roi), "tradingOrderNum": str(total), "totalFollowerNum": str(trader.total_followers),
            "currentFollowerNum": str(len(trader.spot_followers if spot else trader.followers)),
            "totalpl": num(stats.pnl.quantize(Decimal("0.00000001"))) if spot else _money(stats.pnl),
            "gainNum": str(gains), "lossNum": str(len(tracks) - gains),
            "winRate": _pct(Decimal(gains) / len(tracks) * 100 if tracks else Decimal(0)),
            "tradingPairsAvailableList": sorted(trader.spot_symbols) if spot else
            [s for s, c in trader.symbols.items() if c.open],
            "lastWeekRoiList": [{"rate": num(v), "ctime": _ms(t)} for t, v in week_roi],
            "lastWeekProfitList": [{"amount": num(v.quantize(Decimal("0.000001"))), "ctime": _ms(t)}
                                   for t, v in week_profit],
            "lastMonthRoiList": [{"rate": num(v), "ctime": _ms(t)} for t, v in month_roi],
            "lastMonthProfitList": [{"amount": num(v.quantize(Decimal("0.000001"))), "ctime": _ms(t)}
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
            entry: Json = {"coin": "USDT", "profitCount": num(total), "lastProfitTime": _ms(records[-1].time)}
            if spot:
                by_day: dict[int, Decimal] = {}
                for r in records:
                    day = r.time // DAY_MS * DAY_MS
                    by_day[day] = by_day.get(day, Decimal(0)) + r.profit
                entry["historysByDateList"] = [{"profit": num(v), "profitTime": _ms(d)}
                                               for d, v in sorted(by_day.items(), reverse=True)]
            history.append(entry)
        summary = {"yesterdayProfit": num(yesterday), "sumProfit": num(total), "waitProfit": num(waiting),
                   "yesterdayTime": _ms(today - DAY_MS)}
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
            row: Json = {"profitId": r.profit_id, "coin": r.coin, "profit": num(r.profit), "profitTime": _ms(r.time)}
            if spot:
                row.update({"distributeRatio": _pct(r.ratio * 100), "followerName": r.name})
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
                row.update({"distributeRatio": _pct(trader.share_ratio * 100), "followerName": name})
            else:
                row["nickName"] = name
            rows.append(row)
        return _page(call, rows, 20, 100)

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
        rows = [{"coin": "USDT", "profit": num(v), "profitTime": _ms(d)} for d, v in sorted(by_day.items(),
                                                                                            reverse=True)]
        return _page(call, rows, 20, 50)

    def trader_config_query_symbols(self, call: Call) -> Any:
        e = self._e()
        if call.product_type() is not InstType.USDT_FUTURES:
            return []
        trader = e.trader_for_uid(call.uid)
        rows = []
        for symbol in COPY_SYMBOLS:
            market = find_market(symbol, InstType.USDT_FUTURES)
            config = trader.symbols.get(symbol)
            rows.append({"symbol": symbol, "openTrader": _yes(config is not None and config.open, upper=False),
                         "minOpenCount": num(market.info.min_size), "maxLeverage": str(market.info.max_leverage),
                         "stopSurplusRatio": _opt(config.tp_ratio) or "" if config else "",
                         "stopLossRatio": _opt(config.sl_ratio) or "" if config else ""})
        return rows

    def trader_config_setting_symbols(self, call: Call) -> Any:
        e = self._e()
        trader = e.trader_for_uid(call.uid)
        items = call.params.get("settingList")
        if not isinstance(items, list) or not items:
            raise reject("40019", "Parameter settingList cannot be empty")
        if len(items) > 50:
            raise reject("40017", "Parameter settingList exceeds 50 entries")
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
            tp, sl = _dec(entry, "stopSurplusRatio"), _dec(entry, "stopLossRatio")
            for ratio, code in ((tp, "43056"), (sl, "43055")):
                if ratio is not None and ratio != 0 and not 1 <= ratio <= 400:
                    raise reject(code, "The ratio must be between 1-400")
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
        enable = _yes_no(call.opt("enable"))
        show_equity = _yes_no(call.opt("showTotalEquity"))
        show_tpsl = _yes_no(call.opt("showTpsl"))
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
                         "followerTime": _ms(since)})
        return _page(call, rows, 30 if spot else 20, 1000 if spot else 100)

    def trader_config_query_followers(self, call: Call) -> Any:
        return self._followers(call, spot=False)

    def trader_config_remove_follower(self, call: Call) -> Any:
        e = self._e()
        e.remove_follower(call.uid, call.req("followerUid"), FUTURES_MARKET)
        return "success"

    # -- futures follower ------------------------------------------------------------------------------------------

    def follower_current_orders(self, call: Call) -> Any:
        e = self._e()
        tracks = e.tracks_of(call.uid, role=FOLLOWER, symbol=_futures(call), trader_id=call.opt("traderId"))
        page, _ = _page_tracks(call, tracks, default=20, maximum=100)
        return [follower_current(e, t) for t in page]

    def follower_history_orders(self, call: Call) -> Any:
        e = self._e()
        tracks = e.tracks_of(call.uid, role=FOLLOWER, open_=False, symbol=_futures(call),
                             trader_id=call.opt("traderId"))
        page, end = _page_tracks(call, tracks, default=20, maximum=100)
        return {"trackingList": [follower_history(t) for t in page], "endId": end}

    def follower_setting_tpsl(self, call: Call) -> Any:
        e = self._e()
        _futures(call)
        tp, sl = _tpsl(call)
        e.set_tpsl(call.uid, call.req("trackingNo"), tp, sl, role=FOLLOWER)
        return "success"

    def follower_settings(self, call: Call) -> Any:
        e = self._e()
        settings = [_follow_setting(entry) for entry in _settings_list(call, 10)]
        mode = (call.opt("mode") or "advanced").lower()
        if mode not in ("basic", "advanced"):
            raise reject("40017", "Parameter mode error")
        e.follow(call.uid, call.req("traderId"), settings, auto_copy=_on(call.opt("autoCopy")), mode=mode)
        return "success"

    def follower_query_settings(self, call: Call) -> Any:
        e = self._e()
        trader_id = call.req("traderId")
        e.trader(trader_id)
        follow = e.follow_of(call.uid, trader_id)
        details = []
        for s in (follow.settings.values() if follow else ()):
            details.append({
                "symbol": s.symbol, "productType": s.product_type.value, "marginType": s.margin_type,
                "marginCoin": s.margin_coin, "leverType": s.lever_type,
                "longLeverage": _opt(s.long_leverage) or "", "shortLeverage": _opt(s.short_leverage) or "",
                "traceType": s.trace_type, "traceValue": num(s.trace_value),
                "maxHoldSize": _opt(s.max_hold_size) or "", "stopSurplusRatio": _opt(s.stop_surplus_ratio) or "",
                "stopLossRatio": _opt(s.stop_loss_ratio) or ""})
        return {"followerEnable": _yes(follow is not None), "detailList": details}

    def follower_close_positions(self, call: Call) -> Any:
        e = self._e()
        symbol = _futures(call)
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
                "traceTotalProfit": num(gross.quantize(Decimal("0.0001"))), "followerTime": _ms(follow.since_ms),
                "bgbMaxFollowLimit": "", "bgbFollowCount": ""}
            if market == FUTURES_MARKET:
                row["traceTotalMarginAmount"] = num(opened.quantize(Decimal("0.0001")))
                row["currentTradingPairs"] = [s for s, c in trader.symbols.items() if c.open]
            else:
                row["traceTotalAmount"] = num(opened.quantize(Decimal("0.0001")))
            rows.append(row)
        return _page(call, rows, 20, 50)

    def follower_query_traders(self, call: Call) -> Any:
        return self._my_traders(call, FUTURES_MARKET)

    def follower_query_quantity_limit(self, call: Call) -> Any:
        e = self._e()
        symbol = _futures(call)
        return [{"maxFollowSize": num(hi), "minFollowSize": num(lo), "symbol": sym}
                for sym, lo, hi in e.quantity_limits(symbol)]

    def follower_cancel_trader(self, call: Call) -> Any:
        e = self._e()
        e.unfollow(call.uid, call.req("traderId"), FUTURES_MARKET)
        return "success"

    # -- broker ----------------------------------------------------------------------------------------------------

    def _broker(self, call: Call) -> CopyEngine:
        e = self._e()
        if e.broker_uids is not None and call.uid not in e.broker_uids:
            raise reject("40029", "This account is not a Broker, please apply to become a Broker first")
        return e

    def broker_query_traders(self, call: Call) -> Any:
        e = self._broker(call)
        period_word = (call.opt("period") or "all").lower()
        if period_word not in _PERIODS:
            raise reject("40017", "Parameter period error")
        days = _PERIODS[period_word]
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
                "columnList": [{"describe": "ROI", "value": _pct(stats.roi)},
                               {"describe": "Total PnL", "value": _money(stats.pnl)},
                               {"describe": "Total followers PnL", "value": _money(r.followers_pnl)},
                               {"describe": "AUM", "value": _money(stats.aum)},
                               {"describe": "Max drawdown", "value": _pct(stats.max_drawdown)},
                               {"describe": "Last 3W win rate", "value": _pct(win)}],
                "totalFollowers": str(stats.total_followers), "profitCount": str(stats.wins),
                "lossCount": str(stats.losses), "isMyTrader": _yes(e.follow_of(call.uid, trader.trader_id)
                                                                   is not None),
                "profitShareRatio": _pct(trader.share_ratio * 100)})
        return _page(call, rows, 20, 20)

    def broker_current_traces(self, call: Call) -> Any:
        e = self._broker(call)
        symbol = _futures(call)
        trader = e.trader(call.req("traderId"))
        tracks, _ = _page_tracks(call, e.trader_open(trader, symbol=symbol), default=20, maximum=100)
        return [broker_trace(t) for t in tracks]

    def broker_history_traces(self, call: Call) -> Any:
        e = self._broker(call)
        symbol = _futures(call)
        trader = e.trader(call.req("traderId"))
        tracks, end = _page_tracks(call, e.trader_history(trader, symbol=symbol), default=20, maximum=100)
        return {"trackingList": [broker_trace(t) for t in tracks], "endId": end}

    # -- spot trader -----------------------------------------------------------------------------------------------

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
        tp, sl = _tpsl(call)
        e.set_tpsl(call.uid, call.req("trackingNo"), tp, sl, role=TRADER, market=SPOT_MARKET)
        return ""

    def _spot_symbol(self, call: Call) -> str | None:
        symbol = call.opt("symbol")
        if symbol is not None:
            find_market(symbol, InstType.SPOT)
        return symbol.upper() if symbol else None

    def spot_trader_history_track(self, call: Call) -> Any:
        e = self._e()
        trader = e.trader_for_uid(call.uid)
        tracks = e.tracks_of(trader.uid or "", role=TRADER, market=SPOT_MARKET, open_=False,
                             symbol=self._spot_symbol(call))
        page, end = _page_tracks(call, tracks, default=20, maximum=100)
        return {"endId": end, "trackingList": [spot_history(t, trader_view=True) for t in page]}

    def spot_trader_current_track(self, call: Call) -> Any:
        e = self._e()
        trader = e.trader_for_uid(call.uid)
        tracks = e.trader_open(trader, symbol=self._spot_symbol(call), market=SPOT_MARKET)
        page, end = _page_tracks(call, tracks, default=20, maximum=50)
        return {"endId": end, "trackingList": [spot_current(e, t, trader_view=True) for t in page]}

    def spot_trader_close_tracking(self, call: Call) -> Any:
        e = self._e()
        e.trader_close(call.uid, symbol=call.req("symbol"), market=SPOT_MARKET, tracking_nos=_tracking_list(call))
        return ""

    def spot_trader_setting_symbols(self, call: Call) -> Any:
        e = self._e()
        trader = e.trader_for_uid(call.uid)
        items = call.params.get("symbolList")
        if not isinstance(items, list) or not items:
            raise reject("40019", "Parameter symbolList cannot be empty")
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
            market = find_market(symbol, InstType.SPOT)
            used = sum((t.open_price * t.size for t in e.trader_open(trader, symbol=symbol, market=SPOT_MARKET)),
                       Decimal(0))
            cap = Decimal(5_000_000) if market.info.base_coin == "BTC" else Decimal(1_000_000)
            infos.append({"maxQuoteSize": num(cap), "surplusQuoteSize": num((cap - used).quantize(Decimal("0.01"))),
                          "symbol": symbol})
            symbols.append({"enable": _yes(symbol in trader.spot_symbols), "symbol": symbol,
                            "minOpenCount": num(market.info.min_size or market.lot)})
        return {"removeLimitUsdt": "100", "spotInfoList": infos, "labelList": [], "enable": _yes(trader.enabled),
                "showAssetsMap": "NO", "showEquity": _yes(trader.show_total_equity), "traceSymbolList": symbols}

    def spot_trader_query_followers(self, call: Call) -> Any:
        return self._followers(call, spot=True)

    # -- spot follower ---------------------------------------------------------------------------------------------

    def spot_follower_stop_order(self, call: Call) -> Any:
        e = self._e()
        e.spot_stop(call.uid, _tracking_list(call))
        return ""

    def spot_follower_settings(self, call: Call) -> Any:
        e = self._e()
        settings = [_spot_setting(entry) for entry in _settings_list(call, 10)]
        mode = (call.opt("mode") or "advanced").lower()
        e.spot_follow(call.uid, call.req("traderId"), settings, auto_copy=_on(call.opt("autoCopy")), mode=mode)
        return ""

    def spot_follower_setting_tpsl(self, call: Call) -> Any:
        e = self._e()
        tp, sl = _tpsl(call)
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
            mine.append({"maxTraceAmount": _opt(s.max_hold_size) or "", "stopLossRation": _opt(s.stop_loss_ratio)
                         or "", "stopSurplusRation": _opt(s.stop_surplus_ratio) or "", "symbol": s.symbol,
                         "traceType": s.trace_type, "traceValue": _opt(s.trace_value) or ""})
        limits = []
        for symbol in sorted(trader.spot_symbols):
            market = find_market(symbol, InstType.SPOT)
            limits.append({"maxStopLossRation": "90", "maxStopSurplusRation": "400", "maxTraceAmount": "50000",
                           "maxTraceAmountSystem": "50000", "maxTraceSize": num(market.lot * 10**8),
                           "maxTraceRation": "10", "minStopLossRation": "1", "minStopSurplusRation": "1",
                           "minTraceAmount": "5", "minTraceSize": num(market.lot), "minTraceRation": "0.01",
                           "sliderMaxStopLossRatio": "90", "sliderMaxStopSurplusRatio": "400", "symbol": symbol})
        return {"enable": _yes(follow is not None), "profitRate": _pct(trader.share_ratio * 100),
                "settledInDays": str(max(1, (e.now() - trader.since_ms) // DAY_MS + 1)),
                "tradeSettingList": mine, "tradeSymbolSettingList": limits, "traderHeadPic": "",
                "traderName": trader.name}

    def spot_follower_history_orders(self, call: Call) -> Any:
        e = self._e()
        tracks = e.tracks_of(call.uid, role=FOLLOWER, market=SPOT_MARKET, open_=False,
                             symbol=self._spot_symbol(call), trader_id=call.opt("traderId"))
        page, end = _page_tracks(call, tracks, default=20, maximum=50)
        return {"endId": end, "trackingList": [spot_history(t, trader_view=False) for t in page]}

    def spot_follower_current_orders(self, call: Call) -> Any:
        e = self._e()
        tracks = [t for t in e.tracks_of(call.uid, role=FOLLOWER, market=SPOT_MARKET,
                                         symbol=self._spot_symbol(call), trader_id=call.opt("traderId"))
                  if not t.stopped]
        page, end = _page_tracks(call, tracks, default=20, maximum=50)
        return {"endId": end, "trackingList": [spot_current(e, t, trader_view=False) for t in page]}

    def spot_follower_close_tracking(self, call: Call) -> Any:
        e = self._e()
        e.follower_close(call.uid, symbol=call.req("symbol"), market=SPOT_MARKET, tracking_nos=_tracking_list(call))
        return ""

    def spot_follower_cancel_trader(self, call: Call) -> Any:
        e = self._e()
        e.unfollow(call.uid, call.req("traderId"), SPOT_MARKET)
        return ""

    # -- the table -------------------------------------------------------------------------------------------------

    def routes(self) -> tuple[Route, ...]:
        get: list[tuple[str, Callable[[Call], Any]]] = [
            (P.MIX_TRADER_CURRENT_TRACK, self.trader_current_track),
            (P.MIX_TRADER_HISTORY_TRACK, self.trader_history_track),
            (P.MIX_TRADER_TOTAL_DETAIL, self.trader_total_detail),
            (P.MIX_TRADER_PROFIT_SUMMARYS, self.trader_profit_summarys),
            (P.MIX_TRADER_PROFIT_HISTORY, self.trader_profit_history),
            (P.MIX_TRADER_PROFIT_DETAILS, self.trader_profit_details),
            (P.MIX_TRADER_PROFITS_BY_DATE, self.trader_profits_group_coin_date),
            (P.MIX_TRADER_QUERY_SYMBOLS, self.trader_config_query_symbols),
            (P.MIX_TRADER_QUERY_FOLLOWERS, self.trader_config_query_followers),
            (P.MIX_FOLLOWER_CURRENT_ORDERS, self.follower_current_orders),
            (P.MIX_FOLLOWER_HISTORY_ORDERS, self.follower_history_orders),
            (P.MIX_FOLLOWER_QUERY_SETTINGS, self.follower_query_settings),
            (P.MIX_FOLLOWER_QUERY_TRADERS, self.follower_query_traders),
            (P.MIX_FOLLOWER_QUANTITY_LIMIT, self.follower_query_quantity_limit),
            (P.MIX_BROKER_QUERY_TRADERS, self.broker_query_traders),
            (P.MIX_BROKER_CURRENT_TRACES, self.broker_current_traces),
            (P.MIX_BROKER_HISTORY_TRACES, self.broker_history_traces),
            (P.SPOT_TRADER_PROFIT_SUMMARYS, self.spot_trader_profit_summarys),
            (P.SPOT_TRADER_PROFIT_HISTORY, self.spot_trader_profit_history),
            (P.SPOT_TRADER_PROFIT_DETAILS, self.spot_trader_profit_details),
            (P.SPOT_TRADER_TOTAL_DETAIL, self.spot_trader_total_detail),
            (P.SPOT_TRADER_HISTORY_TRACK, self.spot_trader_history_track),
            (P.SPOT_TRADER_CURRENT_TRACK, self.spot_trader_current_track),
            (P.SPOT_TRADER_QUERY_SETTINGS, self.spot_trader_query_settings),
            (P.SPOT_TRADER_QUERY_FOLLOWERS, self.spot_trader_query_followers),
            (P.SPOT_FOLLOWER_QUERY_TRADERS, self.spot_follower_query_traders),
            (P.SPOT_FOLLOWER_TRADER_SYMBOLS, self.spot_follower_query_trader_symbols),
            (P.SPOT_FOLLOWER_QUERY_SETTINGS, self.spot_follower_query_settings),
            (P.SPOT_FOLLOWER_HISTORY_ORDERS, self.spot_follower_history_orders),
            (P.SPOT_FOLLOWER_CURRENT_ORDERS, self.spot_follower_current_orders),
        ]
        post: list[tuple[str, Callable[[Call], Any]]] = [
            (P.MIX_TRADER_MODIFY_TPSL, self.trader_modify_tpsl),
            (P.MIX_TRADER_CLOSE_POSITIONS, self.trader_close_positions),
            (P.MIX_TRADER_SETTING_SYMBOLS, self.trader_config_setting_symbols),
            (P.MIX_TRADER_SETTINGS_BASE, self.trader_config_settings_base),
            (P.MIX_TRADER_REMOVE_FOLLOWER, self.trader_config_remove_follower),
            (P.MIX_FOLLOWER_SETTING_TPSL, self.follower_setting_tpsl),
            (P.MIX_FOLLOWER_SETTINGS, self.follower_settings),
            (P.MIX_FOLLOWER_CLOSE_POSITIONS, self.follower_close_positions),
            (P.MIX_FOLLOWER_CANCEL_TRADER, self.follower_cancel_trader),
            (P.SPOT_TRADER_MODIFY_TPSL, self.spot_trader_modify_tpsl),
            (P.SPOT_TRADER_CLOSE_TRACKING, self.spot_trader_close_tracking),
            (P.SPOT_TRADER_SETTING_SYMBOLS, self.spot_trader_setting_symbols),
            (P.SPOT_TRADER_REMOVE_FOLLOWER, self.spot_trader_remove_follower),
            (P.SPOT_FOLLOWER_STOP_ORDER, self.spot_follower_stop_order),
            (P.SPOT_FOLLOWER_SETTINGS, self.spot_follower_settings),
            (P.SPOT_FOLLOWER_SETTING_TPSL, self.spot_follower_setting_tpsl),
            (P.SPOT_FOLLOWER_CLOSE_TRACKING, self.spot_follower_close_tracking),
            (P.SPOT_FOLLOWER_CANCEL_TRADER, self.spot_follower_cancel_trader),
        ]
        return (*(Route("GET", path, handler, private=True) for path, handler in get),
                *(Route("POST", path, handler, private=True, trade=True) for path, handler in post))


def register_copy_routes(server: SimServer, engine: CopyEngine | None = None) -> CopyEngine:
    """Serve copy trading from ``server``: its routes table, its rate limits, its timer. Returns the engine."""
    engine = engine or CopyEngine(server.exchange, clock=server.now_ms)
    table: Iterable[Route] = CopyRoutes(engine).routes()
    for route in table:
        server.routes[(route.method, route.path)] = route
    server.limiter.rates.update({path: rate for path, rate in COPY_RATES.items() if path.startswith("/api/")})
    hooks = getattr(server, "tick_hooks", None)
    if isinstance(hooks, list):
        hooks.append(engine.sync)
    return engine
