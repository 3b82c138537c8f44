"""Brackets, scaled orders, stop hotkeys and the stop-market confirmation through the whole terminal (real window,
real widgets, the demo exchange in-process over loopback sockets), each checked against the simulator's own state."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from terminal_app.app import Terminal
from terminal_app.config.paths import AppPaths
from terminal_app.core.algo import AlgoKind, AlgoStatus
from terminal_app.core.bracket import LegUnit
from terminal_app.core.enums import OrderStatus, Side
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.orders import OrderTicket
from terminal_app.core.scale import Weighting, plan_scale
from terminal_app.core.submission import SubmissionState
from terminal_app.sim.server.auth import DEMO_UID

from ..conftest import Terminals

exchange = Terminals.exchange  # fn(engine) on the simulator's thread

D = Decimal
BTC = SymbolRef("BTCUSDT", Product.SPOT)
BTC_PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)
FUT = Product.USDT_FUTURES


def click_submit(ticket: Any) -> Any:
    issues = ticket.revalidate()
    assert issues == [], issues
    QTest.mouseClick(ticket.submit_button, Qt.MouseButton.LeftButton)
    return ticket.last_submission


async def answer(term: Terminal, signals: Any, yes: bool) -> str:
    """Answer the pipeline's one confirmation box (there must be exactly one open); its text."""
    ask = term.services.trading.ask
    box = await signals.wait_until(term.services.trading.refused, lambda: ask.box, timeout=5)
    assert isinstance(box, QMessageBox)
    text = box.text()
    box.button(QMessageBox.StandardButton.Yes if yes else QMessageBox.StandardButton.No).click()
    ask.box = None
    return text


@pytest.mark.asyncio
async def test_bracket_on_a_limit_entry_is_shown_grouped_and_cancelled_with_its_entry(terminals: Terminals,
                                                                                       signals: Any) -> None:
    async with terminals.running() as terminal:
        services, ticket, last = await Terminals.ready(terminal, BTC_PERP, signals.wait_until)
        trading = services.trading
        entry = (last * D("0.97")).quantize(D("0.1"))
        ticket.set_side("buy")
        ticket.set_order_type("limit")
        ticket.price.set_value(entry)
        ticket.size_edit.set_value(D("0.004"))
        ticket.bracket.toggle.setChecked(True)  # as a click would
        ticket.bracket.set_unit(LegUnit.PERCENT)
        ticket.bracket.tp.set_value(D("2"))
        ticket.bracket.sl.set_value(D("1"))
        ticket.revalidate()
        tp = (entry * D("1.02")).quantize(D("0.1"), rounding="ROUND_FLOOR")
        sl = (entry * D("0.99")).quantize(D("0.1"), rounding="ROUND_CEILING")
        preview = ticket.bracket.preview.text()
        assert "R:R 2.00" in preview, preview
        assert f"TP {tp:,}" in preview
        assert f"SL {sl:,}" in preview
        submission = click_submit(ticket)
        await signals.wait_until(trading.order_updated, lambda: submission.state is SubmissionState.ACKNOWLEDGED)
        [order] = exchange(terminal, lambda ex: ex.open_orders(DEMO_UID, FUT))
        assert (order.price, order.preset_tp, order.preset_sl) == (entry, tp, sl)

        tab = terminal.window.panel("orders").algo_tab
        legs = [f"leg:{submission.client_oid}:tp", f"leg:{submission.client_oid}:sl"]
        await signals.wait_until(trading.orders_changed, lambda: all(tab.model.row_of(k) is not None for k in legs))
        rows = [tab.model.row_of(k) for k in legs]
        assert rows[1] == rows[0] + 1  # together, TP first
        group = f"Entry buy 0.004 @ {entry.normalize():f}"
        assert [tab.model.text(r, "Group") for r in rows] == [group, group]
        assert [tab.model.text(r, "Status") for r in rows] == ["on entry", "on entry"]
        assert [tab.model.text(r, "Type") for r in rows] == ["Take profit", "Stop loss"]
        await signals.wait_until(trading.orders_changed,
                                 lambda: all(f"algo:{k}" in terminal.chart.price_lines.keys for k in legs))
        assert terminal.chart.price_lines.line(f"algo:{legs[0]}").value() == pytest.approx(float(tp))

        # the ✕ of a leg cancels its entry (the legs are the entry's until it fills)
        tab.view.clicked.emit(tab.model.index(rows[1], len(tab.model.columns) - 1))
        await signals.wait_until(trading.orders_changed, lambda: tab.model.row_of(legs[0]) is None)
        assert exchange(terminal, lambda ex: ex.open_orders(DEMO_UID, FUT)) == []
        assert exchange(terminal, lambda ex: ex.plan_orders(DEMO_UID)) == []


