"""Orders by hotkey and through the palette, keys inert while typing, every risk guard, the confirmation flow —
through the real profile service, guards and panels against the simulator (orders counted on the simulator)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import ROUND_DOWN, Decimal
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from terminal_app.config.settings import CONFIRM_MARKET_NOTIONAL, FAT_FINGER_PCT, LEVERAGE_CAP, MAX_ORDER_NOTIONAL
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.orders import OrderTicket
from terminal_app.core.submission import SubmissionState
from terminal_app.services.guards import NOT_CONFIRMED, RISK_CODE, GuardedServices
from terminal_app.sim.runner import SimulatorRunner
from terminal_app.ui.actions import text_input_has_focus

from .conftest import (
    BOTH_ACCOUNTS,
    BTC,
    BTC_PERP,
    Harness,
    next_emission,
    sim_open_orders,
    sim_orders,
    sim_positions,
    until,
)

CTRL_ALT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
pytestmark = pytest.mark.asyncio


def resting_price(guarded: GuardedServices, factor: str = "0.98") -> Decimal:
    """A buy price under the market (rests) inside the default 5 % fat-finger band, on the tick."""
    last = guarded.market_data.last_price(BTC)
    assert last is not None
    return (last * Decimal(factor)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)


async def demo(make_harness: Callable[..., Harness], sim: SimulatorRunner) -> tuple[Harness, GuardedServices]:
    h = make_harness({"Demo": sim})
    guarded = await h.connect("Demo")
    return h, guarded


@BOTH_ACCOUNTS
async def test_place_by_hotkey_cancel_by_esc_and_keys_inert_while_typing(
        qtbot: QtBot, make_harness: Callable[..., Harness], sim: SimulatorRunner) -> None:
    h, guarded = await demo(make_harness, sim)
    try:
        window = h.build_window(qtbot, guarded)
        window.registry.set_hotkeys_enabled(True)
        await h.show(window)
        ticket: Any = window.panel("ticket")
        await until(lambda: ticket.market is not None, what="ticket market")
        ticket.set_order_type("limit")
        ticket.set_price(resting_price(guarded))
        ticket.set_size(Decimal("0.001"))
        before = sim_orders(sim)

        ticket.buy_button.setFocus()
        await until(ticket.buy_button.hasFocus)
        QTest.keyClick(ticket.buy_button, Qt.Key.Key_B, CTRL_ALT)
        view = (await next_emission(guarded.trading.order_updated))[0]
        assert view.side == "buy"
        assert view.ref == BTC
        await until(lambda: len(sim_open_orders(sim)) == 1, what="order on the simulator")
        assert sim_orders(sim) == before + 1

        # Typing in the ticket's price field: the same chord goes to the field, nothing is sent.
        ticket.price.setFocus()
        await until(ticket.price.hasFocus)
        assert text_input_has_focus()
        QTest.keyClick(ticket.price, Qt.Key.Key_B, CTRL_ALT)
        QTest.keyClick(ticket.price, Qt.Key.Key_Z, CTRL_ALT)
        await asyncio.sleep(0.3)
        assert sim_orders(sim) == before + 1
        assert len(sim_open_orders(sim)) == 1

        # Ctrl+Alt+Z (cancel last) from outside a text field cancels it on the exchange.
        ticket.buy_button.setFocus()
        await until(ticket.buy_button.hasFocus)
        QTest.keyClick(ticket.buy_button, Qt.Key.Key_Z, CTRL_ALT)
        await until(lambda: not sim_open_orders(sim), what="cancel on the simulator")
        await until(lambda: not guarded.trading.open_orders(BTC), what="cancel seen by the terminal")
    finally:
        await h.close()


@BOTH_ACCOUNTS
async def test_place_and_cancel_through_the_palette(
        qtbot: QtBot, make_harness: Callable[..., Harness], sim: SimulatorRunner) -> None:
    h, guarded = await demo(make_harness, sim)
    try:
        window = h.build_window(qtbot, guarded)
        await h.show(window)
        palette = h.palette
        assert palette is not None
        # Ctrl+K is not a trading key: it opens the palette even with hotkeys off.
        QTest.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
        assert palette.isVisible()
        price = resting_price(guarded)
        QTest.keyClicks(palette.input, f"b 0.001 @ {price} tp {price * 2} sl {price - 1000}")
        assert palette.error is None
        assert "Limit buy 0.001 BTC of BTCUSDT" in palette.preview.text()
        assert "Enter sends it." in palette.preview.text()
        before = sim_orders(sim)
        QTest.keyClick(palette.input, Qt.Key.Key_Return)
        assert not palette.isVisible()
        await until(lambda: len(sim_open_orders(sim)) == 1, what="palette order on the simulator")
        order = sim_open_orders(sim)[0]
        assert order.price == price
        assert order.size == Decimal("0.001")
        assert sim_orders(sim) == before + 1

        palette.open_palette()
        QTest.keyClicks(palette.input, "cancel all")
        assert "Cancel every open order on BTCUSDT" in palette.preview.text()
        QTest.keyClick(palette.input, Qt.Key.Key_Return)
        await until(lambda: not sim_open_orders(sim), what="palette cancel")
        assert sim_orders(sim) == before + 1
    finally:
        await h.close()


async def test_palette_underlines_what_it_cannot_read(
        qtbot: QtBot, make_harness: Callable[..., Harness], sim: SimulatorRunner) -> None:
    h, guarded = await demo(make_harness, sim)
    try:
        window = h.build_window(qtbot, guarded)
        palette = h.palette
        assert palette is not None
        palette.open_palette()
        QTest.keyClicks(palette.input, "b 0.1 @ 6x000 tp 1")
        assert palette.error is not None
        assert (palette.error.start, palette.error.end) == (8, 13)
        assert "text-decoration: underline" in palette.echo.text()
        assert ">6x000</span>" in palette.echo.text()
        assert "price" in palette.preview.text()
        before = sim_orders(sim)
        QTest.keyClick(palette.input, Qt.Key.Key_Return)
        assert not palette.isHidden()  # nothing ran; the line stays for fixing
        palette.input.clear()
        QTest.keyClicks(palette.input, "b 0.1")
        assert palette.error is not None
        assert palette.error.start == palette.error.end == 5
        assert "▲" in palette.echo.text()
        await asyncio.sleep(0.2)
        assert sim_orders(sim) == before
        del window
    finally:
        await h.close()


async def refused_through(guarded: GuardedServices, run: Callable[[], Any]) -> tuple[Any, str]:
    """Run ``run`` and return the local rejection the guards report for it (view, reason)."""
    waiter = asyncio.ensure_future(next_emission(guarded.trading.order_rejected))
    await asyncio.sleep(0)
    run()
    view, reason = await waiter
    return view, reason


async def test_every_risk_guard_refuses_with_its_reason_and_sends_nothing(
        qtbot: QtBot, make_harness: Callable[..., Harness], sim: SimulatorRunner) -> None:
    h, guarded = await demo(make_harness, sim)
    try:
        window = h.build_window(qtbot, guarded)
        palette = h.palette
        assert palette is not None
        before = sim_orders(sim)
        last = guarded.market_data.last_price(BTC)
        assert last is not None

        # Fat finger: 20 % above the last price (the market's own rules accept it; the user's band does not).
        far = (last * Decimal("1.2")).quantize(Decimal("0.01"))
        palette.open_palette(f"s 0.001 @ {far}")
        assert "Refused by your limits" in palette.preview.text()
        view, reason = await refused_through(guarded, palette.run)
        assert view.code == RISK_CODE
        assert view.status == "rejected"
        assert "above the last price" in reason
        assert "your limit is 5 %" in reason
        assert not palette.isHidden()
        assert "above the last price" in palette.preview.text()

        # Maximum order value.
        h.settings.set(MAX_ORDER_NOTIONAL, Decimal(50))
        palette.open_palette(f"b 0.001 @ {resting_price(guarded)}")
        _, reason = await refused_through(guarded, palette.run)
        assert "above your maximum of 50.00 USDT per order" in reason
        h.settings.reset(MAX_ORDER_NOTIONAL)

        # The ticket's path goes through the same guard: a tightened band refuses what the ticket sends.
        ticket: Any = window.panel("ticket")
        await until(lambda: ticket.market is not None)
        ticket.set_order_type("limit")
        ticket.set_price(resting_price(guarded, "0.97"))
        ticket.set_size(Decimal("0.001"))
        h.settings.set(FAT_FINGER_PCT, Decimal(1))
        assert guarded.panel_settings.get(FAT_FINGER_PCT) == Decimal(1)  # the panels read the user's settings
        oid = guarded.trading.submit(ticket.ticket("buy")).client_oid
        assert oid.startswith("refused-")
        h.settings.reset(FAT_FINGER_PCT)

        # What the guard refuses, the ticket says it refused (the ticket's form was valid when it was sent: the
        # account doctor held trading meanwhile) — never "Sent".
        assert ticket.revalidate() == []
        guarded.trading.block("The account doctor is still checking this account.")
        submission = ticket.submit("buy")
        assert submission.state is SubmissionState.REFUSED
        assert ticket.status.text() == ("Not sent: Trading is held: The account doctor is still checking this "
                                        "account.")
        guarded.trading.unblock()

        # Leverage cap: for a leverage change and for an order at a leverage above the cap.
        await h.activate(BTC_PERP)
        h.settings.set(LEVERAGE_CAP, 5)
        palette.open_palette("lev 10")
        assert "Refused" not in palette.preview.text()
        result = palette.run()
        assert not result.ok
        assert "above your cap of 5x" in result.message
        leverage = await until(lambda: guarded.account.leverage(BTC_PERP), what="futures leverage")
        assert leverage > 5
        last_perp = guarded.market_data.last_price(BTC_PERP)
        assert last_perp is not None
        palette.open_palette(f"b 0.001 @ {(last_perp * Decimal('0.99')).quantize(Decimal('0.1'))}")
        _, reason = await refused_through(guarded, palette.run)
        assert f"Leverage {leverage}x is above your cap of 5x" in reason
        h.settings.reset(LEVERAGE_CAP)

        # An order that cannot be valued (no last price for that symbol yet) is refused, not waved through.
        ltc = SymbolRef("LTCUSDT", Product.SPOT)  # not in the watchlist: no ticker subscribed
        assert guarded.market_data.last_price(ltc) is None
        _, reason = await refused_through(guarded, lambda: guarded.trading.submit(
            OrderTicket(ltc, "buy", "market", size=Decimal("0.1"))).client_oid)
        assert "cannot be worked out without a last price" in reason

        # A trading hold (the account doctor's) refuses every new order with its reason.
        guarded.trading.block("The API key was rejected. Copy it again.")
        _, reason = await refused_through(guarded, lambda: guarded.trading.submit(
            OrderTicket(BTC, "buy", "limit", size=Decimal("0.001"), price=resting_price(guarded))).client_oid)
        assert reason == "Trading is held: The API key was rejected. Copy it again."
        guarded.trading.unblock()

        await asyncio.sleep(0.3)
        assert sim_orders(sim) == before
    finally:
        await h.close()


async def test_market_confirmation_asks_once_and_only_yes_sends(
        qtbot: QtBot, make_harness: Callable[..., Harness], sim: SimulatorRunner) -> None:
    h, guarded = await demo(make_harness, sim)
    try:
        window = h.build_window(qtbot, guarded)
        h.settings.set(CONFIRM_MARKET_NOTIONAL, Decimal(20))  # 0.001 BTC is about 97 USDT
        ticket_order = OrderTicket(BTC, "buy", "market", size=Decimal("0.001"))
        before = sim_orders(sim)

        submission = guarded.trading.submit(ticket_order)
        assert submission.state is SubmissionState.AWAITING_CONFIRMATION
        assert "above your confirmation threshold of 20.00 USDT" in h.answers.questions[-1]
        waiter = asyncio.ensure_future(next_emission(guarded.trading.order_rejected))
        await asyncio.sleep(0)
        h.answers.reply(False)
        view, reason = await waiter
        assert reason == NOT_CONFIRMED
        assert view.client_oid == submission.client_oid
        await asyncio.sleep(0.2)
        assert sim_orders(sim) == before

        guarded.trading.submit(ticket_order)
        waiter = asyncio.ensure_future(next_emission(guarded.trading.fill_received))
        await asyncio.sleep(0)
        h.answers.reply(True)
        await waiter
        assert sim_orders(sim) == before + 1

        # The ticket asks nothing itself: one question, the pipeline's, and the ticket follows its submission —
        # awaiting confirmation, then (yes) sent, then acknowledged by the exchange under the real clientOid.
        ticket: Any = window.panel("ticket")
        await until(lambda: ticket.market is not None)
        ticket.set_order_type("market")
        ticket.set_size_unit("quote")
        ticket.set_size(Decimal("50"))
        asked = len(h.answers.questions)
        pending = ticket.submit("buy")
        assert pending.state is SubmissionState.AWAITING_CONFIRMATION
        assert ticket.status.text() == "Confirm Buy 50 USDT BTCUSDT at market…"
        assert len(h.answers.questions) == asked + 1
        sent = asyncio.ensure_future(next_emission(ticket.submitted))
        await asyncio.sleep(0)
        h.answers.reply(True)
        (oid,) = await sent
        assert oid == pending.client_oid
        assert not oid.startswith("confirm-")
        assert guarded.trading.order(oid) is not None
        await until(lambda: pending.state is SubmissionState.ACKNOWLEDGED, what="acknowledged")
        assert ticket.status.text().startswith("Buy 50 USDT BTCUSDT at market: ")
        asked = len(h.answers.questions)

        # A profile that skips the confirmation sends at once.
        h.book.set_skip_market_confirm("Demo", True)
        waiter = asyncio.ensure_future(next_emission(guarded.trading.fill_received))
        await asyncio.sleep(0)
        assert guarded.trading.submit(ticket_order).sent
        await waiter
        assert len(h.answers.questions) == asked
        assert sim_orders(sim) == before + 3
    finally:
        await h.close()


@BOTH_ACCOUNTS
async def test_flatten_by_hotkey_and_palette_commands_for_chart_and_symbol(
        qtbot: QtBot, make_harness: Callable[..., Harness], sim: SimulatorRunner) -> None:
    h, guarded = await demo(make_harness, sim)
    try:
        window = h.build_window(qtbot, guarded)
        window.registry.set_hotkeys_enabled(True)
        await h.show(window)
        await h.activate(BTC_PERP)
        guarded.trading.submit(OrderTicket(BTC_PERP, "buy", "market", size=Decimal("0.002")))
        await until(lambda: sim_positions(sim), what="position")
        await until(lambda: guarded.account.positions(), what="position seen")
        ticket: Any = window.panel("ticket")
        ticket.buy_button.setFocus()
        await until(ticket.buy_button.hasFocus)
        QTest.keyClick(ticket.buy_button, Qt.Key.Key_F, CTRL_ALT)  # flatten the active symbol
        await until(lambda: not sim_positions(sim), what="flatten by hotkey")

        guarded.trading.submit(OrderTicket(BTC_PERP, "sell", "market", size=Decimal("0.001")))
        await until(lambda: sim_positions(sim), what="short position")
        await until(lambda: guarded.account.positions(), what="short seen")
        palette = h.palette
        assert palette is not None
        palette.open_palette("flat account")
        assert palette.run().ok
        await until(lambda: not sim_positions(sim), what="flat account")

        palette.open_palette("iv 5m")
        assert "Show 5m candles" in palette.preview.text()
        assert palette.run().ok
        assert guarded.market_data.interval.value == "5m"
        palette.open_palette("sym ETHUSDT.P")  # the perpetual by its short name
        assert palette.run().ok
        assert guarded.market_data.active.key == "ETHUSDT:usdt_futures"
        palette.open_palette("sym ETHUSDT")  # a bare name is the spot market, as in the watchlist, from any chart
        assert palette.run().ok
        assert guarded.market_data.active.key == "ETHUSDT:spot"
        palette.open_palette("sym BTCUSD PERP")  # the coin-M perpetual: PERP alone does not mean USDT-M
        assert palette.run().ok
        assert guarded.market_data.active.key == "BTCUSD:coin_futures"
        palette.open_palette("sym BTCPERP")  # listed on USDC-M only
        assert palette.run().ok
        assert guarded.market_data.active.key == "BTCPERP:usdc_futures"
        palette.open_palette("sym NOSUCHUSDT")
        result = palette.run()
        assert not result.ok
        assert "is not listed on this exchange" in result.message
        palette.open_palette("cancel")
        result = palette.run()
        assert not result.ok
        assert result.message == "There is no open order to cancel."
    finally:
        await h.close()


async def test_the_ticket_shows_the_exchanges_rejection(
        qtbot: QtBot, make_harness: Callable[..., Harness], sim: SimulatorRunner) -> None:
    """A reduce-only close with no position passes the ticket (closing orders need no balance) and the guards, and
    Bitget refuses it: the ticket says so with Bitget's code, on the order it sent."""
    h, guarded = await demo(make_harness, sim)
    try:
        h.build_window(qtbot, guarded)
        await h.activate(BTC_PERP)
        ticket: Any = h.window.panel("ticket")
        await until(lambda: ticket.market is not None and ticket.ref == BTC_PERP)
        last = guarded.market_data.last_price(BTC_PERP)
        assert last is not None
        assert not [p for p in guarded.account.positions() if p.ref == BTC_PERP]
        ticket.set_order_type("limit")
        ticket.set_price((last * Decimal("1.01")).quantize(Decimal("0.1")))
        ticket.set_size(Decimal("0.001"))
        ticket.set_side("sell")
        ticket.reduce_only.setChecked(True)
        assert ticket.revalidate() == []
        submission = ticket.submit()
        assert submission.state is SubmissionState.SENT
        assert ticket.status.text().startswith("Sent ")
        await until(lambda: submission.state is SubmissionState.REJECTED, what="the exchange's rejection")
        assert submission.code == "22002"
        assert ticket.status.text() == f"Rejected by the exchange: [22002] {submission.message}"
        assert "No position to close" in submission.message
    finally:
        await h.close()
