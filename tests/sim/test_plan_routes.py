"""The simulator's plan-order endpoints over real loopback sockets (signed requests): futures trigger orders,
trailing stops, TP/SL (moving_plan too), spot plan orders; modify, cancel (by ids, by type), pending and history
lists; and the ``orders-algo`` pushes. Answers are compared with Bitget's samples key by key."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
import pytest_asyncio
import websockets

from terminal_app.bitget.signing import ws_login_message
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.server.auth import DEMO_UID
from terminal_app.sim.server.http import SimConfig

from .signed_api import Api, serving

FUT = SymbolRef("BTCUSDT", Product.USDT_FUTURES)
FUT_TICK = Decimal("0.1")


@pytest_asyncio.fixture
async def api() -> AsyncIterator[Api]:
    async with serving(SimConfig(seed=5, rate_limits=False), clock_ms=lambda: time.time_ns() // 1_000_000) as client:
        yield client


def missing_keys(sample: dict[str, Any], row: dict[str, Any]) -> list[str]:
    """Keys of the sample's row that ours lacks, or whose value is a string there and not here."""
    return [k for k, v in sample.items()
            if k not in row or (isinstance(v, str) and not isinstance(row[k], str))]


def _mix(**params: Any) -> dict[str, Any]:
    return {"productType": "USDT-FUTURES", "symbol": "BTCUSDT", "marginCoin": "USDT", **params}


MIX = "/api/v2/mix/order/"
SPOT = "/api/v2/spot/trade/"


@pytest.mark.asyncio
async def test_futures_plans_place_list_modify_cancel(api: Api, samples: Path) -> None:
    ex = api.server.exchange
    mark = ex.mark_price(FUT)
    above = str((mark * 2).quantize(FUT_TICK))
    stop = await api("POST", MIX + "place-plan-order",
                     _mix(planType="normal_plan", side="buy", orderType="market", size="0.01", marginMode="crossed",
                          triggerPrice=above, triggerType="mark_price", clientOid="stop-a"))
    assert stop["clientOid"] == "stop-a"
    trail = await api("POST", MIX + "place-plan-order",
                      _mix(planType="track_plan", side="sell", orderType="market", size="0.01",
                           marginMode="crossed", triggerPrice=above, callbackRatio="1.5"))
    normal = await api("GET", MIX + "orders-plan-pending", {"productType": "USDT-FUTURES", "planType": "normal_plan"})
    [row] = normal["entrustedList"]
    sample = json.loads((samples / "rest" / "GET_api_v2_mix_order_orders-plan-pending.json").read_text())
    assert missing_keys(sample["data"]["entrustedList"][0], row) == []
    assert (row["orderId"], row["clientOid"], row["planStatus"], row["triggerType"]) == (
        stop["orderId"], "stop-a", "live", "mark_price")
    tracks = await api("GET", MIX + "orders-plan-pending", {"productType": "USDT-FUTURES", "planType": "track_plan"})
    assert [(r["orderId"], r["callbackRatio"]) for r in tracks["entrustedList"]] == [(trail["orderId"], "1.5")]

    await api("POST", MIX + "modify-plan-order",
              _mix(orderId=stop["orderId"], newTriggerPrice=str(mark * 3), newSize="0.02"))
    await api("POST", MIX + "modify-plan-order", _mix(clientOid=trail["clientOid"], newCallbackRatio="2"))
    rows = {r["orderId"]: r for r in (await api("GET", MIX + "orders-plan-pending",
                                               {"productType": "USDT-FUTURES", "planType": "normal_plan"}))[
        "entrustedList"]}
    assert (rows[stop["orderId"]]["triggerPrice"], rows[stop["orderId"]]["size"]) == (f"{mark * 3:f}", "0.02")

    # a position, its partial SL and a trailing TP/SL (moving_plan), listed under profit_loss and modified
    ex.place_futures_order(DEMO_UID, "BTCUSDT", "buy", "market", "0.03")
    sl = await api("POST", MIX + "place-tpsl-order",
                   _mix(planType="loss_plan", holdSide="buy", triggerPrice=str((mark / 2).quantize(FUT_TICK)),
                        size="0.01"))
    moving = await api("POST", MIX + "place-tpsl-order",
                       _mix(planType="moving_plan", holdSide="buy", triggerPrice=above, size="0.01", rangeRate="1"))
    tpsl = await api("GET", MIX + "orders-plan-pending", {"productType": "USDT-FUTURES", "planType": "profit_loss"})
    assert {r["planType"] for r in tpsl["entrustedList"]} == {"loss_plan", "moving_plan"}
    wrong = await api.raw("POST", MIX + "modify-tpsl-order",
                          _mix(orderId=sl["orderId"], triggerPrice=str((mark * 2).quantize(FUT_TICK))))
    assert wrong["code"] == "40917"
    await api("POST", MIX + "modify-tpsl-order", _mix(orderId=moving["orderId"], triggerPrice=above, rangeRate="2"))

    cancelled = await api("POST", MIX + "cancel-plan-order",
                          _mix(orderIdList=[{"orderId": stop["orderId"]}, {"orderId": "7"}]))
    assert [r["orderId"] for r in cancelled["successList"]] == [stop["orderId"]]
    assert [r["errorCode"] for r in cancelled["failureList"]] == ["40768"]
    everything = await api("POST", MIX + "cancel-plan-order", {"productType": "USDT-FUTURES"})
    assert {r["orderId"] for r in everything["successList"]} == {trail["orderId"], sl["orderId"], moving["orderId"]}
    history = await api("GET", MIX + "orders-plan-history", {"productType": "USDT-FUTURES", "planType": "normal_plan"})
    [done] = history["entrustedList"]
    sample = json.loads((samples / "rest" / "GET_api_v2_mix_order_orders-plan-history.json").read_text())
    assert missing_keys(sample["data"]["entrustedList"][0], done) == []
    # the sample is an executed plan; a cancelled one has no order and no fill
    assert (done["planStatus"], done["executeOrderId"], done["priceAvg"], done["baseVolume"]) == (
        "cancelled", "", "", "")


