"""BitgetRestClient: every endpoint method against Bitget's own sample answers, the no-duplicate order rules,
the account-mode probe, parameter formatting, and the order benchmark over real sockets."""

from __future__ import annotations

import argparse
import json
import random
import re
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import orjson
import pytest

from terminal_app.bench.order import BENCH_CREDENTIALS, LocalOrderServer, measure_client
from terminal_app.bench.order import main as bench_main
from terminal_app.bitget.errors import (
    DuplicateClientOid,
    InsufficientBalance,
    InvalidOrder,
    OrderNotFound,
    TransportError,
)
from terminal_app.bitget.http import BitgetHttp
from terminal_app.bitget.models import (
    AlgoOrder,
    BatchResult,
    CancelReplaceResult,
    CancelSymbolResult,
    CloseResult,
    Depth,
    FundingRate,
    OpenInterest,
    PlanOrderAck,
    ServerTime,
)
from terminal_app.bitget.rest import BitgetRestClient, ExchangeRest, SpotOrderRequest
from terminal_app.bitget.rest_mix import MixOrderRequest
from terminal_app.bitget.transport import TRANSPORTS
from terminal_app.core.accounts import (
    FuturesAccount,
    LeverageResult,
    MarginModeResult,
    Position,
    PositionModeResult,
    SpotAsset,
)
from terminal_app.core.credentials import Credentials
from terminal_app.core.enums import MarginMode, OrderType, PositionMode, Side, TradeSide
from terminal_app.core.instruments import MarketInfo, Product, SymbolRef
from terminal_app.core.market_data import Candle, PublicTrade, Ticker
from terminal_app.core.orders import Fill, Order, OrderAck

CREDS = Credentials("bg_key_2", "rest-secret", "phrase")
SPOT = SymbolRef("BTCUSDT", Product.SPOT)
PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)

Handler = Callable[[httpx.Request], httpx.Response]


def envelope(data: Any, code: str = "00000", msg: str = "success", status: int = 200) -> httpx.Response:
    return httpx.Response(status, json={"code": code, "msg": msg, "requestTime": 1, "data": data})


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def make_client(handler: Handler, *, lookup_delay_s: float = 0.0) -> tuple[BitgetRestClient, list[httpx.Request],
                                                                           Sleeps]:
    seen: list[httpx.Request] = []
    sleeps = Sleeps()

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    http = BitgetHttp("https://api.example", CREDS, transport=httpx.MockTransport(record), sleep=sleeps,
                      rng=random.Random(5))
    return BitgetRestClient(http, lookup_delay_s=lookup_delay_s), seen, sleeps


def sent(request: httpx.Request) -> dict[str, Any]:
    """Query parameters of a GET or the JSON body of a POST."""
    if request.method == "GET":
        return dict(parse_qsl(request.url.query.decode(), keep_blank_values=True))
    return orjson.loads(request.content)


# --- every endpoint method against the sample answers -------------------------------------------------------------

# Spot merge-depth has no sample of its own; its answer has the orderbook's shape.
SAMPLE_ALIASES = {"GET_api_v2_spot_market_merge-depth.json": "GET_api_v2_spot_market_orderbook.json"}

