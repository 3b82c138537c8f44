"""Closing coin-M positions from the positions table on a unified (UTA) Demo account, over the real services, the real
panel and the simulator's sockets: a whole side closes at market through Bitget's ``POST /api/v3/trade/close-positions``
(category, symbol ``BTCUSD_CM``, posSide), not a sized order, and leaves no position; a limit close is sized by the
position's own USD count, which the simulator takes off whole (``sim.server.v3_names.close_size``)."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from terminal_app.config.settings import Settings
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.orders import OrderTicket
from terminal_app.sim.server.auth import DEMO_UID
from terminal_app.ui.docks import trading_dock_specs
from terminal_app.ui.docks.positions import PositionsPanel

D = Decimal
COIN_M = SymbolRef("BTCUSD", Product.COIN_FUTURES)


def record_rest(s: Any) -> list[tuple[str, Any]]:
    """Every REST request (path, body or query) and socket trade request (topic, args) the session sends from
    now on."""
    sent: list[tuple[str, Any]] = []
    http = s.session.http
    request = http.request

    async def rest(method: str, path: str, params: Any = None, body: Any = None, **kw: Any) -> Any:
        sent.append((path, params if body is None else body))
        return await request(method, path, params, body, **kw)

    http.request = rest
    trader = s.session.ws_trader
    if trader is not None:    # orders go over the private socket when it is up (V3's op: trade)
        ws_request = trader.request

        async def ws(topic: str, args: list[dict[str, Any]], cat: str | None = None) -> dict[str, Any]:
            sent.append((topic, args))
            return await ws_request(topic, args, cat)

        trader.request = ws
    return sent


def engine_positions(live: Any) -> list[Any]:
    ex = live.sim.server.exchange
    return list(live.sim.call(lambda: ex.positions(DEMO_UID, "BTCUSD", Product.COIN_FUTURES)))


@pytest.mark.parametrize("account_mode", ["unified"])
@pytest.mark.asyncio
async def test_coin_m_long_and_short_closed_from_positions_leave_nothing(qtbot: QtBot, live: Any,
                                                                         until: Any) -> None:
    async with live() as s:
        assert s.session.account_mode.uta is True
        built = {spec.id: spec for spec in trading_dock_specs(s, Settings())}
        panel = built["positions"].factory()
        qtbot.addWidget(panel)
        assert isinstance(panel, PositionsPanel)
        md, account, trading = s.market_data, s.account, s.trading.inner
        md.set_active(COIN_M)
        await until(md.ticker_changed, lambda: md.last_price(COIN_M))
        sent = record_rest(s)

        for open_side, held, posted in (("buy", "long", "long"), ("sell", "short", "short")):
            trading.place(OrderTicket(COIN_M, open_side, "market", size=D("0.01")))
            await until(account.positions_changed, lambda: panel.model.rowCount() == 1)
            pos = panel.model.row_at(0)
            # (0.01 BTC goes out as USD at the touch and comes back as coin at the mark, cut down to the lot:
            # 0.009 or 0.01 as the spread falls; the close takes whatever it is)
            assert (pos.ref, pos.hold_side, pos.total > 0) == (COIN_M, held, True)
            before = len(sent)
            panel.select(pos)
            panel.close_selected_market()
            await until(account.positions_changed, lambda: panel.model.rowCount() == 0)
            closes = [(path, body) for path, body in sent[before:] if "/" not in path or "/trade/" in path]
            assert closes == [("/api/v3/trade/close-positions",
                               {"category": "COIN-FUTURES", "symbol": "BTCUSD_CM", "posSide": posted})]
            assert engine_positions(live) == []
            # the close is listed under the clientOid the service gave it, filled
            done = [v for v in trading.order_history() if v.ref == COIN_M and v.status == "filled"]
            assert done
            assert done[0].reduce_only is True

        # a limit close (marketable, so it fills) is a sized order: the position's USD count, taken off whole. A
        # short's close buys above its entry, where USD converted back to coin at the order's price (rounded down,
        # as an opening order is) would leave a lot of the short behind.
        trading.place(OrderTicket(COIN_M, "sell", "market", size=D("0.01")))
        await until(account.positions_changed, lambda: panel.model.rowCount() == 1)
        pos = panel.model.row_at(0)
        ticker = md.ticker(COIN_M)
        assert ticker is not None
        assert ticker.ask is not None
        market = md.market(COIN_M)
        assert market is not None
        before = len(sent)
        panel.select(pos)
        panel.close_selected_limit((ticker.ask * D("1.005")).quantize(market.tick_size))
        await until(account.positions_changed, lambda: panel.model.rowCount() == 0)
        (placed,) = [body[0] if isinstance(body, list) else body for path, body in sent[before:]
                     if path in ("/api/v3/trade/place-order", "place-order")]
        assert (placed["symbol"], placed["side"], placed["reduceOnly"]) == ("BTCUSD_CM", "buy", "yes")
        usd = D(placed["qty"])
        assert abs(usd - pos.total * pos.open_price_avg) < 1       # USD at the entry, not at the limit price
        assert engine_positions(live) == []


@pytest.mark.parametrize("account_mode", ["unified"])
@pytest.mark.asyncio
async def test_the_ticket_sizes_coin_m_against_the_pool_on_a_unified_account(qtbot: QtBot, live: Any,
                                                                             until: Any) -> None:
    """Bitget margins a coin-M position from the whole pool, so the ticket
    accepts a buy larger than the pool's own BTC and says what the pool allows in BTC (on a pool holding no BTC it
    greyed the button out: 'Available 0 BTC')."""
    async with live() as s:
        built = {spec.id: spec for spec in trading_dock_specs(s, Settings())}
        ticket: Any = built["ticket"].factory()
        qtbot.addWidget(ticket)
        md, account = s.market_data, s.account
        md.set_active(COIN_M)
        await until(md.ticker_changed, lambda: md.last_price(COIN_M))
        await until(account.balances_changed, lambda: account.unified_account() is not None)
        # the pool sells its own BTC first: what is left to margin coin-M with is USDT
        own = next((a.available for a in account.unified_account().assets if a.coin == "BTC"), D(0))
        spot = SymbolRef("BTCUSDT", Product.SPOT)
        s.trading.inner.place(OrderTicket(spot, "sell", "market", size=own.quantize(D("0.000001"), ROUND_DOWN)))
        await until(account.balances_changed, lambda: next(
            (a.available for a in account.unified_account().assets if a.coin == "BTC"), D(0)) < D("0.0001"))
        pool = account.unified_account()
        last = md.last_price(COIN_M)
        assert account.available(COIN_M, "buy", last) == pool.available_usd / last > D("0.01")
        size = D("0.01")
        ticket.leverage_box.setValue(1)
        ticket.set_order_type("limit")
        ticket.set_price((last * D("0.99")).quantize(D("0.1")))
        ticket.set_size(size)
        ticket.revalidate()
        assert ticket.submit_button.isEnabled(), ticket.reason.text()
