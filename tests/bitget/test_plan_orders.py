"""BitgetRestClient.mix_plan_orders_pending: the request on the wire, Bitget's own sample answers, strict parsing."""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import orjson
import pytest

from terminal_app.bitget.errors import BitgetError, ProtocolError
from terminal_app.bitget.http import BitgetHttp
from terminal_app.bitget.models import AlgoOrder
from terminal_app.bitget.rest import BitgetRestClient
from terminal_app.core.credentials import Credentials
from terminal_app.core.instruments import Product, SymbolRef

CREDS = Credentials("bg_key_plan", "plan-secret", "phrase")
PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)
PATH = "/api/v2/mix/order/orders-plan-pending"


def _client(answer: Callable[[httpx.Request], httpx.Response]) -> tuple[BitgetRestClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer(request)

    async def no_sleep(_: float) -> None:
        return None

    http = BitgetHttp("https://api.example", CREDS, transport=httpx.MockTransport(record), sleep=no_sleep,
                      rng=random.Random(3))
    return BitgetRestClient(http), seen


def _data(data: Any) -> Callable[[httpx.Request], httpx.Response]:
    return lambda _: httpx.Response(200, json={"code": "00000", "msg": "success", "requestTime": 1, "data": data})


def _sample(samples: Path, name: str) -> Callable[[httpx.Request], httpx.Response]:
    body = (samples / "rest" / name).read_bytes()
    return lambda _: httpx.Response(200, content=body, headers={"Content-Type": "application/json"})


@pytest.mark.asyncio
async def test_the_request_carries_product_symbol_plan_type_and_paging_and_is_signed() -> None:
    client, seen = _client(_data({"entrustedList": None, "endId": None}))
    assert await client.mix_plan_orders_pending(PERP, plan_type="profit_loss", id_less_than="99", limit=50,
                                                start_time=1_700_000_000_000, client_oid="c-1") == []
    (request,) = seen
    assert (request.method, request.url.path) == ("GET", PATH)
    assert dict(parse_qsl(request.url.query.decode())) == {
        "productType": "USDT-FUTURES", "symbol": "BTCUSDT", "planType": "profit_loss", "idLessThan": "99",
        "limit": "50", "startTime": "1700000000000", "clientOid": "c-1"}
    assert request.headers["ACCESS-KEY"] == CREDS.api_key
    assert request.headers["ACCESS-SIGN"]
    # a product type lists every symbol; trigger orders are the default list
    await client.mix_plan_orders_pending(Product.COIN_FUTURES)
    assert dict(parse_qsl(seen[-1].url.query.decode())) == {"productType": "COIN-FUTURES", "planType": "normal_plan"}
    await client.aclose()


@pytest.mark.asyncio
async def test_bad_arguments_fail_before_any_request() -> None:
    client, seen = _client(_data({"entrustedList": []}))
    with pytest.raises(ValueError, match="plan_type"):
        await client.mix_plan_orders_pending(PERP, plan_type="profit_plan")  # a TP/SL kind, listed as profit_loss
    with pytest.raises(ValueError, match="futures"):
        await client.mix_plan_orders_pending(SymbolRef("BTCUSDT", Product.SPOT))
    with pytest.raises(ValueError, match="futures"):
        await client.mix_plan_orders_pending(Product.SPOT)
    assert seen == []
    await client.aclose()


@pytest.mark.asyncio
async def test_bitget_sample_trigger_order(samples: Path) -> None:
    client, _ = _client(_sample(samples, "GET_api_v2_mix_order_orders-plan-pending.json"))
    (plan,) = await client.mix_plan_orders_pending(Product.USDT_FUTURES)
    assert isinstance(plan, AlgoOrder)
    assert (plan.symbol, plan.order_id, plan.client_oid, plan.plan_type, plan.status) == (
        "ETHUSDT", "123", "121212", "normal_plan", "not_trigger")
    assert (plan.trigger_price, plan.price, plan.size) == (Decimal("1901"), Decimal("1900"), Decimal("1"))
    assert all(isinstance(v, Decimal) for v in (plan.trigger_price, plan.price, plan.size, plan.tp_trigger_price,
                                                plan.sl_trigger_price))
    assert (plan.side, plan.trade_side, plan.pos_side, plan.margin_coin, plan.margin_mode) == (
        "buy", "open", "long", "USDT", "crossed")
    assert (plan.tp_trigger_price, plan.tp_trigger_type) == (Decimal("2002"), "fill_price")
    assert (plan.sl_trigger_price, plan.preset_sl) == (Decimal("1820"), Decimal("1800"))
    assert plan.product is Product.USDT_FUTURES
    assert plan.ref == SymbolRef("ETHUSDT", Product.USDT_FUTURES)
    await client.aclose()


@pytest.mark.asyncio
async def test_bitget_sample_position_take_profit(samples: Path) -> None:
    client, _ = _client(_sample(samples, "GET_api_v2_mix_order_orders-plan-pending__GetOpenTriggerOrders2.json"))
    (plan,) = await client.mix_plan_orders_pending(SymbolRef("BNBUSDT", Product.USDT_FUTURES),
                                                   plan_type="profit_loss")
    assert (plan.plan_type, plan.status, plan.order_id) == ("pos_profit", "live", "1272849518383902721")
    assert (plan.trigger_price, plan.execute_price, plan.size) == (Decimal("634.59"), Decimal("634.59"), Decimal(0))
    assert (plan.trade_side, plan.pos_side, plan.pos_mode) == ("close", "long", "hedge_mode")
    assert (plan.sl_trigger_price, plan.margin_mode) == (None, None)  # null and "" are absent, not zero
    await client.aclose()


GOOD = {"planType": "loss_plan", "symbol": "BTCUSDT", "size": "0.01", "orderId": "7", "clientOid": "c",
        "price": "0", "triggerPrice": "50000", "triggerType": "mark_price", "planStatus": "live", "side": "sell",
        "posSide": "long", "marginCoin": "USDT", "tradeSide": "close", "orderType": "market",
        "cTime": "1700000000000", "uTime": "1700000000000"}


@pytest.mark.asyncio
@pytest.mark.parametrize("data", [
    {"entrustedList": [{**GOOD, "triggerPrice": "fifty"}]},
    {"entrustedList": [{**GOOD, "size": "NaN"}]},
    {"entrustedList": [{k: v for k, v in GOOD.items() if k != "orderId"}]},
    {"entrustedList": [{**GOOD, "cTime": "yesterday"}]},
    {"entrustedList": [["not", "an", "object"]]},
    {"entrustedList": "none"},
    ["a", "list", "instead", "of", "an", "object"],
    {"entrustedList": [GOOD, None]},
])
async def test_untrusted_answers_raise_a_typed_error(data: Any) -> None:
    client, _ = _client(_data(data))
    with pytest.raises(ProtocolError) as info:
        await client.mix_plan_orders_pending(PERP, plan_type="profit_loss")
    assert isinstance(info.value, BitgetError)
    await client.aclose()


@pytest.mark.asyncio
async def test_a_well_formed_answer_parses_exactly() -> None:
    client, _ = _client(lambda _: httpx.Response(200, content=orjson.dumps(
        {"code": "00000", "msg": "success", "requestTime": 1, "data": {"entrustedList": [GOOD], "endId": "7"}})))
    (plan,) = await client.mix_plan_orders_pending(PERP, plan_type="profit_loss")
    assert (plan.trigger_price, plan.size, plan.price, plan.c_time) == (Decimal("50000"), Decimal("0.01"),
                                                                        Decimal(0), 1_700_000_000_000)
    await client.aclose()
