"""A third-party Bitget client (ccxt), pointed at the simulator's URLs, works unchanged (issue 3).

ccxt is the most used Bitget client; if it loads markets, trades spot and futures and keeps a checksummed book over the
simulator, so will a user's bot. Only its URLs are overridden, plus ``uta: False`` as its own static tests do.
"""

from __future__ import annotations

import asyncio
import decimal
from collections.abc import Iterator

import pytest

ccxt = pytest.importorskip("ccxt", reason="ccxt is a test dependency (pip install -e '.[test]')")
ccxt_pro = pytest.importorskip("ccxt.pro")

from terminal_app.sim.runner import SimulatorRunner  # noqa: E402
from terminal_app.sim.server.http import SimInfo  # noqa: E402


@pytest.fixture(autouse=True)
def _keep_decimal_context() -> Iterator[None]:
    # ccxt changes the thread's decimal context (rounding); the rest of the suite must not inherit that.
    saved = decimal.getcontext().copy()
    try:
        yield
    finally:
        decimal.setcontext(saved)


@pytest.fixture(scope="module")
def sim() -> Iterator[SimInfo]:
    runner = SimulatorRunner(seed=11)
    info = runner.start()
    try:
        yield info
    finally:
        runner.stop()


def _client(info: SimInfo, cls: type = ccxt.bitget) -> ccxt.bitget:
    ex = cls({"apiKey": info.api_key, "secret": info.secret, "password": info.passphrase,
              "options": {"uta": False}, "timeout": 10_000})
    ws_urls = {"public": info.ws_public, "private": info.ws_private}
    ex.urls["api"] = {k: (ws_urls if k == "ws" else info.rest) for k in ex.urls["api"]}
    return ex


def test_ccxt_spot_market_data_and_orders(sim: SimInfo) -> None:
    ex = _client(sim)
    markets = ex.load_markets()
    assert {"BTC/USDT", "ETH/USDT", "SOL/USDT", "XRP/USDT", "BGB/USDT", "BTC/USDT:USDT"} <= set(markets)
    assert markets["BTC/USDT"]["precision"]["price"] == 0.01
    ticker = ex.fetch_ticker("BTC/USDT")
    book = ex.fetch_order_book("BTC/USDT")
    assert book["bids"][0][0] < book["asks"][0][0]
    assert book["bids"][0][0] <= ticker["last"] * 1.01
    assert len(ex.fetch_ohlcv("BTC/USDT", "1h", limit=200)) == 200
    assert ex.fetch_trades("BTC/USDT"), "the synthetic market trades from the start"

    usdt_before = ex.fetch_balance()["USDT"]["free"]
    bid = book["bids"][0][0]
    order = ex.create_order("BTC/USDT", "limit", "buy", 0.001, round(bid * 0.9, 2))
    open_ids = [o["id"] for o in ex.fetch_open_orders("BTC/USDT")]
    assert order["id"] in open_ids
    assert ex.fetch_balance()["USDT"]["used"] == pytest.approx(0.001 * round(bid * 0.9, 2))
    ex.cancel_order(order["id"], "BTC/USDT")
    assert ex.fetch_open_orders("BTC/USDT") == []
    assert ex.fetch_balance()["USDT"]["free"] == pytest.approx(usdt_before)

    sell = ex.create_order("BTC/USDT", "market", "sell", 0.001)
    trades = ex.fetch_my_trades("BTC/USDT")
    assert any(t["order"] == sell["id"] for t in trades)


def test_ccxt_futures_modes_leverage_and_positions(sim: SimInfo) -> None:
    ex = _client(sim)
    ex.load_markets()
    symbol = "BTC/USDT:USDT"
    ex.set_position_mode(False, symbol)
    ex.set_margin_mode("cross", symbol, {"marginCoin": "USDT"})
    ex.set_leverage(5, symbol)
    assert ex.fetch_leverage(symbol)["info"]["crossedMarginLeverage"] in ("5", 5)
    ex.create_order(symbol, "market", "buy", 0.01)
    positions = [p for p in ex.fetch_positions([symbol]) if p["contracts"]]
    assert [(p["side"], p["contracts"]) for p in positions] == [("long", 0.01)]
    ex.close_position(symbol)
    assert not [p for p in ex.fetch_positions([symbol]) if p["contracts"]]


def test_ccxt_pro_order_book_with_checksum(sim: SimInfo) -> None:
    async def scenario() -> tuple[int, float, float]:
        ex = _client(sim, ccxt_pro.bitget)
        try:
            await ex.load_markets()
            updates = 0
            book = None
            # ccxt verifies Bitget's CRC32 on every update and raises on a mismatch.
            while updates < 8:
                book = await ex.watch_order_book("BTC/USDT")
                updates += 1
            assert book is not None
            return updates, book["bids"][0][0], book["asks"][0][0]
        finally:
            await ex.close()

    updates, bid, ask = asyncio.run(asyncio.wait_for(scenario(), 30))
    assert updates == 8
    assert bid < ask
