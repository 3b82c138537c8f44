"""The simulator's REST answers and WebSocket pushes have the shape of Bitget's samples, field by field.

For every endpoint and channel the simulator serves, a real answer (over loopback sockets) is compared with the
sample file: every key of the sample must exist, and each value must be of the same JSON kind (string, number,
bool, object, array; a null in the sample matches anything). Extra keys are allowed (the samples are doc examples,
older than some documented fields). Every sample file is either in a table below or listed with a reason.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import pytest_asyncio
import websockets

from terminal_app.bitget.signing import auth_headers, canonical_query, encoded_query, ws_login_message
from terminal_app.core.credentials import Credentials
from terminal_app.sim.server.auth import DEMO_UID
from terminal_app.sim.server.http import SimConfig, SimServer

UID = DEMO_UID


class Clock:
    """The machine's time plus a test-controlled offset, so the market can be moved forward on demand."""

    def __init__(self) -> None:
        self.offset = 0

    def __call__(self) -> int:
        return time.time_ns() // 1_000_000 + self.offset


def kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def shape_diff(sample: Any, actual: Any, path: str, strings: frozenset[str] = frozenset(),
               empty_ok: frozenset[str] = frozenset()) -> list[str]:
    """Differences between a sample and an actual JSON value. ``strings``: paths where the sample shows a number
    but the simulator sends Bitget's string form on purpose; ``empty_ok``: lists the scenario cannot fill."""
    if sample is None:
        return []
    if isinstance(sample, dict):
        if not isinstance(actual, dict):
            return [f"{path}: object expected, got {kind(actual)}"]
        out: list[str] = []
        for key, value in sample.items():
            if key not in actual:
                out.append(f"{path}.{key}: missing")
            else:
                out += shape_diff(value, actual[key], f"{path}.{key}", strings, empty_ok)
        return out
    if isinstance(sample, list):
        if not isinstance(actual, list):
            return [f"{path}: array expected, got {kind(actual)}"]
        if not sample:
            return []
        if not actual:
            return [] if path in empty_ok else [f"{path}: empty, the sample has entries (the scenario must fill it)"]
        if all(not isinstance(v, (dict, list)) for v in sample):     # a row: [ts, open, …] or [price, size]
            if len(actual) != len(sample):
                return [f"{path}: {len(actual)} entries, the sample has {len(sample)}"]
            out = []
            for s, a in zip(sample, actual, strict=True):
                out += shape_diff(s, a, f"{path}[]", strings)
            return out
        out = []
        for item in actual[:5]:
            out += shape_diff(sample[0], item, f"{path}[]", strings, empty_ok)
        return sorted(set(out))
    expected = "string" if kind(sample) == "number" and path in strings else kind(sample)
    if kind(actual) != expected:
        return [f"{path}: {expected} expected, got {kind(actual)} ({actual!r})"]
    return []


# ---- tables ------------------------------------------------------------------------------------------------------

# Sample paths where the documentation example shows numbers and the simulator sends strings (no float rounding;
# bitget-samples/README.md asks for the documented string forms).
MERGE_DEPTH_STRINGS = frozenset({"data.asks[][]", "data.bids[][]"})
# Lists the simulator leaves empty in a correct scenario: cancelling all open orders and flash-closing existing
# positions cannot fail there (the failure entries' shape is checked on the batch endpoints).
EMPTY_OK = {
    "POST_api_v2_mix_order_cancel-all-orders.json": frozenset({"data.failureList"}),
    "POST_api_v2_mix_order_close-positions.json": frozenset({"data.failureList"}),
}

