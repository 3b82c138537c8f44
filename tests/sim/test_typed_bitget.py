"""An independent schema judge (issue 12 §2): every V2 REST endpoint and WebSocket channel the simulator serves is
driven over loopback sockets and each answer is validated with typed-bitget's own pydantic models.

typed-bitget (PyPI ``typed-bitget``, a typed, validated Bitget client whose schemas are checked against the live
API) was written by people who never saw this simulator. For every ``(method, path)`` its generated endpoint module
names the ``response_type`` it validates ``data`` with; for every channel its ``classic_streams`` module has a
``…Push`` model of the whole frame. ``conftest.TypedBitget`` reads the installed sources for the first, so a route
the simulator adds is judged without editing this file, and a route typed-bitget does not know must be listed in
:data:`NOT_IN_TYPED_BITGET` with a reason.

Where typed-bitget is narrower than Bitget's documentation, the documentation wins: :data:`DOC_WINS` lists each such
place (endpoint, the field path pydantic reports, and the source), and the test checks that every listed exception
still happens, so the list cannot go stale.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal as D
from typing import Any

import httpx
import pytest
import pytest_asyncio

from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.server.http import SimConfig, SimServer

from .conftest import pushes_while
from .signed_api import Api, serving

# Routes the simulator serves that typed-bitget's classic (V2) surface has no model for.
NOT_IN_TYPED_BITGET: dict[tuple[str, str], str] = {
    ("GET", "/api/v3/account/settings"): "a UTA (V3) endpoint; the simulator serves it only for the account-mode "
                                         "probe (a classic key gets 40084); judged by test_typed_bitget_v3.py",
}

# (method, path) -> {pydantic error location: source where Bitget documents the simulator's value}
_PRICE_AVG_EMPTY = ("priceAvg is \"\" until the order fills: Bitget's live answer in the sample "
                    "rest/GET_api_v2_mix_order_orders-pending__GetOpenOrders2.json (a JKorf/Bitget.Net fixture); "
                    "typed-bitget types it Decimal")
DOC_WINS: dict[tuple[str, str], dict[str, str]] = {
    ("GET", "/api/v2/mix/order/detail"): {"priceAvg": _PRICE_AVG_EMPTY},
    ("GET", "/api/v2/mix/order/orders-history"): {"entrustedList.*.priceAvg": _PRICE_AVG_EMPTY},
}


def _push_types() -> dict[str, Any]:
    """typed-bitget's push-frame model of each classic WebSocket channel (``candle`` for every interval)."""
    from typed_bitget.classic_streams import account, candle, fill, orderbook, orders, plan_orders, ticker, trade
    from typed_bitget.classic_streams.position import updates

    return {"ticker": ticker.TickerPush, "trade": trade.TradePush, "candle": candle.CandlePush,
            "books": orderbook.OrderBookPush, "account": account.AccountPush, "orders": orders.OrdersPush,
            "fill": fill.FillPush, "positions": updates.PositionsPush, "orders-algo": plan_orders.PlanOrdersPush}


PUSH_TYPES = _push_types()


# ---- the simulator and a signed caller ---------------------------------------------------------------------------


class Caller(Api):
    """The signed client, keeping every answer for the typed models to parse."""

    def __init__(self, server: SimServer, http: httpx.AsyncClient) -> None:
        super().__init__(server, http)
        self.answers: list[tuple[tuple[str, str], Any]] = []

    async def __call__(self, method: str, path: str, params: dict[str, Any] | None = None) -> Any:
        data = await super().__call__(method, path, params)
        self.answers.append(((method, path), data))
        return data


@pytest_asyncio.fixture
async def caller() -> AsyncIterator[Caller]:
    async with serving(SimConfig(seed=9, rate_limits=False)) as api:
        yield Caller(api.server, api.http)


def _mix(**params: Any) -> dict[str, Any]:
    return {"productType": "USDT-FUTURES", **params}


def _far_below(caller: Caller, symbol: str, product: Product, tick: str) -> str:
    bid = caller.server.exchange.depth(SymbolRef(symbol, product), 1).bids[0][0]
    return str((bid * D("0.8")).quantize(D(tick)))


