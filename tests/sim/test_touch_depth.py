"""The book a request meets between the simulator's timer slices: every touch holds at least a quarter of a maker level,
so the small market orders the tests and a trader's hotkeys send fill in one trade at the touch.

The simulator serves requests between 2 ms slices of its timer (``sim/server/tick_slices.py``); a slice ends only
between whole market steps, and inside a step the synthetic takers trade before the maker quotes, so what a request
sees is always a refilled book (``Engine.step``). Before that order, 0.2-0.6 % of steps left a best bid or ask that a
synthetic taker had eaten down to a few lots, and a 0.05 ETH market sale then filled in two trades.

Through the real path: a server on this test's loop (its timer and the requests share the loop, as in Demo), a client
over loopback sockets reading every market's touch from the ticker endpoints, and small market orders.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from decimal import Decimal as D
from typing import Any

import pytest
import pytest_asyncio

from terminal_app.bitget.models.mapping import wire_product
from terminal_app.core.instruments import Product
from terminal_app.sim.market.markets import FUTURES_PRODUCTS, all_markets
from terminal_app.sim.server.http import SimConfig

from .signed_api import Api, serving

pytestmark = pytest.mark.asyncio

# the smallest maker quote at the touch after a step, by Bitget symbol and product type (sizes in base units)
LOW_WATER = {(m.symbol, m.ref.product): m.params.level_lots // 4 * m.lot for m in all_markets()}
TICKERS = [("/api/v2/spot/market/tickers", {}, Product.SPOT),
           *(("/api/v2/mix/market/tickers", {"productType": wire_product(p)}, p) for p in FUTURES_PRODUCTS)]
# the market orders tests send: (kind, symbol, size in base units)
ORDERS = [("spot", "BTCUSDT", D("0.001")), ("spot", "ETHUSDT", D("0.05")),
          ("mix", "BTCUSDT", D("0.01")), ("mix", "ETHUSDT", D("0.1"))]


@pytest_asyncio.fixture
async def api() -> AsyncIterator[Api]:
    async with serving(SimConfig(seed=23, rate_limits=False)) as client:
        yield client


async def _thin_touches(api: Api) -> list[tuple[Product, str, str, str]]:
    """Every market's best bid and ask that hold less than a quarter of a maker level, as the tickers show them."""
    thin = []
    for path, params, product in TICKERS:
        for row in await api("GET", path, params or None):
            low_water = LOW_WATER[(row["symbol"], product)]
            for side in ("bidSz", "askSz"):
                if D(row[side]) < low_water:
                    thin.append((product, row["symbol"], side, row[side]))
    return thin


async def _market_order(api: Api, kind: str, symbol: str, side: str, size: D) -> list[dict[str, Any]]:
    """The fills of one market order."""
    if kind == "spot":
        if side == "buy":   # a spot market buy is sized in the quote coin
            ask = D((await api("GET", "/api/v2/spot/market/tickers", {"symbol": symbol}))[0]["askPr"])
            amount = str((size * ask).quantize(D("0.01")))
        else:
            amount = str(size)
        order = await api("POST", "/api/v2/spot/trade/place-order",
                          {"symbol": symbol, "side": side, "orderType": "market", "force": "gtc", "size": amount})
        rows: list[dict[str, Any]] = await api("GET", "/api/v2/spot/trade/fills",
                                               {"symbol": symbol, "orderId": order["orderId"]})
        return rows
    order = await api("POST", "/api/v2/mix/order/place-order",
                      {"symbol": symbol, "productType": "USDT-FUTURES", "marginMode": "crossed",
                       "marginCoin": "USDT", "side": side, "orderType": "market", "size": str(size)})
    found = await api("GET", "/api/v2/mix/order/fills",
                      {"symbol": symbol, "productType": "USDT-FUTURES", "orderId": order["orderId"]})
    fills: list[dict[str, Any]] = found["fillList"]
    return fills


async def test_small_market_orders_meet_a_full_touch_and_fill_in_one_trade(api: Api) -> None:
    await api("POST", "/api/v2/mix/account/set-position-mode",
              {"productType": "USDT-FUTURES", "posMode": "one_way_mode"})
    rng = random.Random(5)
    thin: list[tuple[Product, str, str, str]] = []
    split: list[tuple[str, str, str, int]] = []
    for n in range(60):
        # at least a step (100 ms) after our last orders, which may have eaten most of a touch, as a trader's may on
        # Bitget: the maker has quoted since
        await asyncio.sleep(0.1 + rng.random() * 0.05)
        thin += await _thin_touches(api)
        side = "sell" if n % 2 else "buy"
        for kind, symbol, size in ORDERS:
            fills = await _market_order(api, kind, symbol, side, size)
            assert fills, (kind, symbol, side)
            if len(fills) > 1:
                split.append((kind, symbol, side, len(fills)))
            await asyncio.sleep(rng.random() * 0.02)
    assert thin == []
    assert split == []