REST_SERVED = {
    "GET_api_v2_public_time.json", "GET_api_v2_spot_public_symbols.json", "GET_api_v2_spot_public_coins.json",
    "GET_api_v2_spot_market_tickers.json", "GET_api_v2_spot_market_orderbook.json",
    "GET_api_v2_spot_market_candles.json", "GET_api_v2_spot_market_history-candles.json",
    "GET_api_v2_spot_market_fills.json", "GET_api_v2_spot_trade_orderInfo.json",
    "GET_api_v2_spot_trade_unfilled-orders.json", "GET_api_v2_spot_trade_history-orders.json",
    "GET_api_v2_spot_trade_fills.json", "GET_api_v2_spot_account_assets.json",
    "POST_api_v2_spot_trade_place-order.json", "POST_api_v2_spot_trade_batch-orders.json",
    "POST_api_v2_spot_trade_cancel-order.json", "POST_api_v2_spot_trade_batch-cancel-order.json",
    "POST_api_v2_spot_trade_cancel-symbol-order.json", "POST_api_v2_spot_trade_cancel-replace-order.json",
    "GET_api_v2_mix_market_contracts.json", "GET_api_v2_mix_market_ticker.json", "GET_api_v2_mix_market_tickers.json",
    "GET_api_v2_mix_market_merge-depth.json", "GET_api_v2_mix_market_candles.json",
    "GET_api_v2_mix_market_history-candles.json", "GET_api_v2_mix_market_current-fund-rate.json",
    "GET_api_v2_mix_market_open-interest.json", "GET_api_v2_mix_market_symbol-price.json",
    "GET_api_v2_mix_market_fills.json", "GET_api_v2_mix_account_accounts.json", "GET_api_v2_mix_account_account.json",
    "POST_api_v2_mix_account_set-leverage.json", "POST_api_v2_mix_account_set-margin-mode.json",
    "POST_api_v2_mix_account_set-position-mode.json", "POST_api_v2_mix_order_place-order.json",
    "POST_api_v2_mix_order_batch-place-order.json", "POST_api_v2_mix_order_cancel-order.json",
    "POST_api_v2_mix_order_batch-cancel-orders.json", "POST_api_v2_mix_order_cancel-all-orders.json",
    "POST_api_v2_mix_order_modify-order.json", "GET_api_v2_mix_order_detail.json",
    "GET_api_v2_mix_order_orders-pending.json", "GET_api_v2_mix_order_orders-pending__GetOpenOrders2.json",
    "GET_api_v2_mix_order_orders-history.json", "GET_api_v2_mix_order_fills.json",
    "POST_api_v2_mix_order_close-positions.json", "POST_api_v2_mix_order_place-tpsl-order.json",
    "POST_api_v2_mix_order_place-pos-tpsl.json", "GET_api_v2_mix_order_orders-plan-pending.json",
    "GET_api_v2_mix_order_orders-plan-pending__GetOpenTriggerOrders2.json",
    "POST_api_v2_mix_order_cancel-plan-order.json",
    "GET_api_v2_mix_position_all-position.json", "GET_api_v2_mix_position_single-position.json",
    "GET_api_v2_spot_account_bills.json", "GET_api_v2_mix_account_bill.json",
    "GET_api_v2_mix_market_history-fund-rate.json", "POST_api_v2_mix_account_set-margin.json",
}

