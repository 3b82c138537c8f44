"""Orders through the real services against the simulator: pending at once, live, cancel, fills, rejections,
modify, futures positions, and reconciliation after a reconnect."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from terminal_app.bitget.errors import InvalidOrder
from terminal_app.core.enums import MarginMode, PositionMode
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.orders import OrderTicket
from terminal_app.services.stack import Services

D = Decimal
BTC = SymbolRef("BTCUSDT", Product.SPOT)
BTC_PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)


async def resting_price(kit: Any, s: Services, ref: SymbolRef, factor: str = "0.9") -> Decimal:
    """A buy price well below the market (the order rests), on the market's tick."""
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
async def test_spot_limit_order_pending_live_listed_then_cancelled(kit: Any) -> None:
    async with kit.open(history_pages=1) as s:
        tr = s.trading
        price = await resting_price(kit, s, BTC)
        updates = kit.record(tr.order_updated)
        oid = tr.place(OrderTicket(BTC, "buy", "limit", "gtc", D("0.001"), price))
        (view,) = tr.open_orders(BTC)  # listed before any network round trip
        assert (view.client_oid, view.status, view.price, view.size) == (oid, "pending", price, D("0.001"))
        assert updates.calls[0][0].status == "pending"
        await kit.wait_until(tr.order_updated, lambda: status(s, oid) == "live")
        live = tr.order(oid)
        assert live is not None
        assert live.order_id
        on_exchange = await s.session.rest.spot_unfilled_orders(BTC)
        assert oid in {o.client_oid for o in on_exchange}
        await kit.wait_until(s.account.balances_changed, lambda: (a := s.account.asset("USDT")) and a.frozen > 0)
        tr.cancel(oid)
        await kit.wait_until(tr.orders_changed, lambda: tr.open_orders(BTC) == [])
        assert status(s, oid) == "cancelled"
        assert tr.order_history()[0].client_oid == oid
        await kit.wait_until(s.account.balances_changed, lambda: s.account.asset("USDT").frozen == 0)


@pytest.mark.asyncio
async def test_spot_market_buy_fills_and_changes_balances(kit: Any) -> None:
    async with kit.open(history_pages=1) as s:
        tr, account = s.trading, s.account
        await resting_price(kit, s, BTC)
        await kit.wait_until(s.market_data.ticker_changed, lambda: s.market_data.ticker(BTC))
        btc_before = account.asset("BTC").available
        usdt_before = account.asset("USDT").available
        fills = kit.record(tr.fill_received)
        oid = tr.place(OrderTicket(BTC, "buy", "market", size=D("0.001")))  # base size: sent as quote
        view = tr.order(oid)
        assert view is not None
        assert view.size_in_quote
        assert view.size > 50  # 0.001 BTC is worth about 97 USDT here
        await kit.wait_until(tr.order_updated, lambda: status(s, oid) == "filled")
        order_id = tr.order(oid).order_id
        await kit.wait_until(tr.fill_received, lambda: any(f.order_id == order_id for (f,) in fills.calls))
        await kit.wait_until(account.balances_changed, lambda: account.asset("BTC").available > btc_before)
        assert account.asset("USDT").available < usdt_before
        assert account.available(BTC, "sell") == account.asset("BTC").available
        assert any(f.order_id == order_id for f in tr.fills())


@pytest.mark.asyncio
async def test_order_below_the_minimum_is_rejected_with_bitgets_code(kit: Any) -> None:
    async with kit.open(history_pages=1) as s:
        tr = s.trading
        price = await resting_price(kit, s, BTC)
        rejected = kit.record(tr.order_rejected)
        oid = tr.place(OrderTicket(BTC, "buy", "limit", "gtc", D("0.000001"), price))
        await kit.wait_until(tr.order_rejected, lambda: rejected.calls)
        ((view, message),) = rejected.calls
        assert (view.client_oid, view.status, view.code) == (oid, "rejected", "45110")
        assert message.startswith("[45110] ")
        assert "minimum" in message
        assert tr.open_orders() == []