@pytest.mark.asyncio
async def test_spot_plans(api: Api, samples: Path) -> None:
    placed = await api("POST", SPOT + "place-plan-order",
                       {"symbol": "BTCUSDT", "side": "buy", "orderType": "limit", "size": "0.001",
                        "triggerPrice": "999999", "executePrice": "1000000", "planType": "amount",
                        "triggerType": "fill_price", "clientOid": "spot-a"})
    current = await api("GET", SPOT + "current-plan-order", {"symbol": "BTCUSDT"})
    sample = json.loads((samples / "rest" / "GET_api_v2_spot_trade_current-plan-order.json").read_text())
    assert missing_keys(sample["data"], current) == []
    [row] = current["orderList"]
    assert missing_keys(sample["data"]["orderList"][0], row) == []
    assert (row["orderId"], row["status"], row["planType"]) == (placed["orderId"], "not_trigger", "amount")
    await api("POST", SPOT + "modify-plan-order",
              {"orderId": placed["orderId"], "triggerPrice": "999000", "orderType": "market", "size": "0.002"})
    [row] = (await api("GET", SPOT + "current-plan-order", {"symbol": "BTCUSDT"}))["orderList"]
    assert (row["triggerPrice"], row["orderType"], row["size"]) == ("999000", "market", "0.002")
    assert await api("POST", SPOT + "cancel-plan-order", {"clientOid": "spot-a"}) == {"result": "success"}
    gone = await api.raw("POST", SPOT + "cancel-plan-order", {"clientOid": "spot-a"})
    assert gone["code"] == "43001"
    await api("POST", SPOT + "place-plan-order",
              {"symbol": "BTCUSDT", "side": "sell", "orderType": "market", "size": "0.001", "triggerPrice": "1"})
    batch = await api("POST", SPOT + "batch-cancel-plan-order", {"symbolList": ["BTCUSDT"]})
    assert len(batch["successList"]) == 1
    history = await api("GET", SPOT + "history-plan-order", {"symbol": "BTCUSDT"})
    assert [r["status"] for r in history["orderList"]] == ["cancelled", "cancelled"]


@pytest.mark.asyncio
async def test_orders_algo_pushes_have_the_samples_shapes(api: Api, samples: Path) -> None:
    info = api.server.info
    assert info is not None
    args = [{"instType": "SPOT", "channel": "orders-algo", "instId": "default"},
            {"instType": "USDT-FUTURES", "channel": "orders-algo", "instId": "default"}]
    async with websockets.connect(info.ws_private) as ws:
        await ws.send(orjson.dumps(ws_login_message(api.creds, str(api.server.now_ms() // 1000))).decode())
        assert orjson.loads(await ws.recv())["event"] == "login"
        await ws.send(orjson.dumps({"op": "subscribe", "args": args}).decode())
        for _ in args:
            assert orjson.loads(await ws.recv())["event"] == "subscribe"
        await api("POST", SPOT + "place-plan-order",
                  {"symbol": "BTCUSDT", "side": "buy", "orderType": "market", "size": "0.001",
                   "triggerPrice": "999999"})
        await api("POST", MIX + "place-plan-order",
                  _mix(planType="track_plan", side="sell", orderType="market", size="0.01", marginMode="crossed",
                       triggerPrice="999999", callbackRatio="1"))
        pushes: dict[str, dict[str, Any]] = {}
        async with asyncio.timeout(10):
            while len(pushes) < 2:
                msg = orjson.loads(await ws.recv())
                if msg.get("arg", {}).get("channel") == "orders-algo" and msg.get("data"):
                    pushes[msg["arg"]["instType"]] = msg["data"][0]
    for inst, name in (("SPOT", "ws-spot-orders-algo.push.json"),
                       ("USDT-FUTURES", "ws-usdt-futures-orders-algo.push.json")):
        sample = json.loads((samples / "ws" / name).read_text())["data"][0]
        assert missing_keys(sample, pushes[inst]) == [], inst
    assert pushes["USDT-FUTURES"]["planType"] == "track"
    assert pushes["USDT-FUTURES"]["callbackRatio"] == "1"
    assert pushes["SPOT"]["status"] == "live"


@pytest.mark.asyncio
async def test_an_executed_plan_names_its_order_and_fill(api: Api) -> None:
    ex = api.server.exchange
    mark = ex.mark_price(FUT)
    low = str((mark / 2).quantize(FUT_TICK))
    # a sell stop far below the price, then the price taken there: it fires at the next step
    stop = await api("POST", MIX + "place-plan-order",
                     _mix(planType="normal_plan", side="sell", orderType="market", size="0.01", marginMode="crossed",
                          triggerPrice=low, triggerType="mark_price"))
    ex.shock("BTC", "0.4")
    for _ in range(100):
        history = await api("GET", MIX + "orders-plan-history", {"productType": "USDT-FUTURES",
                                                                   "planType": "normal_plan"})
        if history["entrustedList"]:
            break
        await asyncio.sleep(0.05)
    [row] = history["entrustedList"]
    order = ex.get_order(DEMO_UID, Product.USDT_FUTURES, row["executeOrderId"])
    assert row["orderId"] == stop["orderId"]
    assert row["planStatus"] == "executed"
    assert (Decimal(row["priceAvg"]), Decimal(row["baseVolume"])) == (order.avg_price, Decimal("0.01"))