Call = Callable[[BitgetRestClient], Awaitable[Any]]
ENDPOINTS: list[tuple[str, Call, str, str, dict[str, Any], type, bool]] = [
    # (id, call, method, path, expected params/body subset, result element type, signed)
    ("server_time", lambda c: c.server_time(), "GET", "/api/v2/public/time", {}, ServerTime, False),
    ("spot_symbols", lambda c: c.spot_symbols(SPOT), "GET", "/api/v2/spot/public/symbols", {"symbol": "BTCUSDT"},
     MarketInfo, False),
    ("spot_tickers", lambda c: c.spot_tickers(), "GET", "/api/v2/spot/market/tickers", {}, Ticker, False),
    ("spot_orderbook", lambda c: c.spot_orderbook(SPOT, limit=5), "GET", "/api/v2/spot/market/orderbook",
     {"symbol": "BTCUSDT", "type": "step0", "limit": "5"}, Depth, False),
    ("spot_merge_depth", lambda c: c.spot_merge_depth(SPOT, precision="scale1", limit=15), "GET",
     "/api/v2/spot/market/merge-depth", {"symbol": "BTCUSDT", "precision": "scale1", "limit": "15"}, Depth, False),
    ("spot_candles", lambda c: c.spot_candles(SPOT, "1min", start_time=1, end_time=2, limit=3), "GET",
     "/api/v2/spot/market/candles", {"symbol": "BTCUSDT", "granularity": "1min", "startTime": "1", "endTime": "2",
                                     "limit": "3"}, Candle, False),
    ("spot_history_candles", lambda c: c.spot_history_candles(SPOT, "1h", 1700000000000), "GET",
     "/api/v2/spot/market/history-candles", {"granularity": "1h", "endTime": "1700000000000"}, Candle, False),
    ("spot_market_fills", lambda c: c.spot_market_fills(SPOT, limit=10), "GET", "/api/v2/spot/market/fills",
     {"symbol": "BTCUSDT", "limit": "10"}, PublicTrade, False),
    ("spot_place_order", lambda c: c.spot_place_order(SPOT, "buy", "limit", Decimal("0.001"), price=Decimal("60000"),
                                                      client_oid="my-oid"),
     "POST", "/api/v2/spot/trade/place-order", {"symbol": "BTCUSDT", "side": "buy", "orderType": "limit",
                                                 "force": "gtc", "price": "60000", "size": "0.001",
                                                 "clientOid": "my-oid"}, OrderAck, True),
    ("spot_batch_orders", lambda c: c.spot_batch_orders(SPOT, [
        SpotOrderRequest("buy", "limit", Decimal("1"), Decimal("2"), client_oid="a"),
        SpotOrderRequest("sell", "market", Decimal("3"))]),
     "POST", "/api/v2/spot/trade/batch-orders", {"symbol": "BTCUSDT", "batchMode": "single"}, BatchResult, True),
    ("spot_cancel_order", lambda c: c.spot_cancel_order(SPOT, order_id="121211212122"), "POST",
     "/api/v2/spot/trade/cancel-order", {"symbol": "BTCUSDT", "orderId": "121211212122"}, OrderAck, True),
    ("spot_cancel_symbol_orders", lambda c: c.spot_cancel_symbol_orders(SPOT), "POST",
     "/api/v2/spot/trade/cancel-symbol-order", {"symbol": "BTCUSDT"}, CancelSymbolResult, True),
    ("spot_cancel_replace_order", lambda c: c.spot_cancel_replace_order(SPOT, Decimal("1.5"), Decimal("2"),
                                                                         order_id="9", new_client_oid="n1"),
     "POST", "/api/v2/spot/trade/cancel-replace-order", {"price": "1.5", "size": "2", "orderId": "9",
                                                          "newClientOid": "n1"}, CancelReplaceResult, True),
    ("spot_order_info", lambda c: c.spot_order_info(client_oid="1-2-1-2-1"), "GET", "/api/v2/spot/trade/orderInfo",
     {"clientOid": "1-2-1-2-1"}, Order, True),
    ("spot_unfilled_orders", lambda c: c.spot_unfilled_orders(SPOT, limit=100), "GET",
     "/api/v2/spot/trade/unfilled-orders", {"symbol": "BTCUSDT", "limit": "100"}, Order, True),
    ("spot_history_orders", lambda c: c.spot_history_orders(id_less_than="5"), "GET",
     "/api/v2/spot/trade/history-orders", {"idLessThan": "5"}, Order, True),
    ("spot_fills", lambda c: c.spot_fills(SPOT, order_id="7"), "GET", "/api/v2/spot/trade/fills",
     {"symbol": "BTCUSDT", "orderId": "7"}, Fill, True),
    ("spot_assets", lambda c: c.spot_assets("USDT"), "GET", "/api/v2/spot/account/assets", {"coin": "USDT"},
     SpotAsset, True),
    ("mix_contracts", lambda c: c.mix_contracts(Product.USDT_FUTURES), "GET", "/api/v2/mix/market/contracts",
     {"productType": "USDT-FUTURES"}, MarketInfo, False),
    ("mix_ticker", lambda c: c.mix_ticker(PERP), "GET", "/api/v2/mix/market/ticker",
     {"symbol": "BTCUSDT", "productType": "USDT-FUTURES"}, Ticker, False),
    ("mix_tickers", lambda c: c.mix_tickers(Product.COIN_FUTURES), "GET", "/api/v2/mix/market/tickers",
     {"productType": "COIN-FUTURES"}, Ticker, False),
    ("mix_merge_depth", lambda c: c.mix_merge_depth(PERP, limit="max"), "GET", "/api/v2/mix/market/merge-depth",
     {"symbol": "BTCUSDT", "productType": "USDT-FUTURES", "limit": "max"}, Depth, False),
    ("mix_candles", lambda c: c.mix_candles(PERP, "1H", kline_type="MARK"), "GET", "/api/v2/mix/market/candles",
     {"granularity": "1H", "kLineType": "MARK", "productType": "USDT-FUTURES"}, Candle, False),
    ("mix_history_candles", lambda c: c.mix_history_candles(PERP, "1m", end_time=5), "GET",
     "/api/v2/mix/market/history-candles", {"granularity": "1m", "endTime": "5"}, Candle, False),
    ("mix_funding_rate", lambda c: c.mix_funding_rate(PERP), "GET", "/api/v2/mix/market/current-fund-rate",
     {"symbol": "BTCUSDT", "productType": "USDT-FUTURES"}, FundingRate, False),
    ("mix_open_interest", lambda c: c.mix_open_interest(PERP), "GET", "/api/v2/mix/market/open-interest",
     {"symbol": "BTCUSDT", "productType": "USDT-FUTURES"}, OpenInterest, False),
    ("mix_accounts", lambda c: c.mix_accounts(), "GET", "/api/v2/mix/account/accounts",
     {"productType": "USDT-FUTURES"}, FuturesAccount, True),
    ("mix_account", lambda c: c.mix_account(PERP, "USDT"), "GET", "/api/v2/mix/account/account",
     {"symbol": "BTCUSDT", "productType": "USDT-FUTURES", "marginCoin": "USDT"}, FuturesAccount, True),
    ("mix_set_leverage", lambda c: c.mix_set_leverage(PERP, "USDT", 20), "POST", "/api/v2/mix/account/set-leverage",
     {"leverage": "20", "marginCoin": "USDT", "productType": "USDT-FUTURES"}, LeverageResult, True),
    ("mix_set_margin_mode", lambda c: c.mix_set_margin_mode(PERP, "USDT", "crossed"), "POST",
     "/api/v2/mix/account/set-margin-mode", {"marginMode": "crossed"}, MarginModeResult, True),
    ("mix_set_position_mode", lambda c: c.mix_set_position_mode(Product.USDT_FUTURES, PositionMode.HEDGE), "POST",
     "/api/v2/mix/account/set-position-mode", {"productType": "USDT-FUTURES", "posMode": "hedge_mode"},
     PositionModeResult, True),
    ("mix_place_order", lambda c: c.mix_place_order(PERP, "buy", "limit", Decimal("0.5"), margin_coin="USDT",
                                                    margin_mode="crossed", price=Decimal("60000.1"),
                                                    trade_side="open", reduce_only=False),
     "POST", "/api/v2/mix/order/place-order", {"productType": "USDT-FUTURES", "marginCoin": "USDT",
                                                "marginMode": "crossed", "size": "0.5", "price": "60000.1",
                                                "tradeSide": "open", "reduceOnly": "NO"}, OrderAck, True),
    ("mix_batch_place_orders", lambda c: c.mix_batch_place_orders(
        PERP, [MixOrderRequest(Side.BUY, OrderType.LIMIT, Decimal("0.5"), Decimal("60000.1"))], margin_coin="USDT",
        margin_mode=MarginMode.CROSSED), "POST", "/api/v2/mix/order/batch-place-order",
     {"productType": "USDT-FUTURES", "marginCoin": "USDT", "marginMode": "crossed"}, BatchResult, True),
    ("spot_wallet_transfer", lambda c: c.spot_wallet_transfer(Product.SPOT, Product.COIN_FUTURES, "btc",
                                                               Decimal("0.5")), "POST",
     "/api/v2/spot/wallet/transfer", {"fromType": "spot", "toType": "coin_futures", "coin": "BTC", "amount": "0.5"},
     str, True),
    ("mix_cancel_order", lambda c: c.mix_cancel_order(PERP, client_oid="c9"), "POST",
     "/api/v2/mix/order/cancel-order", {"clientOid": "c9", "productType": "USDT-FUTURES"}, OrderAck, True),
    ("mix_cancel_all_orders", lambda c: c.mix_cancel_all_orders(Product.USDT_FUTURES, margin_coin="USDT"), "POST",
     "/api/v2/mix/order/cancel-all-orders", {"productType": "USDT-FUTURES", "marginCoin": "USDT"}, BatchResult,
     True),
    ("mix_batch_place_orders", lambda c: c.mix_batch_place_orders(PERP, [
        MixOrderRequest(Side.BUY, OrderType.LIMIT, Decimal("0.01"), Decimal("60000"), client_oid="b1",
                        trade_side=TradeSide.OPEN),
        MixOrderRequest(Side.BUY, OrderType.MARKET, Decimal("0.02"), client_oid="b2", trade_side=TradeSide.CLOSE)],
        margin_coin="USDT", margin_mode=MarginMode.CROSSED),
     "POST", "/api/v2/mix/order/batch-place-order",
     {"symbol": "BTCUSDT", "productType": "USDT-FUTURES", "marginCoin": "USDT", "marginMode": "crossed",
      "orderList": [{"side": "buy", "tradeSide": "open", "orderType": "limit", "force": "gtc", "price": "60000",
                     "size": "0.01", "clientOid": "b1"},
                    {"side": "buy", "tradeSide": "close", "orderType": "market", "force": "gtc", "size": "0.02",
                     "clientOid": "b2"}]}, BatchResult, True),
    ("mix_modify_order", lambda c: c.mix_modify_order(PERP, order_id="1", new_client_oid="n2",
                                                      new_price=Decimal("61000")),
     "POST", "/api/v2/mix/order/modify-order", {"orderId": "1", "newClientOid": "n2", "newPrice": "61000"},
     OrderAck, True),
    ("mix_order_detail", lambda c: c.mix_order_detail(PERP, order_id="123456"), "GET", "/api/v2/mix/order/detail",
     {"orderId": "123456", "symbol": "BTCUSDT", "productType": "USDT-FUTURES"}, Order, True),
    ("mix_orders_pending", lambda c: c.mix_orders_pending(PERP, status="live"), "GET",
     "/api/v2/mix/order/orders-pending", {"symbol": "BTCUSDT", "status": "live"}, Order, True),
    ("mix_orders_history", lambda c: c.mix_orders_history(limit=20), "GET", "/api/v2/mix/order/orders-history",
     {"productType": "USDT-FUTURES", "limit": "20"}, Order, True),
    ("mix_plan_orders_pending", lambda c: c.mix_plan_orders_pending(PERP, plan_type="profit_loss", limit=5), "GET",
     "/api/v2/mix/order/orders-plan-pending", {"symbol": "BTCUSDT", "productType": "USDT-FUTURES",
                                                "planType": "profit_loss", "limit": "5"}, AlgoOrder, True),
    ("mix_fills", lambda c: c.mix_fills(order_id="3"), "GET", "/api/v2/mix/order/fills",
     {"productType": "USDT-FUTURES", "orderId": "3"}, Fill, True),
    ("mix_close_positions", lambda c: c.mix_close_positions(PERP, hold_side="long"), "POST",
     "/api/v2/mix/order/close-positions", {"symbol": "BTCUSDT", "holdSide": "long"}, CloseResult, True),
    ("mix_place_tpsl_order", lambda c: c.mix_place_tpsl_order(PERP, "USDT", "profit_plan", Decimal("70000"), "long",
                                                              size=Decimal("0.1"), client_oid="tp1"),
     "POST", "/api/v2/mix/order/place-tpsl-order", {"planType": "profit_plan", "triggerPrice": "70000",
                                                     "triggerType": "mark_price", "holdSide": "long", "size": "0.1",
                                                     "clientOid": "tp1"}, PlanOrderAck, True),
    ("mix_place_pos_tpsl", lambda c: c.mix_place_pos_tpsl(PERP, "USDT", "long", stop_loss_trigger=Decimal("50000")),
     "POST", "/api/v2/mix/order/place-pos-tpsl", {"stopLossTriggerPrice": "50000", "stopLossTriggerType": "mark_price",
                                                   "holdSide": "long"}, PlanOrderAck, True),
    ("mix_all_positions", lambda c: c.mix_all_positions(margin_coin="USDT"), "GET",
     "/api/v2/mix/position/all-position", {"productType": "USDT-FUTURES", "marginCoin": "USDT"}, Position, True),
    ("mix_single_position", lambda c: c.mix_single_position(PERP, "USDT"), "GET",
     "/api/v2/mix/position/single-position", {"symbol": "BTCUSDT", "marginCoin": "USDT"}, Position, True),
]