_NOT_IN_SIM = "not served: the simulator has no {what}"
REST_NOT_SERVED: dict[str, str] = {
    "GET_api_v2_account_all-account-balance.json": _NOT_IN_SIM.format(what="funding/earn accounts"),
    "GET_api_v2_account_funding-assets.json": _NOT_IN_SIM.format(what="funding account"),
    "GET_api_v2_common_trade-rate.json": "not served: the client reads fee rates from symbols/contracts",
    "GET_api_v2_mix_market_fills-history.json": "not served: only recent public trades are kept",
    "GET_api_v2_mix_market_funding-time.json": "not served: current-fund-rate carries nextUpdate",
    "GET_api_v2_mix_market_history-index-candles.json": "not served: index candles via candles?kLineType=INDEX",
    "GET_api_v2_mix_market_history-mark-candles.json": "not served: mark candles via candles?kLineType=MARK",
    "GET_api_v2_mix_market_query-position-lever.json": _NOT_IN_SIM.format(what="leverage tiers"),
    "GET_api_v2_mix_market_vip-fee-rate.json": _NOT_IN_SIM.format(what="VIP fee tiers"),
    # Bitget's current coin-M ticker examples (the older copies without markPrice are served above, with USDT-futures
    # values): a coin-M answer waits for the simulator's coin-M/USDC-M markets, issue 13.
    "GET_api_v2_mix_market_ticker__coin-futures.json": _NOT_IN_SIM.format(what="coin-M markets (issue 13)"),
    "GET_api_v2_mix_market_tickers__coin-futures.json": _NOT_IN_SIM.format(what="coin-M markets (issue 13)"),
    "GET_api_v2_mix_order_fill-history.json": "not served: mix/order/fills covers the kept history",
    "GET_api_v2_mix_order_orders-plan-history.json": "served: shape checked in tests/sim/test_plan_routes.py",
    "GET_api_v2_mix_order_plan-sub-order.json": _NOT_IN_SIM.format(what="plan sub-order endpoint"),
    "GET_api_v2_mix_position_adlRank.json": _NOT_IN_SIM.format(what="auto-deleveraging"),
    "GET_api_v2_mix_position_history-position.json": _NOT_IN_SIM.format(what="closed-position history"),
    "GET_api_v2_public_annoucements.json": _NOT_IN_SIM.format(what="announcements"),
    "GET_api_v2_spot_account_deduct-info.json": _NOT_IN_SIM.format(what="BGB fee deduction"),
    "GET_api_v2_spot_account_info.json": _NOT_IN_SIM.format(what="account info endpoint"),
    "GET_api_v2_spot_account_transferRecords.json": _NOT_IN_SIM.format(what="transfers"),
    "GET_api_v2_spot_market_fills-history.json": "not served: only recent public trades are kept",
    "GET_api_v2_spot_market_vip-fee-rate.json": _NOT_IN_SIM.format(what="VIP fee tiers"),
    "GET_api_v2_spot_trade_current-plan-order.json": "served: shape checked in tests/sim/test_plan_routes.py",
    "GET_api_v2_spot_trade_history-plan-order.json": "served: shape checked in tests/sim/test_plan_routes.py",
    "GET_api_v2_spot_trade_plan-sub-order.json": _NOT_IN_SIM.format(what="plan sub-order endpoint"),
    "GET_api_v2_spot_wallet_deposit-address.json": _NOT_IN_SIM.format(what="wallet"),
    "GET_api_v2_spot_wallet_deposit-records.json": _NOT_IN_SIM.format(what="wallet"),
    "GET_api_v2_spot_wallet_transfer-coin-info.json": _NOT_IN_SIM.format(what="wallet"),
    "GET_api_v2_spot_wallet_withdrawal-records.json": _NOT_IN_SIM.format(what="wallet"),
    "POST_api_v2_mix_order_modify-plan-order.json": "served: shape checked in tests/sim/test_plan_routes.py",
    "POST_api_v2_mix_order_modify-tpsl-order.json": "served: shape checked in tests/sim/test_plan_routes.py",
    "POST_api_v2_mix_order_place-plan-order.json": "served: shape checked in tests/sim/test_plan_routes.py",
    "POST_api_v2_spot_account_switch-deduct.json": _NOT_IN_SIM.format(what="BGB fee deduction"),
    "POST_api_v2_spot_trade_batch-cancel-plan-order.json": "served: shape checked in tests/sim/test_plan_routes.py",
    "POST_api_v2_spot_trade_batch-cancel-replace-order.json": "not served: the client uses cancel-replace-order",
    "POST_api_v2_spot_trade_cancel-plan-order.json": "served: shape checked in tests/sim/test_plan_routes.py",
    "POST_api_v2_spot_trade_modify-plan-order.json": "served: shape checked in tests/sim/test_plan_routes.py",
    "POST_api_v2_spot_trade_place-plan-order.json": "served: shape checked in tests/sim/test_plan_routes.py",
    "POST_api_v2_spot_wallet_cancel-withdrawal.json": _NOT_IN_SIM.format(what="wallet"),
    "POST_api_v2_spot_wallet_modify-deposit-account.json": _NOT_IN_SIM.format(what="wallet"),
    "POST_api_v2_spot_wallet_transfer.json": _NOT_IN_SIM.format(what="wallet"),
    "POST_api_v2_spot_wallet_withdrawal.json": _NOT_IN_SIM.format(what="wallet"),
}

WS_SERVED = {
    "ws-spot-ticker.push.json", "ws-spot-trade.push.json", "ws-spot-books5.push.json",
    "ws-spot-books5.ccxt-comment.push.json", "ws-spot-candle1W.push.json", "ws-spot-account.push.json",
    "ws-spot-orders.push.json", "ws-spot-fill.push.json", "ws-usdt-futures-ticker.push.json",
    "ws-usdt-futures-trade.push.json", "ws-usdt-futures-books5.push.json", "ws-usdt-futures-candle12H.push.json",
    "ws-usdt-futures-account.push.json", "ws-usdt-futures-orders.push.json", "ws-usdt-futures-fill.push.json",
    "ws-usdt-futures-positions.push.json", "ws-usdt-futures-orders-algo.push.json",
}
WS_NOT_SERVED = {
    "ws-spot-orders-algo.push.json": "pushed for spot plan orders: shape checked in tests/sim/test_plan_routes.py",
    "ws-usdt-futures-equity.push.json": "channel not served (UTA-style equity summary)",
    "ws-usdt-futures-positions-history.push.json": "channel not served: no closed-position history",
}


