"""Every futures line through the V2 venue against the simulator over loopback sockets: USDT-M (BTCUSDT), coin-M
(BTCUSD, inverse, margined in BTC) and USDC-M (BTCPERP). For each: open at market, see the position (and its margin
coin) pushed, watch unrealised PnL follow the mark, close part of it and see the size and the liquidation price move,
with the coin-M figures checked against the inverse formula (bitget-futures-products.md §2.4). Also: V1 names open the
right market, and the wallet transfer funds a coin-M account.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from decimal import Decimal

import pytest
import pytest_asyncio

from terminal_app.bitget.errors import BitgetError
from terminal_app.bitget.http import BitgetHttp
from terminal_app.bitget.rest import BitgetRestClient
from terminal_app.bitget.symbols import parse_symbol
from terminal_app.bitget.v2 import V2Venue
from terminal_app.bitget.ws import BitgetStreamer, StreamerConfig
from terminal_app.core.accounts import Position
from terminal_app.core.credentials import Credentials
from terminal_app.core.enums import MarginMode, OrderType, PositionMode, PositionSide, Side
from terminal_app.core.instruments import MarketInfo, Product, SymbolRef
from terminal_app.core.orders import OrderTicket, closing_ticket
from terminal_app.core.venue import PlaceOrder
from terminal_app.sim.runner import SimulatorRunner

LINES = (Product.SPOT, Product.USDT_FUTURES, Product.COIN_FUTURES, Product.USDC_FUTURES)
TIMEOUT = 15.0
CASES = [
    (SymbolRef("BTCUSDT", Product.USDT_FUTURES), "USDT", "0.3"),
    (SymbolRef("BTCUSD", Product.COIN_FUTURES), "BTC", "0.3"),
    (SymbolRef("BTCPERP", Product.USDC_FUTURES), "USDC", "0.3"),
]


@pytest.fixture(scope="module")
def runner(running_sim: Callable[..., Iterator[SimulatorRunner]]) -> Iterator[SimulatorRunner]:
    yield from running_sim(seed=31, quiet=True, rate_limits=False)


class Rig:
    def __init__(self, runner: SimulatorRunner, venue: V2Venue, maker: BitgetRestClient, uid: str,
                 markets: dict[str, MarketInfo]) -> None:
        self.runner = runner
        self.venue = venue
        self.maker = maker
        self.uid = uid
        self.markets = markets


@pytest_asyncio.fixture
async def rig(runner: SimulatorRunner) -> AsyncIterator[Rig]:
    info = runner.info
    assert info is not None
    keys = [runner.add_key(), runner.add_key()]
    creds = [Credentials(k.api_key, k.secret, k.passphrase) for k in keys]
    trader, maker = (BitgetRestClient(BitgetHttp(info.rest, c)) for c in creds)
    streamer = BitgetStreamer(StreamerConfig(public_url=info.ws_public, private_url=info.ws_private,
                                             backoff_initial_s=0.05), credentials=creds[0])
    await trader.connect()
    await maker.connect()
    venue = V2Venue(trader, streamer, LINES)
    try:
        markets = {m.ref.key: m for m in await venue.markets()}
        yield Rig(runner, venue, maker, keys[0].uid, markets)
    finally:
        await streamer.close()
        await trader.aclose()
        await maker.aclose()


async def _eventually(read: object, pred: object, what: str) -> object:
    """Poll an async read until ``pred`` holds (the mark moves on the simulator's own steps)."""
    deadline = asyncio.get_running_loop().time() + TIMEOUT
    while True:
        value = await read()  # type: ignore[operator]
        if pred(value):  # type: ignore[operator]
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}: {value!r}")
        await asyncio.sleep(0.05)


async def _position(rig: Rig, ref: SymbolRef) -> Position | None:
    return next((p for p in await rig.venue.positions(ref.product) if p.ref == ref), None)


def _sim_positions(rig: Rig) -> list[object]:
    return rig.runner.call(lambda: rig.runner.server.exchange.positions(rig.uid, product=None))