def sample_router(samples: Path) -> Handler:
    def route(request: httpx.Request) -> httpx.Response:
        name = f"{request.method}_{request.url.path.lstrip('/').replace('/', '_')}.json"
        path = samples / "rest" / SAMPLE_ALIASES.get(name, name)
        return httpx.Response(200, content=path.read_bytes(), headers={"Content-Type": "application/json"})

    return route


@pytest.mark.asyncio
@pytest.mark.parametrize(("name", "call", "method", "path", "expected", "kind", "signed"), ENDPOINTS,
                         ids=[e[0] for e in ENDPOINTS])
async def test_endpoint_method(samples: Path, name: str, call: Call, method: str, path: str,
                               expected: dict[str, Any], kind: type, signed: bool) -> None:
    client, seen, _ = make_client(sample_router(samples))
    result = await call(client)
    assert [(r.method, r.url.path) for r in seen] == [(method, path)]
    params = sent(seen[0])
    assert {k: params.get(k) for k in expected} == expected
    assert ("ACCESS-SIGN" in seen[0].headers) is signed
    items = result if isinstance(result, list) else [result]
    assert items
    assert all(isinstance(item, kind) for item in items)
    await client.aclose()


def test_every_endpoint_of_the_brief_is_covered() -> None:
    public = {name for name in dir(BitgetRestClient) if name.startswith(("spot_", "mix_")) or name == "server_time"}
    assert public == {e[0] for e in ENDPOINTS}
    assert isinstance(BitgetRestClient(BitgetHttp("https://x")), ExchangeRest)


