"""ccxt with ``uta: True`` against a unified simulator account: the third-party client's V3 (UTA) paths work
unchanged for what ccxt supports there — markets, tickers, books, candles, trades, balances, spot and futures
orders (create, fetch, cancel, cancel-all, batch), fills, leverage, positions and close-positions (issue 14)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

ccxt = pytest.importorskip("ccxt", reason="ccxt is a test dependency (pip install -e '.[test]')")

from terminal_app.sim.runner import SimulatorRunner  # noqa: E402
from terminal_app.sim.server.http import SimConfig, SimInfo  # noqa: E402

PATHS: list[str] = []  # every REST path ccxt called, in order


@pytest.fixture(scope="module")
def sim() -> Iterator[SimInfo]:
    runner = SimulatorRunner(config=SimConfig(seed=13, account_mode="unified"))
    info = runner.start()
    runner.server.request_hooks.append(lambda request: PATHS.append(request.path))
    try:
        yield info
    finally:
        runner.stop()


def called(*paths: str) -> None:
    """ccxt used V3 for these, and no private V2 path (a unified key gets 40085 there; public V2 data, such as
    the coin list ccxt reads, still works for it)."""
    assert set(paths) <= set(PATHS), sorted(set(paths) - set(PATHS))
    assert not [p for p in PATHS if p.startswith("/api/v2/") and "/public/" not in p and "/market/" not in p]


def _client(info: SimInfo) -> ccxt.bitget:
    ex = ccxt.bitget({"apiKey": info.api_key, "secret": info.secret, "password": info.passphrase,
                      "options": {"uta": True}, "timeout": 10_000})
    ws_urls = {"public": info.ws_public_v3, "private": info.ws_private_v3}
    ex.urls["api"] = {k: (ws_urls if k == "ws" else info.rest) for k in ex.urls["api"]}
    return ex


def test_ccxt_uta_market_data(sim: SimInfo) -> None:
    ex = _client(sim)
    markets = ex.load_markets()
    assert {"BTC/USDT", "ETH/USDT", "BTC/USDT:USDT"} <= set(markets)
    assert markets["BTC/USDT"]["precision"]["price"] == 0.01
    assert markets["BTC/USDT:USDT"]["contract"]
    ticker = ex.fetch_ticker("BTC/USDT")
    book = ex.fetch_order_book("BTC/USDT")
    assert book["bids"][0][0] < book["asks"][0][0]
    assert book["bids"][0][0] <= ticker["last"] * 1.01
    candles = ex.fetch_ohlcv("BTC/USDT:USDT", "1m", limit=50)
    assert 0 < len(candles) <= 50
    assert candles == sorted(candles)
    deadline = time.monotonic() + 10
    while not (trades := ex.fetch_trades("BTC/USDT")) and time.monotonic() < deadline:
        time.sleep(0.2)  # the synthetic tape's first trade comes a moment after the simulator starts
    assert trades[0]["symbol"] == "BTC/USDT"
    assert trades[0]["price"] > 0
    perp = ex.fetch_ticker("BTC/USDT:USDT")
    assert perp["last"] > 0
    called("/api/v3/market/instruments", "/api/v3/market/tickers", "/api/v3/market/orderbook",
           "/api/v3/market/candles", "/api/v3/market/fills")


def test_ccxt_uta_spot_orders_and_the_pool(sim: SimInfo) -> None:
    ex = _client(sim)
    ex.load_markets()
    balance = ex.fetch_balance()
    assert balance["USDT"]["total"] == pytest.approx(20000)  # both demo wallets, one pool
    bid = ex.fetch_order_book("BTC/USDT")["bids"][0][0]
    price = round(bid * 0.9, 2)
    order = ex.create_order("BTC/USDT", "limit", "buy", 0.001, price)
    assert order["id"] in [o["id"] for o in ex.fetch_open_orders("BTC/USDT")]
    fetched = ex.fetch_order(order["id"], "BTC/USDT")
    assert (fetched["status"], fetched["price"], fetched["amount"]) == ("open", price, 0.001)
    assert ex.fetch_balance()["USDT"]["used"] == pytest.approx(0.001 * price)
    ex.cancel_order(order["id"], "BTC/USDT")
    assert ex.fetch_open_orders("BTC/USDT") == []
    assert ex.fetch_order(order["id"], "BTC/USDT")["status"] == "canceled"

    sell = ex.create_order("BTC/USDT", "market", "sell", 0.001)
    assert any(t["order"] == sell["id"] for t in ex.fetch_my_trades("BTC/USDT"))
    batch = ex.create_orders([{"symbol": "BTC/USDT", "type": "limit", "side": "buy", "amount": 0.001,
                               "price": price},
                              {"symbol": "BTC/USDT", "type": "limit", "side": "buy", "amount": 0.001,
                               "price": round(price - 1, 2)}])
    assert all(o["id"] for o in batch)
    assert len(ex.fetch_open_orders("BTC/USDT")) == 2
    ex.cancel_all_orders("BTC/USDT")
    assert ex.fetch_open_orders("BTC/USDT") == []
    called("/api/v3/account/assets", "/api/v3/trade/place-order", "/api/v3/trade/unfilled-orders",
           "/api/v3/trade/order-info", "/api/v3/trade/cancel-order", "/api/v3/trade/fills",
           "/api/v3/trade/place-batch", "/api/v3/trade/cancel-symbol-order")


def test_ccxt_uta_futures_leverage_positions_and_close(sim: SimInfo) -> None:
    ex = _client(sim)
    ex.load_markets()
    symbol = "BTC/USDT:USDT"
    ex.set_leverage(5, symbol)
    order = ex.create_order(symbol, "market", "buy", 0.01)
    assert order["id"]
    positions = [p for p in ex.fetch_positions([symbol]) if p["contracts"]]
    assert len(positions) == 1
    assert (positions[0]["side"], positions[0]["contracts"], positions[0]["leverage"]) == ("long", 0.01, 5)
    ex.close_position(symbol, "long")
    assert [p for p in ex.fetch_positions([symbol]) if p["contracts"]] == []
    called("/api/v3/account/set-leverage", "/api/v3/position/current-position", "/api/v3/trade/close-positions")


def test_ccxt_pro_uta_streams(sim: SimInfo) -> None:
    """ccxt pro on /v3/ws/public and /v3/ws/private: ticker, book, trades, and the unified account's orders."""
    ccxt_pro = pytest.importorskip("ccxt.pro")

    async def scenario() -> tuple[float, float, float, int, str]:
        ex = ccxt_pro.bitget({"apiKey": sim.api_key, "secret": sim.secret, "password": sim.passphrase,
                              "options": {"uta": True}, "timeout": 10_000})
        ex.urls["api"] = {k: ({"public": sim.ws_public, "private": sim.ws_private, "utaPublic": sim.ws_public_v3,
                               "utaPrivate": sim.ws_private_v3} if k == "ws" else sim.rest) for k in ex.urls["api"]}
        try:
            await ex.load_markets()
            ticker = await ex.watch_ticker("BTC/USDT:USDT", {"uta": True})
            book = None
            for _ in range(3):
                book = await ex.watch_order_book("BTC/USDT", None, {"uta": True})
            assert book is not None
            trades = await ex.watch_trades("BTC/USDT", None, None, {"uta": True})
            watching = asyncio.ensure_future(ex.watch_orders(None, None, None, {"uta": True}))
            await asyncio.sleep(0.5)  # the private subscription is acked before the order is placed
            bid = book["bids"][0][0]
            placed = await ex.create_order("BTC/USDT", "limit", "buy", 0.001, round(bid * 0.9, 2))
            orders = await asyncio.wait_for(watching, 10)
            await ex.cancel_order(placed["id"], "BTC/USDT")
            assert any(o["id"] == placed["id"] for o in orders)
            return ticker["last"], book["bids"][0][0], book["asks"][0][0], len(trades), placed["id"]
        finally:
            await ex.close()

    last, bid, ask, trades, _ = asyncio.run(asyncio.wait_for(scenario(), 40))
    assert last > 0
    assert bid < ask
    assert trades > 0
