"""The real REST client against the real simulator over loopback sockets: every public method, exact arithmetic.

The simulator runs quiet (no market makers, no synthetic trades), so the books hold only the orders these tests
place: a second user (its own API key) is the counterparty and every fill, fee and balance is known to the digit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from decimal import Decimal

import pytest
import pytest_asyncio

from terminal_app.bitget.http import BitgetHttp
from terminal_app.bitget.rest import BitgetRestClient
from terminal_app.bitget.rest_spot import SpotOrderRequest
from terminal_app.bitget.signing import Credentials
from terminal_app.bitget.symbols import InstType, MarketInfo, SymbolRef
from terminal_app.sim.runner import SimulatorRunner
from terminal_app.sim.server import SimConfig

BTC_SPOT = SymbolRef("BTCUSDT", InstType.SPOT)
BTC_PERP = SymbolRef("BTCUSDT", InstType.USDT_FUTURES)


@pytest.fixture(scope="module")
def runner() -> Iterator[SimulatorRunner]:
    sim = SimulatorRunner(config=SimConfig(seed=16, quiet=True, rate_limits=False))
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()


def _client(runner: SimulatorRunner) -> BitgetRestClient:
    """A client for a fresh user (own uid, own balances), so tests sharing the simulator never see each other."""
    assert runner.info is not None
    key = runner.add_key()
    return BitgetRestClient(BitgetHttp(runner.info.rest, Credentials(key.api_key, key.secret, key.passphrase)))


@pytest_asyncio.fixture
async def pair(runner: SimulatorRunner) -> AsyncIterator[tuple[BitgetRestClient, BitgetRestClient]]:
    """(trader, counterparty)."""
    a, b = _client(runner), _client(runner)
    await a.connect()
    await b.connect()
    try:
        yield a, b
    finally:
        await a.aclose()
        await b.aclose()


async def _spot_balances(client: BitgetRestClient) -> dict[str, tuple[Decimal, Decimal]]:
    return {a.coin: (a.available, a.frozen) for a in await client.spot_assets()}


async def _spot_market(client: BitgetRestClient) -> MarketInfo:
    (info,) = await client.spot_symbols(BTC_SPOT)
    return info


async def _mid(client: BitgetRestClient, tick: Decimal) -> Decimal:
    (ticker,) = await client.spot_tickers(BTC_SPOT)
    return ticker.last.quantize(tick)


@pytest.mark.asyncio
async def test_spot_limit_rests_with_exact_frozen_then_partial_fill_and_cancel(
        pair: tuple[BitgetRestClient, BitgetRestClient]) -> None:
    trader, maker = pair
    info = await _spot_market(trader)
    price = await _mid(trader, info.tick_size)
    before = await _spot_balances(trader)
    usdt0, usdt_frozen0 = before["USDT"]
    assert usdt_frozen0 == 0

    # A bid far below the market rests; exactly price x size is frozen.
    low = (price * Decimal("0.5")).quantize(info.tick_size)
    rest_ack = await trader.spot_place_order(BTC_SPOT, "buy", "limit", "0.003", price=low, client_oid="rest-1")
    after_rest = await _spot_balances(trader)
    assert after_rest["USDT"] == (usdt0 - low * Decimal("0.003"), low * Decimal("0.003"))
    unfilled = await trader.spot_unfilled_orders(BTC_SPOT)
    assert [o.order_id for o in unfilled] == [rest_ack.order_id]
    assert unfilled[0].price == low
    assert unfilled[0].size == Decimal("0.003")
    assert unfilled[0].status == "live"
    await trader.spot_cancel_order(BTC_SPOT, order_id=rest_ack.order_id)
    assert await _spot_balances(trader) == before

    # The counterparty offers 0.002; the trader's crossing bid for 0.005 fills 0.002 as taker, the rest rests.
    maker_before = await _spot_balances(maker)
    ask = await maker.spot_place_order(BTC_SPOT, "sell", "limit", "0.002", price=price)
    bid = await trader.spot_place_order(BTC_SPOT, "buy", "limit", "0.005", price=price)
    assert bid.order_id is not None
    assert ask.order_id is not None
    order = await trader.spot_order_info(order_id=bid.order_id)
    assert order.status == "partially_filled"
    assert order.filled_size == Decimal("0.002")
    assert order.avg_price == price
    taker_fee = Decimal("0.002") * info.taker_fee            # a buy pays its fee in the base coin
    assert abs(order.fee) == taker_fee
    mid_state = await _spot_balances(trader)
    assert mid_state["USDT"] == (usdt0 - price * Decimal("0.005"), price * Decimal("0.003"))
    assert mid_state["BTC"][0] == before.get("BTC", (Decimal(0), Decimal(0)))[0] + Decimal("0.002") - taker_fee

    await trader.spot_cancel_order(BTC_SPOT, order_id=bid.order_id)
    final = await _spot_balances(trader)
    assert final["USDT"] == (usdt0 - price * Decimal("0.002"), Decimal(0))
    cancelled = await trader.spot_order_info(order_id=bid.order_id)
    assert cancelled.status == "cancelled"
    assert cancelled.filled_size == Decimal("0.002")

    maker_after = await _spot_balances(maker)
    maker_fee = price * Decimal("0.002") * info.maker_fee    # a sell pays in the quote coin
    assert maker_after["USDT"][0] == maker_before["USDT"][0] + price * Decimal("0.002") - maker_fee
    assert maker_after["BTC"][0] == maker_before["BTC"][0] - Decimal("0.002")
    # No money created or lost beyond fees, across both users.
    usdt_delta = (final["USDT"][0] - usdt0) + (maker_after["USDT"][0] - maker_before["USDT"][0])
    btc_delta = (final["BTC"][0] - before["BTC"][0]) + (maker_after["BTC"][0] - maker_before["BTC"][0])
    assert usdt_delta == -maker_fee
    assert btc_delta == -taker_fee

    # Order info, history and fills agree with each other.
    history = await trader.spot_history_orders(BTC_SPOT)
    hist = {o.order_id: o for o in history}
    assert hist[bid.order_id].filled_size == Decimal("0.002")
    assert hist[bid.order_id].status == "cancelled"
    assert rest_ack.order_id in hist
    fills = await trader.spot_fills(BTC_SPOT, order_id=bid.order_id)
    assert sum(f.size for f in fills) == Decimal("0.002")
    assert {f.price for f in fills} == {price}
    assert sum(abs(f.fee) for f in fills) == taker_fee
    assert all(f.scope == "taker" for f in fills)
    public = await trader.spot_market_fills(BTC_SPOT, limit=10)
    assert any(t.price == price and t.size == Decimal("0.002") for t in public)


@pytest.mark.asyncio
async def test_spot_cancel_symbol_cancel_replace_and_batch(pair: tuple[BitgetRestClient, BitgetRestClient]) -> None:
    trader, _ = pair
    info = await _spot_market(trader)
    price = await _mid(trader, info.tick_size)
    low = (price * Decimal("0.6")).quantize(info.tick_size)
    before = await _spot_balances(trader)

    first = await trader.spot_place_order(BTC_SPOT, "buy", "limit", "0.001", price=low, client_oid="cr-1")
    replaced = await trader.spot_cancel_replace_order(BTC_SPOT, low - info.tick_size, "0.002",
                                                      order_id=first.order_id, new_client_oid="cr-2")
    assert replaced.success
    assert replaced.client_oid == "cr-2"
    (live,) = await trader.spot_unfilled_orders(BTC_SPOT)
    assert live.client_oid == "cr-2"
    assert live.price == low - info.tick_size
    assert live.size == Decimal("0.002")
    assert (await trader.spot_order_info(client_oid="cr-1")).status == "cancelled"

    # One valid order and one below the minimum size: the second lands in failureList with Bitget's code.
    result = await trader.spot_batch_orders(BTC_SPOT, [
        SpotOrderRequest("buy", "limit", "0.001", price=low, client_oid="b-ok"),
        SpotOrderRequest("buy", "limit", info.min_size / 10, price=low, client_oid="b-bad"),
    ])
    assert [s.client_oid for s in result.successes] == ["b-ok"]
    assert [f.client_oid for f in result.failures] == ["b-bad"]
    assert result.failures[0].code
    assert len(await trader.spot_unfilled_orders(BTC_SPOT)) == 2

    await trader.spot_cancel_symbol_orders(BTC_SPOT)
    assert await trader.spot_unfilled_orders(BTC_SPOT) == []
    assert await _spot_balances(trader) == before


@pytest.mark.asyncio
async def test_spot_market_data(pair: tuple[BitgetRestClient, BitgetRestClient]) -> None:
    client, _ = pair
    now = (await client.server_time()).server_time
    assert now > 0
    symbols = await client.spot_symbols()
    assert BTC_SPOT in {s.ref for s in symbols}
    assert any(t.symbol == "BTCUSDT" for t in await client.spot_tickers())
    candles = await client.spot_candles(BTC_SPOT, "1min", limit=5)
    assert 0 < len(candles) <= 5
    older = await client.spot_history_candles(BTC_SPOT, "1min", candles[0].ts, limit=3)
    assert older
    assert all(c.ts <= candles[0].ts for c in older)
    depth = await client.spot_orderbook(BTC_SPOT, limit=5)
    merged = await client.spot_merge_depth(BTC_SPOT, limit=5)
    assert depth.bids == merged.bids
    assert depth.asks == merged.asks
