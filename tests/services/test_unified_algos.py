"""The algo orders service on a unified (UTA) simulator account: stops and TP/SL go through the V3 venue's strategy
orders, live from the ``strategy-order`` push, and what happened while the private stream was down (a stop that
fired, one cancelled and one placed elsewhere) is shown as it is after the reconnect's REST reconciliation."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from terminal_app.bitget.v3.algos import V3AlgoVenue
from terminal_app.core.algo import AlgoIntent, AlgoKind, AlgoStatus
from terminal_app.core.enums import MarginMode, Side
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.runner import SimulatorRunner
from terminal_app.sim.server.auth import DEMO_UID
from terminal_app.sim.server.http import SimConfig

D = Decimal
BTC_PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)
FUT = Product.USDT_FUTURES


@pytest.fixture
def sim() -> Iterator[SimulatorRunner]:
    runner = SimulatorRunner(config=SimConfig(seed=41, account_mode="unified"))
    runner.start()
    try:
        yield runner
    finally:
        runner.stop()


def plans(kit: Any, *, pending: bool = True) -> list[Any]:
    return kit.sim.call(lambda: kit.sim.server.exchange.plans.orders(DEMO_UID, FUT, pending=pending))


@pytest.mark.asyncio
async def test_stops_missed_while_disconnected_are_reconciled(kit: Any) -> None:
    async with kit.open(history_pages=1) as s:
        algo, conn, md = s.algo, s.connection, s.market_data
        assert algo is not None
        assert isinstance(s.session.venue.algos, V3AlgoVenue)
        md.set_active(BTC_PERP)
        last = await kit.wait_until(md.ticker_changed, lambda: md.last_price(BTC_PERP))
        fires = algo.place(AlgoIntent(BTC_PERP, AlgoKind.STOP, Side.BUY, (last * D("1.01")).quantize(D("0.1")),
                                      D("0.01")))
        stays = algo.place(AlgoIntent(BTC_PERP, AlgoKind.STOP, Side.BUY, (last * D("1.5")).quantize(D("0.1")),
                                      D("0.01")))
        await kit.wait_until(algo.changed, lambda: all(algo.get(o).status is AlgoStatus.LIVE for o in (fires, stays)))
        await kit.wait_until(algo.changed, lambda: algo.get(fires).order_id is not None)

        kit.sim.faults.stall_ws()   # nothing reaches the terminal from here on
        venue = s.session.venue.algos
        await venue.cancel_algo(algo.get(stays), margin_coin="USDT")    # behind the service's back
        elsewhere = (last * D("0.5")).quantize(D("0.1"))
        await venue.place_algo(AlgoIntent(BTC_PERP, AlgoKind.STOP, Side.SELL, elsewhere, D("0.01")), "placed-elsewhere",
                               hedge=False, margin_mode=MarginMode.CROSSED, margin_coin="USDT")
        kit.sim.call(lambda: kit.sim.server.exchange.shock("BTC", "1.04"))
        for _ in range(200):  # the streams are stalled: no signal to wait on, the simulator's state is read
            if any(p.client_oid == fires and p.status == "executed" for p in plans(kit, pending=False)):
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the stop did not fire")
        assert algo.get(fires).status is AlgoStatus.LIVE  # the push was lost with the stalled stream

        reconciled = kit.record(conn.reconciled)
        kit.sim.faults.drop_ws()
        await kit.wait_until(conn.reconciled, lambda: reconciled.calls, timeout=20)
        assert algo.get(fires).status is AlgoStatus.TRIGGERED
        assert algo.get(stays).status is AlgoStatus.CANCELLED
        found = algo.get("placed-elsewhere")
        assert found is not None
        assert (found.status, found.trigger_price, found.side) == (AlgoStatus.LIVE, elsewhere, Side.SELL)
        assert [p.client_oid for p in plans(kit)] == ["placed-elsewhere"]

        # the stream is back: a cancel shows from the push and the exchange has nothing left
        await kit.wait_until(conn.state_changed, lambda: conn.state == "connected", timeout=20)
        algo.cancel("placed-elsewhere")
        await kit.wait_until(algo.changed, lambda: algo.get("placed-elsewhere").status is AlgoStatus.CANCELLED)
        assert plans(kit) == []
