"""Every trading panel over the real services and the real simulator (loopback sockets, seeded): market data fills
the watchlist, ladder and tape; orders go through the ticket, show in the orders panel and on the ladder, are cancelled
from the orders panel; fills reach the fills tab, the log and the balances; a futures position opened from the ticket
shows in positions and is closed from there; an exchange rejection shows Bitget's code."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from terminal_app.config.settings import Settings
from terminal_app.core.enums import PositionMode
from terminal_app.core.instruments import MarketInfo, Product, SymbolRef
from terminal_app.core.orders import OrderTicket
from terminal_app.services import logbook
from terminal_app.ui.docks import trading_dock_specs
from terminal_app.ui.docks.balances import BalancesPanel
from terminal_app.ui.docks.ladder import LadderPanel
from terminal_app.ui.docks.log import LogPanel
from terminal_app.ui.docks.orders import OrdersPanel
from terminal_app.ui.docks.positions import PositionsPanel
from terminal_app.ui.docks.tape import TapePanel
from terminal_app.ui.docks.ticket import TicketPanel
from terminal_app.ui.docks.watchlist import Watchlist

D = Decimal
BTC = SymbolRef("BTCUSDT", Product.SPOT)
BTC_PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)
# The panels on a classic account (Bitget V2) and on a unified trading account (V3): the same behaviour.
BOTH_ACCOUNTS = pytest.mark.parametrize("account_mode", ["classic", "unified"])


class Panels:
    def __init__(self, qtbot: QtBot, services: Any) -> None:
        # The log panel shows the process's log ring, earlier tests' records too: this test reads only its own.
        self.log_from = logbook.ring().last_seq
        built = {spec.id: spec.factory() for spec in trading_dock_specs(services, Settings())}
        for widget in built.values():
            qtbot.addWidget(widget)
        self.watchlist = built["watchlist"]
        self.ladder = built["ladder"]
        self.tape = built["tape"]
        self.ticket = built["ticket"]
        self.orders = built["orders"]
        self.positions = built["positions"]
        self.balances = built["balances"]
        self.log = built["log"]
        assert isinstance(self.watchlist, Watchlist)
        assert isinstance(self.ladder, LadderPanel)
        assert isinstance(self.tape, TapePanel)
        assert isinstance(self.ticket, TicketPanel)
        assert isinstance(self.orders, OrdersPanel)
        assert isinstance(self.positions, PositionsPanel)
        assert isinstance(self.balances, BalancesPanel)
        assert isinstance(self.log, LogPanel)
        self.ladder.resize(300, 520)
        self.ladder.show()  # lays the ladder out at its size (no waiting: a nested Qt loop would stall qasync)
        assert self.ladder.view.rows_per_side() >= 8


def min_size(market: MarketInfo, price: Decimal) -> Decimal:
    """The smallest size worth twice the market's minimum order value, on the lot."""
    lots = (market.min_notional * 2 / price / market.lot_size).to_integral_value(rounding=ROUND_CEILING)
    return max(lots * market.lot_size, market.min_size)


def logged(p: Panels, word: str) -> list[str]:
    return [e.text for e in p.log.entries() if e.seq > p.log_from and e.text.startswith(word)]