@pytest.mark.asyncio
async def test_bracket_market_entry_tp_fires_and_the_sl_is_cancelled(terminals: Terminals, signals: Any) -> None:
    async with terminals.running() as terminal:
        services, ticket, _last = await Terminals.ready(terminal, BTC_PERP, signals.wait_until)
        algo, account = services.algo, services.account
        ticket.set_side("buy")
        ticket.set_order_type("market")
        ticket.size_edit.set_value(D("0.005"))
        ticket.set_bracket(D("1"), D("3"), LegUnit.PERCENT)
        assert ticket.bracket.on
        tp_wanted, sl_wanted = ticket.ticket().tp, ticket.ticket().sl
        submission = click_submit(ticket)
        await signals.wait_until(services.trading.order_updated,
                                 lambda: submission.state is SubmissionState.ACKNOWLEDGED)
        position = await signals.wait_until(account.positions_changed, lambda: account.position(BTC_PERP))
        assert position.total == D("0.005")

        # the exchange made the legs the position's TP/SL orders: live on orders-algo, grouped under the position
        def legs() -> dict[AlgoKind, Any]:
            return {o.kind: o for o in algo.orders(BTC_PERP)}

        await signals.wait_until(algo.changed, lambda: set(legs()) == {AlgoKind.TAKE_PROFIT, AlgoKind.STOP_LOSS},
                                 timeout=15)
        tp, sl = legs()[AlgoKind.TAKE_PROFIT], legs()[AlgoKind.STOP_LOSS]
        assert (tp.trigger_price, sl.trigger_price) == (tp_wanted, sl_wanted)
        assert tp.size == sl.size == D("0.005")
        plans = {p.plan_type: p for p in exchange(terminal, lambda ex: ex.plan_orders(DEMO_UID))}
        assert plans["profit_plan"].linked_order_id == plans["loss_plan"].linked_order_id == submission.order_id
        tab = terminal.window.panel("orders").algo_tab
        await signals.wait_until(algo.changed, lambda: tab.model.row_of(tp.client_oid) is not None
                                 and tab.model.row_of(sl.client_oid) is not None)
        rows = sorted([tab.model.row_of(tp.client_oid), tab.model.row_of(sl.client_oid)])
        assert rows[1] == rows[0] + 1
        assert {tab.model.text(r, "Group") for r in rows} == {"Position BTCUSDT PERP long"}

        exchange(terminal, lambda ex: ex.shock("BTC", "1.03"))  # through the TP (+1 %), nowhere near the SL
        fired = await signals.wait_until(algo.changed, lambda: (o := algo.get(tp.client_oid)).status
                                         is AlgoStatus.TRIGGERED and o, timeout=20)
        await signals.wait_until(algo.changed, lambda: algo.get(sl.client_oid).status is AlgoStatus.CANCELLED,
                                 timeout=20)
        ended = {p.plan_type: p for p in exchange(terminal, lambda ex: ex.plan_orders(DEMO_UID, pending=False))}
        assert (ended["profit_plan"].status, ended["loss_plan"].status) == ("executed", "cancelled")
        fills = exchange(terminal, lambda ex: ex.fills(DEMO_UID, FUT, order_id=ended["profit_plan"].executed_order_id))
        assert sum(f.size for f in fills) == D("0.005")
        assert all(f.side == "sell" for f in fills)
        assert min(f.price for f in fills) >= tp_wanted * D("0.995")  # fired at its level (a market close)
        assert fired.executed_order_id == ended["profit_plan"].executed_order_id or fired.executed_order_id is None
        assert exchange(terminal, lambda ex: ex.positions(DEMO_UID)) == []
        await signals.wait_until(algo.changed, lambda: tab.model.row_of(sl.client_oid) is None)


