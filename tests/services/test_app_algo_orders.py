"""Algo orders through the whole terminal (real window, real widgets, the demo exchange in-process over loopback
sockets): each order type placed from the ticket, shown in the Algo orders tab and on the chart, moved by dragging its
line, triggered by the simulated price at its level (checked against the simulator's fills), cancelled by a click on
its line or from the tab; position TP/SL as first-class orders; the panic leaves no order of any kind.

Every test runs on the classic Demo account (Bitget V2 plan orders) and on "Demo (unified account)" (V3 strategy
orders, issue 14), where trailing stops are refused with the reason: Bitget's V3 has none."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from terminal_app.app import Terminal
from terminal_app.bitget.v3.strategy import NO_TRAILING
from terminal_app.core.algo import AlgoIntent, AlgoKind, AlgoStatus, TriggerSource
from terminal_app.core.enums import PositionSide, Side
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.orders import OrderTicket
from terminal_app.sim.server.auth import DEMO_UID

from ..conftest import Terminals

exchange = Terminals.exchange  # fn(engine) on the simulator's thread

D = Decimal
BTC = SymbolRef("BTCUSDT", Product.SPOT)
BTC_PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)
FUT = Product.USDT_FUTURES
# The classic Demo account (V2) and a unified one (V3): the same behaviour, trailing stops aside.
BOTH_ACCOUNTS = pytest.mark.parametrize("account_mode", ["classic", "unified"])


@pytest.fixture
def account_mode() -> str:
    return "classic"


class LeftClick:
    """What pyqtgraph hands ``sigClicked``: the button of a mouse click."""

    def button(self) -> Qt.MouseButton:
        return Qt.MouseButton.LeftButton


async def place_from_ticket(term: Terminal, signals: Any, ticket: Any, mode: str, side: str, trigger: D, size: D,
                            *, price: D | None = None, callback: D | None = None) -> str:
    algo = term.services.algo
    ticket.set_side(side)
    kind = ticket.algo_fields.kind  # the type drop-down beside Limit and Market, as a user picks it
    kind.setCurrentIndex(kind.findData(mode))
    kind.activated.emit(kind.currentIndex())
    assert ticket.algo_fields.mode() == mode
    ticket.algo_fields.trigger.set_value(trigger)
    if price is not None:
        ticket.price.set_value(price)
    if callback is not None:
        ticket.algo_fields.callback.set_value(callback)
    ticket.size_edit.set_value(size)
    issues = ticket.revalidate()
    assert issues == [], issues
    sent = []
    ticket.submitted.connect(sent.append)
    QTest.mouseClick(ticket.submit_button, Qt.MouseButton.LeftButton)
    assert sent, ticket.status.text()
    oid = sent[0]
    await signals.wait_until(algo.changed, lambda: algo.get(oid).status is AlgoStatus.LIVE)
    return oid


async def shown(term: Terminal, signals: Any, oid: str) -> None:
    """In the Algo orders tab and on the chart."""
    algo = term.services.algo
    tab = term.window.panel("orders").algo_tab
    await signals.wait_until(algo.changed, lambda: tab.model.row_of(oid) is not None)
    await signals.wait_until(algo.changed, lambda: f"algo:{oid}" in term.chart.price_lines.keys)


async def fired(term: Terminal, signals: Any, oid: str, product: Product = FUT) -> str:
    """Waits until the terminal shows ``oid`` triggered; the id of the order it placed, as the simulator has it (V3's
    strategy rows do not name it; V2's do, and the terminal's must then be the same)."""
    algo = term.services.algo
    await signals.wait_until(algo.triggered, lambda: algo.get(oid).status is AlgoStatus.TRIGGERED, timeout=20)
    await signals.wait_until(algo.changed, lambda: f"algo:{oid}" not in term.chart.price_lines.keys)
    assert term.window.panel("orders").algo_tab.model.row_of(oid) is None
    [plan] = [p for p in exchange(term, lambda ex: ex.plans.orders(DEMO_UID, product, pending=False))
              if p.client_oid == oid]
    assert plan.status == "executed"
    assert plan.executed_order_id
    if not term.services.session.account_mode.uta:
        await signals.wait_until(algo.triggered, lambda: algo.get(oid).executed_order_id == plan.executed_order_id)
    return str(plan.executed_order_id)


@BOTH_ACCOUNTS
@pytest.mark.asyncio
async def test_stop_market_futures_from_ticket_dragged_and_triggered(terminals: Terminals, signals: Any,
                                                                     account_mode: str) -> None:
    async with terminals.running(account_mode) as terminal:
        services, ticket, last = await Terminals.ready(terminal, BTC_PERP, signals.wait_until)
        algo = services.algo
        trigger = (last * D("1.01")).quantize(D("0.1"))
        # under the confirmation threshold (a larger stop-market asks first: tests/services/test_app_brackets.py)
        oid = await place_from_ticket(terminal, signals, ticket, "stop_market", "buy", trigger, D("0.005"))
        await shown(terminal, signals, oid)
        tab = terminal.window.panel("orders").algo_tab
        row = tab.model.row_of(oid)
        assert tab.model.text(row, "Type") == "Stop-market"
        assert tab.model.text(row, "Price") == "Market"

        moved = (last * D("1.02")).quantize(D("0.1"))
        terminal.chart.price_lines.drag_algo(oid, float(moved) + 0.03)  # rounded to the tick
        await signals.wait_until(algo.changed, lambda: algo.get(oid).trigger_price == moved)
        plans = exchange(terminal, lambda ex: ex.plans.orders(DEMO_UID, FUT))
        assert [(p.client_oid, p.trigger_price) for p in plans] == [(oid, moved)]
        assert terminal.chart.price_lines.line(f"algo:{oid}").value() == pytest.approx(float(moved))

        exchange(terminal, lambda ex: ex.shock("BTC", "1.04"))
        executed = await fired(terminal, signals, oid)
        fills = exchange(terminal, lambda ex: ex.fills(DEMO_UID, FUT, order_id=executed))
        assert fills
        assert all(f.side == "buy" for f in fills)
        assert min(f.price for f in fills) >= moved * D("0.999")  # fired when the last price reached its trigger
        tab.finished.setChecked(True)  # the finished ones, instead of the live ones
        assert tab.model.text(tab.model.row_of(oid), "Status") == "triggered"
        await signals.wait_until(services.account.positions_changed, lambda: services.account.position(BTC_PERP))


@BOTH_ACCOUNTS
@pytest.mark.asyncio
async def test_stop_limit_spot_moved_from_the_tab_and_cancelled_by_a_click(terminals: Terminals, signals: Any,
                                                                           account_mode: str) -> None:
    async with terminals.running(account_mode) as terminal:
        services, ticket, last = await Terminals.ready(terminal, BTC, signals.wait_until)
        algo = services.algo
        kind = ticket.algo_fields.kind
        assert not kind.model().item(kind.findData("trailing")).isEnabled()  # trailing stops are futures only
        assert not ticket.algo_fields.source.isEnabled()  # and so are mark-price triggers
        trigger = (last * D("0.97")).quantize(D("0.01"))
        oid = await place_from_ticket(terminal, signals, ticket, "stop_limit", "sell", trigger, D("0.001"),
                                      price=trigger - D("5"))
        await shown(terminal, signals, oid)
        tab = terminal.window.panel("orders").algo_tab
        assert tab.model.text(tab.model.row_of(oid), "Type") == "Stop-limit"
        [plan] = exchange(terminal, lambda ex: ex.plans.orders(DEMO_UID, Product.SPOT))
        assert (plan.execute_price, plan.order_type, plan.side) == (trigger - D("5"), "limit", "sell")

        tab.select(oid)
        dialog = tab.move_selected()
        assert dialog is not None
        dialog.trigger.set_value(last * 2)                      # a sell stop above the price: refused in the dialog
        dialog.buttons.accepted.emit()
        assert "below the last price" in dialog.error.text()
        lower = (last * D("0.96")).quantize(D("0.01"))
        dialog.trigger.set_value(lower)
        dialog.buttons.accepted.emit()
        await signals.wait_until(algo.changed, lambda: algo.get(oid).trigger_price == lower)

        line = terminal.chart.price_lines.line(f"algo:{oid}")
        line.sigClicked.emit(line, LeftClick())                  # click on the line: cancel
        await signals.wait_until(algo.changed, lambda: algo.get(oid).status is AlgoStatus.CANCELLED)
        assert exchange(terminal, lambda ex: ex.plans.orders(DEMO_UID, Product.SPOT)) == []
        await signals.wait_until(algo.changed, lambda: f"algo:{oid}" not in terminal.chart.price_lines.keys)


@BOTH_ACCOUNTS
@pytest.mark.asyncio
async def test_trailing_stop_from_ticket_fires_after_the_callback(terminals: Terminals, signals: Any,
                                                                  account_mode: str) -> None:
    async with terminals.running(account_mode) as terminal:
        services, ticket, last = await Terminals.ready(terminal, BTC_PERP, signals.wait_until)
        algo = services.algo
        if account_mode == "unified":  # Bitget's V3 has no trailing stop: refused in the ticket and by the service
            kind = ticket.algo_fields.kind
            item = kind.model().item(kind.findData("trailing"))
            assert not item.isEnabled()
            assert item.toolTip() == NO_TRAILING
            oid = algo.place(AlgoIntent(BTC_PERP, AlgoKind.TRAILING, Side.SELL, last, D("0.005"),
                                        callback_ratio=D("1"), reduce_only=True))
            assert (algo.get(oid).status, algo.get(oid).reason) == (AlgoStatus.REJECTED, NO_TRAILING)
            assert exchange(terminal, lambda ex: ex.plans.orders(DEMO_UID, FUT)) == []
            return
        # under the market-order confirmation threshold
        services.trading.submit(OrderTicket(BTC_PERP, "buy", "market", size=D("0.005")))
        await signals.wait_until(services.account.positions_changed, lambda: services.account.position(BTC_PERP))
        ticket.reduce_only.setChecked(True)
        activation = (last * D("1.005")).quantize(D("0.1"))
        oid = await place_from_ticket(terminal, signals, ticket, "trailing", "sell", activation, D("0.005"),
                                      callback=D("1"))
        await shown(terminal, signals, oid)
        tab = terminal.window.panel("orders").algo_tab
        assert tab.model.text(tab.model.row_of(oid), "Callback") == "1 %"
        exchange(terminal, lambda ex: ex.shock("BTC", "1.02"))   # activates, best price climbs
        await signals.wait_until(services.market_data.ticker_changed,
                                 lambda: exchange(terminal, lambda ex: ex.plans.orders(DEMO_UID, FUT))[0].best)
        best = exchange(terminal, lambda ex: ex.plans.orders(DEMO_UID, FUT))[0].best
        assert algo.get(oid).status is AlgoStatus.LIVE
        exchange(terminal, lambda ex: ex.shock("BTC", "0.97"))   # comes back more than 1 %
        executed = await fired(terminal, signals, oid)
        fills = exchange(terminal, lambda ex: ex.fills(DEMO_UID, FUT, order_id=executed))
        assert fills
        assert all(f.side == "sell" for f in fills)
        assert max(f.price for f in fills) <= best * D("0.99") * D("1.001")  # sold after the 1 % callback from the best
        await signals.wait_until(services.account.positions_changed,
                                 lambda: services.account.position(BTC_PERP) is None)


@BOTH_ACCOUNTS
@pytest.mark.asyncio
async def test_position_tp_and_partial_sl_then_panic_leaves_nothing(terminals: Terminals, signals: Any,
                                                                    account_mode: str) -> None:
    async with terminals.running(account_mode) as terminal:
        services, _ticket, last = await Terminals.ready(terminal, BTC_PERP, signals.wait_until)
        algo, trading = services.algo, services.trading
        trading.submit(OrderTicket(BTC_PERP, "buy", "market", size=D("0.006")))
        await signals.wait_until(services.account.positions_changed, lambda: services.account.position(BTC_PERP))
        tp_price = (last * D("1.2")).quantize(D("0.1"))
        tp = algo.place(AlgoIntent(BTC_PERP, AlgoKind.POSITION_TP, Side.SELL, tp_price, None,
                                   hold_side=PositionSide.LONG))
        sl = algo.place(AlgoIntent(BTC_PERP, AlgoKind.STOP_LOSS, Side.SELL, (last * D("0.9")).quantize(D("0.1")),
                                   D("0.003"), hold_side=PositionSide.LONG))
        for oid in (tp, sl):
            await signals.wait_until(algo.changed, lambda o=oid: algo.get(o).status is AlgoStatus.LIVE)
            await shown(terminal, signals, oid)
        tab = terminal.window.panel("orders").algo_tab
        assert tab.model.text(tab.model.row_of(tp), "Size") == "Position"
        orders_panel = terminal.window.panel("orders")
        assert orders_panel.tabs.tabText(orders_panel.tabs.indexOf(tab)) == "Algo orders (2)"
        higher_sl = (last * D("0.95")).quantize(D("0.1"))
        terminal.chart.price_lines.drag_algo(sl, float(higher_sl))
        await signals.wait_until(algo.changed, lambda: algo.get(sl).trigger_price == higher_sl)
        assert {p.plan_type: p.trigger_price for p in exchange(terminal, lambda ex: ex.plans.orders(DEMO_UID, FUT))}[
            "loss_plan"] == higher_sl

        # more of every kind: a stop, a spot stop, a resting limit order
        algo.place(AlgoIntent(BTC_PERP, AlgoKind.STOP, Side.BUY, (last * D("1.3")).quantize(D("0.1")), D("0.01")))
        spot_last = services.market_data.last_price(BTC) or last
        algo.place(AlgoIntent(BTC, AlgoKind.STOP, Side.BUY, (spot_last * D("1.3")).quantize(D("0.01")), D("0.001")))
        resting = trading.submit(OrderTicket(BTC_PERP, "buy", "limit", "gtc", D("0.01"),
                                             (last * D("0.97")).quantize(D("0.1")))).client_oid
        await signals.wait_until(trading.order_updated, lambda: trading.order(resting).status == "live")
        await signals.wait_until(algo.changed, lambda: len(algo.orders()) == 4
                                 and all(o.status is AlgoStatus.LIVE for o in algo.orders()))

        toasts = []
        terminal.panic.acted.connect(lambda step: toasts.append(step.message))
        terminal.window.registry.trigger("panic")
        await signals.wait_until(terminal.panic.acted, lambda: any(t.startswith("PANIC: cancelled") for t in toasts),
                                 timeout=20)
        report = next(t for t in toasts if t.startswith("PANIC: cancelled"))
        assert "position TP" in report
        assert "stop loss" in report
        assert "2 stops" in report

        def everything(ex: Any) -> list[Any]:
            return [*ex.plans.orders(DEMO_UID, FUT), *ex.plans.orders(DEMO_UID, Product.SPOT),
                    *ex.open_orders(DEMO_UID, FUT), *ex.open_orders(DEMO_UID, Product.SPOT)]

        await signals.wait_until(trading.orders_changed, lambda: exchange(terminal, everything) == [])
        await signals.wait_until(algo.changed, lambda: algo.orders() == [])
        await signals.wait_until(algo.changed, lambda: not [k for k in terminal.chart.price_lines.keys
                                                            if k.startswith("algo:")])


@BOTH_ACCOUNTS
@pytest.mark.asyncio
async def test_palette_types_stops(terminals: Terminals, signals: Any, account_mode: str) -> None:
    async with terminals.running(account_mode) as terminal:
        services, _ticket, last = await Terminals.ready(terminal, BTC_PERP, signals.wait_until)
        algo, window = services.algo, terminal.window
        window.activateWindow()
        await signals.wait_until(services.market_data.ticker_changed, lambda: QApplication.activeWindow() is window)
        palette = terminal.palette
        wrong = (last * D("0.9")).quantize(D("1"))
        QTest.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
        QTest.keyClicks(palette.input, f"b 0.005 stop {wrong}")
        assert "Cannot send" in palette.preview.text()
        assert "above the last price" in palette.preview.text()
        if account_mode == "unified":  # `trail`: refused before anything is sent, with the reason
            palette.input.clear()
            QTest.keyClicks(palette.input, f"s 0.005 stop {(last * D('1.01')).quantize(D('1'))} trail 1 ro")
            assert "Trailing stops are not available on a unified (UTA) account" in palette.preview.text()
        palette.input.clear()
        trigger = (last * D("1.1")).quantize(D("1"))
        QTest.keyClicks(palette.input, f"s 0.005 stop {(last * D('0.9')).quantize(D('1'))} @ {wrong - 10} mark")
        assert "Stop-limit sell 0.005" in palette.preview.text()
        assert "Enter sends it" in palette.preview.text()
        QTest.keyClick(palette.input, Qt.Key.Key_Return)
        QTest.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
        QTest.keyClicks(palette.input, f"b 0.005 stop {trigger}")
        QTest.keyClick(palette.input, Qt.Key.Key_Return)
        await signals.wait_until(algo.changed, lambda: len(algo.orders()) == 2
                                 and all(o.status is AlgoStatus.LIVE for o in algo.orders()))
        plans = {p.side: p for p in exchange(terminal, lambda ex: ex.plans.orders(DEMO_UID, FUT))}
        assert (plans["buy"].trigger_price, plans["buy"].order_type, plans["buy"].trigger_type) == (
            trigger, "market", "fill_price")
        assert (plans["sell"].execute_price, plans["sell"].trigger_type) == (wrong - 10, "mark_price")
        for order in algo.orders():
            await shown(terminal, signals, order.client_oid)

        # tp/sl: the position's take-profit, a partial stop-loss
        QTest.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
        QTest.keyClicks(palette.input, f"tp {trigger}")
        assert "There is no position on BTCUSDT PERP" in palette.preview.text()
        palette.close_palette()
        services.trading.submit(OrderTicket(BTC_PERP, "buy", "market", size=D("0.005")))
        await signals.wait_until(services.account.positions_changed, lambda: services.account.position(BTC_PERP))
        for text in (f"tp {trigger}", f"sl {(last * D('0.8')).quantize(D('1'))} 0.002 mark"):
            QTest.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
            QTest.keyClicks(palette.input, text)
            assert "Enter sends it" in palette.preview.text(), palette.preview.text()
            QTest.keyClick(palette.input, Qt.Key.Key_Return)
        await signals.wait_until(algo.changed, lambda: {o.kind for o in algo.orders()
                                                        if o.status is AlgoStatus.LIVE} >= {AlgoKind.POSITION_TP,
                                                                                            AlgoKind.STOP_LOSS})
        tpsl = {p.plan_type: p for p in exchange(terminal, lambda ex: ex.plans.orders(DEMO_UID, FUT))}
        assert (tpsl["pos_profit"].trigger_price, tpsl["loss_plan"].size, tpsl["loss_plan"].trigger_type) == (
            trigger, D("0.002"), "mark_price")


@BOTH_ACCOUNTS
@pytest.mark.asyncio
async def test_screenshots_of_a_protected_position(terminals: Terminals, signals: Any, tmp_path: Path,
                                                   account_mode: str) -> None:
    """The chart with a long position, its TP, SL and a trailing stop, and the Algo orders tab (written to
    ``BITGET_TERMINAL_SCREENSHOTS`` when set; ``resources/screenshots`` holds the committed ones)."""
    async with terminals.running(account_mode) as terminal:
        services, _ticket, last = await Terminals.ready(terminal, BTC_PERP, signals.wait_until)
        algo, window = services.algo, terminal.window
        window.resize(1600, 900)
        services.trading.submit(OrderTicket(BTC_PERP, "buy", "market", size=D("0.008")))
        await signals.wait_until(services.account.positions_changed, lambda: services.account.position(BTC_PERP))
        await signals.wait_until(services.market_data.candles_history, lambda: len(terminal.chart.series) > 0)
        oids = [
            algo.place(AlgoIntent(BTC_PERP, AlgoKind.POSITION_TP, Side.SELL, (last * D("1.004")).quantize(D("0.1")),
                                  None, hold_side=PositionSide.LONG)),
            algo.place(AlgoIntent(BTC_PERP, AlgoKind.STOP_LOSS, Side.SELL, (last * D("0.996")).quantize(D("0.1")),
                                  D("0.008"), trigger_source=TriggerSource.MARK, hold_side=PositionSide.LONG)),
        ]
        trailing = algo.place(AlgoIntent(BTC_PERP, AlgoKind.TRAILING, Side.SELL,
                                         (last * D("1.002")).quantize(D("0.1")), D("0.004"), callback_ratio=D("0.5"),
                                         reduce_only=True))
        if account_mode == "unified":
            assert algo.get(trailing).reason == NO_TRAILING  # a unified account has no trailing stop
        else:
            oids.append(trailing)
        for oid in oids:
            await signals.wait_until(algo.changed, lambda o=oid: algo.get(o).status is AlgoStatus.LIVE)
            await shown(terminal, signals, oid)
        # the orders' lines and the candles in view: a day that moved more than the lines' 0.7 % would otherwise
        # leave most candles above or below the picture
        chart = terminal.chart
        low, high = float(last) * 0.993, float(last) * 1.007
        extent = chart.pyramid.extent(chart.series, *chart.visible_range())
        if extent is not None:
            low, high = min(low, extent[0]), max(high, extent[1])
        chart.price_plot.vb.setYRange(low, high)
        orders = window.panel("orders")
        orders.tabs.setCurrentWidget(orders.algo_tab)
        await signals.wait_until(services.market_data.ticker_changed, lambda: orders.algo_tab.isVisible())
        target = os.environ.get("BITGET_TERMINAL_SCREENSHOTS")
        suffix = "-unified" if account_mode == "unified" else ""
        for widget, name in ((window, f"algo-orders-chart{suffix}.png"), (orders, f"algo-orders-tab{suffix}.png")):
            image = widget.grab().toImage()
            assert not image.isNull()
            assert image.width() > 300
            assert widget.grab().save(str(tmp_path / name))
            if target:
                os.makedirs(target, exist_ok=True)
                assert widget.grab().save(os.path.join(target, name))
        assert orders.algo_tab.model.rowCount() == len(oids)