async def _spot(c: Caller) -> None:
    now = c.server.now_ms()
    for path, params in (
        ("/api/v2/public/time", None), ("/api/v2/margin/currencies", None), ("/api/v2/spot/public/symbols", None),
        ("/api/v2/spot/public/coins", None), ("/api/v2/spot/market/tickers", None),
        ("/api/v2/spot/market/orderbook", {"symbol": "BTCUSDT"}),
        ("/api/v2/spot/market/merge-depth", {"symbol": "BTCUSDT", "precision": "scale1", "limit": "5"}),
        ("/api/v2/spot/market/candles", {"symbol": "BTCUSDT", "granularity": "1min"}),
        ("/api/v2/spot/market/history-candles", {"symbol": "BTCUSDT", "granularity": "1day", "endTime": now}),
        ("/api/v2/spot/market/fills", {"symbol": "BTCUSDT"}),
        ("/api/v2/spot/market/fills-history", {"symbol": "BTCUSDT"}),
    ):
        await c("GET", path, params)
    market = await c("POST", "/api/v2/spot/trade/place-order",
                     {"symbol": "BTCUSDT", "side": "buy", "orderType": "market", "size": "100"})
    price = _far_below(c, "BTCUSDT", Product.SPOT, "0.01")
    resting = await c("POST", "/api/v2/spot/trade/place-order",
                      {"symbol": "BTCUSDT", "side": "buy", "orderType": "limit", "force": "gtc", "price": price,
                       "size": "0.001", "clientOid": "tb-1"})
    await c("POST", "/api/v2/spot/trade/batch-orders", {"symbol": "BTCUSDT", "orderList": [
        {"side": "buy", "orderType": "limit", "force": "gtc", "price": price, "size": "0.001", "clientOid": "tb-2"},
        {"side": "buy", "orderType": "limit", "force": "gtc", "price": price, "size": "0.001", "clientOid": "tb-2"}]})
    await c("GET", "/api/v2/spot/trade/orderInfo", {"orderId": market["orderId"]})
    await c("GET", "/api/v2/spot/trade/unfilled-orders", {"symbol": "BTCUSDT"})
    await c("GET", "/api/v2/spot/trade/fills", {"symbol": "BTCUSDT"})
    await c("GET", "/api/v2/spot/account/assets", None)
    await c("GET", "/api/v2/spot/account/bills", None)
    await c("POST", "/api/v2/spot/wallet/transfer",
            {"fromType": "spot", "toType": "usdt_futures", "coin": "USDT", "amount": "5"})
    await c("POST", "/api/v2/spot/trade/cancel-order", {"symbol": "BTCUSDT", "orderId": resting["orderId"]})
    await c("POST", "/api/v2/spot/trade/batch-cancel-order",
            {"symbol": "BTCUSDT", "orderList": [{"clientOid": "tb-2"}, {"orderId": "42"}]})
    again = await c("POST", "/api/v2/spot/trade/place-order",
                    {"symbol": "BTCUSDT", "side": "buy", "orderType": "limit", "force": "gtc", "price": price,
                     "size": "0.001"})
    await c("POST", "/api/v2/spot/trade/cancel-replace-order",
            {"symbol": "BTCUSDT", "orderId": again["orderId"], "price": price, "size": "0.002",
             "newClientOid": "tb-3"})
    await c("POST", "/api/v2/spot/trade/cancel-symbol-order", {"symbol": "BTCUSDT"})
    await c("GET", "/api/v2/spot/trade/history-orders", {"symbol": "BTCUSDT"})
    # plan (trigger) orders
    high = str((D(price) * 3).quantize(D("0.01")))
    plan = await c("POST", "/api/v2/spot/trade/place-plan-order",
                   {"symbol": "BTCUSDT", "side": "buy", "orderType": "limit", "size": "0.001", "triggerPrice": high,
                    "executePrice": high, "planType": "amount", "triggerType": "fill_price", "clientOid": "tbp-1"})
    await c("POST", "/api/v2/spot/trade/modify-plan-order",
            {"orderId": plan["orderId"], "triggerPrice": high, "orderType": "market", "size": "0.002"})
    await c("GET", "/api/v2/spot/trade/current-plan-order", {"symbol": "BTCUSDT"})
    await c("POST", "/api/v2/spot/trade/cancel-plan-order", {"orderId": plan["orderId"]})
    await c("POST", "/api/v2/spot/trade/place-plan-order",
            {"symbol": "BTCUSDT", "side": "buy", "orderType": "market", "size": "0.001", "triggerPrice": high})
    await c("POST", "/api/v2/spot/trade/batch-cancel-plan-order", {"symbolList": ["BTCUSDT"]})
    await c("GET", "/api/v2/spot/trade/history-plan-order", {"symbol": "BTCUSDT"})


