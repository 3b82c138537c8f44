"""Coin-M (COIN-FUTURES) and USDC-M (USDC-FUTURES) through the V3 venue of a unified account, against the simulator
over loopback sockets: instruments, tickers, books, candles and market streams of both lines; coin-M orders sized in
USD (bitget-v3-uta.md §4.2) become base-coin positions margined in BTC; USDC-M orders rest, cancel and fill; positions
and their pushes name the right line and margin coin; both lines draw on the one pool. Checked against the
simulator's own state."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from decimal import ROUND_DOWN, Decimal
from typing import Any

import pytest
import pytest_asyncio

from terminal_app.bitget.v3.venue import V3Venue
from terminal_app.core.accounts import Position
from terminal_app.core.candles import Interval
from terminal_app.core.enums import OrderType, Side, TimeInForce
from terminal_app.core.instruments import MarketInfo, Product, SymbolRef
from terminal_app.core.market_data import Ticker
from terminal_app.core.orders import OrderTicket
from terminal_app.core.venue import MarketChannel, OrderKey, PlaceOrder
from terminal_app.sim.runner import SimulatorRunner

from .conftest import v3_session

pytestmark = pytest.mark.asyncio
COIN_M = SymbolRef("BTCUSD", Product.COIN_FUTURES)
USDC_M = SymbolRef("BTCPERP", Product.USDC_FUTURES)
ALL = (Product.SPOT, Product.USDT_FUTURES, Product.COIN_FUTURES, Product.USDC_FUTURES)


@pytest.fixture(scope="module")
def runner(running_sim: Callable[..., Iterator[SimulatorRunner]]) -> Iterator[SimulatorRunner]:
    yield from running_sim(seed=37, rate_limits=False)


class Rig:
    def __init__(self, runner: SimulatorRunner, venue: V3Venue, uid: str, markets: dict[str, MarketInfo]) -> None:
        self.runner = runner
        self.venue = venue
        self.uid = uid
        self.markets = markets

    def sim(self, fn: Any) -> Any:
        ex = self.runner.server.exchange
        return self.runner.call(lambda: fn(ex))


@pytest_asyncio.fixture
async def rig(runner: SimulatorRunner) -> AsyncIterator[Rig]:
    async with v3_session(runner, ALL) as session:
        yield Rig(runner, session.venue, session.user.uid, session.markets)


async def eventually(check: Any, within: float = 10.0) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        value = await check()
        if value:
            return value
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_both_lines_have_markets_data_and_streams(rig: Rig) -> None:
    venue = rig.venue
    assert COIN_M.key in rig.markets
    assert USDC_M.key in rig.markets
    coin_m_symbols = {m.ref.symbol for m in rig.markets.values() if m.ref.product is Product.COIN_FUTURES}
    # a unified account's coin-M line lists the perpetuals only (Bitget names no quarterly there), on the wire as
    # BTCUSD_CM and to the terminal under V2's name
    assert coin_m_symbols == {m.symbol for m in rig.sim(lambda ex: ex.markets(Product.COIN_FUTURES))
                              if not m.is_delivery} == {"BTCUSD", "ETHUSD"}
    raw = await venue.account.rest.http.get("/api/v3/market/instruments", {"category": "COIN-FUTURES"})
    assert {row["symbol"] for row in raw} == {"BTCUSD_CM", "ETHUSD_CM"}
    for ref in (COIN_M, USDC_M):
        (ticker,) = await venue.account.rest.tickers(ref.product, ref.symbol)
        assert ticker.ref == ref
        depth = await venue.account.rest.orderbook(ref, 5)
        assert depth.bids
        assert depth.asks
        assert depth.bids[0][0] < depth.asks[0][0]
        candles = await venue.candles(ref, Interval.M1, before_ts=None, limit=5)
        assert 0 < len(candles) <= 5
    seen: list[Ticker] = []
    got = asyncio.Event()

    def on_ticker(msg: dict[str, Any]) -> None:
        seen.extend(venue.pushes.tickers(msg))
        got.set()

    await rig.venue.account.ws.subscribe(venue.market_stream(COIN_M, MarketChannel.TICKER), on_ticker)
    await asyncio.wait_for(got.wait(), 10)
    assert seen[0].ref == COIN_M


async def test_coin_m_orders_are_sized_in_usd_and_margined_in_btc(rig: Rig) -> None:
    venue = rig.venue
    pushed: list[Position] = []
    await venue.stream_positions(Product.COIN_FUTURES, pushed.extend)
    ticket = OrderTicket(COIN_M, Side.BUY, OrderType.MARKET, size=Decimal(1000))
    assert venue.wants_quote_size(ticket)
    btc_before = rig.sim(lambda ex: ex.futures_account(rig.uid, "BTC").equity
                         + next(b.total for b in ex.spot_balances(rig.uid) if b.coin == "BTC"))
    await venue.place(PlaceOrder(ticket, "cm-1"))
    (sim_pos,) = rig.sim(lambda ex: ex.positions(rig.uid, "BTCUSD", Product.COIN_FUTURES))
    mark = rig.sim(lambda ex: ex.mark_price(COIN_M))
    lot = rig.sim(lambda ex: ex.market(COIN_M).info.lot_size)
    expected = (Decimal(1000) / mark / lot).to_integral_value(ROUND_DOWN) * lot
    assert abs(sim_pos.total - expected) <= lot                   # converted at the mark of the moment
    positions = await venue.positions(Product.COIN_FUTURES)
    (pos,) = positions
    assert (pos.ref, pos.margin_coin, pos.total) == (COIN_M, "BTC", sim_pos.total)
    await eventually(lambda: asyncio.sleep(0, any(p.ref == COIN_M for p in pushed)))
    assert all(p.product is Product.COIN_FUTURES for p in pushed)
    pool = await venue.unified_account()
    btc = next(a for a in pool.assets if a.coin == "BTC")
    assert btc.equity < btc_before                                # the fee, paid in BTC from the pool
    assert pool.maintenance_margin is not None
    assert pool.maintenance_margin > 0
    await venue.futures(Product.COIN_FUTURES).close_positions(COIN_M)
    assert rig.sim(lambda ex: ex.positions(rig.uid, "BTCUSD", Product.COIN_FUTURES)) == []


async def test_usdc_m_orders_rest_cancel_fill_and_close(rig: Rig) -> None:
    venue = rig.venue
    tick = rig.markets[USDC_M.key].tick_size
    last = rig.sim(lambda ex: ex.ticker(USDC_M).last)
    low = (last * Decimal("0.9") / tick).to_integral_value() * tick
    ticket = OrderTicket(USDC_M, Side.BUY, OrderType.LIMIT, TimeInForce.GTC, Decimal("0.01"), low)
    ack = await venue.place(PlaceOrder(ticket, "um-1"))
    assert [o.order_id for o in await venue.open_orders(Product.USDC_FUTURES)] == [ack.order_id]
    assert rig.sim(lambda ex: [o.order_id for o in ex.open_orders(rig.uid, Product.USDC_FUTURES)]) == [ack.order_id]
    assert (await venue.order(USDC_M, OrderKey(client_oid="um-1"))).price == low
    await venue.cancel(USDC_M, OrderKey(order_id=ack.order_id))
    assert await venue.open_orders(Product.USDC_FUTURES) == []
    await venue.place(PlaceOrder(OrderTicket(USDC_M, Side.BUY, OrderType.MARKET, size=Decimal("0.01")), "um-2"))
    (pos,) = await venue.positions(Product.USDC_FUTURES)
    assert (pos.ref, pos.margin_coin, pos.total) == (USDC_M, "USDC", Decimal("0.01"))
    (sim_pos,) = rig.sim(lambda ex: ex.positions(rig.uid, "BTCPERP", Product.USDC_FUTURES))
    assert sim_pos.total == Decimal("0.01")
    (account,) = await venue.futures(Product.USDC_FUTURES).accounts()
    assert account.margin_coin == "USDC"
    await venue.futures(Product.USDC_FUTURES).close_positions(USDC_M)
    assert rig.sim(lambda ex: ex.positions(rig.uid, "BTCPERP", Product.USDC_FUTURES)) == []
    fills = await venue.fills(Product.USDC_FUTURES, limit=10)
    assert {f.ref for f in fills} == {USDC_M}
    assert len(fills) >= 2