@pytest.mark.asyncio
async def test_scaled_order_previewed_and_placed_with_exact_sizes(terminals: Terminals, signals: Any) -> None:
    async with terminals.running() as terminal:
        services, ticket, last = await Terminals.ready(terminal, BTC_PERP, signals.wait_until)
        trading = services.trading
        first = (last * D("0.98")).quantize(D("0.1"))
        to = (last * D("0.96")).quantize(D("0.1"))
        ticket.set_side("buy")
        ticket.set_order_type("limit")
        ticket.price.set_value(first)
        ticket.size_edit.set_value(D("0.010"))
        ticket.set_scaled(to, 4, Weighting.INCREASING)
        assert ticket.scaled.on
        ticket.revalidate()
        plan = plan_scale(ticket.market, Side.BUY, D("0.010"), first, to, 4, Weighting.INCREASING)
        table = ticket.scaled.table
        assert table.rowCount() == 4
        assert [D(table.item(r, 1).text()) for r in range(4)] == [D("0.001"), D("0.002"), D("0.003"), D("0.004")]
        assert table.item(0, 0).text() == f"{first:,}"
        assert table.item(3, 0).text() == f"{to:,}"
        summary = ticket.scaled.summary.text()
        assert summary.startswith("4 orders · total 0.010"), summary
        assert "BTC · average" in summary
        submission = click_submit(ticket)
        assert submission.state is SubmissionState.SENT
        oids = trading.batch_oids(submission)
        assert len(oids) == 4

        def on_exchange() -> list[Any]:
            return exchange(terminal, lambda ex: ex.open_orders(DEMO_UID, FUT))

        await signals.wait_until(trading.order_updated, lambda: all(
            (v := trading.order(o)) is not None and v.status is OrderStatus.LIVE for o in oids))
        placed = sorted(on_exchange(), key=lambda o: o.price, reverse=True)
        assert [(o.price, o.size) for o in placed] == [(leg.price, leg.size) for leg in plan.legs]
        assert sum(o.size for o in placed) == D("0.010")
        assert {o.client_oid for o in placed} == set(oids)


