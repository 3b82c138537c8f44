"""The V3 (unified account) venue against the real simulator over loopback sockets: a unified key trades spot and
USDT-M futures through :class:`terminal_app.core.venue.Venue` (place, batch, modify, cancel, cancel-all, close, the
queries, private streams on /v3/ws/private, market streams on /v3/ws/public), the one margin pool, and the
wrong-generation answers (a classic key on V3: 40084; a unified key on V2: 40085). A classic user with a plain V2
client is the counterparty on a quiet simulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from decimal import Decimal
from typing import Any, Generic, TypeVar

import pytest
import pytest_asyncio

from terminal_app.bitget.errors import AccountModeMismatch, InvalidOrder, OrderNotFound
from terminal_app.bitget.http import BitgetHttp
from terminal_app.bitget.rest import BitgetRestClient
from terminal_app.bitget.v3 import market as m
from terminal_app.bitget.v3.rest import V3RestClient
from terminal_app.bitget.v3.stream import DEMO_PRIVATE_URL, streamer_config
from terminal_app.bitget.v3.venue import V3Venue
from terminal_app.bitget.ws import BitgetStreamer, StreamerConfig
from terminal_app.core.accounts import FuturesAccount, Position, SpotAsset
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
    yield from running_sim(seed=29, quiet=True, rate_limits=False)


class Rig:
    def __init__(self, venue: V3Venue, rest: V3RestClient, maker: BitgetRestClient,
                 markets: dict[str, MarketInfo], creds: Credentials, runner: SimulatorRunner) -> None:
        self.venue = venue
        self.rest = rest
        self.maker = maker
        self.markets = markets
        self.creds = creds
        self.runner = runner


@pytest_asyncio.fixture
async def rig(runner: SimulatorRunner) -> AsyncIterator[Rig]:
    info = runner.info
    assert info is not None
    trader_key, maker_key = runner.add_key(uta=True), runner.add_key()
    creds = Credentials(trader_key.api_key, trader_key.secret, trader_key.passphrase)
    rest = V3RestClient(BitgetHttp(info.rest, creds))
    maker = BitgetRestClient(BitgetHttp(info.rest, Credentials(maker_key.api_key, maker_key.secret,
                                                               maker_key.passphrase)))
    config = StreamerConfig(public_url=info.ws_public_v3, private_url=info.ws_private_v3, backoff_initial_s=0.05)
    streamer = BitgetStreamer(config, credentials=creds)
    await rest.connect()
    await maker.connect()
    venue = V3Venue(rest, streamer)
    try:
        markets = {mk.ref.key: mk for mk in await venue.markets()}
        yield Rig(venue, rest, maker, markets, creds, runner)
    finally:
        await streamer.close()
        await rest.aclose()
        await maker.aclose()


class Inbox(Generic[T]):
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
    return PlaceOrder(OrderTicket(ref, side, OrderType.LIMIT, force, Decimal(size), price), oid, position_mode)


async def _last(rig: Rig, ref: SymbolRef) -> Decimal:
    (ticker,) = await rig.rest.tickers(ref.product, ref.symbol)
    return ticker.last.quantize(rig.markets[ref.key].tick_size)


async def _maker_offers(rig: Rig, side: Side, price: Decimal, size: str, hedge: bool) -> None:
    await rig.maker.mix_place_order(PERP, side, OrderType.LIMIT, size, price=price, margin_coin="USDT",
                                    margin_mode=MarginMode.CROSSED, trade_side=TradeSide.OPEN if hedge else None)


def test_the_v3_venue_is_a_venue_of_product_lines() -> None:
    built: Venue = V3Venue(V3RestClient(BitgetHttp("http://127.0.0.1:9", None)), BitgetStreamer())
    assert built.products == (Product.SPOT, Product.USDT_FUTURES)
    assert isinstance(built.line(Product.SPOT), ProductVenue)
    assert isinstance(built.futures(Product.USDT_FUTURES), FuturesVenue)
    with pytest.raises(InvalidOrder):
        built.futures(Product.SPOT)
    assert built.market_stream(PERP, MarketChannel.BOOK) == {"instType": "usdt-futures", "topic": "books",
                                                             "symbol": "BTCUSDT"}
    assert built.market_stream(SPOT, MarketChannel.CANDLES, Interval.H1) == {
        "instType": "spot", "topic": "kline", "symbol": "BTCUSDT", "interval": "1H"}
    demo = streamer_config(demo=True)
    assert (demo.private_url, demo.public_url) == (DEMO_PRIVATE_URL, "wss://wspap.bitget.com/v3/ws/public")
    coin_m = V3Venue(V3RestClient(BitgetHttp("http://127.0.0.1:9", None)), BitgetStreamer(),
                     (Product.SPOT, Product.COIN_FUTURES))
    ticket = OrderTicket(SymbolRef("BTCUSD", Product.COIN_FUTURES), Side.BUY, OrderType.LIMIT, size=Decimal(100))
    assert coin_m.wants_quote_size(ticket)  # coin-M qty is in USD


@pytest.mark.asyncio
async def test_a_key_works_only_against_its_account_generation(rig: Rig, runner: SimulatorRunner) -> None:
    info = runner.info
    assert info is not None
    classic = runner.add_key()
    async with V3RestClient(BitgetHttp(info.rest, Credentials(classic.api_key, classic.secret,
                                                              classic.passphrase))) as client:
        with pytest.raises(AccountModeMismatch) as exc:
            await client.settings()
        assert (exc.value.code, exc.value.http_status) == ("40084", 400)
    async with BitgetRestClient(BitgetHttp(info.rest, rig.creds)) as v2:
        with pytest.raises(AccountModeMismatch) as exc2:
            await v2.spot_assets()
        assert exc2.value.code == "40085"
        assert (await v2.spot_tickers(SPOT))[0].symbol == "BTCUSDT"  # public V2 market data still works
        mode = await v2.probe_account_mode()
        assert mode.uta
    settings = await rig.rest.settings()
    assert (settings.mode, settings.hold_mode) == ("unified", PositionMode.ONE_WAY)


@pytest.mark.asyncio
async def test_spot_through_the_v3_venue(rig: Rig) -> None:
    venue = rig.venue
    tick = rig.markets[SPOT.key].tick_size
    orders: Inbox[Order] = Inbox()
    fills: Inbox[Fill] = Inbox()
    balances: Inbox[list[SpotAsset]] = Inbox()
    await venue.stream_orders(Product.SPOT, orders)
    await venue.stream_fills(Product.SPOT, fills)
    await venue.stream_balances(lambda assets: balances([assets]))
    assert any(a.coin == "USDT" for a in await balances.until(lambda a: bool(a)))

    price = await _last(rig, SPOT)
    low = price - 50 * tick
    ack = await venue.place(_limit(SPOT, Side.BUY, "0.001", low, "us-1"))
    assert ack.client_oid == "us-1"
    pushed = await orders.until(lambda o: o.client_oid == "us-1")
    assert (pushed.product, pushed.status, pushed.price) == (Product.SPOT, OrderStatus.LIVE, low)
    assert (await venue.order(SPOT, OrderKey(client_oid="us-1"))).order_id == ack.order_id
    assert [o.client_oid for o in await venue.open_orders(Product.SPOT)] == ["us-1"]
    modified = await venue.modify(SPOT, OrderKey.of(ack.order_id, "us-1"), "unused", low - tick, Decimal("0.002"))
    (live,) = await venue.open_orders(SPOT)
    assert (live.order_id, live.price, live.size) == (modified.order_id, low - tick, Decimal("0.002"))
    await venue.cancel(SPOT, OrderKey(order_id=live.order_id))
    assert await venue.open_orders(Product.SPOT) == []
    with pytest.raises(OrderNotFound):
        await venue.order(SPOT, OrderKey(client_oid="never-placed"))

    batch = await venue.place_batch(SPOT, [_limit(SPOT, Side.BUY, "0.001", low, "us-3"),
                                           _limit(SPOT, Side.BUY, "0.001", low - tick, "us-4", TimeInForce.POST_ONLY)])
    assert sorted(a.client_oid or "" for a in batch.succeeded) == ["us-3", "us-4"]
    assert len((await venue.cancel_all(SPOT)).succeeded) == 2
    await venue.place(_limit(SPOT, Side.BUY, "0.001", low, "us-5"))
    await venue.cancel_all(Product.SPOT)
    assert await venue.open_orders(Product.SPOT) == []

    await rig.maker.spot_place_order(SPOT, Side.SELL, OrderType.LIMIT, "0.001", price=price)
    buy = OrderTicket(SPOT, Side.BUY, OrderType.MARKET, size=price * Decimal("0.001"), size_in_quote=True)
    assert venue.wants_quote_size(buy)
    bought = await venue.place(PlaceOrder(buy, "us-6"))
    fill = await fills.until(lambda f: f.order_id == bought.order_id)
    assert (fill.price, fill.size, fill.side) == (price, Decimal("0.001"), Side.BUY)
    assert fill.fee < 0
    assert any(f.trade_id == fill.trade_id for f in await venue.fills(Product.SPOT, limit=10))
    history = {o.client_oid: o.status for o in await venue.order_history(Product.SPOT, limit=20)}
    assert (history["us-6"], history["us-5"]) == (OrderStatus.FILLED, OrderStatus.CANCELLED)
    candles = await venue.candles(SPOT, Interval.M1, before_ts=None, limit=5)
    assert 0 < len(candles) <= 5
    older = await venue.candles(SPOT, Interval.M1, before_ts=candles[0].ts, limit=5)
    assert all(c.ts < candles[0].ts for c in older)


@pytest.mark.asyncio
async def test_futures_one_way_through_the_v3_venue_and_the_one_margin_pool(rig: Rig) -> None:
    venue = rig.venue
    assert (await venue.set_leverage(PERP, 10)).cross_margin_leverage == Decimal(10)
    assert (await venue.set_position_mode(Product.USDT_FUTURES, PositionMode.ONE_WAY)).pos_mode == PositionMode.ONE_WAY
    tick = rig.markets[PERP.key].tick_size
    positions: Inbox[Position] = Inbox()
    orders: Inbox[Order] = Inbox()
    accounts: Inbox[FuturesAccount] = Inbox()
    await venue.stream_positions(Product.USDT_FUTURES, positions)
    await venue.stream_orders(Product.USDT_FUTURES, orders)
    await venue.stream_futures_accounts(Product.USDT_FUTURES, accounts)
    before = await venue.unified_account()
    usdt = {a.coin: a for a in before.assets}["USDT"]
    assert usdt.equity == Decimal(20000)  # the demo funding of both wallets, one pool
    assert before.margin_ratio == 0

    price = await _last(rig, PERP)
    low = price - 100 * tick
    ack = await venue.place(_limit(PERP, Side.BUY, "0.01", low, "uf-1"))
    assert (await orders.until(lambda o: o.client_oid == "uf-1")).status == OrderStatus.LIVE
    modified = await venue.modify(PERP, OrderKey.of(ack.order_id, "uf-1"), "unused", low - tick, Decimal("0.02"))
    assert (modified.order_id, modified.client_oid) == (ack.order_id, "uf-1")  # modified in place
    (live,) = await venue.open_orders(PERP)
    assert (live.price, live.size) == (low - tick, Decimal("0.02"))
    await venue.cancel(PERP, OrderKey(client_oid="uf-1"))
    batch = await venue.place_batch(PERP, [_limit(PERP, Side.BUY, "0.01", low, "uf-3"),
                                           _limit(PERP, Side.BUY, "0.01", low - tick, "uf-4")])
    assert len(batch.succeeded) == 2
    assert len((await venue.cancel_all(Product.USDT_FUTURES)).succeeded) == 2

    # a position worth more than one wallet held (15,000 USDT notional at 1x would not fit 10,000): the pool pays
    await venue.set_leverage(PERP, 1)
    size = (Decimal(15000) / price).quantize(rig.markets[PERP.key].lot_size)
    await _maker_offers(rig, Side.SELL, price, str(size), hedge=False)
    await venue.place(PlaceOrder(OrderTicket(PERP, Side.BUY, OrderType.MARKET, size=size), "uf-6",
                                 PositionMode.ONE_WAY))
    held = await positions.until(lambda p: p.total == size)
    assert (held.hold_side, held.pos_mode, held.product) == (PositionSide.LONG, PositionMode.ONE_WAY,
                                                              Product.USDT_FUTURES)
    pool = await venue.unified_account()
    assert pool.maintenance_margin is not None
    assert pool.maintenance_margin > 0
    assert pool.margin_ratio is not None
    assert pool.margin_ratio > 0
    assert (await accounts.until(lambda a: a.margin_coin == "USDT")).usdt_equity > 0
    (position,) = await venue.positions(Product.USDT_FUTURES)
    await _maker_offers(rig, Side.BUY, price, str(size), hedge=False)
    await venue.place(PlaceOrder(closing_ticket(position), "uf-7", PositionMode.ONE_WAY))
    closed = await venue.order(PERP, OrderKey(client_oid="uf-7"))
    assert (closed.status, closed.reduce_only, closed.side) == (OrderStatus.FILLED, True, Side.SELL)
    assert await venue.positions(Product.USDT_FUTURES) == []
    assert {o.client_oid for o in await venue.order_history(Product.USDT_FUTURES, limit=20)} >= {"uf-6", "uf-7"}


@pytest.mark.asyncio
async def test_futures_hedge_mode_uses_side_and_pos_side(rig: Rig) -> None:
    venue = rig.venue
    await venue.set_leverage(PERP, 10)
    await venue.set_position_mode(Product.USDT_FUTURES, PositionMode.HEDGE)
    await rig.maker.mix_set_position_mode(Product.USDT_FUTURES, PositionMode.HEDGE)
    price = await _last(rig, PERP)
    size = Decimal("0.01")
    for side in (Side.BUY, Side.SELL):  # the terminal's hedge ticket names the position; V3 gets side + posSide
        await _maker_offers(rig, side.opposite, price, "0.01", hedge=True)
        await venue.place(PlaceOrder(OrderTicket(PERP, side, OrderType.MARKET, size=size), f"uh-{side}",
                                     PositionMode.HEDGE))
    held = {p.hold_side: p for p in await venue.positions(Product.USDT_FUTURES)}
    assert set(held) == {PositionSide.LONG, PositionSide.SHORT}
    # close long: V3 sells with posSide long; it must close, not open a short
    await _maker_offers(rig, Side.BUY, price, "0.01", hedge=True)
    await venue.place(PlaceOrder(closing_ticket(held[PositionSide.LONG]), "uh-close", PositionMode.HEDGE))
    closing = await venue.order(PERP, OrderKey(client_oid="uh-close"))
    assert (closing.status, closing.side, closing.trade_side) == (OrderStatus.FILLED, Side.BUY, TradeSide.CLOSE)
    assert [p.hold_side for p in await venue.positions(Product.USDT_FUTURES)] == [PositionSide.SHORT]
    await _maker_offers(rig, Side.SELL, price, "0.01", hedge=True)
    await venue.close_positions(Product.USDT_FUTURES)
    assert await venue.positions(Product.USDT_FUTURES) == []
    await venue.set_position_mode(Product.USDT_FUTURES, PositionMode.ONE_WAY)


@pytest.mark.asyncio
async def test_public_streams_on_v3(rig: Rig) -> None:
    streamer = rig.venue.account.ws
    got: dict[str, asyncio.Future[dict[str, Any]]] = {}
    for channel in (MarketChannel.TICKER, MarketChannel.BOOK, MarketChannel.CANDLES):
        arg = rig.venue.market_stream(PERP, channel, Interval.M1)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        got[str(channel)] = future
        await streamer.subscribe(arg, lambda msg, f=future: f.done() or f.set_result(msg))
    ticker = await asyncio.wait_for(got["ticker"], TIMEOUT)
    parsed = m.ticker_from(ticker["data"][0], Product.USDT_FUTURES, "BTCUSDT", ticker["ts"])
    assert parsed.last > 0
    assert parsed.mark_price is not None
    book = await asyncio.wait_for(got["book"], TIMEOUT)
    depth = m.depth_from(book["data"][0], action=book["action"])
    assert depth.seq == 1
    assert book["data"][0]["pseq"] == 0
    kline = await asyncio.wait_for(got["candles"], TIMEOUT)
    assert m.kline_from(kline["data"][-1]).close > 0


@pytest.mark.asyncio
async def test_tpsl_preset_and_strategy_orders_on_v3(rig: Rig, runner: SimulatorRunner) -> None:
    venue, rest = rig.venue, rig.rest
    await venue.set_position_mode(Product.USDT_FUTURES, PositionMode.ONE_WAY)
    price = await _last(rig, PERP)
    tick = rig.markets[PERP.key].tick_size
    await _maker_offers(rig, Side.SELL, price, "0.01", hedge=False)
    # a preset TP/SL rides on the opening order (V3's takeProfit/stopLoss)
    opened = OrderTicket(PERP, Side.BUY, OrderType.MARKET, size=Decimal("0.01"), tp=price + 500 * tick,
                         sl=price - 500 * tick)
    ack = await venue.place(PlaceOrder(opened, "ut-1", PositionMode.ONE_WAY))
    order = await venue.order(PERP, OrderKey.of(ack.order_id, "ut-1"))
    assert (order.preset_tp, order.preset_sl) == (price + 500 * tick, price - 500 * tick)
    uid = runner.server.keys.get(rig.creds.api_key).uid  # type: ignore[union-attr]
    plans = runner.call(lambda: runner.server.exchange.plan_orders(uid))
    assert {(p.plan_type, p.trigger_price) for p in plans} >= {("profit_plan", price + 500 * tick),
                                                                ("loss_plan", price - 500 * tick)}
    # a standalone TP/SL strategy order replaces the position's; listed once, cancelled as one
    placed = await rest.place_tpsl(PERP, None, take_profit=price + 800 * tick, stop_loss=price - 800 * tick,
                                   client_oid="ut-tpsl")
    (listed,) = [s for s in await rest.strategy_orders(Product.USDT_FUTURES) if s.order_id == placed.order_id]
    assert (listed.kind, listed.take_profit, listed.stop_loss, listed.pos_side) == (
        "tpsl", price + 800 * tick, price - 800 * tick, PositionSide.LONG)
    assert listed.client_oid == "ut-tpsl"
    await rest.cancel_strategy(client_oid="ut-tpsl")
    assert placed.order_id not in {s.order_id for s in await rest.strategy_orders(Product.USDT_FUTURES)}
    with pytest.raises(OrderNotFound):
        await rest.cancel_strategy(order_id=placed.order_id)
    await _maker_offers(rig, Side.BUY, price, "0.01", hedge=False)
    await venue.close_positions(Product.USDT_FUTURES)
    assert await venue.positions(Product.USDT_FUTURES) == []


@pytest.mark.asyncio
async def test_a_unified_key_keeps_the_v2_copy_trading_endpoints(rig: Rig, runner: SimulatorRunner) -> None:
    info = runner.info
    assert info is not None
    from terminal_app.bitget.rest_copy import CopyClient

    async with BitgetRestClient(BitgetHttp(info.rest, rig.creds)) as v2:
        copy = CopyClient(v2)
        assert (await copy.follower_current_tracks()).items == ()  # no 40085: copy trading has no V3 API
        with pytest.raises(AccountModeMismatch):
            await v2.mix_accounts()  # the rest of V2 stays closed to a unified key