@BOTH_ACCOUNTS
@pytest.mark.asyncio
async def test_spot_panels_on_the_simulator(qtbot: QtBot, live: Any, until: Any) -> None:
    async with live() as s:
        p = Panels(qtbot, s)
        md = s.market_data
        p.watchlist.select(BTC)
        assert md.active == BTC
        # market data reaches the watchlist, the ladder and the tape
        await until(p.watchlist.model.flushed, lambda: p.watchlist.model.row_for(BTC.key).last is not None)
        assert p.watchlist.model.text(p.watchlist.model.row_of(BTC.key), "Last")
        ladder = await until(md.book_changed, lambda: (lad := p.ladder.ladder()).bids and lad.asks and lad)
        assert ladder.spread is not None
        assert ladder.spread > 0
        assert ladder.bids[1].cumulative == ladder.bids[0].size + ladder.bids[1].size
        await until(p.tape.model.flushed, lambda: p.tape.model.rowCount() > 0)
        assert p.tape.model.row_at(0).symbol == "BTCUSDT"

        # limit buys from the ticket: pending at once and marked on the ladder; one far below the market (it rests
        # whatever the simulated price does) goes live and is cancelled from the orders panel
        ticket = p.ticket
        market = md.market(BTC)
        assert market is not None
        size = min_size(market, ladder.bids[0].price)
        await until(s.account.balances_changed,
                    lambda: s.account.available(BTC, "buy") >= 2 * ladder.bids[0].price * size)
        p.ladder.view.invalidate()  # the book object moves ahead of the coalesced book_changed: read it now
        near = p.ladder.ladder().bids[3].price
        ticket.set_price(near)
        ticket.set_size(size)
        submission = ticket.submit("buy")
        assert submission is not None, ticket.issues
        near_oid = submission.client_oid
        assert p.orders.open_model.row_of(near_oid) is not None  # pending, before any round trip
        marked = p.ladder.ladder()
        assert [(r.price, r.own) for r in (*marked.bids, *marked.asks) if r.own > 0] == [(near, size)]
        s.trading.cancel(near_oid)  # near the market it may fill first; either way it leaves the open orders

        far = (ladder.bids[0].price * D("0.98")).quantize(market.tick_size)
        ticket.set_price(far)
        submission = ticket.submit("buy")
        assert submission is not None, ticket.issues
        oid = submission.client_oid
        await until(s.trading.order_updated, lambda: s.trading.order(oid).status == "live")
        p.orders.select_order(oid)
        p.orders.cancel_selected()
        await until(s.trading.orders_changed, lambda: p.orders.open_model.row_of(oid) is None)
        assert s.trading.order(oid).status == "cancelled"
        assert p.orders.open_model.row_of(near_oid) is None
        await until(p.log.model.flushed, lambda: logged(p, "Cancelled"))

        # a market buy in USDT fills: fills tab, log, balances
        btc_before = s.account.available(BTC, "sell")
        ticket.set_order_type("market")
        ticket.set_size(D(20))
        assert ticket.unit.currentData() == "quote"
        submission = ticket.submit("buy")
        assert submission is not None, ticket.issues
        oid = submission.client_oid
        await until(p.orders.fills_model.flushed, lambda: p.orders.fills_model.rowCount() > 0)
        assert p.orders.fills_model.row_at(0).side == "buy"
        await until(p.log.model.flushed, lambda: logged(p, "Filled buy"))
        await until(s.account.balances_changed, lambda: s.account.available(BTC, "sell") > btc_before)
        row = p.balances.spot_model.row_of("BTC")
        assert row is not None
        assert p.balances.spot_model.row_at(row).available > btc_before
        if s.session.account_mode.uta:   # the pool's coins: equity, borrowed, USD value; the pool above
            await until(s.account.balances_changed, lambda: p.balances.pool_model.row_of("BTC") is not None)
            assert p.balances.spot_view.model() is p.balances.pool_model
            coins = {a.coin for a in p.balances.pool_model.rows()}
            assert {"USDT", "USDC", "BTC", "ETH"} <= coins
            usdt_row = p.balances.pool_model.row_of("USDT")
            assert usdt_row is not None
            assert p.balances.pool_model.row_at(usdt_row).debt == 0
            assert "as margin" in p.balances.pool.text()


@BOTH_ACCOUNTS
@pytest.mark.asyncio
async def test_futures_position_opened_from_the_ticket_and_closed_from_positions(qtbot: QtBot, live: Any,
                                                                                until: Any) -> None:
    async with live() as s:
        p = Panels(qtbot, s)
        md, account = s.market_data, s.account
        assert p.watchlist.add_symbol("BTCUSDT_UMCBL") == BTC_PERP
        assert md.active == BTC_PERP
        await until(md.ticker_changed, lambda: md.last_price(BTC_PERP))
        ticket = p.ticket
        assert ticket.leverage_box.isHidden() is False
        ticket.leverage_box.setValue(5)
        await until(account.leverage_changed, lambda: account.leverage(BTC_PERP) == 5)
        market = md.market(BTC_PERP)
        assert market is not None
        last = md.last_price(BTC_PERP)
        assert last is not None
        ticket.set_order_type("market")
        ticket.set_size_unit("base")
        ticket.set_size(min_size(market, last))
        submission = ticket.submit("buy")
        assert submission is not None, ticket.issues
        await until(account.positions_changed, lambda: p.positions.model.rowCount() == 1)
        pos = p.positions.model.row_at(0)
        assert (pos.ref, pos.hold_side, pos.total) == (BTC_PERP, "long", min_size(market, last))
        assert p.positions.model.text(0, "Entry")
        assert p.positions.model.text(0, "uPnL")
        unified = s.session.account_mode.uta
        # classic: one futures row per margin coin of every line (USDT, USDC, BTC, ETH); unified: the pool's USDT
        rows = 1 if unified else 4
        await until(account.futures_account_changed, lambda: p.balances.futures_model.rowCount() == rows)
        usdt = next(r for r in p.balances.futures_model.rows() if r.coin == "USDT")
        assert usdt.position_margin > 0
        assert p.balances.unified is unified
        assert p.balances.pool.isHidden() is not unified
        if unified:  # the pool's equity in USD and its margin ratio, above the futures table
            await until(account.futures_account_changed,
                        lambda: (account.futures_account().crossed_risk_rate or 0) > 0)
            assert p.balances.pool.text().startswith("Equity ")
            assert " USD · margin ratio " in p.balances.pool.text()
        p.positions.select(pos)
        p.positions.close_selected_market()
        await until(account.positions_changed, lambda: p.positions.model.rowCount() == 0)
        assert p.positions.summary.text() == "No positions"


