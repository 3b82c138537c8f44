"""Spot brackets across a restart of the terminal: the bracket is in the journal, and new services on the same journal
and the same simulator resume it (real services over loopback sockets, the journal on its writer thread)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Any

import pytest

from terminal_app.config.profiles import Profile
from terminal_app.core.algo import AlgoStatus
from terminal_app.core.bracket import SpotBracket, Stage
from terminal_app.core.enums import OrderType, Side
from terminal_app.core.health import ProfileKind
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.orders import OrderTicket
from terminal_app.services.journal_sink import JournalSink, journal_path
from terminal_app.services.oco import SpotOcoService
from terminal_app.services.stack import Services
from terminal_app.sim.server.auth import DEMO_UID
from terminal_app.store.journal import Journal

D = Decimal
BTC = SymbolRef("BTCUSDT", Product.SPOT)
PROFILE = Profile("Demo", ProfileKind.DEMO)
SOLD = "take-profit reached: sold at market"


def exchange(kit: Any, fn: Any) -> Any:
    sim = kit.sim
    return sim.call(lambda: fn(sim.server.exchange))


async def open_journal(data_dir: Path, services: Services) -> JournalSink:
    sink = JournalSink(data_dir)
    assert await sink.open_for(PROFILE) is not None
    sink.attach(services.trading)
    return sink


async def armed_bracket(kit: Any, services: Services, oco: SpotOcoService) -> SpotBracket:
    """A spot buy that fills at once, bracketed TP +1 %, SL -2 %; waits until its stop-loss is live."""
    md = services.market_data
    md.set_active(BTC)
    last = await kit.wait_until(md.ticker_changed, lambda: md.last_price(BTC))
    market = md.market(BTC)
    assert market is not None
    assert services.algo is not None
    tick = market.tick_size
    oid = services.trading.place(OrderTicket(BTC, Side.BUY, OrderType.LIMIT, size=D("0.002"),
                                             price=(last * D("1.004")).quantize(tick)))
    bracket = oco.arm(oid, BTC, (last * D("1.01")).quantize(tick), (last * D("0.98")).quantize(tick))
    algo = services.algo
    await kit.wait_until(algo.changed, lambda: bracket.sl_oid is not None and (sl := algo.get(bracket.sl_oid))
                         is not None and sl.status is AlgoStatus.LIVE, timeout=15)
    assert bracket.stage is Stage.ARMED
    assert bracket.size == (D("0.002") * (1 - market.taker_fee)).quantize(market.lot_size, rounding=ROUND_FLOOR)
    return bracket


async def first_run(kit: Any, data_dir: Path) -> SpotBracket:
    """The terminal's first run: a bracket armed, then the terminal closes (the journal flushed, as at shutdown)."""
    async with kit.open() as services:
        sink = await open_journal(data_dir, services)
        assert services.algo is not None
        oco = SpotOcoService(services.trading, services.algo, services.market_data, journal=sink)
        bracket = await armed_bracket(kit, services, oco)
        await oco.close()
        await sink.close()
    return bracket


@asynccontextmanager
async def second_run(kit: Any,
                     data_dir: Path) -> AsyncIterator[tuple[Services, JournalSink, SpotOcoService, list[str]]]:
    """New services on the first run's journal and exchange, with a bracket service that records how brackets end."""
    async with kit.open() as services:
        sink = await open_journal(data_dir, services)
        assert services.algo is not None
        oco = SpotOcoService(services.trading, services.algo, services.market_data, journal=sink)
        ended: list[str] = []
        oco.ended.connect(lambda _b, how: ended.append(how))
        yield services, sink, oco, ended


async def stored(sink: JournalSink) -> list[SpotBracket]:
    result: list[SpotBracket] = await sink.read(lambda j, p: j.brackets(p))
    return result


