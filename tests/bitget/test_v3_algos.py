"""Algo orders of a unified account (issue 14): :class:`terminal_app.bitget.v3.algos.V3AlgoVenue` against the real
simulator over loopback sockets — Bitget V3 strategy orders (``type: trigger`` stops and ``type: tpsl`` TP/SL, full
and partial) placed, listed, pushed on ``strategy-order``, modified, fired at their trigger (checked against the
simulator's own plans and fills), cancelled and read back from the history; trailing stops refused in plain words."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
import pytest_asyncio

from terminal_app.bitget.errors import InvalidOrder, OrderNotFound
from terminal_app.bitget.v3 import strategy as s
from terminal_app.bitget.v3.venue import V3Venue
from terminal_app.core.algo import AlgoIntent, AlgoKind, AlgoOrder, AlgoStatus, TriggerSource
from terminal_app.core.enums import MarginMode, OrderType, PositionMode, PositionSide, Side, TradeSide
from terminal_app.core.instruments import MarketInfo, Product, SymbolRef
from terminal_app.core.orders import OrderTicket
from terminal_app.core.venue import PlaceOrder
from terminal_app.sim.runner import SimulatorRunner

from .conftest import v3_session

D = Decimal
SPOT = SymbolRef("BTCUSDT", Product.SPOT)
PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)
FUT = Product.USDT_FUTURES
TIMEOUT = 15.0


@pytest.fixture(scope="module")
def runner(running_sim: Callable[..., Iterator[SimulatorRunner]]) -> Iterator[SimulatorRunner]:
    yield from running_sim(seed=37, rate_limits=False)


class Rig:
    def __init__(self, venue: V3Venue, markets: dict[str, MarketInfo], uid: str, runner: SimulatorRunner) -> None:
        self.venue = venue
        self.algos = venue.algos
        self.markets = markets
        self.uid = uid
        self.runner = runner
        self.pushed: list[AlgoOrder] = []
        self.arrived = asyncio.Event()

    def on_push(self, orders: list[AlgoOrder]) -> None:
        self.pushed.extend(orders)
        self.arrived.set()

    async def pushed_until(self, pred: Any) -> AlgoOrder:
        async def scan() -> AlgoOrder:
            while True:
                found = next((o for o in reversed(self.pushed) if pred(o)), None)
                if found is not None:
                    return found
                self.arrived.clear()
                await self.arrived.wait()
        return await asyncio.wait_for(scan(), TIMEOUT)

    def ex(self, fn: Any) -> Any:
        return self.runner.call(lambda: fn(self.runner.server.exchange))

    def plans(self, product: Product = FUT, *, pending: bool = True) -> list[Any]:
        return self.ex(lambda ex: ex.plans.orders(self.uid, product, pending=pending))

    async def last(self, ref: SymbolRef) -> D:
        [ticker] = await self.venue.account.rest.tickers(ref.product, ref.symbol)
        return ticker.last

    def tick(self, ref: SymbolRef) -> D:
        return self.markets[ref.key].tick_size


@pytest_asyncio.fixture
async def rig(runner: SimulatorRunner) -> AsyncIterator[Rig]:
    async with v3_session(runner) as session:
        made = Rig(session.venue, session.markets, session.user.uid, runner)
        await asyncio.gather(*(made.algos.stream_algos(p, made.on_push) for p in made.algos.products))
        yield made


async def _place(rig: Rig, intent: AlgoIntent, oid: str, *, hedge: bool = False) -> str:
    order_id = await rig.algos.place_algo(intent, oid, hedge=hedge, margin_mode=MarginMode.CROSSED,
                                          margin_coin="USDT")
    assert order_id
    return order_id


async def _listed(rig: Rig, oid: str, target: Product | SymbolRef = FUT, *, history: bool = False) -> AlgoOrder:
    return next(o for o in await rig.algos.algo_orders(target, history=history) if o.client_oid == oid)


async def _open_long(rig: Rig, size: str, *, hedge: bool = False) -> None:
    mode = PositionMode.HEDGE if hedge else PositionMode.ONE_WAY
    await rig.venue.set_position_mode(FUT, mode)
    ticket = OrderTicket(PERP, Side.BUY, OrderType.MARKET, size=D(size),
                         trade_side=TradeSide.OPEN if hedge else None)
    await rig.venue.place(PlaceOrder(ticket, None, mode))
    for _ in range(100):
        if any(p.hold_side == PositionSide.LONG for p in await rig.venue.positions(FUT)):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the long position did not open")


def test_trailing_stops_are_refused_in_plain_words() -> None:
    intent = AlgoIntent(PERP, AlgoKind.TRAILING, Side.SELL, D("60000"), D("0.01"), callback_ratio=D("1"))
    with pytest.raises(ValueError, match="Trailing stops are not available on a unified"):
        s.place_body(intent, "t-1", hedge=False)


@pytest.mark.asyncio
async def test_trailing_stop_is_refused_by_the_venue(rig: Rig) -> None:
    intent = AlgoIntent(PERP, AlgoKind.TRAILING, Side.SELL, D("60000"), D("0.01"), callback_ratio=D("1"))
    assert rig.algos.unsupported(intent) == s.NO_TRAILING
    assert rig.algos.unsupported(AlgoIntent(PERP, AlgoKind.STOP, Side.BUY, D("1"), D("0.01"))) is None
    with pytest.raises(InvalidOrder) as caught:
        await _place(rig, intent, "trail-1")
    assert caught.value.user_message == s.NO_TRAILING
    assert rig.plans() == []


@pytest.mark.asyncio
async def test_futures_stop_market_placed_pushed_moved_fired_at_its_trigger(rig: Rig) -> None:
    await rig.venue.set_position_mode(FUT, PositionMode.ONE_WAY)
    last = await rig.last(PERP)
    trigger = (last * D("1.01")).quantize(rig.tick(PERP))
    intent = AlgoIntent(PERP, AlgoKind.STOP, Side.BUY, trigger, D("0.01"), trigger_source=TriggerSource.LAST)
    order_id = await _place(rig, intent, "stop-1")
    listed = await _listed(rig, "stop-1")
    assert (listed.order_id, listed.kind, listed.side, listed.trigger_price, listed.size, listed.status,
            listed.execute_price, listed.trade_side) == (order_id, AlgoKind.STOP, Side.BUY, trigger, D("0.01"),
                                                         AlgoStatus.LIVE, None, None)
    pushed = await rig.pushed_until(lambda o: o.client_oid == "stop-1")
    assert (pushed.status, pushed.trigger_price) == (AlgoStatus.LIVE, trigger)
    [plan] = rig.plans()
    assert (plan.plan_type, plan.side, plan.trigger_type, plan.order_type, plan.client_oid) == (
        "normal_plan", "buy", "fill_price", "market", "stop-1")

    moved = (last * D("1.02")).quantize(rig.tick(PERP))
    await rig.algos.modify_algo(listed, trigger_price=moved, margin_coin="USDT")
    await rig.pushed_until(lambda o: o.client_oid == "stop-1" and o.trigger_price == moved)
    assert [p.trigger_price for p in rig.plans()] == [moved]

    rig.ex(lambda ex: ex.shock("BTC", "1.05"))
    fired = await rig.pushed_until(lambda o: o.client_oid == "stop-1" and o.status is AlgoStatus.TRIGGERED)
    assert fired.order_id == order_id
    [done] = rig.plans(pending=False)
    assert done.status == "executed"
    assert done.executed_order_id
    fills = rig.ex(lambda ex: ex.fills(rig.uid, FUT, order_id=done.executed_order_id))
    assert fills
    assert all(f.side == "buy" for f in fills)
    assert min(f.price for f in fills) >= moved * D("0.999")  # bought once the last price reached the trigger
    ended = await _listed(rig, "stop-1", history=True)
    assert (ended.status, ended.order_id) == (AlgoStatus.TRIGGERED, order_id)
    assert await rig.algos.algo_orders(FUT) == []
    await rig.venue.close_positions(FUT)


@pytest.mark.asyncio
async def test_hedge_mode_close_stop_limit_says_sell_and_long_on_the_wire(rig: Rig) -> None:
    await _open_long(rig, "0.02", hedge=True)
    last = await rig.last(PERP)
    trigger = (last * D("0.97")).quantize(rig.tick(PERP))
    # the terminal's hedge side names the position: close long is buy + close, and it sells
    intent = AlgoIntent(PERP, AlgoKind.STOP, Side.BUY, trigger, D("0.01"), trigger - 50 * rig.tick(PERP),
                        TriggerSource.MARK, trade_side=TradeSide.CLOSE)
    body = s.place_body(intent, "close-1", hedge=True)
    assert (body["side"], body["posSide"], body["triggerBy"], body["triggerOrderType"], body["type"]) == (
        "sell", "long", "mark", "limit", "trigger")
    await _place(rig, intent, "close-1", hedge=True)
    listed = await _listed(rig, "close-1")
    assert (listed.side, listed.trade_side, listed.trigger_source, listed.execute_price) == (
        Side.BUY, TradeSide.CLOSE, TriggerSource.MARK, trigger - 50 * rig.tick(PERP))
    [plan] = rig.plans()
    assert (plan.side, plan.trade_side, plan.trigger_type, plan.execute_price) == (
        "buy", "close", "mark_price", trigger - 50 * rig.tick(PERP))
    await rig.algos.cancel_algo(listed, margin_coin="USDT")
    assert rig.plans() == []
    with pytest.raises(OrderNotFound):
        await rig.algos.cancel_algo(listed, margin_coin="USDT")
    assert (await _listed(rig, "close-1", history=True)).status is AlgoStatus.CANCELLED
    await rig.venue.close_positions(FUT)
    await rig.venue.set_position_mode(FUT, PositionMode.ONE_WAY)


@pytest.mark.asyncio
async def test_position_tp_and_partial_sl_listed_moved_and_cancelled(rig: Rig) -> None:
    await _open_long(rig, "0.02")
    last = await rig.last(PERP)
    tick = rig.tick(PERP)
    tp_price, limit = (last * D("1.2")).quantize(tick), (last * D("1.19")).quantize(tick)
    tp = AlgoIntent(PERP, AlgoKind.POSITION_TP, Side.SELL, tp_price, None, limit, hold_side=PositionSide.LONG)
    sl = AlgoIntent(PERP, AlgoKind.STOP_LOSS, Side.SELL, (last * D("0.8")).quantize(tick), D("0.01"),
                    trigger_source=TriggerSource.MARK, hold_side=PositionSide.LONG)
    assert s.place_body(tp, "tp-1", hedge=False)["tpslMode"] == "full"
    assert s.place_body(sl, "sl-1", hedge=False)["tpslMode"] == "partial"
    await _place(rig, tp, "tp-1")
    await _place(rig, sl, "sl-1")
    listed = {o.client_oid: o for o in await rig.algos.algo_orders(FUT)}
    assert (listed["tp-1"].kind, listed["tp-1"].size, listed["tp-1"].execute_price, listed["tp-1"].hold_side,
            listed["tp-1"].side) == (AlgoKind.POSITION_TP, None, limit, PositionSide.LONG, Side.SELL)
    assert (listed["sl-1"].kind, listed["sl-1"].size, listed["sl-1"].trigger_source) == (
        AlgoKind.STOP_LOSS, D("0.01"), TriggerSource.MARK)
    plans = {p.plan_type: p for p in rig.plans()}
    assert (plans["pos_profit"].trigger_price, plans["pos_profit"].execute_price) == (tp_price, limit)
    assert (plans["loss_plan"].size, plans["loss_plan"].trigger_type) == (D("0.01"), "mark_price")
    await rig.pushed_until(lambda o: o.client_oid == "sl-1")

    higher = (last * D("0.85")).quantize(tick)
    await rig.algos.modify_algo(listed["sl-1"], trigger_price=higher, size=D("0.015"), margin_coin="USDT")
    plans = {p.plan_type: p for p in rig.plans()}
    assert (plans["loss_plan"].trigger_price, plans["loss_plan"].size) == (higher, D("0.015"))
    moved = await _listed(rig, "sl-1")
    assert (moved.trigger_price, moved.size) == (higher, D("0.015"))

    cancelled = await rig.algos.cancel_algos(list(listed.values()), margin_coin="USDT")
    assert {o.client_oid for o in cancelled} == {"tp-1", "sl-1"}
    assert rig.plans() == []
    await rig.venue.close_positions(FUT)


@pytest.mark.asyncio
async def test_a_tpsl_order_of_two_legs_is_two_algo_orders_and_one_firing_ends_both(rig: Rig) -> None:
    await _open_long(rig, "0.02")
    last = await rig.last(PERP)
    tick = rig.tick(PERP)
    # placed as another client would: both legs in one strategy order
    placed = await rig.venue.account.rest.place_tpsl(PERP, PositionSide.LONG, take_profit=(last * D("1.01")).quantize(
        tick), stop_loss=(last * D("0.8")).quantize(tick), qty="0.01", client_oid="both-1")
    legs = {o.client_oid: o for o in await rig.algos.algo_orders(FUT)}
    assert set(legs) == {"both-1", "both-1#sl"}
    assert {o.order_id for o in legs.values()} == {placed.order_id}
    assert (legs["both-1"].kind, legs["both-1#sl"].kind) == (AlgoKind.TAKE_PROFIT, AlgoKind.STOP_LOSS)
    rig.ex(lambda ex: ex.shock("BTC", "1.04"))   # the take-profit fires; V3 ends the order, the stop-loss with it
    await rig.pushed_until(lambda o: o.client_oid == "both-1" and o.status is AlgoStatus.TRIGGERED)
    ended = {o.client_oid: o for o in await rig.algos.algo_orders(FUT, history=True)
             if o.order_id == placed.order_id}
    assert (ended["both-1"].status, ended["both-1#sl"].status) == (AlgoStatus.TRIGGERED, AlgoStatus.CANCELLED)
    assert {p.plan_type: p.status for p in rig.plans(pending=False) if p.linked_order_id == placed.order_id} == {
        "profit_plan": "executed", "loss_plan": "cancelled"}
    await rig.venue.close_positions(FUT)


@pytest.mark.asyncio
async def test_spot_stop_limit_listed_under_its_symbol_and_cancelled(rig: Rig) -> None:
    last = await rig.last(SPOT)
    tick = rig.tick(SPOT)
    trigger = (last * D("0.95")).quantize(tick)
    intent = AlgoIntent(SPOT, AlgoKind.STOP, Side.SELL, trigger, D("0.001"), trigger - 10 * tick)
    order_id = await _place(rig, intent, "spot-1")
    assert rig.algos.target_of(SPOT) is Product.SPOT
    assert Product.SPOT in rig.algos.targets()
    listed = await _listed(rig, "spot-1", SPOT)
    assert (listed.order_id, listed.ref, listed.side, listed.execute_price, listed.trade_side) == (
        order_id, SPOT, Side.SELL, trigger - 10 * tick, None)
    [plan] = rig.plans(Product.SPOT)
    assert (plan.side, plan.order_type, plan.execute_price, plan.trigger_price) == (
        "sell", "limit", trigger - 10 * tick, trigger)
    assert await rig.algos.algo_orders(SymbolRef("ETHUSDT", Product.SPOT)) == []
    assert [o.client_oid for o in await rig.algos.cancel_algos([listed], margin_coin="USDT")] == ["spot-1"]
    assert rig.plans(Product.SPOT) == []
    assert (await rig.pushed_until(lambda o: o.client_oid == "spot-1" and not o.is_open)).status is (
        AlgoStatus.CANCELLED)