async def _futures(c: Caller) -> None:
    for path, params in (
        ("/api/v2/mix/market/contracts", _mix()), ("/api/v2/mix/market/ticker", _mix(symbol="BTCUSDT")),
        ("/api/v2/mix/market/tickers", _mix()), ("/api/v2/mix/market/merge-depth", _mix(symbol="BTCUSDT")),
        ("/api/v2/mix/market/candles", _mix(symbol="BTCUSDT", granularity="1m")),
        ("/api/v2/mix/market/history-candles", _mix(symbol="BTCUSDT", granularity="1H")),
        ("/api/v2/mix/market/fills", _mix(symbol="BTCUSDT")),
        ("/api/v2/mix/market/fills-history", _mix(symbol="BTCUSDT")),
        ("/api/v2/mix/market/current-fund-rate", _mix(symbol="BTCUSDT")),
        ("/api/v2/mix/market/open-interest", _mix(symbol="BTCUSDT")),
        ("/api/v2/mix/market/symbol-price", _mix(symbol="BTCUSDT")),
        ("/api/v2/mix/market/history-fund-rate", _mix(symbol="BTCUSDT")),
    ):
        await c("GET", path, params)
    usdt = {"symbol": "BTCUSDT", "marginCoin": "USDT"}
    await c("POST", "/api/v2/mix/account/set-position-mode", _mix(posMode="hedge_mode"))
    await c("POST", "/api/v2/mix/account/set-margin-mode", _mix(**usdt, marginMode="isolated"))
    await c("POST", "/api/v2/mix/account/set-leverage", _mix(**usdt, leverage="10", holdSide="long"))
    order = _mix(**usdt, marginMode="isolated")
    await c("POST", "/api/v2/mix/order/place-order",
            {**order, "side": "buy", "tradeSide": "open", "orderType": "market", "size": "0.05"})
    await c("POST", "/api/v2/mix/account/set-margin", _mix(**usdt, holdSide="long", amount="10"))
    await c("GET", "/api/v2/mix/account/bill", _mix())
    price = _far_below(c, "BTCUSDT", Product.USDT_FUTURES, "0.1")
    pending = await c("POST", "/api/v2/mix/order/place-order",
                      {**order, "side": "buy", "tradeSide": "open", "orderType": "limit", "force": "gtc",
                       "price": price, "size": "0.01", "clientOid": "tbm-1"})
    await c("POST", "/api/v2/mix/order/batch-place-order", {**order, "orderList": [
        {"side": "buy", "tradeSide": "open", "orderType": "limit", "force": "gtc", "price": price, "size": "0.01",
         "clientOid": "tbm-2"},
        {"side": "buy", "tradeSide": "open", "orderType": "limit", "force": "gtc", "price": price,
         "size": "0.00001", "clientOid": "tbm-3"}]})
    await c("POST", "/api/v2/mix/order/modify-order",
            _mix(symbol="BTCUSDT", orderId=pending["orderId"], newClientOid="tbm-1b", newSize="0.02"))
    await c("GET", "/api/v2/mix/order/detail", _mix(symbol="BTCUSDT", orderId=pending["orderId"]))
    await c("GET", "/api/v2/mix/order/orders-pending", _mix())
    await c("POST", "/api/v2/mix/order/place-tpsl-order",
            _mix(**usdt, planType="loss_plan", triggerPrice=price, holdSide="long", size="0.01"))
    await c("POST", "/api/v2/mix/order/place-pos-tpsl",
            _mix(**usdt, holdSide="long", stopSurplusTriggerPrice="900000", stopLossTriggerPrice=price))
    plans = await c("GET", "/api/v2/mix/order/orders-plan-pending", _mix(planType="profit_loss"))
    await c("POST", "/api/v2/mix/order/modify-tpsl-order",
            _mix(**usdt, orderId=plans["entrustedList"][0]["orderId"], triggerPrice=price, size="0.01"))
    await c("POST", "/api/v2/mix/order/cancel-plan-order",
            _mix(symbol="BTCUSDT", orderIdList=[{"orderId": plans["entrustedList"][0]["orderId"]}, {"orderId": "7"}]))
    high = str((D(price) * 3).quantize(D("0.1")))
    stop = await c("POST", "/api/v2/mix/order/place-plan-order",
                   {**order, "planType": "normal_plan", "side": "buy", "tradeSide": "open", "orderType": "limit",
                    "size": "0.01", "price": high, "triggerPrice": high, "triggerType": "mark_price",
                    "clientOid": "tbm-p1"})
    await c("POST", "/api/v2/mix/order/place-plan-order",
            {**order, "planType": "track_plan", "side": "sell", "tradeSide": "close", "orderType": "market",
             "size": "0.01", "triggerPrice": high, "callbackRatio": "1"})
    await c("POST", "/api/v2/mix/order/modify-plan-order",
            _mix(symbol="BTCUSDT", orderId=stop["orderId"], newTriggerPrice=high, newSize="0.02"))
    await c("GET", "/api/v2/mix/order/orders-plan-pending", _mix(planType="normal_plan"))
    await c("GET", "/api/v2/mix/order/orders-plan-pending", _mix(planType="track_plan"))
    await c("POST", "/api/v2/mix/order/cancel-plan-order", _mix(symbol="BTCUSDT", planType="normal_plan"))
    await c("GET", "/api/v2/mix/order/orders-plan-history", _mix(planType="normal_plan"))
    await c("GET", "/api/v2/mix/account/accounts", _mix())
    await c("GET", "/api/v2/mix/account/account", _mix(**usdt))
    await c("GET", "/api/v2/mix/position/all-position", _mix(marginCoin="USDT"))
    await c("GET", "/api/v2/mix/position/single-position", _mix(**usdt))
    await c("POST", "/api/v2/mix/order/batch-cancel-orders",
            _mix(symbol="BTCUSDT", orderIdList=[{"clientOid": "tbm-2"}, {"orderId": "7"}]))
    await c("POST", "/api/v2/mix/order/cancel-order", _mix(symbol="BTCUSDT", orderId=pending["orderId"]))
    await c("POST", "/api/v2/mix/order/place-order",
            {**order, "side": "buy", "tradeSide": "open", "orderType": "limit", "force": "gtc", "price": price,
             "size": "0.01"})
    await c("POST", "/api/v2/mix/order/cancel-all-orders", _mix(marginCoin="USDT"))
    await c("GET", "/api/v2/mix/order/orders-history", _mix())
    await c("GET", "/api/v2/mix/order/fills", _mix())
    await c("POST", "/api/v2/mix/order/close-positions", _mix(symbol="BTCUSDT"))
    await c("GET", "/api/v2/mix/position/history-position", _mix())
    await c("GET", "/api/v2/mix/account/open-count",
            _mix(**usdt, openAmount="100", openPrice=_far_below(c, "BTCUSDT", Product.USDT_FUTURES, "1"),
                 leverage="10"))


