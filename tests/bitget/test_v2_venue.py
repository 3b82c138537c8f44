"""The V2 venue (spot adapter and the USDT-M futures adapter) against the real simulator over loopback sockets.

Everything goes through :class:`terminal_app.core.venue.Venue` with domain types: place, batch, modify, cancel,
cancel-all (per symbol and per product line), close, the queries and the private streams. The simulator is quiet, so
the books hold only the orders placed here; a second user (its own key, its own plain REST client) is the
counterparty.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from decimal import Decimal
from typing import Generic, TypeVar

import pytest
import pytest_asyncio

from terminal_app.bitget.errors import InvalidOrder, OrderNotFound
from terminal_app.bitget.http import BitgetHttp
from terminal_app.bitget.rest import BitgetRestClient
from terminal_app.bitget.v2 import FUTURES_LINES, V2Venue
from terminal_app.bitget.v2.futures import closing_fields
from terminal_app.bitget.ws import BitgetStreamer, StreamerConfig
from terminal_app.core.accounts import FuturesAccount, Position
from terminal_app.core.candles import Interval
from terminal_app.core.credentials import Credentials
from terminal_app.core.enums import (
    MarginMode,
    OrderStatus,
    OrderType,
    PositionMode,
    PositionSide,
    Side,
    TimeInForce,
    TradeSide,
)
from terminal_app.core.instruments import MarketInfo, Product, SymbolRef
from terminal_app.core.orders import Fill, Order, OrderTicket, closing_ticket
from terminal_app.core.venue import FuturesVenue, MarketChannel, OrderKey, PlaceOrder, ProductVenue, Venue
from terminal_app.sim.runner import SimulatorRunner

SPOT = SymbolRef("BTCUSDT", Product.SPOT)
PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)
TIMEOUT = 10.0
T = TypeVar("T")


@pytest.fixture(scope="module")
def runner(running_sim: Callable[..., Iterator[SimulatorRunner]]) -> Iterator[SimulatorRunner]:
    yield from running_sim(seed=23, quiet=True, rate_limits=False)


class Rig:
    def __init__(self, venue: V2Venue, maker: BitgetRestClient, markets: dict[str, MarketInfo]) -> None:
        self.venue = venue
        self.maker = maker
        self.markets = markets


@pytest_asyncio.fixture
async def rig(runner: SimulatorRunner) -> AsyncIterator[Rig]:
    """A fresh trader (a venue over its own client and streamer) and a counterparty with a plain client."""
    info = runner.info
    assert info is not None
    keys = [runner.add_key(), runner.add_key()]
    creds = [Credentials(k.api_key, k.secret, k.passphrase) for k in keys]
    trader, maker = (BitgetRestClient(BitgetHttp(info.rest, c)) for c in creds)
    streamer = BitgetStreamer(StreamerConfig(public_url=info.ws_public, private_url=info.ws_private,
                                             backoff_initial_s=0.05), credentials=creds[0])
    await trader.connect()
    await maker.connect()
    venue = V2Venue(trader, streamer)
    try:
        markets = {m.ref.key: m for m in await venue.markets()}
        yield Rig(venue, maker, markets)
    finally:
        await streamer.close()
        await trader.aclose()
        await maker.aclose()


class Inbox(Generic[T]):
    """Collects what a private stream hands over (parsed domain objects)."""

    def __init__(self) -> None:
        self.items: list[T] = []
        self._changed = asyncio.Event()

    def __call__(self, items: list[T]) -> None:
        self.items.extend(items)
        self._changed.set()

    async def until(self, pred: Callable[[T], bool]) -> T:
        async def scan() -> T:
            seen = 0
            while True:
                for item in self.items[seen:]:
                    if pred(item):
                        return item
                seen = len(self.items)
                self._changed.clear()
                await self._changed.wait()
        return await asyncio.wait_for(scan(), TIMEOUT)


def _limit(ref: SymbolRef, side: Side, size: str, price: Decimal, oid: str,
           force: TimeInForce = TimeInForce.GTC, position_mode: PositionMode | None = None) -> PlaceOrder:
    ticket = OrderTicket(ref, side, OrderType.LIMIT, force, Decimal(size), price)
    return PlaceOrder(ticket, oid, position_mode)


async def _last(rig: Rig, ref: SymbolRef) -> Decimal:
    market = rig.markets[ref.key]
    if ref.is_futures:
        return (await rig.maker.mix_ticker(ref)).last.quantize(market.tick_size)
    (ticker,) = await rig.maker.spot_tickers(ref)
    return ticker.last.quantize(market.tick_size)


def test_the_v2_venue_is_a_venue_of_product_lines() -> None:
    # Nothing is sent: building the venue and naming channels needs no connection.
    rest = BitgetRestClient(BitgetHttp("http://127.0.0.1:9", None))
    built: Venue = V2Venue(rest, BitgetStreamer(StreamerConfig()))
    assert built.products == (Product.SPOT, Product.USDT_FUTURES)
    assert built.futures_products == (Product.USDT_FUTURES,)
    assert isinstance(built.line(Product.SPOT), ProductVenue)
    assert isinstance(built.futures(Product.USDT_FUTURES), FuturesVenue)
    with pytest.raises(InvalidOrder):
        built.futures(Product.SPOT)
    with pytest.raises(InvalidOrder):
        built.line(Product.COIN_FUTURES)  # not traded by this account yet
    assert built.market_stream(PERP, MarketChannel.BOOK) == {"instType": "USDT-FUTURES", "channel": "books",
                                                             "instId": "BTCUSDT"}
    assert built.market_stream(SPOT, MarketChannel.CANDLES, Interval.H1)["channel"] == "candle1H"
    assert built.market_stream(SPOT, MarketChannel.TRADES)["channel"] == "trade"


def test_the_margin_coin_rule_and_the_closing_rule_are_each_in_one_place() -> None:
    def market(ref: SymbolRef, base: str, quote: str) -> MarketInfo:
        one = Decimal(1)
        return MarketInfo(ref, base, quote, one, one, one, one, 0, 0, one, one)

    usdt = market(PERP, "BTC", "USDT")
    usdc = market(SymbolRef("BTCPERP", Product.USDC_FUTURES), "BTC", "USDC")
    coin = market(SymbolRef("BTCUSD", Product.COIN_FUTURES), "BTC", "USD")
    assert FUTURES_LINES[Product.USDT_FUTURES].margin_coin(usdt) == "USDT"
    assert FUTURES_LINES[Product.USDC_FUTURES].margin_coin(usdc) == "USDC"
    assert FUTURES_LINES[Product.COIN_FUTURES].margin_coin(coin) == "BTC"  # inverse: the base coin
    assert FUTURES_LINES[Product.USDT_FUTURES].margin_coin(None) == "USDT"
    with pytest.raises(InvalidOrder):
        FUTURES_LINES[Product.COIN_FUTURES].margin_coin(None)  # no fixed settle coin: the market must be known

    open_long = OrderTicket(PERP, Side.BUY, OrderType.MARKET, size=Decimal(1))
    assert closing_fields(open_long, PositionMode.HEDGE) == (TradeSide.OPEN, None)
    assert closing_fields(open_long, PositionMode.ONE_WAY) == (None, None)
    assert closing_fields(open_long, None) == (None, None)
    zero, one = Decimal(0), Decimal(1)
    long = Position(Product.USDT_FUTURES, "BTCUSDT", "USDT", PositionSide.LONG, PositionMode.HEDGE,
                    MarginMode.CROSSED, one, one, zero, one, one, None, None, zero, zero, zero, None, None, zero, 0, 0)
    hedged = closing_ticket(long)
    assert (hedged.side, closing_fields(hedged, PositionMode.HEDGE)) == (Side.BUY, (TradeSide.CLOSE, None))
    one_way = closing_ticket(replace(long, pos_mode=PositionMode.ONE_WAY))
    assert (one_way.side, closing_fields(one_way, PositionMode.ONE_WAY)) == (Side.SELL, (None, True))


@pytest.mark.asyncio
async def test_spot_through_the_venue_place_query_modify_cancel_batch_and_streams(rig: Rig) -> None:
    venue, maker = rig.venue, rig.maker
    tick = rig.markets[SPOT.key].tick_size
    assert rig.markets[SPOT.key].ref == SPOT
    assert PERP.key in rig.markets
    orders: Inbox[Order] = Inbox()
    fills: Inbox[Fill] = Inbox()
    await venue.stream_orders(Product.SPOT, orders)
    await venue.stream_fills(Product.SPOT, fills)

    price = await _last(rig, SPOT)
    low = price - 50 * tick
    ack = await venue.place(_limit(SPOT, Side.BUY, "0.001", low, "vs-1"))
    assert ack.client_oid == "vs-1"
    assert ack.order_id
    pushed = await orders.until(lambda o: o.client_oid == "vs-1")
    assert (pushed.product, pushed.status, pushed.price) == (Product.SPOT, OrderStatus.LIVE, low)
    by_oid = await venue.order(SPOT, OrderKey(client_oid="vs-1"))
    by_id = await venue.order(SPOT, OrderKey.of(ack.order_id, "vs-1"))
    assert by_oid.order_id == by_id.order_id == ack.order_id
    assert [o.client_oid for o in await venue.open_orders(Product.SPOT)] == ["vs-1"]

    # modify = cancel-replace on spot: the old order is cancelled, the new one rests under the new clientOid
    replaced = await venue.modify(SPOT, OrderKey.of(ack.order_id, "vs-1"), "vs-2", low - tick, Decimal("0.002"))
    assert replaced.client_oid == "vs-2"
    (live,) = await venue.open_orders(SPOT)
    assert (live.client_oid, live.price, live.size) == ("vs-2", low - tick, Decimal("0.002"))
    assert (await venue.order(SPOT, OrderKey(client_oid="vs-1"))).status == OrderStatus.CANCELLED
    await venue.cancel(SPOT, OrderKey(client_oid="vs-2"))
    assert await venue.open_orders(Product.SPOT) == []
    with pytest.raises(OrderNotFound):
        await venue.order(SPOT, OrderKey(client_oid="never-placed"))

    batch = await venue.place_batch(SPOT, [_limit(SPOT, Side.BUY, "0.001", low, "vs-3"),
                                           _limit(SPOT, Side.BUY, "0.001", low - tick, "vs-4", TimeInForce.POST_ONLY)])
    assert sorted(a.client_oid or "" for a in batch.succeeded) == ["vs-3", "vs-4"]
    assert not batch.failed
    await venue.cancel_all(SPOT)  # per symbol
    assert await venue.open_orders(SPOT) == []
    await venue.place(_limit(SPOT, Side.BUY, "0.001", low, "vs-5"))
    await venue.cancel_all(Product.SPOT)  # the whole line
    assert await venue.open_orders(Product.SPOT) == []

    # a market buy takes the counterparty's offer: its size is the quote amount (the venue says so)
    await maker.spot_place_order(SPOT, Side.SELL, OrderType.LIMIT, "0.001", price=price)
    buy = OrderTicket(SPOT, Side.BUY, OrderType.MARKET, size=(price * Decimal("0.001")), size_in_quote=True)
    assert venue.wants_quote_size(buy)
    assert not venue.wants_quote_size(OrderTicket(SPOT, Side.SELL, OrderType.MARKET))
    bought = await venue.place(PlaceOrder(buy, "vs-6"))
    fill = await fills.until(lambda f: f.order_id == bought.order_id)
    assert (fill.price, fill.size, fill.side) == (price, Decimal("0.001"), Side.BUY)
    assert any(f.trade_id == fill.trade_id for f in await venue.fills(Product.SPOT, limit=10))
    history = {o.client_oid: o.status for o in await venue.order_history(Product.SPOT, limit=20)}
    assert history["vs-6"] == OrderStatus.FILLED
    assert history["vs-5"] == OrderStatus.CANCELLED
    btc = {a.coin: a for a in await venue.balances()}["BTC"]
    assert btc.available >= Decimal("0.001") * (1 - rig.markets[SPOT.key].taker_fee)
    candles = await venue.candles(SPOT, Interval.M1, before_ts=None, limit=5)
    assert 0 < len(candles) <= 5
    older = await venue.candles(SPOT, Interval.M1, before_ts=candles[0].ts, limit=5)
    assert all(c.ts < candles[0].ts for c in older)
    with pytest.raises(InvalidOrder):
        await venue.positions(Product.SPOT)  # spot holds no positions


async def _futures_settings(rig: Rig, mode: PositionMode) -> None:
    venue = rig.venue
    assert (await venue.set_leverage(PERP, 10)).cross_margin_leverage == Decimal(10)
    assert (await venue.set_margin_mode(PERP, MarginMode.CROSSED)).margin_mode == MarginMode.CROSSED
    assert (await venue.set_position_mode(Product.USDT_FUTURES, mode)).pos_mode == mode
    settings = await venue.futures_settings(PERP)
    assert (settings.margin_coin, settings.pos_mode, settings.crossed_leverage) == ("USDT", mode, Decimal(10))


async def _maker_offers(rig: Rig, side: Side, price: Decimal, size: str, hedge: bool) -> None:
    await rig.maker.mix_place_order(PERP, side, OrderType.LIMIT, size, price=price, margin_coin="USDT",
                                    margin_mode=MarginMode.CROSSED, trade_side=TradeSide.OPEN if hedge else None)


@pytest.mark.asyncio
async def test_futures_one_way_through_the_venue_open_close_modify_cancel_and_streams(rig: Rig) -> None:
    venue = rig.venue
    await _futures_settings(rig, PositionMode.ONE_WAY)
    tick = rig.markets[PERP.key].tick_size
    positions: Inbox[Position] = Inbox()
    orders: Inbox[Order] = Inbox()
    await venue.stream_positions(Product.USDT_FUTURES, positions)
    await venue.stream_orders(Product.USDT_FUTURES, orders)
    accounts: Inbox[FuturesAccount] = Inbox()
    await venue.stream_futures_accounts(Product.USDT_FUTURES, accounts)

    price = await _last(rig, PERP)
    low = price - 100 * tick
    ack = await venue.place(_limit(PERP, Side.BUY, "0.01", low, "vf-1", position_mode=PositionMode.ONE_WAY))
    assert (await orders.until(lambda o: o.client_oid == "vf-1")).status == OrderStatus.LIVE
    new = await venue.modify(PERP, OrderKey.of(ack.order_id, "vf-1"), "vf-2", low - tick, Decimal("0.02"))
    assert new.client_oid == "vf-2"
    (live,) = await venue.open_orders(PERP)
    assert (live.client_oid, live.price, live.size) == ("vf-2", low - tick, Decimal("0.02"))
    await venue.cancel(PERP, OrderKey(client_oid="vf-2"))
    assert await venue.open_orders(Product.USDT_FUTURES) == []

    batch = await venue.place_batch(PERP, [_limit(PERP, Side.BUY, "0.01", low, "vf-3"),
                                           _limit(PERP, Side.BUY, "0.01", low - tick, "vf-4")])
    assert len(batch.succeeded) == 2
    assert not batch.failed
    result = await venue.cancel_all(Product.USDT_FUTURES)
    assert len(result.succeeded) == 2
    assert not result.failed
    await venue.place(_limit(PERP, Side.BUY, "0.01", low, "vf-5"))
    assert len((await venue.cancel_all(PERP)).succeeded) == 1
    assert await venue.open_orders(PERP) == []

    # open long at market against the maker, then close it with the terminal's closing ticket (reduce-only here)
    await _maker_offers(rig, Side.SELL, price, "0.02", hedge=False)
    opened = OrderTicket(PERP, Side.BUY, OrderType.MARKET, size=Decimal("0.02"))
    await venue.place(PlaceOrder(opened, "vf-6", PositionMode.ONE_WAY))
    held = await positions.until(lambda p: p.total == Decimal("0.02"))
    assert (held.hold_side, held.pos_mode) == (PositionSide.LONG, PositionMode.ONE_WAY)
    (position,) = await venue.positions(Product.USDT_FUTURES)
    await _maker_offers(rig, Side.BUY, price, "0.02", hedge=False)
    await venue.place(PlaceOrder(closing_ticket(position), "vf-7", PositionMode.ONE_WAY))
    closed = await venue.order(PERP, OrderKey(client_oid="vf-7"))
    assert (closed.status, closed.reduce_only, closed.side) == (OrderStatus.FILLED, True, Side.SELL)
    assert await venue.positions(Product.USDT_FUTURES) == []
    assert {f.order_id for f in await venue.fills(Product.USDT_FUTURES, limit=10)} >= {closed.order_id}
    assert {o.client_oid for o in await venue.order_history(Product.USDT_FUTURES, limit=20)} >= {"vf-6", "vf-7"}
    (account,) = [a for a in await venue.futures_accounts(Product.USDT_FUTURES) if a.margin_coin == "USDT"]
    assert account.locked == 0
    assert (await accounts.until(lambda a: a.margin_coin == "USDT")).equity > 0
    candles = await venue.candles(PERP, Interval.M1, before_ts=None, limit=3)
    assert 0 < len(candles) <= 3


@pytest.mark.asyncio
async def test_futures_hedge_mode_through_the_venue_open_and_close_both_sides(rig: Rig) -> None:
    venue = rig.venue
    await _futures_settings(rig, PositionMode.HEDGE)
    await rig.maker.mix_set_position_mode(Product.USDT_FUTURES, PositionMode.HEDGE)
    price = await _last(rig, PERP)
    size = Decimal("0.01")
    for side in (Side.BUY, Side.SELL):  # side names the position in hedge mode; the adapter says open
        await _maker_offers(rig, side.opposite, price, "0.01", hedge=True)
        await venue.place(PlaceOrder(OrderTicket(PERP, side, OrderType.MARKET, size=size), f"vh-{side}",
                                     PositionMode.HEDGE))
    held = {p.hold_side: p for p in await venue.positions(Product.USDT_FUTURES)}
    assert set(held) == {PositionSide.LONG, PositionSide.SHORT}
    assert all(p.total == size and p.pos_mode == PositionMode.HEDGE for p in held.values())

    # close the long with the closing ticket (tradeSide close), the short with the line's flash close
    await _maker_offers(rig, Side.BUY, price, "0.01", hedge=True)
    await venue.place(PlaceOrder(closing_ticket(held[PositionSide.LONG]), "vh-close", PositionMode.HEDGE))
    closing = await venue.order(PERP, OrderKey(client_oid="vh-close"))
    assert (closing.status, closing.trade_side) == (OrderStatus.FILLED, TradeSide.CLOSE)
    assert [p.hold_side for p in await venue.positions(Product.USDT_FUTURES)] == [PositionSide.SHORT]
    await _maker_offers(rig, Side.SELL, price, "0.01", hedge=True)
    result = await venue.close_positions(Product.USDT_FUTURES, PositionSide.SHORT)
    assert len(result.succeeded) == 1
    assert not result.failed
    assert await venue.positions(Product.USDT_FUTURES) == []
    with pytest.raises(InvalidOrder):
        await venue.close_positions(Product.SPOT)