@pytest.mark.asyncio
async def test_trading_without_a_key_is_refused_at_once(kit: Any) -> None:
    async with kit.open(history_pages=1, credentials=False) as s:
        rejected = kit.record(s.trading.order_rejected)
        oid = s.trading.place(OrderTicket(BTC, "buy", "limit", "gtc", D("0.001"), D("50000")))
        assert [(v.client_oid, v.status) for v, _ in rejected.calls] == [(oid, "rejected")]
        assert "API key" in rejected.calls[0][1]


@pytest.mark.asyncio
async def test_modify_replaces_a_spot_order(kit: Any) -> None:
    async with kit.open(history_pages=1) as s:
        tr = s.trading
        price = await resting_price(kit, s, BTC)
        oid = tr.place(OrderTicket(BTC, "buy", "limit", "gtc", D("0.001"), price))
        await kit.wait_until(tr.order_updated, lambda: status(s, oid) == "live")
        lower = price - D("10")
        new_oid = tr.modify(oid, lower, D("0.002"))
        assert new_oid is not None
        await kit.wait_until(tr.order_updated, lambda: status(s, new_oid) == "live" and status(s, oid) == "cancelled")
        (view,) = tr.open_orders(BTC)
        assert (view.client_oid, view.price, view.size) == (new_oid, lower, D("0.002"))


@pytest.mark.asyncio
async def test_futures_leverage_long_position_with_pnl_then_close(kit: Any) -> None:
    async with kit.open(history_pages=1) as s:
        tr, account = s.trading, s.account
        await resting_price(kit, s, BTC_PERP)
        account.set_leverage(BTC_PERP, 7)
        await kit.next(account.leverage_changed, where=lambda ref, lev: ref == BTC_PERP and lev == 7)
        assert account.leverage(BTC_PERP) == 7
        assert (await s.session.rest.mix_account(BTC_PERP, "USDT")).crossed_leverage == 7
        oid = tr.place(OrderTicket(BTC_PERP, "buy", "market", size=D("0.01")))
        position = await kit.wait_until(account.positions_changed, lambda: account.position(BTC_PERP, "long"))
        assert position.total == D("0.01")
        assert position.leverage == 7
        assert position.open_price_avg > 0
        assert isinstance(position.unrealized_pl, Decimal)
        await kit.wait_until(tr.order_updated, lambda: status(s, oid) == "filled")
        await kit.wait_until(account.futures_account_changed,
                             lambda: (a := account.futures_account()) is not None and a.available < a.equity)
        close_oid = tr.close_position(position)
        closing = tr.order(close_oid)
        assert closing is not None
        assert (closing.side, closing.reduce_only, closing.size) == ("sell", True, D("0.01"))
        await kit.wait_until(account.positions_changed, lambda: account.position(BTC_PERP) is None)
        await kit.wait_until(tr.order_updated, lambda: status(s, close_oid) == "filled")


@pytest.mark.asyncio
async def test_leverage_in_isolated_hedge_mode_sends_hold_side(kit: Any) -> None:
    """Bitget needs holdSide for isolated margin in hedge mode (Change-Leverage page); the service sent none and the
    exchange refused it with 40019 (issue 12 §3). Both sides get the leverage."""
    async with kit.open(history_pages=1) as s:
        account = s.account
        await resting_price(kit, s, BTC_PERP)
        account.set_position_mode(PositionMode.HEDGE)
        await kit.next(account.position_mode_changed, where=lambda mode: mode == PositionMode.HEDGE)
        account.set_margin_mode(BTC_PERP, MarginMode.ISOLATED)
        await kit.next(account.margin_mode_changed, where=lambda ref, mode: mode == MarginMode.ISOLATED)
        errors = kit.record(account.error)
        account.set_leverage(BTC_PERP, 9)
        await kit.next(account.leverage_changed, where=lambda ref, lev: ref == BTC_PERP and lev == 9)
        assert errors.calls == []
        settings = await s.session.rest.mix_account(BTC_PERP, "USDT")
        assert (settings.isolated_long_leverage, settings.isolated_short_leverage) == (9, 9)