def test_every_sample_is_served_or_explained(samples: Path) -> None:
    rest = {p.name for p in (samples / "rest").glob("*.json")}
    ws = {p.name for p in (samples / "ws").glob("*.push.json")}
    assert rest == REST_SERVED | set(REST_NOT_SERVED), sorted(rest ^ (REST_SERVED | set(REST_NOT_SERVED)))
    assert not REST_SERVED & set(REST_NOT_SERVED)
    assert ws == WS_SERVED | set(WS_NOT_SERVED), sorted(ws ^ (WS_SERVED | set(WS_NOT_SERVED)))


def test_shape_diff_catches_differences() -> None:
    sample = {"a": "1", "b": [{"c": "x", "d": None}], "e": [["1", "2"]]}
    assert shape_diff(sample, {"a": "2", "b": [{"c": "y", "d": 3}], "e": [["3", "4"]], "z": 1}, "data") == []
    assert shape_diff(sample, {"a": 1, "b": [], "e": [["3"]]}, "data") == [
        "data.a: string expected, got number (1)",
        "data.b: empty, the sample has entries (the scenario must fill it)",
        "data.e[]: 1 entries, the sample has 2",
    ]
    assert shape_diff({"n": [[1.5, 2]]}, {"n": [["1.5", "2"]]}, "d", frozenset({"d.n[][]"})) == []


# ---- the scenario ---------------------------------------------------------------------------------------------


class Session:
    def __init__(self, server: SimServer, clock: Clock, http: httpx.AsyncClient) -> None:
        self.server = server
        self.clock = clock
        self.http = http
        info = server.info
        assert info is not None
        self.creds = Credentials(info.api_key, info.secret, info.passphrase)
        self.answers: list[tuple[str, Any]] = []

    async def call(self, method: str, path: str, params: dict[str, Any] | None = None,
                   sample: str | None = None) -> Any:
        query = canonical_query(params) if method == "GET" else ""
        body = orjson.dumps(params).decode() if method == "POST" and params else ""
        headers = auth_headers(self.creds, str(self.server.now_ms()), method, path, query, body)
        url = path + ("?" + encoded_query(params) if query else "")
        response = await self.http.request(method, url, headers=headers, content=body)
        payload = response.json()
        assert response.status_code == 200, (path, payload)
        assert payload["code"] == "00000", payload
        assert payload["msg"] == "success"
        assert isinstance(payload["requestTime"], int)
        if sample:
            self.answers.append((sample, payload["data"]))
        return payload["data"]


@pytest_asyncio.fixture
async def session() -> AsyncIterator[Session]:
    clock = Clock()
    server = SimServer(SimConfig(seed=5, rate_limits=False), clock_ms=clock)
    info = await server.start()
    # a minute of market, so public trades and candles exist
    clock.offset += 60_000
    server.exchange.advance()
    async with httpx.AsyncClient(base_url=info.rest, timeout=10) as http:
        yield Session(server, clock, http)
    await server.stop()


def _mix(**params: Any) -> dict[str, Any]:
    return {"productType": "USDT-FUTURES", **params}


