"""The composition root in-process: demo exchange, services, window with docks, ACTIONS wired, clean shutdown."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from terminal_app.app import StartupError, Terminal
from terminal_app.config.paths import AppPaths
from terminal_app.config.settings import CHART_INTERVAL
from terminal_app.core.health import Level, ProfileKind
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.orders import OrderTicket
from terminal_app.ui.chart import ChartPalette

D = Decimal
BTC = SymbolRef("BTCUSDT", Product.SPOT)
ETH_PERP = SymbolRef("ETHUSDT", Product.USDT_FUTURES)
BTC_PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)


@pytest.mark.asyncio
async def test_terminal_wires_window_chart_actions_and_shuts_down(qapp: QApplication, signals: Any) -> None:
    quit_on_close = qapp.quitOnLastWindowClosed()
    # Demo profile, temporary folders, in-memory demo exchange; a wide panic window for a slow CI machine
    terminal = Terminal(qapp, smoke_test=True, panic_window_s=60)
    try:
        await terminal.start()
        window, services, chart = terminal.window, terminal.services, terminal.chart
        assert services is not None
        md, trading, account = services.market_data, services.trading, services.account
        assert window.profile_kind is ProfileKind.DEMO
        assert window.band.text().startswith("DEMO")
        assert {"watchlist", "ladder", "tape", "orders"} <= set(window.dock_ids)
        assert md.active == BTC
        assert window.panel("chart") is chart
        # the default layout at a laptop size: the chart keeps most of the height, no tab squeezes its area
        window.resize(1600, 900)
        await signals.wait_until(md.ticker_changed, lambda: window.centralWidget().height() > 420)
        assert window.dock("orders").height() < 300
        assert window.dock("watchlist").height() > 150  # the five default symbols, not one row
        demo_exchange = terminal.runner
        assert demo_exchange.running()
        assert demo_exchange.pid != os.getpid()

        await signals.wait_until(md.candles_history, lambda: len(chart.series) > 0)
        ladder, tape, watchlist = (window.panel(i) for i in ("ladder", "tape", "watchlist"))
        await signals.wait_until(md.book_changed, lambda: ladder.ladder().bids and ladder.ladder().asks)
        await signals.wait_until(md.trades_added, lambda: tape.model.rowCount() > 0)
        await signals.wait_until(md.ticker_changed, lambda: any(r.last is not None for r in watchlist.model.rows()))
        await signals.wait_until(services.connection.health_changed,
                                 lambda: window.status.level("rest") is Level.OK
                                 and window.status.level("ws") is Level.OK)

        assert chart.chart_palette == ChartPalette.dark()
        window.registry.trigger("view.theme")  # light theme: the chart follows
        assert chart.chart_palette == ChartPalette.light()
        window.registry.trigger("view.colorblind")
        assert chart.chart_palette == ChartPalette.colour_blind(dark=False)

        window.registry.trigger("chart.interval.1H")
        assert md.interval.value == "1H"
        assert chart.interval.value == "1H"
        assert terminal.settings.get(CHART_INTERVAL) == "1H"
        await signals.wait_until(md.candles_history,
                                 lambda: len(chart.series) > 0 and chart.series.interval.value == "1H")

        assert terminal.switch_symbol("ETHUSDT_UMCBL") == ETH_PERP  # a V1 name
        assert md.active == ETH_PERP
        assert chart.parentWidget().title.text() == "Chart  ·  ETHUSDT PERP  ·  1H"
        assert terminal.switch_symbol("NOPEUSDT") is None
        assert md.active == ETH_PERP

        # cancel all (symbol) from the ACTIONS table
        md.set_active(BTC)
        book = md.book(BTC)
        assert book is not None
        await signals.wait_until(md.book_changed, lambda: book.best_bid())
        price = (book.best_bid_price() * D("0.97")).quantize(D("0.01"))
        oids = [trading.submit(OrderTicket(BTC, "buy", "limit", "gtc", D("0.001"), price)).client_oid for _ in range(2)]
        await signals.wait_until(trading.order_updated,
                                 lambda: all(trading.order(o).status == "live" for o in oids))
        # drawn on the chart (a frame after the updates)
        await signals.wait_until(terminal.order_lines_timer.timeout,
                                 lambda: {f"order:{oid}" for oid in oids} <= set(chart.price_lines.keys))
        window.registry.trigger("order.cancel_all_symbol")
        await signals.wait_until(trading.orders_changed, lambda: trading.open_orders(BTC) == [])

        # panic: the first press cancels every order, the second (within 1.5 s) closes every position
        md.set_active(BTC_PERP)
        await signals.wait_until(md.ticker_changed, lambda: md.last_price(BTC_PERP))  # the guards value the order
        trading.submit(OrderTicket(BTC_PERP, "buy", "market", size=D("0.005")))  # under the confirmation threshold
        await signals.wait_until(account.positions_changed, lambda: account.position(BTC_PERP))
        resting = trading.submit(OrderTicket(BTC, "buy", "limit", "gtc", D("0.001"), price)).client_oid
        await signals.wait_until(trading.order_updated, lambda: trading.order(resting).status == "live")
        window.registry.trigger("panic")
        await signals.wait_until(trading.orders_changed, lambda: trading.open_orders() == [])
        assert account.position(BTC_PERP) is not None
        window.registry.trigger("panic")
        await signals.wait_until(account.positions_changed, lambda: account.positions() == [])
    finally:
        await terminal.shutdown()
        qapp.setQuitOnLastWindowClosed(quit_on_close)
    assert terminal.runner is None
    assert not demo_exchange.running()
    assert not window.isVisible()


@pytest.mark.asyncio
async def test_a_second_terminal_on_the_same_demo_account_says_why(qapp: QApplication, tmp_path: Path) -> None:
    quit_on_close = qapp.quitOnLastWindowClosed()
    first = Terminal(qapp, paths=AppPaths.under(tmp_path))  # the Demo account kept in tmp_path's data folder
    second = Terminal(qapp, paths=AppPaths.under(tmp_path))
    try:
        await first.start()
        with pytest.raises(StartupError, match="another simulator is using"):
            await second.start()
        assert second.window is None
    finally:
        await second.shutdown()
        await first.shutdown()
        qapp.setQuitOnLastWindowClosed(quit_on_close)
    third = Terminal(qapp, paths=AppPaths.under(tmp_path))  # the account is free once the first terminal closed
    try:
        await third.start()
        assert third.runner.running()
    finally:
        await third.shutdown()
        qapp.setQuitOnLastWindowClosed(quit_on_close)


@pytest.mark.asyncio
async def test_chart_trading_drag_an_order_and_click_a_price(qapp: QApplication, signals: Any) -> None:
    quit_on_close = qapp.quitOnLastWindowClosed()
    terminal = Terminal(qapp, smoke_test=True)
    try:
        await terminal.start()
        services, chart, window = terminal.services, terminal.chart, terminal.window
        assert services is not None
        md, trading = services.market_data, services.trading
        book = await signals.wait_until(md.book_changed, lambda: (b := md.book(BTC)) and b.best_bid() and b)
        bid = book.best_bid_price()
        order = OrderTicket(BTC, "buy", "limit", "gtc", D("0.001"), (bid * D("0.97")).quantize(D("0.01")))
        oid = trading.submit(order).client_oid
        await signals.wait_until(trading.order_updated, lambda: trading.order(oid).status == "live")
        await signals.wait_until(terminal.order_lines_timer.timeout, lambda: f"order:{oid}" in chart.price_lines.keys)

        # dropped at a price a float cannot hold exactly: the order moves to the nearest tick
        target = (bid * D("0.985")).quantize(D("0.01"))
        chart.price_lines.drag_order(oid, float(target) + 0.003)
        moved = await signals.wait_until(
            trading.order_updated,
            lambda: next((v for v in trading.open_orders(BTC) if v.price == target and v.status == "live"), None))
        assert trading.order(oid).is_open is False  # Bitget modifies by replacing the order
        await signals.wait_until(terminal.order_lines_timer.timeout,
                                 lambda: f"order:{moved.client_oid}" in chart.price_lines.keys)

        # a fat finger by drag is refused by the guards like a typed one
        chart.price_lines.drag_order(moved.client_oid, float(bid) * 0.2)
        assert [v.client_oid for v in trading.open_orders(BTC)] == [moved.client_oid]
        assert trading.order(moved.client_oid).price == target

        # a click on the chart puts its price, on the tick, in the ticket
        ticket = window.panel("ticket")
        chart.price_clicked.emit(float(bid) - 12.3426)
        assert ticket.price.value() == bid - D("12.34")
        trading.cancel_all(BTC)
        await signals.wait_until(trading.orders_changed, lambda: trading.open_orders(BTC) == [])
    finally:
        await terminal.shutdown()
        qapp.setQuitOnLastWindowClosed(quit_on_close)