@pytest.mark.asyncio
async def test_orders_missed_while_disconnected_are_reconciled(kit: Any) -> None:
    async with kit.open(history_pages=1) as s:
        tr, conn = s.trading, s.connection
        price = await resting_price(kit, s, BTC)
        oid = tr.place(OrderTicket(BTC, "buy", "limit", "gtc", D("0.001"), price))
        await kit.wait_until(tr.order_updated, lambda: status(s, oid) == "live")
        kit.sim.faults.stall_ws()  # the server keeps the sockets but sends nothing
        await s.session.rest.spot_cancel_order(BTC, client_oid=oid)  # behind the service's back
        await s.session.rest.spot_place_order(BTC, "buy", "market", D("20"))
        assert status(s, oid) == "live"
        fills = kit.record(tr.fill_received)
        reconciled = kit.record(conn.reconciled)
        states = kit.record(conn.state_changed)
        kit.sim.faults.drop_ws()
        await kit.wait_until(conn.reconciled, lambda: reconciled.calls)
        assert status(s, oid) == "cancelled"
        assert tr.open_orders() == []
        assert len(fills) >= 1  # the market order's fill, read from REST
        assert ("reconnecting",) in states.calls
        await kit.wait_until(conn.state_changed, lambda: conn.state == "connected")
        assert conn.snapshot().reconnects >= 2


@pytest.mark.asyncio
async def test_hedge_mode_opens_and_closes_with_trade_side(kit: Any) -> None:
    async with kit.open(history_pages=1) as s:
        tr, account = s.trading, s.account
        await resting_price(kit, s, BTC_PERP)
        account.set_position_mode(PositionMode.HEDGE)
        await kit.wait_until(account.position_mode_changed, lambda: account.position_mode() == PositionMode.HEDGE)
        oid = tr.place(OrderTicket(BTC_PERP, "sell", "market", size=D("0.02"), trade_side="open"))
        short = await kit.wait_until(account.positions_changed, lambda: account.position(BTC_PERP, "short"))
        assert (short.total, short.pos_mode) == (D("0.02"), PositionMode.HEDGE)
        assert status(s, oid) in ("live", "filled")
        close_oid = tr.close_position(short)
        closing = tr.order(close_oid)
        assert closing is not None
        assert (closing.side, closing.trade_side, closing.reduce_only) == ("sell", "close", False)
        await kit.wait_until(account.positions_changed, lambda: account.position(BTC_PERP) is None)


@pytest.mark.asyncio
async def test_futures_limit_order_is_modified_in_place(kit: Any) -> None:
    async with kit.open(history_pages=1) as s:
        tr = s.trading
        price = await resting_price(kit, s, BTC_PERP)
        oid = tr.place(OrderTicket(BTC_PERP, "buy", "limit", "gtc", D("0.01"), price))
        await kit.wait_until(tr.order_updated, lambda: status(s, oid) == "live")
        new_oid = tr.modify(oid, price - D("5"), None)
        assert new_oid is not None
        await kit.wait_until(tr.order_updated, lambda: status(s, new_oid) == "live" and status(s, oid) == "cancelled")
        (view,) = tr.open_orders(BTC_PERP)
        assert (view.client_oid, view.price, view.size) == (new_oid, price - D("5"), D("0.01"))
        pending = await s.session.rest.mix_orders_pending(BTC_PERP)
        assert [o.client_oid for o in pending] == [new_oid]