async def _spot_scenario(s: Session) -> None:
    c = s.call
    await c("GET", "/api/v2/public/time", None, "GET_api_v2_public_time.json")
    await c("GET", "/api/v2/spot/public/symbols", None, "GET_api_v2_spot_public_symbols.json")
    await c("GET", "/api/v2/spot/public/coins", None, "GET_api_v2_spot_public_coins.json")
    await c("GET", "/api/v2/spot/market/tickers", None, "GET_api_v2_spot_market_tickers.json")
    await c("GET", "/api/v2/spot/market/orderbook", {"symbol": "BTCUSDT"}, "GET_api_v2_spot_market_orderbook.json")
    await c("GET", "/api/v2/spot/market/candles", {"symbol": "BTCUSDT", "granularity": "1min"},
            "GET_api_v2_spot_market_candles.json")
    await c("GET", "/api/v2/spot/market/history-candles",
            {"symbol": "BTCUSDT", "granularity": "1day", "endTime": s.server.now_ms()},
            "GET_api_v2_spot_market_history-candles.json")
    await c("GET", "/api/v2/spot/market/fills", {"symbol": "BTCUSDT"}, "GET_api_v2_spot_market_fills.json")
    market = await c("POST", "/api/v2/spot/trade/place-order",
                     {"symbol": "BTCUSDT", "side": "buy", "orderType": "market", "size": "100"},
                     "POST_api_v2_spot_trade_place-order.json")
    resting = await c("POST", "/api/v2/spot/trade/place-order",
                      {"symbol": "BTCUSDT", "side": "buy", "orderType": "limit", "force": "gtc", "price": "1000",
                       "size": "0.001", "clientOid": "shape-1"})
    await c("POST", "/api/v2/spot/trade/batch-orders",
            {"symbol": "BTCUSDT", "orderList": [
                {"side": "buy", "orderType": "limit", "force": "gtc", "price": "1001", "size": "0.001",
                 "clientOid": "shape-2"},
                {"side": "buy", "orderType": "limit", "force": "gtc", "price": "1001", "size": "0.001",
                 "clientOid": "shape-2"}]},
            "POST_api_v2_spot_trade_batch-orders.json")
    await c("GET", "/api/v2/spot/trade/orderInfo", {"orderId": market["orderId"]},
            "GET_api_v2_spot_trade_orderInfo.json")
    await c("GET", "/api/v2/spot/trade/unfilled-orders", {"symbol": "BTCUSDT"},
            "GET_api_v2_spot_trade_unfilled-orders.json")
    await c("GET", "/api/v2/spot/trade/history-orders", {"symbol": "BTCUSDT"},
            "GET_api_v2_spot_trade_history-orders.json")
    await c("GET", "/api/v2/spot/trade/fills", {"symbol": "BTCUSDT"}, "GET_api_v2_spot_trade_fills.json")
    await c("GET", "/api/v2/spot/account/assets", None, "GET_api_v2_spot_account_assets.json")
    await c("GET", "/api/v2/spot/account/bills", {"coin": "USDT"}, "GET_api_v2_spot_account_bills.json")
    await c("POST", "/api/v2/spot/trade/cancel-order", {"symbol": "BTCUSDT", "orderId": resting["orderId"]},
            "POST_api_v2_spot_trade_cancel-order.json")
    await c("POST", "/api/v2/spot/trade/batch-cancel-order",
            {"symbol": "BTCUSDT", "orderList": [{"clientOid": "shape-2"}, {"orderId": "42"}]},
            "POST_api_v2_spot_trade_batch-cancel-order.json")
    again = await c("POST", "/api/v2/spot/trade/place-order",
                    {"symbol": "BTCUSDT", "side": "buy", "orderType": "limit", "price": "1000", "size": "0.001"})
    await c("POST", "/api/v2/spot/trade/cancel-replace-order",
            {"symbol": "BTCUSDT", "orderId": again["orderId"], "price": "1002", "size": "0.002",
             "newClientOid": "shape-3"},
            "POST_api_v2_spot_trade_cancel-replace-order.json")
    await c("POST", "/api/v2/spot/trade/cancel-symbol-order", {"symbol": "BTCUSDT"},
            "POST_api_v2_spot_trade_cancel-symbol-order.json")