@pytest.mark.asyncio
async def test_batch_orders_carry_client_oids_and_plain_numbers(samples: Path) -> None:
    client, seen, _ = make_client(sample_router(samples))
    await client.spot_batch_orders(SPOT, [SpotOrderRequest("buy", "limit", Decimal("1E-5"), Decimal("6.0E+4")),
                                          SpotOrderRequest("sell", "market", 3, client_oid="mine")])
    orders = sent(seen[0])["orderList"]
    assert orders[0]["size"] == "0.00001"
    assert orders[0]["price"] == "60000"
    assert re.fullmatch(r"bt[0-9a-f]{20}", orders[0]["clientOid"])
    assert orders[1] == {"side": "sell", "orderType": "market", "force": "gtc", "size": "3", "clientOid": "mine"}
    await client.aclose()


# --- parameters ------------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_place_order_parameters_and_generated_client_oid() -> None:
    client, seen, _ = make_client(lambda r: envelope({"orderId": "1", "clientOid": sent(r)["clientOid"]}))
    ack = await client.spot_place_order(SPOT, "buy", "limit", Decimal("1E-7"), price=Decimal("6.00E+4"))
    body = sent(seen[0])
    assert body["size"] == "0.0000001"
    assert body["price"] == "60000"
    assert re.fullmatch(r"bt[0-9a-f]{20}", body["clientOid"])
    assert ack == OrderAck("1", body["clientOid"])
    await client.spot_place_order(SPOT, "sell", "limit", Decimal("0.10"), price=60000, preset_stop_loss="59000.5")
    body = sent(seen[1])
    assert (body["size"], body["price"], body["presetStopLossPrice"]) == ("0.10", "60000", "59000.5")
    assert sent(seen[0])["clientOid"] != body["clientOid"]
    with pytest.raises(TypeError, match="Decimal"):
        await client.spot_place_order(SPOT, "buy", "limit", 0.1, price=Decimal(1))  # type: ignore[arg-type]
    with pytest.raises(InvalidOrder, match="40 characters"):
        await client.spot_place_order(SPOT, "buy", "limit", Decimal(1), price=Decimal(1), client_oid="x" * 41)
    assert len(seen) == 2
    await client.aclose()


