"""The real REST client against the real simulator over loopback sockets: every public method, exact arithmetic.

The simulator runs quiet (no market makers, no synthetic trades), so the books hold only the orders these tests
place: a second user (its own API key) is the counterparty and every fill, fee and balance is known to the digit.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
import pytest_asyncio

from terminal_app.bitget.errors import BitgetError
from terminal_app.bitget.http import BitgetHttp
from terminal_app.bitget.rest import BitgetRestClient
from terminal_app.bitget.rest_mix import MixOrderRequest
from terminal_app.bitget.rest_spot import SpotOrderRequest
from terminal_app.core.algo import AlgoIntent, AlgoKind, AlgoStatus, TriggerSource
from terminal_app.core.credentials import Credentials
from terminal_app.core.enums import MarginMode, OrderType, PositionMode, PositionSide, Side, TimeInForce, TradeSide
from terminal_app.core.instruments import MarketInfo, Product, SymbolRef
from terminal_app.sim.runner import SimulatorRunner

BTC_SPOT = SymbolRef("BTCUSDT", Product.SPOT)
BTC_PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)


@pytest.fixture(scope="module")
def runner(running_sim: Callable[..., Iterator[SimulatorRunner]]) -> Iterator[SimulatorRunner]:
    yield from running_sim(seed=16, quiet=True, rate_limits=False)


PUBLIC_METHODS = frozenset(name for name, fn in inspect.getmembers(BitgetRestClient, inspect.iscoroutinefunction)
                           if not name.startswith("_"))
# What this module calls on purpose. A method added to the client fails test_every_public_method_is_covered until a
# test here exercises it against the simulator.
COVERED = frozenset({
    "connect", "aclose", "server_time", "probe_account_mode",
    "spot_assets", "spot_batch_orders", "spot_cancel_order", "spot_cancel_replace_order", "spot_cancel_symbol_orders",
    "spot_candles", "spot_fills", "spot_history_candles", "spot_history_orders", "spot_market_fills",
    "spot_merge_depth", "spot_order_info", "spot_orderbook", "spot_place_order", "spot_symbols", "spot_tickers",
    "spot_unfilled_orders",
    "spot_wallet_transfer",
    "mix_account", "mix_accounts", "mix_all_positions", "mix_batch_place_orders", "mix_cancel_all_orders",
    "mix_cancel_order", "mix_candles",
    "mix_close_positions", "mix_contracts", "mix_fills", "mix_funding_rate", "mix_history_candles",
    "mix_merge_depth", "mix_modify_order", "mix_open_interest", "mix_order_detail", "mix_orders_history",
    "mix_orders_pending", "mix_plan_orders_pending", "mix_place_order", "mix_place_pos_tpsl", "mix_place_tpsl_order",
    "mix_set_leverage", "mix_set_margin_mode", "mix_set_position_mode", "mix_single_position", "mix_ticker",
    "mix_tickers",
    "place_algo", "modify_algo", "cancel_algo", "cancel_algos", "algo_orders",
})
CALLED: set[str] = set()


class RecordingClient(BitgetRestClient):
    """Notes which public methods the tests really reach, so COVERED cannot claim a method no test calls."""

    def __getattribute__(self, name: str) -> Any:
        if name in PUBLIC_METHODS:
            CALLED.add(name)
        return super().__getattribute__(name)


def _client(runner: SimulatorRunner) -> BitgetRestClient:
    """A client for a fresh user (own uid, own balances), so tests sharing the simulator never see each other."""
    assert runner.info is not None
    key = runner.add_key()
    return RecordingClient(BitgetHttp(runner.info.rest, Credentials(key.api_key, key.secret, key.passphrase)))


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


# ----- futures ------------------------------------------------------------------------------------------------------

USDT = "USDT"


async def _perp(client: BitgetRestClient) -> tuple[MarketInfo, Decimal]:
    (info,) = await client.mix_contracts(BTC_PERP)
    ticker = await client.mix_ticker(BTC_PERP)
    return info, ticker.last.quantize(info.tick_size)


async def _equity(client: BitgetRestClient) -> Decimal:
    return (await client.mix_account(BTC_PERP, USDT)).equity


async def _setup_futures(client: BitgetRestClient, pos_mode: str) -> None:
    lev = await client.mix_set_leverage(BTC_PERP, USDT, "10")
    assert lev.cross_margin_leverage == Decimal(10)
    mode = await client.mix_set_margin_mode(BTC_PERP, USDT, "crossed")
    assert mode.margin_mode == "crossed"
    pos = await client.mix_set_position_mode(Product.USDT_FUTURES, pos_mode)
    assert pos.pos_mode == pos_mode


@pytest.mark.asyncio
async def test_futures_one_way_open_long_close_with_exact_pnl_and_fees(
        pair: tuple[BitgetRestClient, BitgetRestClient]) -> None:
    trader, maker = pair
    await _setup_futures(trader, PositionMode.ONE_WAY)
    await _setup_futures(maker, PositionMode.ONE_WAY)
    info, price = await _perp(trader)
    size = Decimal("0.01")
    equity0 = await _equity(trader)
    maker_equity0 = await _equity(maker)

    await maker.mix_place_order(BTC_PERP, "sell", "limit", size, price=price, margin_coin=USDT, margin_mode="crossed")
    opened = await trader.mix_place_order(BTC_PERP, "buy", "market", size, margin_coin=USDT, margin_mode="crossed",
                                          client_oid="open-long")
    detail = await trader.mix_order_detail(BTC_PERP, order_id=opened.order_id)
    assert detail.status == "filled"
    assert detail.avg_price == price
    (long,) = await trader.mix_all_positions()
    assert long.hold_side == "long"
    assert long.total == size
    assert long.open_price_avg == price
    assert long.leverage == Decimal(10)
    assert long.mark_price is not None
    # The unrealized PnL has the sign of (mark - entry) and that exact value.
    assert long.unrealized_pl == (long.mark_price - price) * size
    # all-position and single-position agree (the mark may have moved in between, so not on the PnL)
    singles = await trader.mix_single_position(BTC_PERP, USDT)
    single = [(p.hold_side, p.total, p.open_price_avg, p.fees) for p in singles]
    assert single == [("long", size, price, long.fees)]
    assert long.fees == -info.taker_fee * price * size
    # Between the legs: equity = before - opening fee + the unrealized PnL of the same answer.
    mid = await trader.mix_account(BTC_PERP, USDT)
    assert mid.unrealized_pl is not None
    assert mid.equity == equity0 - info.taker_fee * price * size + mid.unrealized_pl

    exit_price = price + 25 * info.tick_size
    await maker.mix_place_order(BTC_PERP, "buy", "limit", size, price=exit_price, margin_coin=USDT,
                                margin_mode="crossed")
    closed = await trader.mix_place_order(BTC_PERP, "sell", "market", size, margin_coin=USDT, margin_mode="crossed",
                                          reduce_only=True)
    assert await trader.mix_all_positions() == []
    pnl = (exit_price - price) * size
    fees = info.taker_fee * price * size + info.taker_fee * exit_price * size
    fills = await trader.mix_fills(BTC_PERP)
    assert {f.order_id for f in fills} == {opened.order_id, closed.order_id}
    assert sum((f.profit or Decimal(0) for f in fills), Decimal(0)) == pnl
    assert sum(abs(f.fee) for f in fills) == fees
    assert await _equity(trader) == equity0 + pnl - fees
    # The maker's side mirrors it at the maker rate: nothing created or lost beyond the fees.
    maker_fees = info.maker_fee * price * size + info.maker_fee * exit_price * size
    assert await _equity(maker) == maker_equity0 - pnl - maker_fees
    history = await trader.mix_orders_history(BTC_PERP)
    assert {o.order_id for o in history} >= {opened.order_id, closed.order_id}
    assert (await trader.mix_order_detail(BTC_PERP, client_oid="open-long")).order_id == opened.order_id
    close_detail = await trader.mix_order_detail(BTC_PERP, order_id=closed.order_id)
    assert close_detail.pnl == pnl
    assert close_detail.fee == -info.taker_fee * exit_price * size


@pytest.mark.asyncio
async def test_futures_pending_orders_modify_cancel_and_cancel_all(
        pair: tuple[BitgetRestClient, BitgetRestClient]) -> None:
    trader, _ = pair
    await _setup_futures(trader, PositionMode.ONE_WAY)
    info, price = await _perp(trader)
    low = (price * Decimal("0.8")).quantize(info.tick_size)
    first = await trader.mix_place_order(BTC_PERP, "buy", "limit", "0.01", price=low, margin_coin=USDT,
                                         margin_mode="crossed", client_oid="m-1")
    await trader.mix_modify_order(BTC_PERP, order_id=first.order_id, new_client_oid="m-2", new_size="0.02",
                                  new_price=low - info.tick_size, margin_coin=USDT)
    (live,) = await trader.mix_orders_pending(BTC_PERP)
    assert live.client_oid == "m-2"
    assert live.price == low - info.tick_size
    assert live.size == Decimal("0.02")
    await trader.mix_cancel_order(BTC_PERP, order_id=live.order_id, margin_coin=USDT)
    assert await trader.mix_orders_pending() == []

    for n in range(3):
        await trader.mix_place_order(BTC_PERP, "buy", "limit", "0.01", price=low - n * info.tick_size,
                                     margin_coin=USDT, margin_mode="crossed")
    result = await trader.mix_cancel_all_orders(Product.USDT_FUTURES, margin_coin=USDT)
    assert len(result.successes) == 3
    assert result.ok
    assert await trader.mix_orders_pending(BTC_PERP) == []
    assert (await trader.mix_account(BTC_PERP, USDT)).locked == 0

    batch = await trader.mix_batch_place_orders(BTC_PERP, [
        MixOrderRequest(Side.BUY, OrderType.LIMIT, "0.01", low, client_oid="b-1"),
        MixOrderRequest(Side.BUY, OrderType.LIMIT, "0.02", low - info.tick_size, TimeInForce.POST_ONLY, "b-2"),
    ], margin_coin=USDT, margin_mode=MarginMode.CROSSED)
    assert batch.ok
    assert sorted(a.client_oid or "" for a in batch.successes) == ["b-1", "b-2"]
    resting = {o.client_oid: o for o in await trader.mix_orders_pending(BTC_PERP)}
    assert (resting["b-1"].size, resting["b-2"].size, resting["b-2"].force) == (
        Decimal("0.01"), Decimal("0.02"), TimeInForce.POST_ONLY)
    assert (await trader.mix_cancel_all_orders(BTC_PERP, margin_coin=USDT)).ok


@pytest.mark.asyncio
async def test_futures_hedge_mode_both_sides_tpsl_and_close_positions(
        pair: tuple[BitgetRestClient, BitgetRestClient]) -> None:
    trader, maker = pair
    await _setup_futures(trader, PositionMode.HEDGE)
    await _setup_futures(maker, PositionMode.HEDGE)
    info, price = await _perp(trader)
    size = Decimal("0.02")
    equity0 = await _equity(trader)

    async def offer(side: str, at: Decimal) -> None:
        await maker.mix_place_order(BTC_PERP, side, "limit", size, price=at, margin_coin=USDT, margin_mode="crossed",
                                    trade_side="open")

    await offer("sell", price)
    await trader.mix_place_order(BTC_PERP, "buy", "market", size, margin_coin=USDT, margin_mode="crossed",
                                 trade_side="open")
    await offer("buy", price)
    await trader.mix_place_order(BTC_PERP, "sell", "market", size, margin_coin=USDT, margin_mode="crossed",
                                 trade_side="open")
    positions = {p.hold_side: p for p in await trader.mix_all_positions()}
    assert set(positions) == {"long", "short"}
    assert all(p.total == size and p.open_price_avg == price and p.pos_mode == PositionMode.HEDGE
               for p in positions.values())
    single = {p.hold_side: p.total for p in await trader.mix_single_position(BTC_PERP, USDT)}
    assert single == {"long": size, "short": size}

    tp = await trader.mix_place_tpsl_order(BTC_PERP, USDT, "profit_plan", price * 2, "long", size=size)
    pos_tpsl = await trader.mix_place_pos_tpsl(BTC_PERP, USDT, "short",
                                               take_profit_trigger=(price / 2).quantize(info.tick_size),
                                               stop_loss_trigger=price * 2)
    plans = {p.order_id: p for p in await trader.mix_plan_orders_pending(BTC_PERP, plan_type="profit_loss")}
    assert set(plans) == {tp.order_id} | {a.order_id for a in pos_tpsl}
    take = plans[tp.order_id]
    assert (take.symbol, take.plan_type, take.status, take.pos_side, take.trigger_type) == (
        "BTCUSDT", "profit_plan", "live", "long", "mark_price")
    assert (take.trigger_price, take.size, take.product) == (price * 2, size, Product.USDT_FUTURES)
    by_type = {p.plan_type: p for p in plans.values() if p.order_id != tp.order_id}
    assert set(by_type) == {"pos_profit", "pos_loss"}
    assert by_type["pos_profit"].trigger_price == (price / 2).quantize(info.tick_size)
    assert by_type["pos_loss"].trigger_price == price * 2
    assert all(p.pos_side == "short" for p in by_type.values())
    # one order by id across the product type; trigger orders are a separate list (none placed here)
    (only,) = await trader.mix_plan_orders_pending(Product.USDT_FUTURES, plan_type="profit_loss",
                                                   order_id=tp.order_id)
    assert only == take
    assert await trader.mix_plan_orders_pending(BTC_PERP) == []
    assert await trader.mix_plan_orders_pending(SymbolRef("ETHUSDT", Product.USDT_FUTURES),
                                                plan_type="profit_loss") == []

    # Each leg closes at the price the maker offers (one offer at a time: two would cross each other): PnL zero,
    # fees = taker rate x notional on four legs.
    await offer("buy", price)
    first = await trader.mix_close_positions(BTC_PERP, hold_side="long")
    assert len(first.successes) == 1
    assert [p.hold_side for p in await trader.mix_all_positions()] == ["short"]
    await offer("sell", price)
    rest = await trader.mix_close_positions(BTC_PERP)
    assert len(rest.successes) == 1
    assert await trader.mix_all_positions() == []
    assert await trader.mix_plan_orders_pending(BTC_PERP, plan_type="profit_loss") == []  # gone with the positions
    fees = 4 * info.taker_fee * price * size
    assert await _equity(trader) == equity0 - fees


@pytest.mark.asyncio
async def test_plan_orders_spot_and_futures(pair: tuple[BitgetRestClient, BitgetRestClient]) -> None:
    """core.algo intents placed, listed as core AlgoOrders, moved and cancelled through the client (bitget.plans)."""
    trader, maker = pair
    await _setup_futures(trader, PositionMode.HEDGE)
    await _setup_futures(maker, PositionMode.HEDGE)
    info, price = await _perp(trader)
    size = Decimal("0.02")
    await maker.mix_place_order(BTC_PERP, "sell", "limit", size, price=price, margin_coin=USDT, margin_mode="crossed",
                                trade_side="open")
    await trader.mix_place_order(BTC_PERP, "buy", "market", size, margin_coin=USDT, margin_mode="crossed",
                                 trade_side="open")
    far = (price * 2).quantize(info.tick_size)
    low = (price / 2).quantize(info.tick_size)
    intents = [
        AlgoIntent(BTC_PERP, AlgoKind.STOP, Side.BUY, far, Decimal("0.01"), execute_price=far + 1,
                   trigger_source=TriggerSource.MARK, trade_side=TradeSide.OPEN),
        AlgoIntent(BTC_PERP, AlgoKind.TRAILING, Side.BUY, far, Decimal("0.01"), callback_ratio=Decimal("1.5"),
                   trade_side=TradeSide.CLOSE),
        AlgoIntent(BTC_PERP, AlgoKind.STOP_LOSS, Side.SELL, low, Decimal("0.01"), hold_side=PositionSide.LONG),
        AlgoIntent(BTC_PERP, AlgoKind.POSITION_TP, Side.SELL, far, None, hold_side=PositionSide.LONG),
    ]
    acks = [await trader.place_algo(intent, f"algo-{i}", hedge=True) for i, intent in enumerate(intents)]
    assert [a.client_oid for a in acks] == ["algo-0", "algo-1", "algo-2", "algo-3"]
    listed = {a.client_oid: a for a in await trader.algo_orders(Product.USDT_FUTURES)}
    assert set(listed) == {"algo-0", "algo-1", "algo-2", "algo-3"}
    stop, trail, sl, tp = (listed[f"algo-{i}"] for i in range(4))
    assert (stop.kind, stop.side, stop.trade_side, stop.trigger_price, stop.execute_price, stop.trigger_source) == (
        AlgoKind.STOP, Side.BUY, TradeSide.OPEN, far, far + 1, TriggerSource.MARK)
    assert (trail.kind, trail.callback_ratio, trail.execute_price) == (AlgoKind.TRAILING, Decimal("1.5"), None)
    assert (sl.kind, sl.side, sl.hold_side, sl.size) == (AlgoKind.STOP_LOSS, Side.SELL, PositionSide.LONG,
                                                         Decimal("0.01"))
    assert (tp.kind, tp.size, tp.status) == (AlgoKind.POSITION_TP, None, AlgoStatus.LIVE)

    await trader.modify_algo(stop, trigger_price=far + 10)
    await trader.modify_algo(sl, trigger_price=low + 10)
    moved = {a.client_oid: a.trigger_price for a in await trader.algo_orders(BTC_PERP)}
    assert (moved["algo-0"], moved["algo-2"]) == (far + 10, low + 10)
    await trader.cancel_algo(trail)
    with pytest.raises(BitgetError) as gone:
        await trader.cancel_algo(trail)
    assert gone.value.code == "40768"
    assert {a.client_oid for a in await trader.cancel_algos([stop, sl, tp])} == {"algo-0", "algo-2", "algo-3"}
    assert await trader.algo_orders(Product.USDT_FUTURES) == []
    assert {a.status for a in await trader.algo_orders(Product.USDT_FUTURES, history=True)} == {AlgoStatus.CANCELLED}

    spot = AlgoIntent(BTC_SPOT, AlgoKind.STOP, Side.SELL, Decimal("1"), Decimal("0.001"))
    await trader.place_algo(spot, "spot-stop")
    [live] = await trader.algo_orders(BTC_SPOT)
    assert (live.client_oid, live.kind, live.side, live.status) == ("spot-stop", AlgoKind.STOP, Side.SELL,
                                                                    AlgoStatus.LIVE)
    await trader.modify_algo(live, trigger_price=Decimal("2"), execute_price=Decimal("2.5"))
    [moved_spot] = await trader.algo_orders(BTC_SPOT)
    assert (moved_spot.trigger_price, moved_spot.execute_price) == (Decimal("2"), Decimal("2.5"))
    await trader.cancel_algo(moved_spot)
    assert await trader.algo_orders(BTC_SPOT) == []
    assert [a.status for a in await trader.algo_orders(BTC_SPOT, history=True)] == [AlgoStatus.CANCELLED]


@pytest.mark.asyncio
async def test_futures_market_data_and_accounts(pair: tuple[BitgetRestClient, BitgetRestClient]) -> None:
    client, _ = pair
    mode = await client.probe_account_mode()
    assert mode is not None
    (account,) = [a for a in await client.mix_accounts() if a.margin_coin == USDT]
    assert account.equity == await _equity(client)
    assert any(t.symbol == "BTCUSDT" for t in await client.mix_tickers())
    assert len(await client.mix_contracts()) > 1
    rate = await client.mix_funding_rate(BTC_PERP)
    assert rate.symbol == "BTCUSDT"
    assert (await client.mix_open_interest(BTC_PERP)).size >= 0
    candles = await client.mix_candles(BTC_PERP, "1m", limit=5)
    assert 0 < len(candles) <= 5
    older = await client.mix_history_candles(BTC_PERP, "1m", end_time=candles[0].ts, limit=3)
    assert older
    assert all(c.ts <= candles[0].ts for c in older)
    depth = await client.mix_merge_depth(BTC_PERP, limit=5)
    assert not depth.bids       # quiet: nobody quotes the perpetual
    assert not depth.asks
    # spot → coin-M: the BTC account of COIN-FUTURES grows by what spot sends
    coin_m = {a.margin_coin: a.available for a in await client.mix_accounts(Product.COIN_FUTURES)}
    assert await client.spot_wallet_transfer(Product.SPOT, Product.COIN_FUTURES, "BTC", Decimal("0.01"))
    after = {a.margin_coin: a.available for a in await client.mix_accounts(Product.COIN_FUTURES)}
    assert after["BTC"] == coin_m["BTC"] + Decimal("0.01")


def test_every_public_method_is_covered(request: pytest.FixtureRequest) -> None:
    assert sorted(PUBLIC_METHODS - COVERED) == []
    assert sorted(COVERED - PUBLIC_METHODS) == []
    module_tests = {item.name for item in request.session.items if item.module is request.module}
    everything_ran = module_tests >= {name for name in dir(request.module) if name.startswith("test_")}
    if everything_ran:  # this test runs last in file order; a selection of tests cannot cover everything
        assert sorted(COVERED - CALLED) == []