async def _mix_scenario(s: Session) -> None:
    c = s.call
    await c("GET", "/api/v2/mix/market/contracts", _mix(), "GET_api_v2_mix_market_contracts.json")
    await c("GET", "/api/v2/mix/market/ticker", _mix(symbol="BTCUSDT"), "GET_api_v2_mix_market_ticker.json")
    await c("GET", "/api/v2/mix/market/tickers", _mix(), "GET_api_v2_mix_market_tickers.json")
    await c("GET", "/api/v2/mix/market/merge-depth", _mix(symbol="BTCUSDT"), "GET_api_v2_mix_market_merge-depth.json")
    await c("GET", "/api/v2/mix/market/candles", _mix(symbol="BTCUSDT", granularity="1m"),
            "GET_api_v2_mix_market_candles.json")
    await c("GET", "/api/v2/mix/market/history-candles", _mix(symbol="BTCUSDT", granularity="1H"),
            "GET_api_v2_mix_market_history-candles.json")
    await c("GET", "/api/v2/mix/market/current-fund-rate", _mix(symbol="BTCUSDT"),
            "GET_api_v2_mix_market_current-fund-rate.json")
    await c("GET", "/api/v2/mix/market/open-interest", _mix(symbol="BTCUSDT"),
            "GET_api_v2_mix_market_open-interest.json")
    await c("GET", "/api/v2/mix/market/symbol-price", _mix(symbol="BTCUSDT"),
            "GET_api_v2_mix_market_symbol-price.json")
    await c("GET", "/api/v2/mix/market/fills", _mix(symbol="BTCUSDT"), "GET_api_v2_mix_market_fills.json")
    await c("GET", "/api/v2/mix/market/history-fund-rate", _mix(symbol="BTCUSDT"),
            "GET_api_v2_mix_market_history-fund-rate.json")
    await c("POST", "/api/v2/mix/account/set-position-mode", _mix(posMode="hedge_mode"),
            "POST_api_v2_mix_account_set-position-mode.json")
    await c("POST", "/api/v2/mix/account/set-margin-mode",
            _mix(symbol="BTCUSDT", marginCoin="USDT", marginMode="isolated"),
            "POST_api_v2_mix_account_set-margin-mode.json")
    await c("POST", "/api/v2/mix/account/set-leverage",
            _mix(symbol="BTCUSDT", marginCoin="USDT", leverage="10", holdSide="long"),   # isolated hedge: needed
            "POST_api_v2_mix_account_set-leverage.json")
    order = _mix(symbol="BTCUSDT", marginCoin="USDT", marginMode="isolated")
    await c("POST", "/api/v2/mix/order/place-order",
            {**order, "side": "buy", "tradeSide": "open", "orderType": "market", "size": "0.05"},
            "POST_api_v2_mix_order_place-order.json")
    pending = await c("POST", "/api/v2/mix/order/place-order",
                      {**order, "side": "buy", "tradeSide": "open", "orderType": "limit", "price": "50000",
                       "size": "0.01", "clientOid": "mix-1"})
    await c("POST", "/api/v2/mix/account/set-margin", _mix(symbol="BTCUSDT", marginCoin="USDT", holdSide="long",
                                                          amount="10"), "POST_api_v2_mix_account_set-margin.json")
    await c("GET", "/api/v2/mix/account/bill", _mix(), "GET_api_v2_mix_account_bill.json")
    await c("POST", "/api/v2/mix/order/batch-place-order",
            {**order, "orderList": [
                {"side": "buy", "tradeSide": "open", "orderType": "limit", "price": "50001", "size": "0.01",
                 "clientOid": "mix-2"},
                {"side": "buy", "tradeSide": "open", "orderType": "limit", "price": "50001", "size": "0.00001",
                 "clientOid": "mix-3"}]},
            "POST_api_v2_mix_order_batch-place-order.json")
    await c("POST", "/api/v2/mix/order/modify-order",
            _mix(symbol="BTCUSDT", orderId=pending["orderId"], newClientOid="mix-1b", newPrice="50002",
                 newSize="0.02"),
            "POST_api_v2_mix_order_modify-order.json")
    await c("GET", "/api/v2/mix/order/detail", _mix(symbol="BTCUSDT", orderId=pending["orderId"]),
            "GET_api_v2_mix_order_detail.json")
    data = await c("GET", "/api/v2/mix/order/orders-pending", _mix())
    s.answers += [("GET_api_v2_mix_order_orders-pending.json", data),
                  ("GET_api_v2_mix_order_orders-pending__GetOpenOrders2.json", data)]
    await c("POST", "/api/v2/mix/order/place-tpsl-order",
            _mix(symbol="BTCUSDT", marginCoin="USDT", planType="loss_plan", triggerPrice="20000", holdSide="long",
                 size="0.01"),
            "POST_api_v2_mix_order_place-tpsl-order.json")
    await c("POST", "/api/v2/mix/order/place-pos-tpsl",
            _mix(symbol="BTCUSDT", marginCoin="USDT", holdSide="long", stopSurplusTriggerPrice="900000",
                 stopLossTriggerPrice="21000"),
            "POST_api_v2_mix_order_place-pos-tpsl.json")
    plans = await c("GET", "/api/v2/mix/order/orders-plan-pending", _mix(planType="profit_loss"))
    s.answers += [("GET_api_v2_mix_order_orders-plan-pending.json", plans),
                  ("GET_api_v2_mix_order_orders-plan-pending__GetOpenTriggerOrders2.json", plans)]
    await c("POST", "/api/v2/mix/order/cancel-plan-order",
            _mix(symbol="BTCUSDT", orderIdList=[{"orderId": plans["entrustedList"][0]["orderId"]},
                                                {"orderId": "7"}]),
            "POST_api_v2_mix_order_cancel-plan-order.json")
    await c("GET", "/api/v2/mix/account/accounts", _mix(), "GET_api_v2_mix_account_accounts.json")
    await c("GET", "/api/v2/mix/account/account", _mix(symbol="BTCUSDT", marginCoin="USDT"),
            "GET_api_v2_mix_account_account.json")
    await c("GET", "/api/v2/mix/position/all-position", _mix(marginCoin="USDT"),
            "GET_api_v2_mix_position_all-position.json")
    await c("GET", "/api/v2/mix/position/single-position", _mix(symbol="BTCUSDT", marginCoin="USDT"),
            "GET_api_v2_mix_position_single-position.json")
    await c("POST", "/api/v2/mix/order/batch-cancel-orders",
            _mix(symbol="BTCUSDT", orderIdList=[{"clientOid": "mix-2"}, {"orderId": "7"}]),
            "POST_api_v2_mix_order_batch-cancel-orders.json")
    await c("POST", "/api/v2/mix/order/cancel-order", _mix(symbol="BTCUSDT", orderId=pending["orderId"]),
            "POST_api_v2_mix_order_cancel-order.json")
    await c("POST", "/api/v2/mix/order/place-order",
            {**order, "side": "buy", "tradeSide": "open", "orderType": "limit", "price": "50000", "size": "0.01"})
    await c("POST", "/api/v2/mix/order/cancel-all-orders", _mix(marginCoin="USDT"),
            "POST_api_v2_mix_order_cancel-all-orders.json")
    await c("GET", "/api/v2/mix/order/orders-history", _mix(), "GET_api_v2_mix_order_orders-history.json")
    await c("GET", "/api/v2/mix/order/fills", _mix(), "GET_api_v2_mix_order_fills.json")
    await c("POST", "/api/v2/mix/order/close-positions", _mix(symbol="BTCUSDT"),
            "POST_api_v2_mix_order_close-positions.json")


