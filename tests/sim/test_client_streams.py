"""The real streamer against the real simulator over loopback: every public and private channel the terminal uses
receives a push (after the REST action that causes it, for the private ones), parsed with the bitget.models parsers.

The simulator is quiet (books hold only the orders placed here), so a book built from ``books`` pushes must equal the
REST order book exactly and no checksum may fail.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
import pytest_asyncio

from terminal_app.bitget.http import BitgetHttp
from terminal_app.bitget.models.push import (
    parse_ws_algo_orders,
    parse_ws_books,
    parse_ws_candles,
    parse_ws_fills,
    parse_ws_futures_account,
    parse_ws_orders,
    parse_ws_positions,
    parse_ws_spot_account,
    parse_ws_ticker,
    parse_ws_trades,
)
from terminal_app.bitget.rest import BitgetRestClient
from terminal_app.bitget.ws import BitgetStreamer, StreamerConfig
from terminal_app.core.book_sync import BookSync
from terminal_app.core.credentials import Credentials
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.orderbook import OrderBook
from terminal_app.sim.runner import SimulatorRunner

TIMEOUT = 10.0
BTC_SPOT = SymbolRef("BTCUSDT", Product.SPOT)
BTC_PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)
USDT = "USDT"


@pytest.fixture(scope="module")
def runner(running_sim: Callable[..., Iterator[SimulatorRunner]]) -> Iterator[SimulatorRunner]:
    yield from running_sim(seed=17, quiet=True, rate_limits=False)


class Inbox:
    """Collects one channel's pushes; ``until(pred)`` resolves on the first push (past or future) that satisfies it."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self._changed = asyncio.Event()

    def __call__(self, msg: dict[str, Any]) -> None:
        self.messages.append(msg)
        self._changed.set()

    async def until(self, pred: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        async def scan() -> dict[str, Any]:
            seen = 0
            while True:
                for msg in self.messages[seen:]:
                    if pred(msg):
                        return msg
                seen = len(self.messages)
                self._changed.clear()
                await self._changed.wait()
        return await asyncio.wait_for(scan(), TIMEOUT)


Clients = tuple[BitgetRestClient, BitgetRestClient, BitgetStreamer]


@pytest_asyncio.fixture
async def clients(runner: SimulatorRunner) -> AsyncIterator[Clients]:
    """(trader, counterparty, the trader's streamer)."""
    info = runner.info
    assert info is not None
    keys = [runner.add_key(), runner.add_key()]
    creds = [Credentials(k.api_key, k.secret, k.passphrase) for k in keys]
    trader, maker = (BitgetRestClient(BitgetHttp(info.rest, c)) for c in creds)
    config = StreamerConfig(public_url=info.ws_public, private_url=info.ws_private, backoff_initial_s=0.05)
    streamer = BitgetStreamer(config, credentials=creds[0])
    await trader.connect()
    await maker.connect()
    try:
        yield trader, maker, streamer
    finally:
        await streamer.close()
        await trader.aclose()
        await maker.aclose()


async def _spot_price(client: BitgetRestClient) -> tuple[Decimal, Decimal]:
    (info,) = await client.spot_symbols(BTC_SPOT)
    (ticker,) = await client.spot_tickers(BTC_SPOT)
    return ticker.last.quantize(info.tick_size), info.tick_size


@pytest.mark.asyncio
async def test_public_channels_ticker_candles_trades_and_a_checksummed_book(clients: Clients) -> None:
    trader, maker, streamer = clients
    ticker, candles, trades = Inbox(), Inbox(), Inbox()
    books_arg = {"instType": "SPOT", "channel": "books", "instId": "BTCUSDT"}
    book = OrderBook("BTCUSDT")
    updates = Inbox()
    sync = BookSync(book, lambda: streamer.resubscribe(books_arg))

    def on_books(msg: dict[str, Any]) -> None:
        sync(msg)
        updates(msg)

    await streamer.subscribe({"instType": "SPOT", "channel": "ticker", "instId": "BTCUSDT"}, ticker)
    await streamer.subscribe({"instType": "SPOT", "channel": "candle1m", "instId": "BTCUSDT"}, candles)
    await streamer.subscribe({"instType": "SPOT", "channel": "trade", "instId": "BTCUSDT"}, trades)
    await streamer.subscribe(books_arg, on_books)

    (tick,) = parse_ws_ticker(await ticker.until(lambda m: True))
    assert tick.symbol == "BTCUSDT"
    assert tick.last > 0
    candle = parse_ws_candles(await candles.until(lambda m: True))[-1]
    assert candle.low <= candle.close <= candle.high
    await updates.until(lambda m: m["action"] == "snapshot")

    price, step = await _spot_price(trader)
    for n in range(3):
        await maker.spot_place_order(BTC_SPOT, "sell", "limit", "0.001", price=price + n * step)
        await trader.spot_place_order(BTC_SPOT, "buy", "limit", "0.002", price=price - (n + 1) * step)
    # A crossing buy takes the best ask: one public trade, and the book loses that level.
    await trader.spot_place_order(BTC_SPOT, "buy", "limit", "0.001", price=price)
    trade = await trades.until(lambda m: any(Decimal(t["price"]) == price for t in m["data"]))
    parsed = [t for t in parse_ws_trades(trade) if t.price == price]
    assert parsed[0].size == Decimal("0.001")
    assert parsed[0].side == "buy"

    rest = await trader.spot_orderbook(BTC_SPOT, limit=50)

    def levels(rows: Any) -> list[tuple[Decimal, Decimal]]:
        return [(Decimal(p), Decimal(s)) for p, s in rows]

    def book_matches(_: dict[str, Any]) -> bool:
        return levels(book.bids(10)) == levels(rest.bids) and levels(book.asks(10)) == levels(rest.asks)

    await updates.until(book_matches)
    assert not book.stale
    assert sync.resyncs == 0
    checked = [m for m in updates.messages if m["action"] == "update"]
    assert checked
    assert all(isinstance(d.checksum, int) for m in checked for d in parse_ws_books(m))
    assert len(rest.asks) == 2
    assert len(rest.bids) == 3


@pytest.mark.asyncio
async def test_private_spot_account_orders_and_fill(clients: Clients) -> None:
    trader, maker, streamer = clients
    account, orders, fills = Inbox(), Inbox(), Inbox()
    await streamer.subscribe({"instType": "SPOT", "channel": "account", "coin": "default"}, account)
    await streamer.subscribe({"instType": "SPOT", "channel": "orders", "instId": "BTCUSDT"}, orders)
    await streamer.subscribe({"instType": "SPOT", "channel": "fill", "instId": "default"}, fills)
    price, _ = await _spot_price(trader)

    await maker.spot_place_order(BTC_SPOT, "sell", "limit", "0.001", price=price)
    ack = await trader.spot_place_order(BTC_SPOT, "buy", "limit", "0.001", price=price)
    filled = await orders.until(lambda m: any(o.order_id == ack.order_id and o.status == "filled"
                                              for o in parse_ws_orders(m)))
    (order,) = [o for o in parse_ws_orders(filled) if o.order_id == ack.order_id]
    assert order.filled_size == Decimal("0.001")
    fill_msg = await fills.until(lambda m: any(f.order_id == ack.order_id for f in parse_ws_fills(m)))
    (fill,) = [f for f in parse_ws_fills(fill_msg) if f.order_id == ack.order_id]
    assert fill.price == price
    assert fill.size == Decimal("0.001")
    rest_btc = {a.coin: a.available for a in await trader.spot_assets("BTC")}["BTC"]
    pushed = await account.until(lambda m: any(a.coin == "BTC" and a.available == rest_btc
                                               for a in parse_ws_spot_account(m)))
    assert pushed["arg"]["channel"] == "account"


@pytest.mark.asyncio
async def test_private_futures_positions_and_algo_orders(clients: Clients) -> None:
    trader, maker, streamer = clients
    positions, algos, orders, account = Inbox(), Inbox(), Inbox(), Inbox()
    await streamer.subscribe({"instType": "USDT-FUTURES", "channel": "account", "coin": "default"}, account)
    await streamer.subscribe({"instType": "USDT-FUTURES", "channel": "positions", "instId": "default"}, positions)
    await streamer.subscribe({"instType": "USDT-FUTURES", "channel": "orders-algo", "instId": "default"}, algos)
    await streamer.subscribe({"instType": "USDT-FUTURES", "channel": "orders", "instId": "default"}, orders)
    (info,) = await trader.mix_contracts(BTC_PERP)
    price = (await trader.mix_ticker(BTC_PERP)).last.quantize(info.tick_size)

    before = await trader.mix_account(BTC_PERP, USDT)
    await maker.mix_place_order(BTC_PERP, "sell", "limit", "0.01", price=price, margin_coin=USDT,
                                margin_mode="crossed")
    ack = await trader.mix_place_order(BTC_PERP, "buy", "market", "0.01", margin_coin=USDT, margin_mode="crossed")
    await orders.until(lambda m: any(o.order_id == ack.order_id and o.status == "filled"
                                     for o in parse_ws_orders(m)))
    pushed = await positions.until(lambda m: any(p.hold_side == "long" and p.total == Decimal("0.01")
                                                 for p in parse_ws_positions(m)))
    (long,) = parse_ws_positions(pushed)
    assert long.open_price_avg == price
    # The account push follows the fill: margin and the opening fee have left the available balance.
    pushed_account = await account.until(lambda m: any(a.margin_coin == USDT and a.available < before.available
                                                       for a in parse_ws_futures_account(m)))
    assert pushed_account["arg"]["instType"] == "USDT-FUTURES"

    plan = await trader.mix_place_tpsl_order(BTC_PERP, USDT, "profit_plan", price * 2, "long", size="0.01")
    msg = await algos.until(lambda m: any(a.order_id == plan.order_id for a in parse_ws_algo_orders(m)))
    (algo,) = [a for a in parse_ws_algo_orders(msg) if a.order_id == plan.order_id]
    assert algo.trigger_price == price * 2
    assert algo.plan_type == "profit_plan"