@pytest.mark.asyncio
async def test_scaled_set_over_the_batch_limit_one_confirmation_and_per_leg_failures(terminals: Terminals,
                                                                                     signals: Any) -> None:
    async with terminals.running() as terminal:
        services, ticket, last = await Terminals.ready(terminal, BTC, signals.wait_until)
        trading = services.trading
        market = ticket.market

        # a set the balance cannot carry whole: the batch's failure list rejects the legs it names, with the code
        price = (last * D("0.97")).quantize(market.tick_size)
        [available] = [b.available for b in exchange(terminal, lambda ex: ex.spot_balances(DEMO_UID))
                       if b.coin == "USDT"]
        assert available > 0
        each = (available / D("3.1") / price).quantize(market.lot_size, rounding="ROUND_FLOOR")  # 3 fit, 5 do not
        big = plan_scale(market, Side.BUY, each * 5, price, price - market.tick_size * 4, 5)
        assert big.ok, (big.issues, available, each, market)
        submission = trading.submit_scaled(big, OrderTicket(BTC, Side.BUY, size=big.total, price=price),
                                           confirmed=True)
        assert submission.state is SubmissionState.SENT, submission
        legs = trading.batch_oids(submission)
        await signals.wait_until(trading.order_updated, lambda: all(
            (v := trading.order(o)) is not None and v.status is not OrderStatus.PENDING for o in legs), timeout=20)
        states = [trading.order(o).status for o in legs]
        assert states == [OrderStatus.LIVE] * 3 + [OrderStatus.REJECTED] * 2, states
        rejected = [trading.order(o) for o in legs[3:]]
        assert all(v.code == "43012" for v in rejected), [(v.code, v.reason) for v in rejected]
        assert submission.state is SubmissionState.ACKNOWLEDGED  # the set as one: how many, and why not the others
        assert submission.message.startswith("3 of 5 orders live; 2 refused: [43012]"), submission.message
        assert len(exchange(terminal, lambda ex: ex.open_orders(DEMO_UID, Product.SPOT))) == 3
        trading.cancel_all(BTC)
        await signals.wait_until(trading.orders_changed, lambda: not trading.open_orders(BTC), timeout=20)

        # 60 legs: two batch calls (Bitget takes 50 at most), worth more than the confirmation threshold: one question
        total = (D(1500) / last).quantize(market.lot_size, rounding="ROUND_FLOOR")  # about 1,500 USDT in all
        plan = plan_scale(market, Side.BUY, total, (last * D("0.99")).quantize(market.tick_size),
                          (last * D("0.96")).quantize(market.tick_size), 60)
        assert plan.ok, plan.issues
        assert plan.notional > D(1000)
        template = OrderTicket(BTC, Side.BUY, size=plan.total, price=plan.legs[0].price)
        submission = trading.submit_scaled(plan, template)
        assert submission.state is SubmissionState.AWAITING_CONFIRMATION
        text = await answer(terminal, signals, True)
        assert text.startswith("Scaled order: 60 buy limit orders of BTCUSDT"), text
        oids = trading.batch_oids(submission)
        assert len(oids) == 60
        await signals.wait_until(trading.order_updated, lambda: all(
            (v := trading.order(o)) is not None and v.status is OrderStatus.LIVE for o in oids), timeout=60)
        placed = exchange(terminal, lambda ex: ex.open_orders(DEMO_UID, Product.SPOT))
        assert sorted((o.price, o.size) for o in placed) == sorted((leg.price, leg.size) for leg in plan.legs)


@pytest.mark.asyncio
async def test_stop_hotkey_places_a_stop_market_at_the_ticket_trigger(terminals: Terminals, signals: Any) -> None:
    async with terminals.running() as terminal:
        services, ticket, last = await Terminals.ready(terminal, BTC_PERP, signals.wait_until)
        algo = services.algo
        window = terminal.window
        window.registry.set_hotkeys_enabled(True)
        trigger = (last * D("1.02")).quantize(D("0.1"))
        ticket.set_order_type("stop_market")
        ticket.algo_fields.trigger.set_value(trigger)
        ticket.size_edit.set_value(D("0.003"))
        window.activateWindow()
        ticket.buy_button.setFocus()
        QTest.keyClick(ticket.buy_button, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier
                       | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier)
        submission = await signals.wait_until(algo.changed, lambda: ticket.last_submission, timeout=5)
        await signals.wait_until(algo.changed, lambda: submission.state is SubmissionState.ACKNOWLEDGED)
        order = algo.get(submission.client_oid)
        assert (order.kind, order.side, order.trigger_price, order.execute_price, order.size) == (
            AlgoKind.STOP, Side.BUY, trigger, None, D("0.003"))
        plans = exchange(terminal, lambda ex: ex.plan_orders(DEMO_UID))
        assert [(p.client_oid, p.trigger_price, p.side) for p in plans] == [(submission.client_oid, trigger, "buy")]
        cheat = window.registry.keys_for("order.stop_sell")
        assert cheat == ("Ctrl+Alt+Shift+S",)