@pytest.mark.asyncio
async def test_margin_mode_is_set_on_the_exchange_and_refusals_reach_the_error_signal(kit: Any) -> None:
    async with kit.open(history_pages=1) as s:
        account = s.account
        await resting_price(kit, s, BTC_PERP)
        await kit.wait_until(account.margin_mode_changed, lambda: account.margin_mode(BTC_PERP) == "crossed")
        account.set_margin_mode(BTC_PERP, "isolated")
        await kit.wait_until(account.margin_mode_changed, lambda: account.margin_mode(BTC_PERP) == "isolated")
        assert (await s.session.rest.mix_account(BTC_PERP, "USDT")).margin_mode == "isolated"
        s.trading.place(OrderTicket(BTC_PERP, "buy", "market", size=D("0.01")))
        position = await kit.wait_until(account.positions_changed, lambda: account.position(BTC_PERP))
        assert position.margin_mode == "isolated"
        errors = kit.record(account.error)
        account.set_margin_mode(BTC_PERP, "crossed")  # Bitget refuses while a position is open
        await kit.wait_until(account.error, lambda: errors.calls)
        assert "45117" in errors.calls[0][0]
        assert account.margin_mode(BTC_PERP) == "isolated"


@pytest.mark.asyncio
async def test_an_order_cancelled_before_the_exchange_answered_is_cancelled_once_placed(kit: Any) -> None:
    async with kit.open(history_pages=1) as s:
        tr = s.trading
        price = await resting_price(kit, s, BTC)
        oid = tr.place(OrderTicket(BTC, "buy", "limit", "gtc", D("0.001"), price))
        tr.cancel(oid)  # still pending: nothing the exchange could find yet
        await kit.wait_until(tr.order_updated, lambda: status(s, oid) == "cancelled")
        assert tr.open_orders() == []
        assert oid not in {o.client_oid for o in await s.session.rest.spot_unfilled_orders(BTC)}


async def _place_as_a_key_press(tr: Any, ticket: OrderTicket) -> str:
    """``tr.place(ticket)`` from a loop callback, outside any task, as a key press reaches the window: the order's
    task then starts eagerly (its request written within the call)."""
    loop = asyncio.get_running_loop()
    placed: asyncio.Future[str] = loop.create_future()
    loop.call_soon(lambda: placed.set_result(tr.place(ticket)))
    return await placed


@pytest.mark.asyncio
async def test_the_request_leaves_before_the_panels_hear_of_the_order(kit: Any) -> None:
    async with kit.open(history_pages=1) as s:
        tr = s.trading
        price = await resting_price(kit, s, BTC)
        events: list[str] = []
        transport = s.session.http._transport
        real = transport.handle_async_request

        async def traced(request: Any) -> Any:
            if "place-order" in str(request.url):
                events.append("request")
            return await real(request)

        transport.handle_async_request = traced
        tr.order_updated.connect(lambda view: events.append(str(view.status)))
        tr.orders_changed.connect(lambda: events.append("orders_changed"))
        oid = await _place_as_a_key_press(tr, OrderTicket(BTC, "buy", "limit", "gtc", D("0.001"), price))
        assert events == ["request", "pending", "orders_changed"]
        await kit.wait_until(tr.order_updated, lambda: status(s, oid) == "live")
        tr.cancel(oid)
        await kit.wait_until(tr.orders_changed, lambda: tr.open_orders(BTC) == [])


@pytest.mark.asyncio
async def test_a_refusal_raised_before_anything_was_sent_still_follows_the_pending_order(kit: Any) -> None:
    async with kit.open(history_pages=1) as s:
        tr = s.trading
        price = await resting_price(kit, s, BTC)

        async def refuse(_order: Any) -> Any:
            raise InvalidOrder("Refused before sending.", code="40808")

        s.session.venue.place = refuse  # raised within the eager first step, before any wait
        events: list[str] = []
        tr.order_updated.connect(lambda view: events.append(str(view.status)))
        tr.order_rejected.connect(lambda view, text: events.append(f"order_rejected: {text}"))
        oid = await _place_as_a_key_press(tr, OrderTicket(BTC, "buy", "limit", "gtc", D("0.001"), price))
        await kit.wait_until(tr.order_rejected, lambda: status(s, oid) == "rejected")
        assert events[:3] == ["pending", "rejected", "order_rejected: [40808] Refused before sending."]
