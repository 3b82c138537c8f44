"""The real services on a unified (UTA) simulator account: the session picks the V3 venue from the account mode, and
orders, balances, positions, streams and reconciliation work as on a classic account (issue 14)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from terminal_app.bitget.v3.venue import V3Venue
from terminal_app.core.enums import PositionMode
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.orders import OrderTicket
from terminal_app.services.stack import Services
from terminal_app.sim.runner import SimulatorRunner
from terminal_app.sim.server.http import SimConfig

D = Decimal
BTC = SymbolRef("BTCUSDT", Product.SPOT)
BTC_PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)


@pytest.fixture
def sim() -> Iterator[SimulatorRunner]:
    runner = SimulatorRunner(config=SimConfig(seed=11, account_mode="unified"))
    runner.start()
    try:
        yield runner
    finally:
        runner.stop()


async def resting_price(kit: Any, s: Services, ref: SymbolRef, factor: str = "0.9") -> Decimal:
    s.market_data.set_active(ref)
    book = s.market_data.book(ref)
    assert book is not None
    await kit.wait_until(s.market_data.book_changed, lambda: book.best_bid())
    bid = book.best_bid_price()
    assert bid is not None
    market = s.market_data.market(ref)
    assert market is not None
    return (bid * D(factor)).quantize(market.tick_size)


def status(s: Services, oid: str) -> str | None:
    view = s.trading.order(oid)
    return None if view is None else view.status


@pytest.mark.asyncio
async def test_a_unified_account_gets_the_v3_venue_and_trades_spot(kit: Any) -> None:
    async with kit.open(history_pages=1) as s:
        session = s.session
        assert session.account_mode is not None
        assert (session.account_mode.uta, session.account_mode.label) == (True, "Unified account")
        assert isinstance(session.venue, V3Venue)
        assert session.ws.config.private_url.endswith("/v3/ws/private")
        assert session.can_trade
        tr, account = s.trading, s.account
        price = await resting_price(kit, s, BTC)
        await kit.wait_until(account.balances_changed, lambda: account.asset("USDT"))
        oid = tr.place(OrderTicket(BTC, "buy", "limit", "gtc", D("0.001"), price))
        await kit.wait_until(tr.order_updated, lambda: status(s, oid) == "live")
        await kit.wait_until(account.balances_changed, lambda: (a := account.asset("USDT")) and a.frozen > 0)
        new_oid = tr.modify(oid, price - D("1"), D("0.002"))
        assert new_oid is not None
        await kit.wait_until(tr.order_updated, lambda: status(s, new_oid) == "live" and status(s, oid) == "cancelled")
        (view,) = tr.open_orders(BTC)
        assert (view.client_oid, view.price, view.size) == (new_oid, price - D("1"), D("0.002"))
        tr.cancel(new_oid)
        await kit.wait_until(tr.orders_changed, lambda: tr.open_orders(BTC) == [])
        assert status(s, new_oid) == "cancelled"

        await kit.wait_until(s.market_data.ticker_changed, lambda: s.market_data.ticker(BTC))
        btc_before = account.asset("BTC").available
        buy = tr.place(OrderTicket(BTC, "buy", "market", size=D("0.001")))
        assert tr.order(buy).size_in_quote
        await kit.wait_until(tr.order_updated, lambda: status(s, buy) == "filled")
        await kit.wait_until(account.balances_changed, lambda: account.asset("BTC").available > btc_before)


@pytest.mark.asyncio
async def test_unified_futures_one_way_and_hedge_with_the_pool(kit: Any) -> None:
    async with kit.open(history_pages=1) as s:
        tr, account = s.trading, s.account
        price = await resting_price(kit, s, BTC_PERP)
        account.set_leverage(BTC_PERP, 7)
        await kit.next(account.leverage_changed, where=lambda ref, lev: ref == BTC_PERP and lev == 7)
        oid = tr.place(OrderTicket(BTC_PERP, "buy", "market", size=D("0.01")))
        position = await kit.wait_until(account.positions_changed, lambda: account.position(BTC_PERP, "long"))
        assert (position.total, position.leverage, position.pos_mode) == (D("0.01"), 7, PositionMode.ONE_WAY)
        await kit.wait_until(tr.order_updated, lambda: status(s, oid) == "filled")
        futures = await kit.wait_until(account.futures_account_changed, lambda: account.futures_account())
        assert futures.margin_coin == "USDT"
        assert futures.usdt_equity > D(15000)  # the whole pool (spot + futures wallets), in USD
        close_oid = tr.close_position(position)
        closing = tr.order(close_oid)
        assert (closing.side, closing.reduce_only) == ("sell", True)
        await kit.wait_until(account.positions_changed, lambda: account.position(BTC_PERP) is None)
        await kit.wait_until(tr.order_updated, lambda: status(s, close_oid) == "filled")

        limit = tr.place(OrderTicket(BTC_PERP, "buy", "limit", "gtc", D("0.01"), price))
        await kit.wait_until(tr.order_updated, lambda: status(s, limit) == "live")
        moved = tr.modify(limit, price - D("5"), None)
        assert moved is not None
        await kit.wait_until(tr.order_updated, lambda: status(s, moved) == "live" and status(s, limit) == "cancelled")
        tr.cancel(moved)
        await kit.wait_until(tr.orders_changed, lambda: tr.open_orders(BTC_PERP) == [])

        account.set_position_mode(PositionMode.HEDGE)
        await kit.wait_until(account.position_mode_changed, lambda: account.position_mode() == PositionMode.HEDGE)
        tr.place(OrderTicket(BTC_PERP, "sell", "market", size=D("0.02"), trade_side="open"))
        short = await kit.wait_until(account.positions_changed, lambda: account.position(BTC_PERP, "short"))
        assert (short.total, short.pos_mode) == (D("0.02"), PositionMode.HEDGE)
        close_short = tr.close_position(short)
        assert (tr.order(close_short).side, tr.order(close_short).trade_side) == ("sell", "close")
        await kit.wait_until(account.positions_changed, lambda: account.position(BTC_PERP) is None)
        await kit.wait_until(tr.order_updated, lambda: status(s, close_short) == "filled")


@pytest.mark.asyncio
async def test_unified_orders_missed_while_disconnected_are_reconciled(kit: Any) -> None:
    async with kit.open(history_pages=1) as s:
        tr, conn = s.trading, s.connection
        price = await resting_price(kit, s, BTC)
        oid = tr.place(OrderTicket(BTC, "buy", "limit", "gtc", D("0.001"), price))
        await kit.wait_until(tr.order_updated, lambda: status(s, oid) == "live")
        kit.sim.faults.stall_ws()
        venue = s.session.venue
        from terminal_app.core.venue import OrderKey
        await venue.cancel(BTC, OrderKey(client_oid=oid))  # behind the service's back
        reconciled = kit.record(conn.reconciled)
        kit.sim.faults.drop_ws()
        await kit.wait_until(conn.reconciled, lambda: reconciled.calls)
        assert status(s, oid) == "cancelled"
        await kit.wait_until(conn.state_changed, lambda: conn.state == "connected")
