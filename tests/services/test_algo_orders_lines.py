"""Plan orders on every futures line, through the real path (AlgoOrdersService -> V2 venue -> simulator over loopback
sockets): a stop on the coin-M BTCUSD inverse perpetual and on the USDC-M BTCPERP is placed with the contract's margin
coin (BTC, USDC), listed live from the line's ``orders-algo`` push, fired by the simulated price and filled on the
simulator in that line's ledger. Before, the simulator served plans on USDT-FUTURES only and the service sent the
quote coin ("USD") as coin-M's margin coin."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from terminal_app.core.algo import AlgoIntent, AlgoKind, AlgoStatus, TriggerSource
from terminal_app.core.enums import PositionSide, Side
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.services.stack import Services
from terminal_app.sim.server.auth import DEMO_UID

BTC_COIN_M = SymbolRef("BTCUSD", Product.COIN_FUTURES)
BTC_USDC_M = SymbolRef("BTCPERP", Product.USDC_FUTURES)


async def last_price(kit: Any, s: Services, ref: SymbolRef) -> D:
    s.market_data.set_active(ref)
    return await kit.wait_until(s.market_data.ticker_changed, lambda: s.market_data.last_price(ref))


def on_exchange(kit: Any, fn: Any) -> Any:
    return kit.sim.call(lambda: fn(kit.sim.server.exchange))


@pytest.mark.asyncio
@pytest.mark.parametrize(("ref", "coin"), [(BTC_COIN_M, "BTC"), (BTC_USDC_M, "USDC")])
async def test_stop_on_coin_m_and_usdc_m_fires_and_fills_in_its_line(kit: Any, ref: SymbolRef, coin: str) -> None:
    async with kit.open(history_pages=1) as s:
        algo = s.algo
        assert algo is not None
        last = await last_price(kit, s, ref)
        market = s.market_data.market(ref)
        assert market is not None
        trigger = (last * D("1.01")).quantize(market.tick_size)
        oid = algo.place(AlgoIntent(ref, AlgoKind.STOP, Side.BUY, trigger, D("0.01")))
        live = await kit.wait_until(algo.changed, lambda: (o := algo.get(oid)) is not None
                                    and o.status is AlgoStatus.LIVE and o)
        assert (live.ref, live.trigger_price) == (ref, trigger)
        [listed] = on_exchange(kit, lambda ex: ex.plans.orders(DEMO_UID, ref.product))
        assert (listed.client_oid, listed.ref, listed.trigger_price) == (oid, ref, trigger)
        wallet_before = on_exchange(kit, lambda ex: ex.futures_account(DEMO_UID, coin).available)

        on_exchange(kit, lambda ex: ex.shock("BTC", "1.05"))
        fired = await kit.wait_until(algo.triggered, lambda: (o := algo.get(oid)) is not None
                                     and o.status is AlgoStatus.TRIGGERED and o)
        fills = on_exchange(kit, lambda ex: ex.fills(DEMO_UID, ref.product, order_id=fired.executed_order_id))
        assert fills
        assert all(f.side == "buy" and f.fee_coin == coin for f in fills)
        assert sum(f.size for f in fills) == D("0.01")
        assert min(f.price for f in fills) >= trigger * D("0.999")
        # the position opened in the line's own ledger, margined in its coin
        await kit.wait_until(s.account.positions_changed, lambda: s.account.position(ref, PositionSide.LONG))
        position = s.account.position(ref, PositionSide.LONG)
        assert position is not None
        assert position.margin_coin == coin
        wallet_after = on_exchange(kit, lambda ex: ex.futures_account(DEMO_UID, coin).available)
        assert wallet_after < wallet_before
        assert algo.orders() == []
        assert all(v == 0 for v in on_exchange(kit, lambda ex: ex.audit()).values())


@pytest.mark.asyncio
async def test_coin_m_stop_loss_closes_the_position_at_the_mark(kit: Any) -> None:
    async with kit.open(history_pages=1) as s:
        algo = s.algo
        assert algo is not None
        await last_price(kit, s, BTC_COIN_M)
        on_exchange(kit, lambda ex: ex.place_futures_order(DEMO_UID, "BTCUSD", "buy", "market", "0.02"))
        await kit.wait_until(s.account.positions_changed, lambda: s.account.position(BTC_COIN_M, PositionSide.LONG))
        mark = on_exchange(kit, lambda ex: ex.mark_price(BTC_COIN_M))
        stop = (mark * D("0.98")).quantize(D("0.1"))
        oid = algo.place(AlgoIntent(BTC_COIN_M, AlgoKind.STOP_LOSS, Side.SELL, stop, D("0.02"),
                                    trigger_source=TriggerSource.MARK, hold_side=PositionSide.LONG))
        await kit.wait_until(algo.changed, lambda: (o := algo.get(oid)) is not None and o.status is AlgoStatus.LIVE)
        on_exchange(kit, lambda ex: ex.shock("BTC", "0.95"))
        fired = await kit.wait_until(algo.triggered, lambda: (o := algo.get(oid)) is not None
                                     and o.status is AlgoStatus.TRIGGERED and o)
        fills = on_exchange(kit, lambda ex: ex.fills(DEMO_UID, Product.COIN_FUTURES, order_id=fired.executed_order_id))
        # inverse: a loss in BTC, realised in the coin-M ledger
        assert fills
        assert all(f.fee_coin == "BTC" and f.profit < 0 for f in fills)
        await kit.wait_until(s.account.positions_changed, lambda: s.account.position(BTC_COIN_M) is None)
        assert on_exchange(kit, lambda ex: ex.positions(DEMO_UID, "BTCUSD", product=Product.COIN_FUTURES)) == []
