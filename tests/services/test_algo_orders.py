"""AlgoOrdersService against the real simulator over loopback sockets: stops placed, listed live from orders-algo,
moved, fired by the simulated price at their level (checked against the simulator's fills), cancelled; validation
and guards refuse before sending; reconciliation finds what was placed or fired elsewhere; the panic cancels every
plan order the exchange lists and reports them."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from terminal_app.core.algo import AlgoIntent, AlgoKind, AlgoStatus, TriggerSource
from terminal_app.core.enums import PositionSide, Side
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.orders import OrderTicket
from terminal_app.core.panic import PanicStep
from terminal_app.core.risk import RiskPolicy
from terminal_app.services.algo_orders import describe_cancelled
from terminal_app.services.guards import GuardedServices, PanicController
from terminal_app.services.stack import Services
from terminal_app.sim.server.auth import DEMO_UID

BTC = SymbolRef("BTCUSDT", Product.SPOT)
BTC_PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)


async def last_price(kit: Any, s: Services, ref: SymbolRef) -> D:
    s.market_data.set_active(ref)
    return await kit.wait_until(s.market_data.ticker_changed, lambda: s.market_data.last_price(ref))


def on_exchange(kit: Any, fn: Any) -> Any:
    return kit.sim.call(lambda: fn(kit.sim.server.exchange))


def status(s: Services, oid: str) -> AlgoStatus | None:
    assert s.algo is not None
    order = s.algo.get(oid)
    return None if order is None else order.status


@pytest.mark.asyncio
async def test_stop_market_fires_at_its_level_and_fills_on_the_simulator(kit: Any) -> None:
    async with kit.open(history_pages=1) as s:
        algo = s.algo
        assert algo is not None
        last = await last_price(kit, s, BTC_PERP)
        market = s.market_data.market(BTC_PERP)
        assert market is not None
        trigger = (last * D("1.01")).quantize(market.tick_size)
        oid = algo.place(AlgoIntent(BTC_PERP, AlgoKind.STOP, Side.BUY, trigger, D("0.01")))
        assert status(s, oid) is AlgoStatus.PENDING
        await kit.wait_until(algo.changed, lambda: status(s, oid) is AlgoStatus.LIVE)
        [shown] = algo.orders(BTC_PERP)
        assert (shown.client_oid, shown.trigger_price, shown.order_id is not None) == (oid, trigger, True)
        moved = (last * D("1.02")).quantize(market.tick_size)
        assert algo.modify(oid, moved)
        await kit.wait_until(algo.changed, lambda: (o := algo.get(oid)) is not None and o.trigger_price == moved)
        listed = on_exchange(kit, lambda ex: ex.plans.orders(DEMO_UID, Product.USDT_FUTURES))
        assert [(p.client_oid, p.trigger_price) for p in listed] == [(oid, moved)]
        # the placement's report delivered late (a slow stream, a list read before the move): the move stands
        algo._on_push([shown])
        assert algo.get(oid).trigger_price == moved  # type: ignore[union-attr]
        assert algo.orders(BTC_PERP)[0].trigger_price == moved

        on_exchange(kit, lambda ex: ex.shock("BTC", "1.05"))
        fired = await kit.wait_until(algo.triggered, lambda: (o := algo.get(oid)) is not None
                                     and o.status is AlgoStatus.TRIGGERED and o)
        assert fired.executed_order_id
        fills = on_exchange(kit, lambda ex: ex.fills(DEMO_UID, Product.USDT_FUTURES,
                                                     order_id=fired.executed_order_id))
        assert fills
        assert all(f.side == "buy" for f in fills)
        # a buy stop fires once the last price reached its trigger: it buys at or above it
        assert min(f.price for f in fills) >= moved * D("0.999")
        assert algo.orders() == []


@pytest.mark.asyncio
async def test_wrong_side_and_guards_refuse_before_sending(kit: Any) -> None:
    async with kit.open(history_pages=1) as s:
        algo = s.algo
        assert algo is not None
        last = await last_price(kit, s, BTC_PERP)
        rejected = kit.record(algo.rejected)
        below = (last * D("0.9")).quantize(D("0.1"))
        oid = algo.place(AlgoIntent(BTC_PERP, AlgoKind.STOP, Side.BUY, below, D("0.01")))
        assert status(s, oid) is AlgoStatus.REJECTED
        assert "above the last price" in rejected.calls[0][1]
        algo.set_guard(RiskPolicy, lambda: "the account doctor has not finished")
        above = (last * D("1.1")).quantize(D("0.1"))
        held = algo.place(AlgoIntent(BTC_PERP, AlgoKind.STOP, Side.BUY, above, D("0.01")))
        assert "Trading is held" in rejected.calls[1][1]
        assert status(s, held) is AlgoStatus.REJECTED
        algo.set_guard(lambda: RiskPolicy(max_order_notional=D(100)), lambda: "")
        big = algo.place(AlgoIntent(BTC_PERP, AlgoKind.STOP, Side.BUY, above, D("1")))
        assert status(s, big) is AlgoStatus.REJECTED
        assert "100" in rejected.calls[2][1]
        assert on_exchange(kit, lambda ex: ex.plans.orders(DEMO_UID, Product.USDT_FUTURES)) == []


@pytest.mark.asyncio
async def test_spot_stop_limit_tpsl_and_reconcile(kit: Any) -> None:
    async with kit.open(history_pages=1) as s:
        algo = s.algo
        assert algo is not None
        last = await last_price(kit, s, BTC)
        trigger = (last * D("0.95")).quantize(D("0.01"))
        oid = algo.place(AlgoIntent(BTC, AlgoKind.STOP, Side.SELL, trigger, D("0.001"),
                                    execute_price=trigger - D("1")))
        await kit.wait_until(algo.changed, lambda: status(s, oid) is AlgoStatus.LIVE)
        # a position, its partial stop-loss and a trailing stop placed from elsewhere (the exchange directly)
        perp = await last_price(kit, s, BTC_PERP)
        s.trading.place(OrderTicket(BTC_PERP, Side.BUY, "market", size=D("0.02")))
        await kit.wait_until(s.account.positions_changed, lambda: s.account.position(BTC_PERP, "long"))
        sl = algo.place(AlgoIntent(BTC_PERP, AlgoKind.STOP_LOSS, Side.SELL, (perp * D("0.9")).quantize(D("0.1")),
                                   D("0.01"), trigger_source=TriggerSource.MARK, hold_side=PositionSide.LONG))
        await kit.wait_until(algo.changed, lambda: status(s, sl) is AlgoStatus.LIVE)
        on_exchange(kit, lambda ex: ex.plans.place_futures(DEMO_UID, "BTCUSDT", "track_plan", "sell", "market",
                                                           "0.01", str((perp * 2).quantize(D("0.1"))),
                                                           callback_ratio="1", client_oid="elsewhere"))
        await kit.wait_until(algo.changed, lambda: algo.get("elsewhere") is not None)  # the push
        await algo.reconcile()
        kinds = {o.client_oid: o.kind for o in algo.orders()}
        assert kinds == {oid: AlgoKind.STOP, sl: AlgoKind.STOP_LOSS, "elsewhere": AlgoKind.TRAILING}
        assert algo.get(oid).execute_price == trigger - D("1")  # type: ignore[union-attr]

        algo.cancel(oid)
        await kit.wait_until(algo.changed, lambda: status(s, oid) is AlgoStatus.CANCELLED)
        assert on_exchange(kit, lambda ex: ex.plans.orders(DEMO_UID, Product.SPOT)) == []


@pytest.mark.asyncio
async def test_panic_cancels_every_plan_order_and_reports_them(kit: Any) -> None:
    async with kit.open(history_pages=1) as s:
        algo = s.algo
        assert algo is not None
        perp = await last_price(kit, s, BTC_PERP)
        spot = await last_price(kit, s, BTC)
        high = str((perp * 2).quantize(D("0.1")))
        on_exchange(kit, lambda ex: (
            ex.plans.place_futures(DEMO_UID, "BTCUSDT", "normal_plan", "buy", "market", "0.01", high),
            ex.plans.place_futures(DEMO_UID, "BTCUSDT", "track_plan", "sell", "market", "0.01", high,
                                   callback_ratio="2"),
            ex.plans.place_spot(DEMO_UID, "BTCUSDT", "buy", "market", "10", str((spot * 2).quantize(D("0.01"))),
                                size_unit="total"),
        ))
        await kit.wait_until(algo.changed, lambda: len(algo.orders()) == 3)
        guarded = GuardedServices.wrap(s, None, RiskPolicy)  # type: ignore[arg-type]
        panic = PanicController(lambda: "demo:Demo")
        panic.bind("demo:Demo", guarded)
        steps = kit.record(panic.acted)
        panic.press()
        report = await kit.wait_until(panic.acted, lambda: len(steps) == 2 and steps.calls[1][0])
        assert isinstance(report, PanicStep)
        assert report.message in ("PANIC: cancelled 2 stops and 1 trailing stop.",
                                  "PANIC: cancelled 1 trailing stop and 2 stops.")
        left = on_exchange(kit, lambda ex: ex.plans.orders(DEMO_UID, Product.USDT_FUTURES)
                           + ex.plans.orders(DEMO_UID, Product.SPOT))
        assert left == []
        await kit.wait_until(algo.changed, lambda: algo.orders() == [])


def test_describe_cancelled() -> None:
    assert describe_cancelled([]) == "no stop, trailing or TP/SL order"


@pytest.mark.asyncio
async def test_an_unanswered_placement_is_looked_for_never_sent_twice(kit: Any) -> None:
    async with kit.open(history_pages=1) as s:
        algo = s.algo
        assert algo is not None
        algo.not_placed_after_s, algo.retry_s = 2.0, 0.1
        last = await last_price(kit, s, BTC_PERP)
        high = (last * D("1.2")).quantize(D("0.1"))
        path = "/api/v2/mix/order/place-plan-order"
        # executed, then the connection closes without an answer: found live by its clientOid, placed once
        kit.sim.faults.timeout_after_accept(path=path, close=True)
        placed = algo.place(AlgoIntent(BTC_PERP, AlgoKind.STOP, Side.BUY, high, D("0.01")))
        await kit.wait_until(algo.changed, lambda: status(s, placed) is AlgoStatus.LIVE)
        plans = on_exchange(kit, lambda ex: ex.plans.orders(DEMO_UID, Product.USDT_FUTURES))
        assert [p.client_oid for p in plans] == [placed]
        # refused with a bare 503 before it was executed: not found, then shown as not placed
        kit.sim.faults.fail_rest(503, path=path)
        lost = algo.place(AlgoIntent(BTC_PERP, AlgoKind.STOP, Side.BUY, high, D("0.01")))
        await kit.wait_until(algo.changed, lambda: status(s, lost) is AlgoStatus.REJECTED, timeout=15)
        assert "Not placed" in algo.get(lost).reason  # type: ignore[union-attr]
        assert len(on_exchange(kit, lambda ex: ex.plans.orders(DEMO_UID, Product.USDT_FUTURES))) == 1


@pytest.mark.asyncio
async def test_tpsl_attached_to_an_order_is_listed_and_cancellable(kit: Any) -> None:
    async with kit.open(history_pages=1) as s:
        algo = s.algo
        assert algo is not None
        last = await last_price(kit, s, BTC_PERP)
        sl = (last * D("0.9")).quantize(D("0.1"))
        tp = (last * D("1.1")).quantize(D("0.1"))
        s.trading.place(OrderTicket(BTC_PERP, Side.BUY, "market", size=D("0.01"), tp=tp, sl=sl))
        shown = await kit.wait_until(algo.changed, lambda: len(algo.orders(BTC_PERP)) == 2 and algo.orders(BTC_PERP))
        kinds = {o.kind: o for o in shown}
        assert (kinds[AlgoKind.TAKE_PROFIT].trigger_price, kinds[AlgoKind.STOP_LOSS].trigger_price) == (tp, sl)
        assert all(o.hold_side is PositionSide.LONG and o.side is Side.SELL for o in shown)
        algo.cancel(kinds[AlgoKind.STOP_LOSS].client_oid)
        await kit.wait_until(algo.changed, lambda: [o.kind for o in algo.orders(BTC_PERP)] == [AlgoKind.TAKE_PROFIT])


@pytest.mark.asyncio
async def test_algo_orders_missed_while_disconnected_are_reconciled(kit: Any) -> None:
    async with kit.open(history_pages=1) as s:
        algo, conn = s.algo, s.connection
        assert algo is not None
        last = await last_price(kit, s, BTC_PERP)
        high = (last * D("1.2")).quantize(D("0.1"))
        kept = algo.place(AlgoIntent(BTC_PERP, AlgoKind.STOP, Side.BUY, high, D("0.01")))
        gone = algo.place(AlgoIntent(BTC_PERP, AlgoKind.STOP, Side.BUY, high + 10, D("0.01")))
        await kit.wait_until(algo.changed, lambda: all(status(s, o) is AlgoStatus.LIVE for o in (kept, gone)))
        kit.sim.faults.stall_ws()  # the server keeps the sockets but sends nothing
        shown = algo.get(gone)
        assert shown is not None
        await s.session.rest.cancel_algo(shown)  # behind the service's back
        on_exchange(kit, lambda ex: ex.plans.place_futures(DEMO_UID, "BTCUSDT", "track_plan", "sell", "market",
                                                           "0.01", str(high), callback_ratio="1",
                                                           client_oid="while-away"))
        assert status(s, gone) is AlgoStatus.LIVE
        reconciled = kit.record(conn.reconciled)
        kit.sim.faults.drop_ws()
        await kit.wait_until(conn.reconciled, lambda: reconciled.calls)
        assert status(s, gone) is AlgoStatus.CANCELLED
        assert {o.client_oid for o in algo.orders()} == {kept, "while-away"}


@pytest.mark.asyncio
async def test_a_stop_fired_behind_a_silent_stream_is_found_by_the_periodic_check(kit: Any) -> None:
    async with kit.open(history_pages=1) as s:
        algo = s.algo
        assert algo is not None
        last = await last_price(kit, s, BTC_PERP)
        oid = algo.place(AlgoIntent(BTC_PERP, AlgoKind.STOP, Side.BUY, (last * D("1.01")).quantize(D("0.1")),
                                    D("0.01")))
        await kit.wait_until(algo.changed, lambda: status(s, oid) is AlgoStatus.LIVE)
        kit.sim.faults.stall_ws()  # connected as far as the terminal knows, but no push arrives
        on_exchange(kit, lambda ex: ex.shock("BTC", "1.05"))
        algo.set_check_interval(0.3)
        order = await kit.wait_until(algo.triggered, lambda: (o := algo.get(oid)) is not None
                                     and o.status is AlgoStatus.TRIGGERED and o)
        assert order.executed_order_id
