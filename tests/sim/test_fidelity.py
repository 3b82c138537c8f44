"""Issue 12 §3: where the simulator and the client shared a misconception about Bitget, the simulator now answers as
Bitget does. Each test talks to a real simulator over loopback sockets and fails on the shape the simulator had.

Sources are in ``docs``/``bitget-v2.md`` "Changes in 2026" and in the docstrings of ``sim/server/render.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal as D

import orjson
import pytest
import pytest_asyncio
import websockets

from terminal_app.bitget.signing import ws_login_message
from terminal_app.sim.server.http import SimConfig

from .signed_api import Api, serving

pytestmark = pytest.mark.asyncio
MIX = {"productType": "USDT-FUTURES", "marginCoin": "USDT"}


@pytest_asyncio.fixture
async def api() -> AsyncIterator[Api]:
    async with serving(SimConfig(seed=3, rate_limits=False)) as client:
        yield client


def _best(api: Api, symbol: str, futures: bool) -> tuple[D, D]:
    from terminal_app.core.instruments import Product, SymbolRef

    ref = SymbolRef(symbol, Product.USDT_FUTURES if futures else Product.SPOT)
    depth = api.server.exchange.depth(ref, 1)
    return depth.bids[0][0], depth.asks[0][0]


async def test_spot_unfilled_orders_carry_the_limit_price_in_price_avg(api: Api) -> None:
    bid, _ = _best(api, "BTCUSDT", False)
    price = (bid * D("0.9")).quantize(D("0.01"))
    await api("POST", "/api/v2/spot/trade/place-order", {"symbol": "BTCUSDT", "side": "buy", "orderType": "limit",
                                                          "force": "gtc", "price": str(price), "size": "0.001"})
    (row,) = await api("GET", "/api/v2/spot/trade/unfilled-orders", {"symbol": "BTCUSDT"})
    assert "price" not in row
    assert (D(row["priceAvg"]), D(row["basePrice"])) == (price, 0)


async def test_futures_cancelled_order_is_spelled_canceled_in_rest_and_push(api: Api) -> None:
    info = api.server.info
    assert info is not None
    bid, _ = _best(api, "BTCUSDT", True)
    price = str((bid * D("0.9")).quantize(D("0.1")))
    async with websockets.connect(info.ws_private) as ws:
        await ws.send(orjson.dumps(ws_login_message(api.creds, str(api.server.now_ms() // 1000))).decode())
        login = orjson.loads(await ws.recv())
        assert login == {"event": "login", "code": 0, "msg": ""}
        assert type(login["code"]) is int
        await ws.send(orjson.dumps({"op": "subscribe", "args": [
            {"instType": "USDT-FUTURES", "channel": "orders", "instId": "default"}]}).decode())
        ack = await api("POST", "/api/v2/mix/order/place-order", {
            **MIX, "symbol": "BTCUSDT", "marginMode": "crossed", "side": "buy", "orderType": "limit",
            "force": "gtc", "price": price, "size": "0.01"})
        await api("POST", "/api/v2/mix/order/cancel-order", {**MIX, "symbol": "BTCUSDT", "orderId": ack["orderId"]})
        statuses: list[str] = []
        while "canceled" not in statuses and "cancelled" not in statuses:
            msg = orjson.loads(await ws.recv())
            statuses += [row["status"] for row in msg.get("data", []) if msg.get("arg", {}).get("channel") == "orders"]
    assert statuses[-1] == "canceled"
    detail = await api("GET", "/api/v2/mix/order/detail", {**MIX, "symbol": "BTCUSDT", "orderId": ack["orderId"]})
    assert (detail["state"], detail["cancelReason"]) == ("canceled", "normal_cancel")
    history = await api("GET", "/api/v2/mix/order/orders-history", {**MIX, "symbol": "BTCUSDT"})
    assert [o["status"] for o in history["entrustedList"] if o["orderId"] == ack["orderId"]] == ["canceled"]


async def test_spot_cancelled_keeps_two_ls(api: Api) -> None:
    bid, _ = _best(api, "ETHUSDT", False)
    ack = await api("POST", "/api/v2/spot/trade/place-order", {
        "symbol": "ETHUSDT", "side": "buy", "orderType": "limit", "force": "gtc",
        "price": str((bid * D("0.9")).quantize(D("0.01"))), "size": "0.01"})
    await api("POST", "/api/v2/spot/trade/cancel-order", {"symbol": "ETHUSDT", "orderId": ack["orderId"]})
    (row,) = await api("GET", "/api/v2/spot/trade/orderInfo", {"orderId": ack["orderId"]})
    assert row["status"] == "cancelled"


@pytest.mark.parametrize("futures", [False, True])
async def test_post_only_that_would_take_is_accepted_then_cancelled(api: Api, futures: bool) -> None:
    """No 43111 ("param error {0}" in Bitget's table): an orderId comes back and the order ends cancelled."""
    _, best_ask = _best(api, "BTCUSDT", futures)
    # through the ask, not at it: the market can lift its ask between this read and the order's arrival (seen
    # under load: the order then rested "live" and the test failed), a price 0.2 % through still takes
    ask = (best_ask * D("1.002")).quantize(best_ask)
    if futures:
        ack = await api("POST", "/api/v2/mix/order/place-order", {
            **MIX, "symbol": "BTCUSDT", "marginMode": "crossed", "side": "buy", "orderType": "limit",
            "force": "post_only", "price": str(ask), "size": "0.01"})
        detail = await api("GET", "/api/v2/mix/order/detail", {**MIX, "symbol": "BTCUSDT", "orderId": ack["orderId"]})
        assert (detail["state"], D(detail["baseVolume"])) == ("canceled", 0)
    else:
        ack = await api("POST", "/api/v2/spot/trade/place-order", {
            "symbol": "BTCUSDT", "side": "buy", "orderType": "limit", "force": "post_only", "price": str(ask),
            "size": "0.001"})
        (row,) = await api("GET", "/api/v2/spot/trade/orderInfo", {"orderId": ack["orderId"]})
        assert (row["status"], D(row["baseVolume"])) == ("cancelled", 0)


async def test_batch_cancel_orders_without_a_list_cancels_the_symbol(api: Api) -> None:
    bid, _ = _best(api, "BTCUSDT", True)
    ids = []
    for k in (8, 9):
        ack = await api("POST", "/api/v2/mix/order/place-order", {
            **MIX, "symbol": "BTCUSDT", "marginMode": "crossed", "side": "buy", "orderType": "limit",
            "force": "gtc", "price": str((bid * D(k) / 10).quantize(D("0.1"))), "size": "0.01"})
        ids.append(ack["orderId"])
    result = await api("POST", "/api/v2/mix/order/batch-cancel-orders", {**MIX, "symbol": "BTCUSDT"})
    assert sorted(o["orderId"] for o in result["successList"]) == sorted(ids)
    pending = await api("GET", "/api/v2/mix/order/orders-pending", {**MIX, "symbol": "BTCUSDT"})
    assert pending["entrustedList"] is None


async def test_set_leverage_in_isolated_hedge_mode_needs_hold_side(api: Api) -> None:
    """SG:contract/account/Change-Leverage: isolated + hedge needs holdSide, unless longLeverage and shortLeverage
    set both directions; the simulator used to apply a bare leverage to both sides."""
    await api("POST", "/api/v2/mix/account/set-position-mode", {**MIX, "posMode": "hedge_mode"})
    await api("POST", "/api/v2/mix/account/set-margin-mode", {**MIX, "symbol": "BTCUSDT", "marginMode": "isolated"})
    bare = await api.raw("POST", "/api/v2/mix/account/set-leverage", {**MIX, "symbol": "BTCUSDT", "leverage": "5"})
    assert bare["code"] == "40019"
    long = await api("POST", "/api/v2/mix/account/set-leverage",
                     {**MIX, "symbol": "BTCUSDT", "leverage": "5", "holdSide": "long"})
    assert (long["longLeverage"], long["shortLeverage"]) == ("5", "20")
    both = await api("POST", "/api/v2/mix/account/set-leverage",
                     {**MIX, "symbol": "BTCUSDT", "longLeverage": "7", "shortLeverage": "3"})
    assert (both["longLeverage"], both["shortLeverage"]) == ("7", "3")


@pytest.mark.parametrize(("spot", "interval", "open_hour_utc"), [
    (True, "D1", 16), (True, "D1_UTC", 0), (False, "D1", 16), (False, "D1_UTC", 0), (False, "W1_UTC", 0)])
async def test_daily_candles_open_at_utc8_midnight_unless_utc_is_asked(api: Api, spot: bool, interval: str,
                                                                       open_hour_utc: int) -> None:
    """Bitget's 1day/1D (and weeks) open at 00:00 UTC+8; the chart's 1Dutc/1Wutc intervals ask for 00:00 UTC."""
    from terminal_app.core.candles import Interval

    iv = Interval[interval]
    path = "/api/v2/spot/market/candles" if spot else "/api/v2/mix/market/candles"
    params = {"symbol": "BTCUSDT", "granularity": iv.spot_granularity if spot else iv.futures_granularity,
              "limit": "5", **({} if spot else {"productType": "USDT-FUTURES"})}
    rows = await api("GET", path, params)
    assert rows
    hours = {int(r[0]) % 86_400_000 // 3_600_000 for r in rows}
    assert hours == {open_hour_utc}
    if iv is Interval.W1_UTC:           # and weeks start on Monday
        import datetime as dt

        assert {dt.datetime.fromtimestamp(int(r[0]) / 1000, dt.UTC).weekday() for r in rows} == {0}