def _judge(judge: Any, answers: list[tuple[tuple[str, str], Any]]) -> dict[tuple[str, str], set[str]]:
    found: dict[tuple[str, str], set[str]] = {}
    for route, data in answers:
        if route in NOT_IN_TYPED_BITGET:
            continue
        assert route in judge.response_types, f"{route}: typed-bitget has no model; list it in NOT_IN_TYPED_BITGET"
        problems = judge.problems(route, data)
        if problems:
            found.setdefault(route, set()).update(problems)
    return found


@pytest.mark.asyncio
async def test_every_rest_answer_passes_typed_bitget(caller: Caller, typed_bitget_judge: Any) -> None:
    """Copy-trading routes are judged by tests/sim/test_copy_loopback.py, whose scenarios reach all of them. This is
    the classic (V2) account's judge: the V3 routes answer a unified key only; typed-bitget's V3 models judge them in
    tests/sim/test_typed_bitget_v3.py."""
    await _spot(caller)
    await _futures(caller)
    routes = {route for route, _ in caller.answers}
    served = {key for key in caller.server.routes
              if "/copy/" not in key[1] and not key[1].startswith("/api/v3/")} - set(NOT_IN_TYPED_BITGET)
    assert served - routes == set(), "routes the scenario does not drive"
    found = _judge(typed_bitget_judge, caller.answers)
    unexplained = typed_bitget_judge.unexplained(found, DOC_WINS)
    assert not unexplained, "typed-bitget rejects these answers:\n" + typed_bitget_judge.report(unexplained)
    stale = typed_bitget_judge.stale(found, DOC_WINS, routes)
    assert not stale, "listed exceptions that no longer happen:\n" + typed_bitget_judge.report(stale)