@pytest.mark.asyncio
@pytest.mark.parametrize(("ref", "coin", "size"), CASES, ids=[c[0].key for c in CASES])
async def test_open_partially_close_and_pnl_follows_the_mark(rig: Rig, ref: SymbolRef, coin: str,
                                                             size: str) -> None:
    venue = rig.venue
    market = rig.markets[ref.key]
    assert (market.base_coin, market.quote_coin) == ("BTC", {"USDT": "USDT", "BTC": "USD", "USDC": "USDC"}[coin])
    assert (await venue.set_leverage(ref, 10)).margin_coin == coin
    assert (await venue.set_margin_mode(ref, MarginMode.CROSSED)).margin_mode == MarginMode.CROSSED
    pushed: list[Position] = []
    await venue.stream_positions(ref.product, pushed.extend)
    mark0 = (await rig.maker.mix_ticker(ref)).mark_price
    assert mark0 is not None
    price = mark0.quantize(market.tick_size)
    await rig.maker.mix_place_order(ref, Side.SELL, OrderType.LIMIT, size, price=price, margin_coin=coin,
                                    margin_mode=MarginMode.CROSSED)
    await venue.place(PlaceOrder(OrderTicket(ref, Side.BUY, OrderType.MARKET, size=Decimal(size)), f"cm-{coin}-1",
                                 PositionMode.ONE_WAY, MarginMode.CROSSED))
    opened = await _eventually(lambda: _position(rig, ref), lambda p: p is not None and p.total == Decimal(size),
                               "the position")
    assert isinstance(opened, Position)
    assert (opened.margin_coin, opened.hold_side, opened.open_price_avg) == (coin, PositionSide.LONG, price)
    assert opened.liquidation_price is not None
    assert 0 < opened.liquidation_price < price
    await _eventually(lambda: asyncio.sleep(0, pushed), lambda items: any(p.ref == ref for p in items),
                      "a positions push")
    (account,) = [a for a in await venue.futures_accounts(ref.product) if a.margin_coin == coin]
    assert account.unrealized_pl is not None

    # the mark moves up 2 %: the long's PnL follows, in the margin coin
    rig.runner.call(rig.runner.server.exchange.shock, "BTC", "1.02")
    moved = await _eventually(lambda: _position(rig, ref),
                              lambda p: p is not None and p.mark_price is not None and p.mark_price > price * Decimal(
                                  "1.01"), "the mark to move")
    assert isinstance(moved, Position)
    assert moved.mark_price is not None
    q = Decimal(size)
    usd_pnl = q * (moved.mark_price - price)
    if coin == "BTC":
        # inverse: q·(X − E)/X BTC, a small coin amount, not the USD figure
        assert abs(moved.unrealized_pl - usd_pnl / moved.mark_price) < Decimal("1e-10")
        assert moved.unrealized_pl < Decimal("0.01")
    else:
        assert moved.unrealized_pl == usd_pnl
    assert moved.unrealized_pl > 0

    # close half at the new mark: the rest stays, realised PnL in the margin coin, the liquidation price moves
    exit_price = moved.mark_price.quantize(market.tick_size)
    half = q / 2
    await rig.maker.mix_place_order(ref, Side.BUY, OrderType.LIMIT, half, price=exit_price, margin_coin=coin,
                                    margin_mode=MarginMode.CROSSED)
    await venue.place(PlaceOrder(replace(closing_ticket(moved), size=half), f"cm-{coin}-2", PositionMode.ONE_WAY,
                                 MarginMode.CROSSED))
    rest = await _eventually(lambda: _position(rig, ref), lambda p: p is not None and p.total == half,
                             "the partial close")
    assert isinstance(rest, Position)
    assert rest.liquidation_price is not None
    assert rest.liquidation_price < opened.liquidation_price
    fills = [f for f in await venue.fills(ref.product, limit=10) if f.ref == ref]
    closing = max(fills, key=lambda f: f.ts)
    assert closing.fee_coin == coin
    assert closing.profit is not None
    assert closing.profit > 0
    # the simulator's own state agrees
    held = [p for p in _sim_positions(rig) if p.ref == ref]  # type: ignore[attr-defined]
    assert [p.total for p in held] == [half]  # type: ignore[attr-defined]


@pytest.mark.asyncio
async def test_v1_names_open_the_right_market_and_the_tickers_and_depth_load(rig: Rig) -> None:
    for typed, ref in (("BTCUSD_DMCBL", SymbolRef("BTCUSD", Product.COIN_FUTURES)),
                       ("BTCPERP_CMCBL", SymbolRef("BTCPERP", Product.USDC_FUTURES)),
                       ("BTCUSDT_UMCBL", SymbolRef("BTCUSDT", Product.USDT_FUTURES))):
        assert parse_symbol(typed) == ref
        assert ref.key in rig.markets
        ticker = await rig.maker.mix_ticker(ref)
        assert ticker.mark_price is not None
        market = rig.markets[ref.key]
        bid = (ticker.mark_price * Decimal("0.9")).quantize(market.tick_size)
        coin = "BTC" if ref.product is Product.COIN_FUTURES else market.quote_coin
        await rig.maker.mix_place_order(ref, Side.BUY, OrderType.LIMIT, market.min_size * 10, price=bid,
                                        margin_coin=coin, margin_mode=MarginMode.CROSSED)
        depth = await rig.maker.mix_merge_depth(ref)   # the quiet book holds only this bid
        assert Decimal(depth.bids[0][0]) == bid
    tickers = await rig.maker.mix_tickers(Product.COIN_FUTURES)
    assert {t.symbol for t in tickers} == {"BTCUSD", "ETHUSD", "BTCUSDH27", "ETHUSDH27"}


@pytest.mark.asyncio
async def test_transfer_funds_the_coin_m_account_and_refusals_are_typed(rig: Rig) -> None:
    before = {a.margin_coin: a.available for a in await rig.venue.futures_accounts(Product.COIN_FUTURES)}
    transfer_id = await rig.venue.transfer(Product.SPOT, Product.COIN_FUTURES, "BTC", Decimal("0.05"))
    assert transfer_id
    after = {a.margin_coin: a.available for a in await rig.venue.futures_accounts(Product.COIN_FUTURES)}
    assert after["BTC"] == before["BTC"] + Decimal("0.05")
    with pytest.raises(BitgetError) as refused:
        await rig.venue.transfer(Product.SPOT, Product.COIN_FUTURES, "USDT", Decimal("1"))
    assert refused.value.code == "40017"
    with pytest.raises(BitgetError) as poor:
        await rig.venue.transfer(Product.COIN_FUTURES, Product.SPOT, "BTC", Decimal("1000"))
    assert poor.value.code == "43117"          # "Exceeds the maximum amount that can be transferred"