@pytest.mark.asyncio
async def test_symbol_convention_is_checked() -> None:
    client, seen, _ = make_client(lambda r: envelope([]))
    with pytest.raises(ValueError, match="not a spot symbol"):
        await client.spot_tickers(PERP)
    with pytest.raises(ValueError, match="not a futures symbol"):
        await client.mix_ticker(SPOT)
    with pytest.raises(ValueError, match="not a futures product type"):
        await client.mix_orders_pending(Product.SPOT)
    await client.mix_orders_pending(SymbolRef("SBTCSUSDT", Product.DEMO_USDT_FUTURES))
    assert sent(seen[0]) == {"productType": "SUSDT-FUTURES", "symbol": "SBTCSUSDT"}
    await client.aclose()


# --- orders are never duplicated --------------------------------------------------------------------------------


class OrderDesk:
    """A fake exchange for one symbol: POST outcomes are scripted, lookups read what was really accepted.

    Outcomes: ``ok``; ``accept-then-timeout`` / ``accept-then-reset`` (the order lands, the answer is lost);
    ``timeout`` / ``gateway-502`` (nothing lands, the answer is lost); ``refused`` (connect error);
    ``balance`` (40762); ``duplicate`` (43118).
    """

    def __init__(self, outcomes: list[str], *, futures: bool = False, hidden_until_lookup: int = 0) -> None:
        self.outcomes = outcomes
        self.futures = futures
        self.orders: dict[str, dict[str, Any]] = {}
        self.posts: list[dict[str, Any]] = []
        self.lookups = 0
        self.hidden_until_lookup = hidden_until_lookup  # the order becomes visible only from this lookup on
        self.lookup_status = "live"
        self.lookup_failure: str | None = None
        self.cancel_posts = 0

    def order_json(self, body: dict[str, Any]) -> dict[str, Any]:
        base = {"symbol": "BTCUSDT", "orderId": str(1000 + len(self.orders)), "clientOid": body["clientOid"],
                "price": "60000", "size": "0.001", "orderType": "limit", "side": "buy", "force": "gtc",
                "baseVolume": "0", "quoteVolume": "0", "priceAvg": "", "fee": "", "cTime": "1700000000000",
                "uTime": "1700000000000"}
        if self.futures:
            base.update({"state": "live", "marginCoin": "USDT", "marginMode": "crossed", "posMode": "one_way_mode",
                         "productType": "USDT-FUTURES"})
        else:
            base["status"] = "live"
        return base

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "POST" and path.endswith("place-order"):
            body = orjson.loads(request.content)
            self.posts.append(body)
            outcome = self.outcomes.pop(0)
            if outcome.startswith("accept") or outcome == "ok":
                self.orders[body["clientOid"]] = self.order_json(body)
            if outcome == "ok":
                return envelope({"orderId": self.orders[body["clientOid"]]["orderId"], "clientOid": body["clientOid"]})
            if outcome in ("accept-then-timeout", "timeout"):
                raise httpx.ReadTimeout("no answer")
            if outcome == "accept-then-reset":
                raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
            if outcome == "gateway-502":
                return httpx.Response(502, text="<html><body>502 Bad Gateway</body></html>")
            if outcome == "refused":
                raise httpx.ConnectError("Connection refused")
            if outcome == "balance":
                return envelope(None, code="40762", msg="The order amount exceeds the balance", status=400)
            if outcome == "duplicate":
                return envelope(None, code="43118", msg="clientOrderId duplicate", status=400)
            raise AssertionError(outcome)
        if request.method == "POST" and path.endswith("cancel-order"):
            self.cancel_posts += 1
            outcome = self.outcomes.pop(0)
            if outcome == "timeout":
                raise httpx.ReadTimeout("no answer")
            body = orjson.loads(request.content)
            return envelope({"orderId": body.get("orderId"), "clientOid": body.get("clientOid")})
        if path.endswith(("orderInfo", "order/detail")):
            self.lookups += 1
            if self.lookup_failure == "503":
                return httpx.Response(503, text="<html>unavailable</html>")
            params = sent(request)
            key = params.get("clientOid") or next(
                (k for k, o in self.orders.items() if o["orderId"] == params.get("orderId")), None)
            order = self.orders.get(key or "")
            if order is None or self.lookups < self.hidden_until_lookup:
                if self.futures:
                    return envelope(None, code="40768", msg="Order does not exist", status=400)
                return envelope([])
            order = {**order, ("state" if self.futures else "status"): self.lookup_status}
            return envelope(order if self.futures else [order])
        raise AssertionError(f"unexpected {request.method} {path}")