@pytest.mark.asyncio
async def test_rest_answers_have_the_samples_shapes(session: Session, samples: Path) -> None:
    await _spot_scenario(session)
    await _mix_scenario(session)
    answered = {name for name, _ in session.answers}
    assert answered == REST_SERVED, sorted(answered ^ REST_SERVED)
    problems = []
    for name, data in session.answers:
        sample = json.loads((samples / "rest" / name).read_text())
        strings = MERGE_DEPTH_STRINGS if "merge-depth" in name else frozenset()
        empty_ok = EMPTY_OK.get(name, frozenset())
        problems += [f"{name}: {p}" for p in shape_diff(sample["data"], data, "data", strings, empty_ok)]
    assert not problems, "\n".join(problems)


# ---- WebSocket --------------------------------------------------------------------------------------------------

WS_SUBSCRIPTIONS: list[tuple[str, dict[str, str], bool]] = [
    ("ws-spot-ticker.push.json", {"instType": "SPOT", "channel": "ticker", "instId": "ETHUSDT"}, False),
    ("ws-spot-trade.push.json", {"instType": "SPOT", "channel": "trade", "instId": "BTCUSDT"}, False),
    ("ws-spot-books5.push.json", {"instType": "SPOT", "channel": "books5", "instId": "BTCUSDT"}, False),
    ("ws-spot-candle1W.push.json", {"instType": "SPOT", "channel": "candle1W", "instId": "ETHUSDT"}, False),
    ("ws-usdt-futures-ticker.push.json", {"instType": "USDT-FUTURES", "channel": "ticker", "instId": "BTCUSDT"}, False),
    ("ws-usdt-futures-trade.push.json", {"instType": "USDT-FUTURES", "channel": "trade", "instId": "BTCUSDT"}, False),
    ("ws-usdt-futures-books5.push.json", {"instType": "USDT-FUTURES", "channel": "books5", "instId": "BTCUSDT"}, False),
    ("ws-usdt-futures-candle12H.push.json",
     {"instType": "USDT-FUTURES", "channel": "candle12H", "instId": "BTCUSDT"}, False),
    ("ws-spot-account.push.json", {"instType": "SPOT", "channel": "account", "coin": "default"}, True),
    ("ws-spot-orders.push.json", {"instType": "SPOT", "channel": "orders", "instId": "default"}, True),
    ("ws-spot-fill.push.json", {"instType": "SPOT", "channel": "fill", "instId": "default"}, True),
    ("ws-usdt-futures-account.push.json", {"instType": "USDT-FUTURES", "channel": "account", "coin": "default"}, True),
    ("ws-usdt-futures-orders.push.json", {"instType": "USDT-FUTURES", "channel": "orders", "instId": "default"}, True),
    ("ws-usdt-futures-fill.push.json", {"instType": "USDT-FUTURES", "channel": "fill", "instId": "default"}, True),
    ("ws-usdt-futures-positions.push.json",
     {"instType": "USDT-FUTURES", "channel": "positions", "instId": "default"}, True),
    ("ws-usdt-futures-orders-algo.push.json",
     {"instType": "USDT-FUTURES", "channel": "orders-algo", "instId": "default"}, True),
]