@pytest.mark.asyncio
async def test_large_stop_market_waits_for_the_one_confirmation(terminals: Terminals, signals: Any) -> None:
    async with terminals.running() as terminal:
        services, ticket, last = await Terminals.ready(terminal, BTC_PERP, signals.wait_until)
        algo = services.algo
        trigger = (last * D("0.98")).quantize(D("0.1"))
        ticket.set_side("sell")
        ticket.set_order_type("stop_market")
        ticket.algo_fields.trigger.set_value(trigger)
        ticket.size_edit.set_value(D("0.02"))  # about 2,000 USDT: above the 1,000 threshold
        submission = click_submit(ticket)
        assert submission.state is SubmissionState.AWAITING_CONFIRMATION
        text = await answer(terminal, signals, False)
        assert text.startswith(f"Stop-market at {trigger.normalize():f}: Market sell 0.02 BTC of BTCUSDT PERP")
        assert submission.state is SubmissionState.REFUSED
        assert algo.orders() == []
        assert exchange(terminal, lambda ex: ex.plan_orders(DEMO_UID)) == []

        again = click_submit(ticket)
        await answer(terminal, signals, True)
        await signals.wait_until(algo.changed, lambda: again.state is SubmissionState.ACKNOWLEDGED)
        plans = exchange(terminal, lambda ex: ex.plan_orders(DEMO_UID))
        assert [(p.client_oid, p.trigger_price, p.size) for p in plans] == [(again.client_oid, trigger, D("0.02"))]


@pytest.mark.asyncio
async def test_palette_scaled_order_and_stop_through_the_pipeline(terminals: Terminals, signals: Any) -> None:
    async with terminals.running() as terminal:
        services, _ticket, last = await Terminals.ready(terminal, BTC_PERP, signals.wait_until)
        trading, algo = services.trading, services.algo
        engine = terminal.palette.engine
        first, to = (last * D("0.98")).quantize(D("0.1")), (last * D("0.97")).quantize(D("0.1"))
        text = f"b 0.006 scale {first} {to} x3 inc"
        preview = engine.describe(engine.parse(text))
        assert "Scaled buy 0.006 BTC of BTCUSDT PERP in 3 limit orders" in preview, preview
        assert "0.001 @" in preview
        result = engine.execute(text)
        assert result.ok, result.message
        await signals.wait_until(trading.order_updated, lambda: len(
            exchange(terminal, lambda ex: ex.open_orders(DEMO_UID, FUT))) == 3)
        placed = sorted(exchange(terminal, lambda ex: ex.open_orders(DEMO_UID, FUT)), key=lambda o: -o.price)
        assert [o.size for o in placed] == [D("0.001"), D("0.002"), D("0.003")]
        assert (placed[0].price, placed[-1].price) == (first, to)

        # a stop from the palette meets the same confirmation as the ticket's
        trigger = (last * D("1.02")).quantize(D("0.1"))
        pending = engine.execute(f"b 0.02 stop {trigger}")
        assert pending.ok, pending.message
        await answer(terminal, signals, True)
        await signals.wait_until(algo.changed, lambda: [o.trigger_price for o in algo.orders()
                                                        if o.status is AlgoStatus.LIVE] == [trigger])