def place_spot(client: BitgetRestClient) -> Awaitable[OrderAck]:
    return client.spot_place_order(SPOT, "buy", "limit", Decimal("0.001"), price=Decimal("60000"))


def place_mix(client: BitgetRestClient) -> Awaitable[OrderAck]:
    return client.mix_place_order(PERP, "buy", "limit", Decimal("0.001"), price=Decimal("60000"),
                                  margin_coin="USDT", margin_mode="crossed")


@pytest.mark.asyncio
@pytest.mark.parametrize("lost_answer", ["accept-then-timeout", "accept-then-reset"])
@pytest.mark.parametrize(("futures", "place"), [(False, place_spot), (True, place_mix)], ids=["spot", "mix"])
async def test_lost_answer_found_by_client_oid_is_not_sent_again(
        lost_answer: str, futures: bool, place: Callable[[BitgetRestClient], Awaitable[OrderAck]]) -> None:
    desk = OrderDesk([lost_answer], futures=futures)
    client, seen, sleeps = make_client(desk, lookup_delay_s=0.3)
    ack = await place(client)
    assert len(desk.posts) == 1
    assert desk.lookups == 1
    (oid,) = desk.orders
    assert ack == OrderAck(desk.orders[oid]["orderId"], oid)
    assert 0.3 in sleeps.delays
    lookup = sent(seen[1])
    assert lookup["clientOid"] == oid
    if futures:
        assert (seen[1].url.path, lookup["symbol"], lookup["productType"]) == (
            "/api/v2/mix/order/detail", "BTCUSDT", "USDT-FUTURES")
    else:
        assert seen[1].url.path == "/api/v2/spot/trade/orderInfo"
    await client.aclose()


@pytest.mark.asyncio
@pytest.mark.parametrize("lost", ["timeout", "gateway-502"])
@pytest.mark.parametrize(("futures", "place"), [(False, place_spot), (True, place_mix)], ids=["spot", "mix"])
async def test_absent_order_is_sent_again_exactly_once_with_the_same_client_oid(
        lost: str, futures: bool, place: Callable[[BitgetRestClient], Awaitable[OrderAck]]) -> None:
    desk = OrderDesk([lost, "ok"], futures=futures)
    client, _, _ = make_client(desk)
    ack = await place(client)
    assert len(desk.posts) == 2
    assert desk.posts[0] == desk.posts[1]
    assert list(desk.orders) == [desk.posts[0]["clientOid"]]
    assert ack.client_oid == desk.posts[0]["clientOid"]
    await client.aclose()


@pytest.mark.asyncio
async def test_resend_that_meets_a_duplicate_reads_the_order_instead() -> None:
    # The first order lands, but the first lookup does not see it yet; the re-send is refused as a duplicate.
    desk = OrderDesk(["accept-then-timeout", "duplicate"], hidden_until_lookup=2)
    client, _, _ = make_client(desk)
    ack = await place_spot(client)
    assert len(desk.posts) == 2
    assert desk.lookups == 2
    assert ack.order_id == next(iter(desk.orders.values()))["orderId"]
    await client.aclose()