@BOTH_ACCOUNTS
@pytest.mark.asyncio
async def test_an_exchange_rejection_shows_bitgets_code(qtbot: QtBot, live: Any, until: Any) -> None:
    async with live() as s:
        p = Panels(qtbot, s)
        md = s.market_data
        md.set_active(BTC)
        await until(md.ticker_changed, lambda: md.last_price(BTC))
        last = md.last_price(BTC)
        market = md.market(BTC)
        assert last is not None
        assert market is not None
        # far more than the demo balance; sent past the ticket (which would refuse it) to reach the exchange
        price = (last * D("0.99")).quantize(market.tick_size)
        oid = s.trading.submit(OrderTicket(BTC, "buy", "limit", "gtc", D(1000), price)).client_oid
        # The Log panel shows the process's log tree: only this order's line is this test's.
        await until(p.log.model.flushed, lambda: [t for t in logged(p, "Rejected") if " 1000 BTCUSDT " in t])
        (text,) = [t for t in logged(p, "Rejected") if " 1000 BTCUSDT " in t]
        assert text.startswith("Rejected buy 1000 BTCUSDT @ ")
        assert any(code in text for code in ("[43012]", "[40762]", "[25202]"))  # V2 spot, V2 futures, V3
        await until(p.orders.history_model.flushed, lambda: p.orders.history_model.rowCount() > 0)
        assert p.orders.history_model.row_at(0).client_oid == oid
        assert p.orders.history_model.text(0, "Status") == "rejected"
        assert p.orders.message.text().startswith("Rejected buy BTCUSDT: [")


@BOTH_ACCOUNTS
@pytest.mark.asyncio
async def test_position_mode_switched_from_the_ticket(qtbot: QtBot, live: Any, until: Any) -> None:
    async with live() as s:
        p = Panels(qtbot, s)
        md, account, ticket = s.market_data, s.account, p.ticket
        md.set_active(BTC_PERP)
        await until(md.ticker_changed, lambda: md.last_price(BTC_PERP))
        await until(account.position_mode_changed, lambda: account.position_mode() == PositionMode.ONE_WAY)
        assert ticket.position_mode.currentData() == PositionMode.ONE_WAY
        assert not ticket.reduce_only.isHidden()
        assert ticket.open_button.isHidden()

        ticket.position_mode.setCurrentIndex(ticket.position_mode.findData(PositionMode.HEDGE))
        ticket.position_mode.activated.emit(ticket.position_mode.currentIndex())  # what a user's pick emits
        await until(account.position_mode_changed, lambda: account.position_mode() == PositionMode.HEDGE)
        assert ticket.position_mode.currentData() == PositionMode.HEDGE
        assert not ticket.open_button.isHidden()
        assert ticket.reduce_only.isHidden()
        assert ticket.status.text().startswith("Hedge mode")
        await until(p.log.model.flushed, lambda: logged(p, "Position mode of USDT-M futures set to hedge"))

        # an open long: the switch back is refused with the reason before anything is sent
        market = md.market(BTC_PERP)
        last = md.last_price(BTC_PERP)
        assert market is not None
        assert last is not None
        order = OrderTicket(BTC_PERP, "buy", "market", size=min_size(market, last), trade_side="open")
        oid = s.trading.submit(order).client_oid
        await until(account.positions_changed, lambda: account.positions() != [])
        assert s.trading.order(oid) is not None
        ticket.position_mode.setCurrentIndex(ticket.position_mode.findData(PositionMode.ONE_WAY))
        ticket.position_mode.activated.emit(ticket.position_mode.currentIndex())
        assert ticket.status.text().startswith("Close every USDT-M position before switching to one-way mode")
        assert ticket.position_mode.currentData() == PositionMode.HEDGE  # still what the exchange has
        assert account.position_mode() == PositionMode.HEDGE
