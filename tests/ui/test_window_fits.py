"""The main window fits a 1600×900 screen on both Demo profiles (classic and unified account), with the widest things
the panels show: a perpetual in the ticket and the chart header (mark and funding), an open position, the Algo orders
tab holding a refusal's message, and each bottom panel in front in turn. A label that does not wrap or elide raises
the window's minimum width: the chart header's funding line made it 1,676 px (db96ead) and the unified account's copy
note ~2,900 px (e43861b); the unified screenshots of 3977fb8 came out 1657 px wide."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget

from terminal_app.core.algo import AlgoIntent, AlgoKind
from terminal_app.core.enums import Side
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.orders import OrderTicket

from .conftest import WaitUntil

pytestmark = [pytest.mark.asyncio, pytest.mark.usefixtures("gc_on_this_thread")]
PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)
SCREEN_W, SCREEN_H = 1600, 900


@pytest.mark.parametrize("account_mode", ["classic", "unified"])
async def test_the_window_fits_a_1600_by_900_screen_on_both_demo_profiles(
        terminals: Any, wait_until: WaitUntil, account_mode: str) -> None:
    async with terminals.running(account_mode) as term:
        services, _ticket, last = await terminals.ready(term, PERP, wait_until)
        window, md = term.window, services.market_data
        window.resize(SCREEN_W, SCREEN_H)
        services.trading.submit(OrderTicket(PERP, "buy", "market", size=Decimal("0.008")))
        await wait_until(services.account.positions_changed, lambda: services.account.position(PERP))
        # Refused on a unified account with Bitget's long reason in the Algo orders tab's message line
        services.algo.place(AlgoIntent(PERP, AlgoKind.TRAILING, Side.SELL, (last * Decimal("1.002")).quantize(
            Decimal("0.1")), Decimal("0.004"), callback_ratio=Decimal("0.5"), reduce_only=True))
        orders = window.panel("orders")
        orders.tabs.setCurrentWidget(orders.algo_tab)
        bottom = [d for d in window.findChildren(QDockWidget)
                  if window.dockWidgetArea(d) == Qt.DockWidgetArea.BottomDockWidgetArea]
        widest: dict[str, int] = {}
        for dock in (*bottom, window.dock("orders")):
            dock.raise_()
            for _ in range(2):  # laid out with the panel in front and fresh data
                await wait_until(md.ticker_changed, lambda: True)
            widest[dock.objectName()] = window.layout().minimumSize().width()
            assert widest[dock.objectName()] <= SCREEN_W, widest
            assert window.minimumSizeHint().width() <= SCREEN_W, dock.objectName()
            assert window.width() == SCREEN_W, (dock.objectName(), window.width())
            assert window.grab().width() == SCREEN_W  # what a screenshot of the window gets