@pytest.mark.asyncio
async def test_two_lost_attempts_end_ambiguous_without_a_third_post() -> None:
    desk = OrderDesk(["timeout", "timeout"])
    client, _, _ = make_client(desk)
    with pytest.raises(TransportError) as info:
        await place_spot(client)
    assert info.value.ambiguous
    assert len(desk.posts) == 2
    assert desk.lookups == 2
    await client.aclose()


@pytest.mark.asyncio
async def test_failed_lookup_makes_the_outcome_ambiguous() -> None:
    desk = OrderDesk(["accept-then-timeout"])
    desk.lookup_failure = "503"
    client, _, _ = make_client(desk)
    with pytest.raises(TransportError) as info:
        await place_spot(client)
    assert info.value.ambiguous
    assert len(desk.posts) == 1
    assert desk.lookups == client.http.get_attempts
    await client.aclose()


@pytest.mark.asyncio
@pytest.mark.parametrize(("outcome", "error"), [("balance", InsufficientBalance), ("refused", TransportError),
                                                ("duplicate", DuplicateClientOid)])
async def test_definite_failures_are_raised_without_lookup(outcome: str, error: type[Exception]) -> None:
    desk = OrderDesk([outcome])
    client, _, _ = make_client(desk)
    with pytest.raises(error) as info:
        await place_spot(client)
    if isinstance(info.value, TransportError):
        assert not info.value.ambiguous
    assert len(desk.posts) == 1
    assert desk.lookups == 0
    await client.aclose()


@pytest.mark.asyncio
@pytest.mark.parametrize(("status", "cancel_posts", "result"), [
    ("live", 2, "ack"), ("partially_filled", 2, "ack"), ("cancelled", 1, "ack"), ("filled", 1, "not-found")])
async def test_cancel_is_resent_only_while_the_order_is_open(status: str, cancel_posts: int, result: str) -> None:
    desk = OrderDesk(["ok", "timeout", "ok"])
    client, _, _ = make_client(desk)
    placed = await place_spot(client)
    desk.lookup_status = status
    if result == "ack":
        ack = await client.spot_cancel_order(SPOT, client_oid=placed.client_oid)
        assert ack.client_oid == placed.client_oid
    else:
        with pytest.raises(OrderNotFound, match="filled"):
            await client.spot_cancel_order(SPOT, client_oid=placed.client_oid)
    assert desk.cancel_posts == cancel_posts
    await client.aclose()


@pytest.mark.asyncio
async def test_cancel_of_an_unknown_order_after_a_lost_answer() -> None:
    desk = OrderDesk(["timeout"], futures=True)
    client, _, _ = make_client(desk)
    with pytest.raises(OrderNotFound):
        await client.mix_cancel_order(PERP, order_id="424242")
    assert desk.cancel_posts == 1
    await client.aclose()


# --- account mode probe -----------------------------------------------------------------------------------------


def probe_exchange(samples: Path, v3: httpx.Response, account: httpx.Response | None = None) -> Handler:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v3/account/settings":
            return v3
        if request.url.path == "/api/v2/mix/account/account":
            if account is not None:
                return account
            return httpx.Response(200, content=(samples / "rest" / "GET_api_v2_mix_account_account.json").read_bytes())
        raise AssertionError(request.url.path)

    return handle


@pytest.mark.asyncio
async def test_probe_detects_a_uta_account(samples: Path) -> None:
    client, seen, _ = make_client(probe_exchange(samples, envelope({"accountMode": "unified", "assetMode": "single"})))
    mode = await client.probe_account_mode()
    assert mode.uta
    assert mode.supported  # traded through the V3 venue
    assert mode.position_mode is None  # no holdMode in this answer
    assert "UTA" in mode.detail
    assert mode.label == "Unified account"
    assert [r.url.path for r in seen] == ["/api/v3/account/settings"]
    assert "ACCESS-SIGN" in seen[0].headers
    await client.aclose()
    settings = json.loads((samples / "v3" / "GET_api_v3_account_settings.json").read_text())["data"]
    client, _, _ = make_client(probe_exchange(samples, envelope(settings)))
    assert (await client.probe_account_mode()).position_mode == PositionMode.ONE_WAY  # the account-wide holdMode
    await client.aclose()


@pytest.mark.asyncio
@pytest.mark.parametrize("v3", [httpx.Response(404, text="<html>404 Not Found</html>"),
                                envelope(None, code="40084", msg="You are in Classic Account mode", status=400)],
                         ids=["404", "error-code"])