def _key(arg: dict[str, Any]) -> tuple[str, str, str]:
    return arg["instType"], arg["channel"], arg.get("instId") or arg.get("coin") or ""


async def _collect(ws: websockets.ClientConnection, pushes: dict[tuple[str, str, str], list[dict[str, Any]]],
                   done: Callable[[], bool]) -> None:
    while not done():
        raw = await ws.recv()
        msg = orjson.loads(raw)
        if "action" in msg:
            pushes.setdefault(_key(msg["arg"]), []).append(msg)


def _has(pushes: dict[tuple[str, str, str], list[dict[str, Any]]], arg: dict[str, str],
         test: Callable[[dict[str, Any]], bool] = lambda m: True) -> bool:
    return any(test(m) for m in pushes.get(_key(arg), []))


def _with_fill(msg: dict[str, Any]) -> bool:
    return any("tradeId" in row for row in msg["data"])


def _wanted(name: str) -> Callable[[dict[str, Any]], bool]:
    """The push to compare: an order update caused by a fill (the samples show one), else any non-empty push."""
    if "orders" in name and "algo" not in name:
        return _with_fill
    return lambda m: bool(m["data"])


@pytest.mark.asyncio
async def test_ws_pushes_have_the_samples_shapes(session: Session, samples: Path) -> None:
    info = session.server.info
    assert info is not None
    ex = session.server.exchange
    public = [(n, a) for n, a, private in WS_SUBSCRIPTIONS if not private]
    private = [(n, a) for n, a, p in WS_SUBSCRIPTIONS if p]
    pushes: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    async with websockets.connect(info.ws_public) as pub, websockets.connect(info.ws_private) as priv:
        await priv.send(orjson.dumps(ws_login_message(session.creds, str(session.server.now_ms() // 1000))).decode())
        assert orjson.loads(await priv.recv()) == {"event": "login", "code": 0, "msg": ""}   # numeric, as live
        for ws, subs in ((pub, public), (priv, private)):
            await ws.send(orjson.dumps({"op": "subscribe", "args": [a for _, a in subs]}).decode())
            acks = 0
            while acks < len(subs):
                msg = orjson.loads(await ws.recv())
                if msg.get("event") == "subscribe":
                    acks += 1
                elif "action" in msg:
                    pushes.setdefault(_key(msg["arg"]), []).append(msg)
                else:
                    pytest.fail(f"unexpected answer to subscribe: {msg}")
        # events that make every private channel push: a spot fill, a futures fill, a TP/SL order
        ex.place_spot_order(UID, "BTCUSDT", "buy", "market", "50")
        ex.place_futures_order(UID, "BTCUSDT", "buy", "market", "0.01", margin_mode="crossed")
        ex.place_tpsl_order(UID, "BTCUSDT", "loss_plan", D("1000"), "long", D("0.01"))

        def missing() -> list[str]:
            out = []
            for name, arg in public + private:
                if not _has(pushes, arg, _wanted(name)):
                    out.append(name)
            return out

        def complete() -> bool:
            return not missing()

        async def move_market() -> None:
            while True:          # the forming candles and the tickers update when the market moves
                session.clock.offset += 200
                await asyncio.sleep(0.05)

        mover = asyncio.create_task(move_market())
        try:
            await asyncio.wait_for(asyncio.gather(_collect(pub, pushes, complete), _collect(priv, pushes, complete)),
                                   timeout=20)
        except TimeoutError:
            pytest.fail(f"no push within 20 s on {missing()}")
        finally:
            mover.cancel()
    problems = []
    for name, arg, _ in WS_SUBSCRIPTIONS:
        sample = json.loads((samples / "ws" / name).read_text())
        msgs = [m for m in pushes[_key(arg)] if _wanted(name)(m)]
        problems += [f"{name}: {p}" for p in shape_diff(sample, msgs[0], "push")]
    # the ccxt-comment books5 sample has the same shape (its checksum value does not verify; see bitget-v2.md §7)
    sample = json.loads((samples / "ws" / "ws-spot-books5.ccxt-comment.push.json").read_text())
    books5 = pushes[("SPOT", "books5", "BTCUSDT")][0]
    problems += [f"ccxt books5: {p}" for p in shape_diff(sample, books5, "push")]
    assert not problems, "\n".join(problems)