async def spot_bracket(terminal: Terminal, signals: Any) -> tuple[Any, Any, Any, D]:
    """A spot buy that fills at once, with a bracket (TP +1 %, SL -2 %) from the ticket; the armed bracket."""
    services, ticket, last = await Terminals.ready(terminal, BTC, signals.wait_until)
    oco = services.oco
    ticket.set_side("buy")
    ticket.set_order_type("limit")
    ticket.price.set_value((last * D("1.004")).quantize(ticket.market.tick_size))  # crosses the ask: fills
    ticket.size_edit.set_value(D("0.002"))
    ticket.set_bracket(D("1"), D("2"), LegUnit.PERCENT)
    assert ticket.bracket.on
    assert "watches the take-profit" in ticket.bracket.toggle.toolTip()
    submission = click_submit(ticket)
    bracket = oco.get(submission.client_oid)
    assert bracket is not None
    await signals.wait_until(services.trading.order_updated, lambda: (
        v := services.trading.order(submission.client_oid)) is not None and not v.is_open, timeout=10)
    await signals.wait_until(services.algo.changed, lambda: bracket.sl_oid is not None
                             and services.algo.get(bracket.sl_oid).status is AlgoStatus.LIVE, timeout=15)
    assert services.trading.order(submission.client_oid).status is OrderStatus.FILLED
    assert bracket.size == (D("0.002") * (1 - ticket.market.taker_fee)).quantize(ticket.market.lot_size,
                                                                                  rounding="ROUND_FLOOR")
    [plan] = exchange(terminal, lambda ex: ex.plans.orders(DEMO_UID, Product.SPOT))
    assert (plan.client_oid, plan.trigger_price, plan.side, plan.size) == (bracket.sl_oid, bracket.sl, "sell",
                                                                             bracket.size)
    # the Algo orders tab shows both legs under the bracket: the exchange's stop-loss, the watched take-profit
    tab = terminal.window.panel("orders").algo_tab
    keys = [f"watch:{bracket.entry_oid}", bracket.sl_oid]
    await signals.wait_until(oco.changed, lambda: all(tab.model.row_of(k) is not None for k in keys), timeout=10)
    rows = [tab.model.row_of(k) for k in keys]
    assert rows[1] == rows[0] + 1  # together, TP first
    group = f"Spot bracket {BTC.display} {bracket.size.normalize():f}"
    assert [tab.model.text(r, "Group") for r in rows] == [group, group]
    assert [tab.model.text(r, "Status") for r in rows] == ["watched", "live"]
    assert D(tab.model.text(rows[0], "Trigger").replace(",", "")) == bracket.tp
    assert tab.model.text(rows[0], "Time") == tab.model.text(rows[1], "Time")  # the watch began with the SL
    # and on the chart, beside the stop-loss's line
    lines = terminal.chart.price_lines
    await signals.wait_until(oco.changed, lambda: f"algo:watch:{bracket.entry_oid}" in lines.keys)
    assert lines.line(f"algo:watch:{bracket.entry_oid}").value() == pytest.approx(float(bracket.tp))
    return services, ticket, bracket, last


@pytest.mark.asyncio
async def test_spot_bracket_take_profit_cancels_the_stop_loss_then_sells(terminals: Terminals, signals: Any) -> None:
    async with terminals.running() as terminal:
        services, _ticket, bracket, _last = await spot_bracket(terminal, signals)
        oco = services.oco
        ended: list[str] = []
        oco.ended.connect(lambda _b, how: ended.append(how))
        exchange(terminal, lambda ex: ex.shock("BTC", "1.03"))
        await signals.wait_until(oco.changed, lambda: ended, timeout=20)
        assert ended == ["take-profit reached: sold at market"]
        done = exchange(terminal, lambda ex: ex.plans.orders(DEMO_UID, Product.SPOT, pending=False))
        assert [(p.client_oid, p.status) for p in done] == [(bracket.sl_oid, "cancelled")]
        exit_view = services.trading.order(bracket.exit_oid)
        fills = exchange(terminal, lambda ex: ex.fills(DEMO_UID, Product.SPOT, order_id=exit_view.order_id))
        assert sum(f.size for f in fills) == bracket.size
        assert all(f.side == "sell" for f in fills)
        assert min(f.price for f in fills) >= bracket.tp * D("0.995")
        # sold once, though the stop-loss's cancel is reported by the push and by REST reads
        sells = [f for f in exchange(terminal, lambda ex: ex.fills(DEMO_UID, Product.SPOT)) if f.side == "sell"]
        assert sum(f.size for f in sells) == bracket.size
        assert services.trading.open_orders(None) == []


@pytest.mark.asyncio
async def test_spot_bracket_stop_loss_fires_on_the_exchange_and_ends_the_watch(terminals: Terminals,
                                                                                signals: Any) -> None:
    async with terminals.running() as terminal:
        services, _ticket, bracket, _last = await spot_bracket(terminal, signals)
        oco = services.oco
        ended: list[str] = []
        oco.ended.connect(lambda _b, how: ended.append(how))
        exchange(terminal, lambda ex: ex.shock("BTC", "0.96"))
        await signals.wait_until(oco.changed, lambda: ended, timeout=20)
        assert ended == ["stop-loss fired on the exchange"]
        [done] = exchange(terminal, lambda ex: ex.plans.orders(DEMO_UID, Product.SPOT, pending=False))
        assert (done.client_oid, done.status) == (bracket.sl_oid, "executed")
        assert bracket.exit_oid is None  # the terminal sold nothing itself
        exchange(terminal, lambda ex: ex.shock("BTC", "1.10"))  # back above the TP: nothing more happens
        await signals.wait_until(services.market_data.ticker_changed,
                                 lambda: services.market_data.last_price(BTC) > bracket.tp)
        assert oco.brackets() == []
        sells = [f for f in exchange(terminal, lambda ex: ex.fills(DEMO_UID, Product.SPOT)) if f.side == "sell"]
        assert sum(f.size for f in sells) == bracket.size