@pytest.mark.asyncio
async def test_take_profit_still_fires_after_a_restart(kit: Any, tmp_path: Path) -> None:
    bracket = await first_run(kit, tmp_path)
    async with second_run(kit, tmp_path) as (services, sink, oco, ended):
        [resumed] = await oco.restore()
        assert (resumed.entry_oid, resumed.stage, resumed.sl_oid, resumed.size, resumed.tp, resumed.sl) == (
            bracket.entry_oid, Stage.ARMED, bracket.sl_oid, bracket.size, bracket.tp, bracket.sl)
        # nothing shows BTC in this run: the bracket keeps its last price live itself
        assert services.market_data.active != BTC
        exchange(kit, lambda ex: ex.shock("BTC", "1.03"))
        await kit.wait_until(oco.changed, lambda: ended, timeout=25)
        assert ended == [SOLD]
        done = exchange(kit, lambda ex: ex.plans.orders(DEMO_UID, Product.SPOT, pending=False))
        assert [(p.client_oid, p.status) for p in done] == [(bracket.sl_oid, "cancelled")]
        assert resumed.exit_oid is not None
        exit_view = services.trading.order(resumed.exit_oid)
        assert exit_view is not None
        fills = exchange(kit, lambda ex: ex.fills(DEMO_UID, Product.SPOT, order_id=exit_view.order_id))
        assert sum(f.size for f in fills) == bracket.size
        assert all(f.side == "sell" for f in fills)
        assert await stored(sink) == []  # ended: gone from the journal
        await oco.close()
        await sink.close()


@pytest.mark.asyncio
async def test_stop_loss_fired_while_closed_ends_the_bracket_without_selling(kit: Any, tmp_path: Path) -> None:
    bracket = await first_run(kit, tmp_path)
    exchange(kit, lambda ex: ex.shock("BTC", "0.96"))  # the terminal is closed: the exchange's stop-loss fires
    for _ in range(200):
        plans = exchange(kit, lambda ex: ex.plans.orders(DEMO_UID, Product.SPOT, pending=False))
        if plans:
            break
        await asyncio.sleep(0.05)
    assert [(p.client_oid, p.status) for p in plans] == [(bracket.sl_oid, "executed")]
    async with second_run(kit, tmp_path) as (services, sink, oco, ended):
        assert await oco.restore() == []
        assert ended == ["stop-loss fired on the exchange while the terminal was closed"]
        exchange(kit, lambda ex: ex.shock("BTC", "1.15"))  # far above the old take-profit: nothing is sold
        md = services.market_data
        md.set_active(BTC)
        await kit.wait_until(md.ticker_changed, lambda: (p := md.last_price(BTC)) is not None and p > bracket.tp,
                             timeout=15)
        # the watch would have placed its sell on that ticker, listed at once as pending: there is none
        assert oco.brackets() == []
        assert services.trading.open_orders(None) == []
        sells = [f for f in exchange(kit, lambda ex: ex.fills(DEMO_UID, Product.SPOT)) if f.side == "sell"]
        assert sum(f.size for f in sells) == bracket.size  # only the stop-loss's sell
        assert await stored(sink) == []
        await oco.close()
        await sink.close()


@pytest.mark.asyncio
async def test_a_take_profit_caught_half_way_is_finished_after_the_restart(kit: Any, tmp_path: Path) -> None:
    """The terminal stopped right after its cancel of the stop-loss (the take-profit was reached) and before its sell:
    the next run finds the stop-loss cancelled and sells, since the coins are no longer protected."""
    bracket = await first_run(kit, tmp_path)
    exchange(kit, lambda ex: ex.plans.cancel(DEMO_UID, Product.SPOT, "BTCUSDT", client_oid=bracket.sl_oid))
    taking = SpotBracket(bracket.entry_oid, BTC, bracket.tp, bracket.sl, bracket.size, bracket.sl_oid, None,
                         Stage.TAKING)
    with Journal(journal_path(tmp_path, PROFILE)) as journal:  # as the first run wrote it when it cancelled
        journal.save_bracket(PROFILE.name, taking)
    async with second_run(kit, tmp_path) as (_services, sink, oco, ended):
        [resumed] = await oco.restore()
        assert resumed.stage is Stage.TAKING
        assert resumed.exit_oid is not None
        await kit.wait_until(oco.changed, lambda: ended, timeout=15)
        assert ended == [SOLD]
        sells = [f for f in exchange(kit, lambda ex: ex.fills(DEMO_UID, Product.SPOT)) if f.side == "sell"]
        assert sum(f.size for f in sells) == bracket.size
        assert await stored(sink) == []
        await oco.close()
        await sink.close()