# ---- WebSocket ---------------------------------------------------------------------------------------------------

WS_DOC_WINS: dict[str, dict[str, str]] = {}

PUBLIC = [{"instType": t, "channel": ch, "instId": s}
          for t, s in (("SPOT", "BTCUSDT"), ("USDT-FUTURES", "BTCUSDT"))
          for ch in ("ticker", "trade", "books", "books1", "books5", "books15", "candle1m", "candle1H")]
PRIVATE = [{"instType": "SPOT", "channel": "account", "coin": "default"},
           {"instType": "USDT-FUTURES", "channel": "account", "coin": "default"},
           *({"instType": t, "channel": ch, "instId": "default"}
             for t in ("SPOT", "USDT-FUTURES") for ch in ("orders", "fill")),
           {"instType": "USDT-FUTURES", "channel": "positions", "instId": "default"},
           {"instType": "USDT-FUTURES", "channel": "orders-algo", "instId": "default"}]


def _model_key(channel: str) -> str:
    if channel.startswith("candle"):
        return "candle"
    return "books" if channel.startswith("books") else channel


@pytest.mark.asyncio
async def test_every_push_passes_typed_bitget(caller: Caller, typed_bitget_judge: Any) -> None:
    info = caller.server.info
    assert info is not None

    async def trade() -> None:
        await _spot(caller)            # orders, fills, balances and positions move while the sockets listen
        await _futures(caller)

    frames = await pushes_while(info.ws_public, info.ws_private, caller.creds, caller.server.now_ms() // 1000,
                                (PUBLIC, PRIVATE), "channel", trade)
    found: dict[str, set[str]] = {}
    for (inst_type, channel), pushes in frames.items():
        # a union model reports every branch; only the branch of the push's own market says what is wrong
        other = "Mix" if inst_type == "SPOT" else "Spot"
        for push in pushes:
            problems = {p for p in typed_bitget_judge.rejects(PUSH_TYPES[_model_key(channel)], push)
                        if not p.startswith(f"data.*.{other}")}
            if problems:
                found.setdefault(channel, set()).update(problems)
    unexplained = typed_bitget_judge.unexplained(found, WS_DOC_WINS)
    assert not unexplained, "typed-bitget rejects these pushes:\n" + typed_bitget_judge.report(unexplained)
    stale = typed_bitget_judge.stale(found, WS_DOC_WINS, set(WS_DOC_WINS))
    assert not stale, "listed exceptions that no longer happen:\n" + typed_bitget_judge.report(stale)