@pytest.mark.asyncio
async def test_spot_bracket_watched_take_profit_cancelled_from_the_algo_tab_keeps_the_stop_loss(
        terminals: Terminals, signals: Any) -> None:
    async with terminals.running() as terminal:
        services, _ticket, bracket, _last = await spot_bracket(terminal, signals)
        oco = services.oco
        tab = terminal.window.panel("orders").algo_tab
        row = tab.model.row_of(f"watch:{bracket.entry_oid}")
        tab.view.clicked.emit(tab.model.index(row, len(tab.model.columns) - 1))  # its ✕
        await signals.wait_until(oco.changed, lambda: tab.model.row_of(f"watch:{bracket.entry_oid}") is None)
        assert oco.brackets() == []
        sl_row = tab.model.row_of(bracket.sl_oid)
        assert sl_row is not None
        assert tab.model.text(sl_row, "Group") == ""
        [plan] = exchange(terminal, lambda ex: ex.plans.orders(DEMO_UID, Product.SPOT))
        assert (plan.client_oid, plan.status) == (bracket.sl_oid, "live")


@pytest.mark.asyncio
async def test_spot_bracket_take_profit_fires_after_the_terminal_restarts(qapp: Any, signals: Any,
                                                                          tmp_path: Path) -> None:
    """The terminal closes with a spot bracket armed; a new terminal on the same journal and the same exchange shows
    the bracket again and sells at its take-profit."""
    quit_on_close = qapp.quitOnLastWindowClosed()
    paths = AppPaths.under(tmp_path)
    first = Terminal(qapp, smoke_test=True, demo_sim="thread", paths=paths, panic_window_s=60)
    try:
        await first.start()
        _services, _ticket, bracket, _last = await spot_bracket(first, signals)
        name = first.profile.name
        runner = first.runners.pop(name)  # the exchange outlives this run of the terminal
    finally:
        await first.shutdown()
    second = Terminal(qapp, smoke_test=True, demo_sim="thread", paths=paths, panic_window_s=60)
    second.runners[name] = runner
    try:
        await second.start()
        services = second.services
        oco = services.oco
        [resumed] = await signals.wait_until(oco.changed, oco.brackets, timeout=15)
        assert (resumed.entry_oid, resumed.sl_oid, resumed.size, resumed.tp) == (
            bracket.entry_oid, bracket.sl_oid, bracket.size, bracket.tp)
        tab = second.window.panel("orders").algo_tab
        await signals.wait_until(oco.changed, lambda: tab.model.row_of(f"watch:{bracket.entry_oid}") is not None)
        ended: list[str] = []
        oco.ended.connect(lambda _b, how: ended.append(how))
        exchange(second, lambda ex: ex.shock("BTC", "1.03"))
        await signals.wait_until(oco.changed, lambda: ended, timeout=25)
        assert ended == ["take-profit reached: sold at market"]
        done = exchange(second, lambda ex: ex.plans.orders(DEMO_UID, Product.SPOT, pending=False))
        assert [(p.client_oid, p.status) for p in done] == [(bracket.sl_oid, "cancelled")]
        fills = exchange(second, lambda ex: ex.fills(DEMO_UID, Product.SPOT))
        assert sum(f.size for f in fills if f.side == "sell") == bracket.size
    finally:
        await second.shutdown()
        qapp.setQuitOnLastWindowClosed(quit_on_close)
