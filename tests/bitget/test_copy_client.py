"""CopyClient: every copy-trading endpoint against Bitget's answers (the samples in bitget-samples/copy/, and the
examples of Bitget's copy-trading pages for endpoints without a sample), the request each method sends, broker
access degradation, the copy rate limits and the copy error codes."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from terminal_app.bitget.errors import (
    InvalidOrder,
    OrderNotFound,
    PermissionDenied,
    PositionModeMismatch,
    RateLimited,
    error_for_code,
)
from terminal_app.bitget.http import BitgetHttp
from terminal_app.bitget.ratelimit import WINDOW_S, RateLimiter
from terminal_app.bitget.rest import BitgetRestClient
from terminal_app.bitget.rest_copy import (
    COPY_RATES,
    TRADER_FUTURES_ORDER,
    BrokerAccessDenied,
    CopyClient,
    CopyPaths,
    TraderSymbolChange,
)
from terminal_app.core.copy_trading import FollowSetting, SpotFollowSetting, display_decimal
from terminal_app.core.credentials import Credentials
from terminal_app.core.instruments import Product, SymbolRef

CREDS = Credentials("bg_copy_key", "copy-secret", "phrase")
PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)
SPOT = SymbolRef("BTCUSDT", Product.SPOT)
USDT = Product.USDT_FUTURES


def sample(samples: Path, name: str) -> Any:
    return json.loads((samples / "copy" / name).read_text())["data"]


class Exchange:
    """A MockTransport handler answering per path; records every request."""

    def __init__(self, answers: dict[str, Any] | None = None) -> None:
        self.answers = dict(answers or {})
        self.seen: list[httpx.Request] = []
        self.error: tuple[str, str] | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        if self.error is not None:
            code, msg = self.error
            return httpx.Response(400, json={"code": code, "msg": msg, "requestTime": 1, "data": None})
        data = self.answers.get(request.url.path, "success")
        return httpx.Response(200, json={"code": "00000", "msg": "success", "requestTime": 1, "data": data})

    @property
    def last(self) -> httpx.Request:
        return self.seen[-1]

    def query(self) -> dict[str, str]:
        return dict(parse_qsl(self.last.url.query.decode()))

    def body(self) -> Any:
        return json.loads(self.last.content)


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def make(exchange: Exchange, *, limiter: RateLimiter | None = None) -> CopyClient:
    http = BitgetHttp("https://api.example", CREDS, transport=httpx.MockTransport(exchange), rate_limits=False,
                      sleep=Sleeps(), rng=random.Random(3))
    return CopyClient(BitgetRestClient(http, lookup_delay_s=0.0), limiter=limiter)


# --- the samples -------------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_trader_current_track_sample(samples: Path) -> None:
    ex = Exchange({CopyPaths.MIX_TRADER_CURRENT_TRACK: sample(
        samples, "GET_api_v2_copy_mix-trader_order-current-track.json")})
    page = await make(ex).trader_current_tracks(PERP, limit=20)
    assert ex.query() == {"productType": "USDT-FUTURES", "symbol": "BTCUSDT", "limit": "20"}
    assert "ACCESS-SIGN" in ex.last.headers
    assert page.end_id == "1"
    (t,) = page.items
    assert (t.tracking_no, t.open_order_id, t.symbol, t.pos_side) == ("1231231231", "123123123123", "BTCUSDT", "long")
    assert t.open_leverage == 20
    assert t.open_price == Decimal("26248.9")
    assert t.open_size == Decimal("0.1")
    assert t.open_time == 1695801595658
    assert t.open_fee == Decimal("-2.62489")
    assert t.follow_count == 1
    assert (t.stop_surplus_price, t.stop_loss_price) == (Decimal("27561.34"), Decimal("25855.16"))
    assert not t.is_closed


@pytest.mark.asyncio
async def test_follower_traders_sample(samples: Path) -> None:
    ex = Exchange({CopyPaths.MIX_FOLLOWER_QUERY_TRADERS: sample(
        samples, "GET_api_v2_copy_mix-follower_query-traders.json")})
    (t,) = await make(ex).follower_traders(page_no=1, page_size=20)
    assert ex.query() == {"pageNo": "1", "pageSize": "20"}
    assert (t.trader_id, t.trader_name, t.certification) == ("**********", "x-1111111", "Uncertified")
    assert (t.max_follow_limit, t.follow_count, t.bgb_max_follow_limit, t.bgb_follow_count) == (1000, 0, 100, 0)
    assert t.trace_total_margin == Decimal("1185.3286")
    assert t.trace_total_net_profit == Decimal("-744.7362")
    assert t.trace_total_profit == Decimal("-698.0210")
    assert t.follower_time == 1693381832000
    assert t.current_trading_pairs == ("BTCUSDT", "BTCUSD", "EOSUSDT", "ETHUSDT", "ETHUSD")


@pytest.mark.asyncio
async def test_broker_current_traces_sample(samples: Path) -> None:
    ex = Exchange({CopyPaths.MIX_BROKER_CURRENT_TRACES: sample(
        samples, "GET_api_v2_copy_mix-broker_query-current-traces.json")})
    page = await make(ex).broker_current_traces("7c6525121a9", USDT)
    assert ex.query() == {"traderId": "7c6525121a9", "productType": "USDT-FUTURES"}
    (t,) = page.items
    assert (t.tracking_no, t.symbol, t.margin_mode, t.margin, t.follow_count) == ("1", "ETHUSDT", "crossed",
                                                                                   Decimal("1212"), 16)
    assert (t.stop_surplus_price, t.stop_loss_price, t.c_time) == (Decimal("2300"), Decimal("1500"), 1685692706038)


@pytest.mark.asyncio
async def test_spot_follower_samples(samples: Path) -> None:
    ex = Exchange({
        CopyPaths.SPOT_FOLLOWER_CURRENT_ORDERS: sample(samples, "GET_api_v2_copy_spot-follower_query-current-orders"
                                                                ".json"),
        CopyPaths.SPOT_FOLLOWER_QUERY_TRADERS: sample(samples, "GET_api_v2_copy_spot-follower_query-traders.json"),
    })
    client = make(ex)
    page = await client.spot_follower_current_tracks(SPOT, trader_id="abc")
    assert ex.query() == {"symbol": "BTCUSDT", "traderId": "abc"}
    (t,) = page.items
    assert (t.tracking_no, t.trader_id, t.symbol, t.size) == ("1", "**********", "BTCUSDT", Decimal("0.0317"))
    assert t.buy_price == Decimal("34870.7")
    assert t.unrealized_plr == Decimal("-0.07")
    assert t.stop_surplus_price is None
    assert t.stop_loss_price is None
    (trader,) = await client.spot_follower_traders()
    assert trader.trace_total_margin == Decimal("16027.6543")
    assert trader.bgb_max_follow_limit is None
    assert (trader.trader_name, trader.max_follow_limit, trader.follow_count) == ("BGU***9Z72", 300, 1)


# --- futures trader: doc examples ----------------------------------------------------------------------------------

HISTORY_TRACK = {"trackingList": [{
    "trackingNo": "123123", "symbol": "BTCUSDT", "openOrderId": "1", "closeOrderId": "2",
    "productType": "usdt-futures", "posSide": "long", "openLeverage": "20", "openPriceAvg": "32000.5",
    "openTime": "1695035398292", "openSize": "0.1000",
    "closeSize": "0.1000", "closeTime": "1695176679764", "closePriceAvg": "32000.0", "stopType": "",
    "achievedPL": "-0.05000000", "openFee": "-3.20005000", "closeFee": "-3.20000000", "cTime": "1695035398292"}],
    "endId": "1"}

TOTAL_DETAIL = {
    "roi": "19.38", "tradingOrderNum": "105", "totalFollowerNum": "134", "currentFollowerNum": "4", "totalpl": "$46.95",
    "gainNum": "59", "lossNum": "46", "winRate": "56.123", "tradingPairsAvailableList": ["BTCUSDT"],
    "lastWeekRoiList": [{"rate": "-14.130944", "ctime": "1695139200000"}], "lastWeekProfitList": [],
    "lastMonthRoiList": [{"rate": "-14.130944", "ctime": "1693152000000"}], "totalEquity": "1776.03"}


@pytest.mark.asyncio
async def test_trader_history_summary_and_closes() -> None:
    ex = Exchange({
        CopyPaths.MIX_TRADER_HISTORY_TRACK: HISTORY_TRACK,
        CopyPaths.MIX_TRADER_TOTAL_DETAIL: TOTAL_DETAIL,
        CopyPaths.MIX_TRADER_CLOSE_POSITIONS: [{"trackingNo": "123", "symbol": "ETHUSDT",
                                                 "productType": "USDT-FUTURES"}],
    })
    client = make(ex)
    page = await client.trader_history_tracks(USDT, order="asc", limit=100, id_less_than="99")
    assert ex.query() == {"productType": "USDT-FUTURES", "idLessThan": "99", "limit": "100", "order": "asc"}
    (t,) = page.items
    assert t.is_closed
    assert t.close_price == Decimal("32000.0")
    assert t.close_order_id == "2"
    assert t.product_type is USDT
    assert t.achieved_pl == Decimal("-0.05")
    assert t.stop_type is None
    summary = await client.trader_summary()
    assert summary.roi == Decimal("19.38")
    assert summary.total_pl == Decimal("46.95")
    assert summary.win_rate == Decimal(
        "56.123")
    assert (summary.gain_num, summary.loss_num, summary.current_follower_num) == (59, 46, 4)
    assert summary.last_week_roi[0].ts == 1695139200000
    assert summary.last_week_profit == ()
    closed = await client.trader_close_tracks(USDT, tracking_no="123")
    assert ex.body() == {"productType": "USDT-FUTURES", "trackingNo": "123"}
    assert closed[0].tracking_no == "123"
    assert closed[0].product_type is USDT


@pytest.mark.asyncio
async def test_trader_tpsl_settings_and_followers() -> None:
    ex = Exchange({
        CopyPaths.MIX_TRADER_QUERY_SYMBOLS: [{"symbol": "BTCUSDT", "openTrader": "yes", "minOpenCount": "0.002",
                                              "maxLeverage": "50", "stopSurplusRatio": "100", "stopLossRatio": "30"}],
        CopyPaths.MIX_TRADER_QUERY_FOLLOWERS: [{"accountEquity": "3434361.0097", "isRemove": "yes",
                                                "followerHeadPic": "", "followerName": "****@***.com",
                                                "followerUid": "42", "followerTime": "1684920707124"}],
    })
    client = make(ex)
    assert await client.trader_modify_tpsl("1", take_profit=Decimal("36333.0"), stop_loss=0)
    assert ex.body() == {"trackingNo": "1", "productType": "USDT-FUTURES", "stopSurplusPrice": "36333.0",
                         "stopLossPrice": "0"}
    with pytest.raises(ValueError):
        await client.trader_modify_tpsl("1")
    (setting,) = await client.trader_symbol_settings()
    assert setting.open_trader
    assert setting.max_leverage == 50
    assert setting.stop_loss_ratio == 30
    assert await client.trader_set_symbols([TraderSymbolChange("BTCUSDT", "update", stop_surplus_ratio=100)])
    assert ex.body() == {"settingList": [{"symbol": "BTCUSDT", "productType": "USDT-FUTURES", "settingType": "UPDATE",
                                          "stopSurplusRatio": "100"}]}
    assert await client.trader_set_base(enable=True, show_tpsl=False)
    assert ex.last.url.path == "/api/v2/copy/mix-trader/config-settings-base"
    assert ex.body() == {"enable": "YES", "showTpsl": "NO"}
    (follower,) = await client.trader_followers(page_size=100)
    assert follower.removable
    assert follower.follower_uid == "42"
    assert follower.account_equity == Decimal("3434361.0097")
    assert await client.trader_remove_follower("42")
    assert ex.body() == {"followerUid": "42"}


@pytest.mark.asyncio
async def test_trader_profit_share_pages() -> None:
    ex = Exchange({
        CopyPaths.MIX_TRADER_PROFIT_SUMMARYS: {
            "profitSummary": {"yesterdayProfit": "0", "sumProfit": "26.4519", "waitProfit": "0",
                              "yesterdayTime": "1698076800000"},
            "profitHistoryList": [{"coin": "USDT", "profitCount": "24.28410397", "lastProfitTime": "1698076800000"}]},
        CopyPaths.MIX_TRADER_PROFIT_HISTORY: {"profitList": [{"profitId": "1", "coin": "usdt", "profit": "1",
                                                              "nickName": "nick", "profitTime": "1691446639000"}],
                                              "endId": "3"},
        CopyPaths.MIX_TRADER_PROFIT_DETAILS: [{"coin": "usdt", "profit": "0", "nickName": "nickname"}],
        CopyPaths.MIX_TRADER_PROFITS_BY_DATE: [{"coin": "usdt", "profit": "15", "profitTime": "1627354109502"}],
    })
    client = make(ex)
    summary = await client.trader_profit_summary()
    assert summary.sum_profit == Decimal("26.4519")
    assert summary.coins[0].profit_count == Decimal("24.28410397")
    page = await client.trader_profit_history(coin="USDT", limit=100)
    assert page.end_id == "3"
    assert page.items[0].profit_id == "1"
    assert page.items[0].name == "nick"
    (pending,) = await client.trader_pending_profit()
    assert pending.profit == 0
    assert pending.profit_time is None
    (by_date,) = await client.trader_profits_by_date(page_size=50)
    assert by_date.profit == 15
    assert by_date.coin == "USDT"
    assert by_date.profit_time == 1627354109502


@pytest.mark.asyncio
async def test_trader_place_order_keeps_one_per_second() -> None:
    now = [100.0]
    sleeps = Sleeps()

    async def sleep(seconds: float) -> None:
        await sleeps(seconds)
        now[0] += seconds

    limiter = RateLimiter(COPY_RATES, clock=lambda: now[0], sleep=sleep)
    ex = Exchange({"/api/v2/mix/order/place-order": {"orderId": "1", "clientOid": "c"}})
    client = make(ex, limiter=limiter)
    for _ in range(3):
        await client.trader_place_futures_order(PERP, "buy", "market", Decimal("0.01"), margin_coin="USDT",
                                                margin_mode="crossed", trade_side="open")
    assert ex.body()["tradeSide"] == "open"
    assert COPY_RATES[TRADER_FUTURES_ORDER] == 1.0
    assert sleeps.delays == pytest.approx([WINDOW_S, WINDOW_S])  # one per window (a second plus a safety margin)


@pytest.mark.asyncio
async def test_copy_reads_are_limited_to_five_per_second() -> None:
    now = [0.0]
    sleeps = Sleeps()
    limiter = RateLimiter(COPY_RATES, clock=lambda: now[0], sleep=sleeps)
    client = make(Exchange({CopyPaths.MIX_FOLLOWER_CURRENT_ORDERS: []}), limiter=limiter)
    for _ in range(7):
        await client.follower_current_tracks()
    assert sleeps.delays == pytest.approx([WINDOW_S, WINDOW_S])  # five at once, the next ones a window later
    assert all(rate in (1.0, 5.0, 10.0) for rate in COPY_RATES.values())
    assert set(CopyPaths.all()) <= set(COPY_RATES)


# --- futures follower ----------------------------------------------------------------------------------------------

FOLLOWER_CURRENT = [{
    "trackingNo": "1", "traderName": "xxxxxx", "openOrderId": "1", "closeOrderId": "", "traderId": "**********",
    "symbol": "BTCUSDT", "posSide": "short", "openLeverage": "47", "openAvgPrice": "39827", "openTime": "1627567376984",
    "openSize": "0.0010000000000000", "closeAvgPrice": "0", "closeSize": "0.0000000000000000", "openMarginSz": "21",
    "closeTime": "0"}]

FOLLOWER_HISTORY = {"trackingList": [{
    "trackingNo": "123123123123", "posSide": "long", "openLeverage": "20", "openSize": "0.1852", "closeSize": "0.1852",
    "openPriceAvg": "32000.5", "closePriceAvg": "28233.0", "achievedPL": "-697.74100000", "openFee": "-5.92649260",
    "closeFee": "-5.22875160", "symbol": "BTCUSDT", "profitRate": "-235.47", "netProfit": "-697.74100000",
    "openOrderId": "1", "closeOrderId": "1", "openTime": "1695176941362", "closeTime": "1695353868557",
    "traderId": "**********", "productType": "usdt-futures"}], "endId": ""}


@pytest.mark.asyncio
async def test_follower_tracks_and_tpsl() -> None:
    ex = Exchange({CopyPaths.MIX_FOLLOWER_CURRENT_ORDERS: FOLLOWER_CURRENT,
                   CopyPaths.MIX_FOLLOWER_HISTORY_ORDERS: FOLLOWER_HISTORY})
    client = make(ex)
    (t,) = (await client.follower_current_tracks(trader_id="T1")).items
    assert ex.query() == {"productType": "USDT-FUTURES", "traderId": "T1"}
    assert t.open_price == Decimal("39827")
    assert t.margin == Decimal("21")
    assert t.trader_name == "xxxxxx"
    assert t.close_time is None
    assert t.close_price is None
    assert t.close_order_id is None
    assert not t.is_closed
    page = await client.follower_history_tracks(PERP, limit=100)
    assert page.end_id is None
    (h,) = page.items
    assert h.net_profit == Decimal("-697.741")
    assert h.profit_rate == Decimal("-235.47")
    assert h.is_closed
    assert await client.follower_set_tpsl("1", PERP, take_profit="37878")
    assert ex.body() == {"trackingNo": "1", "productType": "USDT-FUTURES", "symbol": "BTCUSDT",
                         "stopSurplusPrice": "37878"}


@pytest.mark.asyncio
async def test_follower_settings_roundtrip_and_unfollow() -> None:
    ex = Exchange({CopyPaths.MIX_FOLLOWER_QUERY_SETTINGS: {"followerEnable": "YES", "detailList": [{
        "symbol": "ETHUSDT", "productType": "USDT-FUTURES", "marginType": "specify", "marginCoin": "USDT",
        "leverType": "trader", "longLeverage": "20", "shortLeverage": "20", "traceType": "percent", "traceValue": "1",
        "maxHoldSize": "50000", "stopSurplusRatio": "200", "stopLossRatio": ""}]},
        CopyPaths.MIX_FOLLOWER_CLOSE_POSITIONS: {"orderIdList": ["123", "321"]},
        CopyPaths.MIX_FOLLOWER_QUANTITY_LIMIT: [{"maxFollowSize": "20000", "minFollowSize": "0.005",
                                                 "symbol": "BTCUSDT"}]})
    client = make(ex)
    setting = FollowSetting("BTCUSDT", "amount", Decimal("330"), max_hold_size=Decimal("5000"),
                            stop_loss_ratio=Decimal("40"))
    assert await client.follower_set_settings("T1", [setting], auto_copy=True, mode="advanced")
    assert ex.body() == {"traderId": "T1", "autoCopy": "on", "mode": "advanced", "settings": [{
        "symbol": "BTCUSDT", "productType": "USDT-FUTURES", "marginType": "trader", "marginCoin": "USDT",
        "leverType": "trader", "traceType": "amount", "traceValue": "330", "maxHoldSize": "5000",
        "stopLossRatio": "40"}]}
    settings = await client.follower_settings("T1")
    assert settings.following
    (d,) = settings.details
    assert (d.trace_type, d.trace_value, d.lever_type, d.margin_type) == ("percent", 1, "trader", "specify")
    assert d.stop_surplus_ratio == 200
    assert d.stop_loss_ratio is None
    assert d.max_hold_size == 50000
    assert await client.follower_close_positions(PERP, hold_side="long") == ["123", "321"]
    assert ex.body() == {"productType": "USDT-FUTURES", "symbol": "BTCUSDT", "holdSide": "long"}
    (limit,) = await client.follower_quantity_limits(PERP)
    assert (limit.min_follow_size, limit.max_follow_size) == (Decimal("0.005"), Decimal("20000"))
    assert await client.follower_unfollow("T1")
    assert ex.last.url.path == CopyPaths.MIX_FOLLOWER_CANCEL_TRADER
    assert ex.body() == {"traderId": "T1"}


# --- broker --------------------------------------------------------------------------------------------------------

BROKER_TRADERS = [{
    "canTrace": "Yes", "traderId": "abc", "traderName": "xx-111111", "maxLimit": "750", "bgbMaxFollowLimit": "75",
    "followCount": "23", "bgbFollowCount": "49", "traderStatus": "No", "totalEquity": "****",
    "currentTradingList": ["10000LADYSUSDT", "1000XECUSDT"],
    "columnList": [{"describe": "ROI", "value": "5739.62"}, {"describe": "Total PnL", "value": "$12,376.16"},
                   {"describe": "Total followers PnL", "value": "$747.81"}, {"describe": "AUM", "value": "$50,079.15"},
                   {"describe": "Max drawdown", "value": "2.09"}, {"describe": "Last 3W win rate", "value": "100.00"}],
    "totalFollowers": "49", "profitCount": "108", "lossCount": "0"}]


@pytest.mark.asyncio
async def test_broker_traders() -> None:
    ex = Exchange({CopyPaths.MIX_BROKER_QUERY_TRADERS: BROKER_TRADERS})
    (t,) = await make(ex).broker_traders(sort_rule="roi", sort_flag="desc", page_size=20)
    assert ex.query() == {"sortRule": "roi", "sortFlag": "desc", "pageSize": "20"}
    assert t.can_follow
    assert t.total_equity is None
    assert t.current_trading == ("10000LADYSUSDT", "1000XECUSDT")
    assert (t.roi, t.total_pnl, t.aum, t.max_drawdown, t.win_rate) == (
        Decimal("5739.62"), Decimal("12376.16"), Decimal("50079.15"), Decimal("2.09"), Decimal("100.00"))
    assert (t.max_limit, t.follow_count, t.total_followers, t.profit_count, t.loss_count) == (750, 23, 49, 108, 0)


@pytest.mark.asyncio
@pytest.mark.parametrize("code", ["40014", "40029"])
async def test_broker_endpoints_degrade_with_a_clear_error(code: str) -> None:
    ex = Exchange()
    ex.error = (code, "Incorrect permissions")
    client = make(ex)
    with pytest.raises(BrokerAccessDenied) as info:
        await client.broker_traders()
    assert info.value.code == code
    assert isinstance(info.value, PermissionDenied)
    assert "broker" in info.value.user_message
    assert "Trader discovery is unavailable" in info.value.user_message
    for call in (client.broker_current_traces("abc"), client.broker_history_traces("abc", PERP)):
        with pytest.raises(BrokerAccessDenied):
            await call
    ex.error = ("40014", "Incorrect permissions")
    with pytest.raises(PermissionDenied) as plain:  # non-broker endpoints keep the ordinary error
        await client.follower_traders()
    assert not isinstance(plain.value, BrokerAccessDenied)


# --- spot trader and follower --------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_spot_trader_endpoints() -> None:
    ex = Exchange({
        CopyPaths.SPOT_TRADER_CURRENT_TRACK: {"endId": "1", "trackingList": [{
            "trackingNo": "1", "orderId": "1", "buyFillSize": "0.0317", "buyDelegateSize": "0.0317190800000000",
            "buyPrice": "34870.7", "unrealizedPL": "-0.79530295", "buyTime": "1695729894873", "buyFee": "-0.00001908",
            "unrealizedPLR": "-0.07", "symbol": "BTCUSDT", "stopLossPrice": None, "stopSurplusPrice": None,
            "followCount": "1"}]},
        CopyPaths.SPOT_TRADER_HISTORY_TRACK: {"endId": "1", "trackingList": [{
            "trackingNo": "1", "fillSize": "0.0317", "buyPrice": "34869.2", "sellPrice": "34865.5",
            "achievedPL": "-0.78259", "buyTime": "1695728919902", "sellTime": "1695729885589", "buyFee": "-0.00001908",
            "sellFee": "-0.66314181", "achievedPLR": "-0.07", "symbol": "BTCUSDT", "netProfit": "-1.44573",
            "followCount": "1"}]},
        CopyPaths.SPOT_TRADER_PROFIT_SUMMARYS: {
            "profitSummarys": {"yesterdayProfit": "0", "yesterdayTime": "1695720000000", "sumProfit": "4.5837",
                               "waitProfit": "0"},
            "profitHistoryList": [{"coin": "USDT", "profitCount": "4.58376728", "lastProfitTime": "1695371160000",
                                   "historysByDateList": [{"profit": "2.40377986", "profitTime": "1695371100000"},
                                                          {"profit": "0.01625000", "profitTime": "1693556100000"}]}]},
        CopyPaths.SPOT_TRADER_PROFIT_HISTORY: {"endId": "4", "profitList": [{
            "profitId": "1", "coin": "USDT", "distributeRatio": "8", "profit": "2.40377986", "followerName": "xx1",
            "profitTime": "1695371100000"}]},
        CopyPaths.SPOT_TRADER_PROFIT_DETAILS: [{"distributeRatio": "11.11", "coin": "usdt", "profit": "0",
                                                "followerName": "bitget"}],
        CopyPaths.SPOT_TRADER_TOTAL_DETAIL: {**TOTAL_DETAIL, "maxFollowerNum": "300", "totalpl": "180.81650415"},
        CopyPaths.SPOT_TRADER_QUERY_SETTINGS: {
            "removeLimitUsdt": "100", "spotInfoList": [{"maxQuoteSize": "5000000", "surplusQuoteSize": "4998894.59",
                                                        "symbol": "BTCUSDT"}],
            "labelList": [], "enable": "YES", "showAssetsMap": "NO", "showEquity": "NO",
            "traceSymbolList": [{"enable": "NO", "symbol": "BGBUSDT", "minOpenCount": "0.0001"}]},
        CopyPaths.SPOT_TRADER_QUERY_FOLLOWERS: [{"accountEquity": "1001711.2164", "isRemove": "NO",
                                                 "followerHeadPic": None, "followerName": "BGU***1QK5",
                                                 "followerUid": "7", "followerTime": "1693533344295"}],
    })
    client = make(ex)
    (cur,) = (await client.spot_trader_current_tracks(SPOT)).items
    assert cur.order_id == "1"
    assert cur.follow_count == 1
    assert cur.unrealized_pl == Decimal("-0.79530295")
    (hist,) = (await client.spot_trader_history_tracks()).items
    assert hist.size == Decimal("0.0317")
    assert hist.sell_price == Decimal("34865.5")
    assert hist.net_profit == Decimal("-1.44573")
    assert hist.sell_time == 1695729885589
    summary = await client.spot_trader_profit_summary()
    assert summary.sum_profit == Decimal("4.5837")
    assert [p.ts for p in summary.coins[0].by_date] == [1693556100000,
                                                                                                     1695371100000]
    page = await client.spot_trader_profit_history()
    assert page.items[0].distribute_ratio == 8
    assert page.items[0].name == "xx1"
    assert (await client.spot_trader_pending_profit())[0].distribute_ratio == Decimal("11.11")
    detail = await client.spot_trader_summary()
    assert detail.max_follower_num == 300
    assert detail.total_pl == Decimal("180.81650415")
    settings = await client.spot_trader_settings()
    assert settings.enable
    assert not settings.show_equity
    assert settings.remove_limit_usdt == 100
    assert settings.symbols == (("BGBUSDT", False, Decimal("0.0001")),)
    assert settings.quotas == (("BTCUSDT", Decimal("5000000"), Decimal("4998894.59")),)
    (follower,) = await client.spot_trader_followers()
    assert not follower.removable
    assert follower.head_pic is None
    assert await client.spot_trader_modify_tpsl("1", take_profit=2000)
    assert ex.body() == {"trackingNo": "1", "stopSurplusPrice": "2000"}
    assert await client.spot_trader_close_tracks(SPOT, ["1", "2"])
    assert ex.body() == {"symbol": "BTCUSDT", "trackingNoList": ["1", "2"]}
    assert await client.spot_trader_set_symbols([SPOT, SymbolRef("ETHUSDT", Product.SPOT)], "ADD")
    assert ex.body() == {"symbolList": ["BTCUSDT", "ETHUSDT"], "settingType": "add"}
    assert await client.spot_trader_remove_follower("7")
    with pytest.raises(ValueError):
        await client.spot_trader_close_tracks(SPOT, [])


@pytest.mark.asyncio
async def test_spot_follower_endpoints() -> None:
    ex = Exchange({
        CopyPaths.SPOT_FOLLOWER_QUERY_SETTINGS: {
            "enable": "YES", "profitRate": "5", "settledInDays": "53",
            "tradeSettingList": [{"maxTraceAmount": "50000", "stopLossRation": "10", "stopSurplusRation": "10",
                                  "symbol": "ETHUSDT", "traceType": "FIXED_AMOUNT"}],
            "tradeSymbolSettingList": [{"maxTraceAmount": "1200", "minTraceSize": "0.001", "symbol": "BTCUSDT"}],
            "traderHeadPic": "", "traderName": "139****0981"},
        CopyPaths.SPOT_FOLLOWER_TRADER_SYMBOLS: {"currentTradingList": ["ETHUSDT", "BTCUSDT"]},
        CopyPaths.SPOT_FOLLOWER_HISTORY_ORDERS: {"endId": "1", "trackingList": [{
            "trackingNo": "1", "traderId": "T", "fillSize": "0.0316", "buyPrice": "34870.7", "sellPrice": "34865.5",
            "buyFee": "-0.00001902", "sellFee": "-0.66104988", "achievedPL": "-0.82756", "achievedPLR": "-0.07",
            "symbol": "BTCUSDT", "buyTime": "1695729617968", "sellTime": "1695729886269"}]},
        CopyPaths.SPOT_FOLLOWER_CANCEL_TRADER: "",
    })
    client = make(ex)
    settings = await client.spot_follower_settings("T")
    assert settings.following
    assert settings.profit_rate == 5
    assert settings.settled_in_days == 53
    (s,) = settings.settings
    assert (s.symbol, s.trace_type, s.max_hold_size, s.stop_loss_ratio) == ("ETHUSDT", "fixed_amount",
                                                                           Decimal("50000"), Decimal("10"))
    assert dict(settings.symbol_limits[0][1])["minTraceSize"] == Decimal("0.001")
    assert await client.spot_follower_trader_symbols("T") == ["ETHUSDT", "BTCUSDT"]
    (h,) = (await client.spot_follower_history_tracks(trader_id="T")).items
    assert h.achieved_pl == Decimal("-0.82756")
    assert h.trader_id == "T"
    assert await client.spot_follower_set_settings("T", [SpotFollowSetting("BTCUSDT", "amount", Decimal("100"),
                                                                            Decimal("1000"), Decimal("10"))])
    assert ex.body() == {"traderId": "T", "settings": [{"symbol": "BTCUSDT", "traceType": "amount",
                                                         "traceValue": "100", "maxHoldSize": "1000",
                                                         "stopSurplusRatio": "10"}]}
    assert await client.spot_follower_set_tpsl("1", stop_loss="1500")
    assert ex.body() == {"trackingNo": "1", "stopLossPrice": "1500"}
    assert await client.spot_follower_stop_orders(["123"])
    assert await client.spot_follower_close_tracks(SymbolRef("ethusdt", Product.SPOT), ["12213123"])
    assert ex.body() == {"symbol": "ethusdt", "trackingNoList": ["12213123"]}
    assert await client.spot_follower_unfollow("T")  # "" data is success (the 00000 code says so)


# --- errors and helpers --------------------------------------------------------------------------------------------


def test_copy_error_codes_are_typed() -> None:
    assert isinstance(error_for_code("40731", "This product does not support copy trading"), PositionModeMismatch)
    refused = error_for_code("40866", "You are currently a trader, please close the position under the current order")
    assert isinstance(refused, InvalidOrder)
    assert "tracking number" in refused.user_message
    assert isinstance(error_for_code("43065"), OrderNotFound)
    assert isinstance(error_for_code("40918"), RateLimited)
    assert isinstance(error_for_code("40732"), PermissionDenied)
    for code in ("43045", "43062", "43063", "31031", "40860"):
        assert isinstance(error_for_code(code), InvalidOrder), code


def test_display_decimal() -> None:
    assert display_decimal("$12,376.16") == Decimal("12376.16")
    assert display_decimal("56.12%") == Decimal("56.12")
    assert display_decimal("****") is None
    assert display_decimal("") is None
    assert display_decimal(None) is None
    assert display_decimal(3) == Decimal(3)