async def test_probe_detects_a_classic_account_and_its_position_mode(samples: Path, v3: httpx.Response) -> None:
    client, seen, _ = make_client(probe_exchange(samples, v3))
    mode = await client.probe_account_mode(PERP, "USDT")
    assert not mode.uta
    assert mode.supported
    assert mode.position_mode == PositionMode.HEDGE
    assert "hedge" in mode.detail
    assert sent(seen[1]) == {"symbol": "BTCUSDT", "productType": "USDT-FUTURES", "marginCoin": "USDT"}
    await client.aclose()


@pytest.mark.asyncio
async def test_probe_reports_an_unreadable_position_mode(samples: Path) -> None:
    denied = envelope(None, code="40014", msg="Incorrect permissions", status=400)
    client, _, _ = make_client(probe_exchange(samples, httpx.Response(404, text="nope"), denied))
    mode = await client.probe_account_mode()
    assert mode.uta is None                   # a 404 is not Bitget's classic answer, and V2 did not tell either
    assert mode.supported
    assert mode.position_mode is None
    assert "permission" in mode.detail
    assert "unknown" in mode.detail.lower()
    await client.aclose()


@pytest.mark.asyncio
@pytest.mark.parametrize("v3", [envelope(None, code="40014", msg="Incorrect permissions", status=400),
                                envelope(None, code="429", msg="Too Many Requests", status=429),
                                envelope(None, code="40006", msg="Invalid ACCESS_KEY", status=400)],
                         ids=["permission", "429", "bad-key"])
async def test_probe_only_the_documented_classic_answer_means_classic(samples: Path, v3: httpx.Response) -> None:
    """Issue 12 §3: any error on /api/v3/account/settings used to mean "classic". A key without the UTA read
    permission, a 429 or a refused key say nothing; the account type stays unknown, with the reason."""
    denied = envelope(None, code="40014", msg="Incorrect permissions", status=400)
    client, _, _ = make_client(probe_exchange(samples, v3, denied))
    mode = await client.probe_account_mode()
    await client.aclose()
    assert mode.uta is None
    assert "unknown" in mode.detail.lower()


@pytest.mark.asyncio
async def test_probe_settles_an_unknown_mode_from_the_classic_api(samples: Path) -> None:
    denied_v3 = envelope(None, code="40014", msg="Incorrect permissions", status=400)
    client, _, _ = make_client(probe_exchange(samples, denied_v3))        # V2 account answers: classic
    assert (await client.probe_account_mode()).uta is False
    await client.aclose()
    uta_on_v2 = envelope(None, code="40085", msg="You are in Unified Account mode, and the Classic Account API is not "
                         "supported at this time", status=400)
    client, _, _ = make_client(probe_exchange(samples, denied_v3, uta_on_v2))
    mode = await client.probe_account_mode()
    assert mode.uta is True
    assert mode.supported              # traded through the V3 venue
    assert "V3" in mode.detail
    await client.aclose()


# --- the order benchmark through the real client over real sockets ---------------------------------------------


@pytest.fixture(scope="module")
def order_server() -> Any:
    server = LocalOrderServer(BENCH_CREDENTIALS.secret)
    server.start()
    yield server
    server.stop()


@pytest.mark.asyncio
@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_bench_client_against_the_local_order_server(order_server: LocalOrderServer, transport: str) -> None:
    result = await measure_client(order_server.url, BENCH_CREDENTIALS, transport, 40)
    assert result["count"] == 40
    assert result["transport"] == transport
    assert result["orders_per_s"] > 0
    assert 0 < result["p50_ms"] <= result["p99_ms"]


@pytest.mark.asyncio
async def test_local_order_server_rejects_a_wrong_signature(order_server: LocalOrderServer) -> None:
    wrong = Credentials(BENCH_CREDENTIALS.api_key, "not-the-secret", BENCH_CREDENTIALS.passphrase)
    async with BitgetRestClient(BitgetHttp(order_server.url, wrong)) as client:
        with pytest.raises(Exception, match="40009"):
            await place_spot(client)


def test_bench_order_main_prints_one_json_line(capsys: pytest.CaptureFixture[str]) -> None:
    args = argparse.Namespace(url=None, count=30, api_key=None, secret=None, passphrase=None, transport="auto",
                              compare=False)
    assert bench_main(args) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    line = json.loads(lines[0])
    assert {"orders_per_s", "p50_ms", "p99_ms", "transport", "count"} <= set(line)
    assert line["transport"] == "aiohttp"
    assert line["count"] == 30
    assert line["overhead_p50_ms"] == pytest.approx(line["p50_ms"] - line["baseline_p50_ms"], abs=1e-3)


def test_bench_order_refuses_a_url_without_keys(capsys: pytest.CaptureFixture[str]) -> None:
    args = argparse.Namespace(url="http://127.0.0.1:9", count=1, api_key=None, secret=None, passphrase=None,
                              transport="auto", compare=False)
    assert bench_main(args) == 2
    assert "--api-key" in capsys.readouterr().err
