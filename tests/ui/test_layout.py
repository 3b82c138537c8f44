"""The default layout of the running terminal at 1600×900 (a laptop screen): every panel keeps a usable size when
another grows, and the balances show every coin. Real Terminal on the demo exchange, offscreen."""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtWidgets import QApplication, QTableView

from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.ui.docks.watchlist import MIN_ROWS

from ..conftest import Terminals
from .conftest import WaitUntil
from .test_menu_actions import running

pytestmark = [pytest.mark.asyncio, pytest.mark.usefixtures("gc_on_this_thread")]
BTC_PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)


def rows_on_screen(view: QTableView) -> int:
    """Rows shown whole in the view."""
    height = view.viewport().height()
    return sum(1 for r in range(view.model().rowCount())
               if view.rowViewportPosition(r) >= 0 and view.rowViewportPosition(r) + view.rowHeight(r) <= height)


async def test_a_growing_ticket_never_squeezes_the_watchlist_and_balances_show_every_coin(
        qapp: QApplication, terminals: Terminals, wait_until: WaitUntil) -> None:
    async with running(terminals) as terminal:
        window, md = terminal.window, terminal.services.market_data
        window.resize(1600, 900)
        watchlist, ticket = window.panel("watchlist"), window.panel("ticket")
        await wait_until(md.ticker_changed, lambda: watchlist.model.rowCount() >= MIN_ROWS)
        md.set_active(BTC_PERP)  # the futures ticket: margin, leverage, mode, reduce-only
        await wait_until(md.ticker_changed, lambda: ticket.ref == BTC_PERP and ticket.market is not None)
        ticket.tpsl.setChecked(True)  # and the TP/SL row
        await asyncio.sleep(0.1)  # the layout settles (no processEvents on the qasync loop: it would nest)
        assert rows_on_screen(watchlist.view) >= MIN_ROWS
        assert window.centralWidget().height() > 420  # the chart keeps its height too
        button = ticket.submit_button
        assert button.visibleRegion().boundingRect().height() == button.height()  # reachable, or scrolled to
        holder = window.dock("ticket").widget()
        assert ticket.width() <= holder.viewport().width()  # never cut on the right: only scrolls down
        assert ticket.width() >= ticket.minimumSizeHint().width()

        balances = window.panel("balances")
        window.dock("balances").raise_()
        await asyncio.sleep(0.1)  # the layout settles (no processEvents on the qasync loop: it would nest)
        spot = balances.spot_view
        assert spot.viewport().height() >= 4 * spot.verticalHeader().defaultSectionSize()  # USDT, BTC, ETH, …
        assert balances.futures_view.viewport().height() >= 2 * spot.verticalHeader().defaultSectionSize()
