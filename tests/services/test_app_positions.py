"""Position management through the whole terminal (real window, real widgets, the demo exchange on a thread of this
process over loopback sockets): Ctrl+Alt+R reverses after the guards' question in one-way and hedge mode, Ctrl+Alt+E
puts the position SL at break-even, the margin dialog adds isolated margin (opened twice, closed with Esc, trading keys
inert while it is open), the Closed positions panel lists a closed position, and a funding bill reaches the journal
and the PnL-by-day panel.

The margin dialog, the panels and the ticket's max open size run on the classic Demo account and on "Demo (unified
account)" (Bitget's V3 position tools, issue 14)."""

from __future__ import annotations

import asyncio
from decimal import ROUND_CEILING, Decimal
from typing import Any

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from terminal_app.app import Terminal
from terminal_app.core.enums import MarginMode, PositionMode, PositionSide
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.orders import OrderTicket
from terminal_app.sim.server.auth import DEMO_UID
from terminal_app.ui.dialogs.margin import MarginDialog
from terminal_app.ui.theme import current_colors
from terminal_app.ui.toast import Toast, ToastKind

from ..conftest import Terminals

exchange = Terminals.exchange  # fn(engine) on the simulator's thread

D = Decimal
PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)
FUT = Product.USDT_FUTURES
CTRL_ALT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier

pytestmark = [pytest.mark.asyncio, pytest.mark.usefixtures("gc_on_this_thread")]
# The classic Demo account (V2) and a unified one (V3): the same tools.
BOTH_ACCOUNTS = pytest.mark.parametrize("account_mode", ["classic", "unified"])
# Each account's words for the bill rows (kept as the bill's detail): opening, closing, funding
WORDS = {"classic": ("open_long", "close_long", ("contract_settle_fee",)),
         "unified": ("OPEN_LONG", "CLOSE_LONG", ("CONTRACT_MAIN_SETTLE_FEE_USER_IN",
                                                 "CONTRACT_MAIN_SETTLE_FEE_USER_OUT"))}


def sim_positions(term: Terminal) -> list[tuple[str, D]]:
    return sorted((p.hold_side, p.total) for p in exchange(term, lambda ex: ex.positions(DEMO_UID, "BTCUSDT")))


async def ready(term: Terminal, signals: Any) -> Any:
    services = term.services
    window = term.window
    services.market_data.set_active(PERP)
    await signals.wait_until(services.market_data.ticker_changed, lambda: services.market_data.last_price(PERP))
    await signals.wait_until(services.tools.closed_changed, lambda: services.tools.loaded.is_set())
    window.activateWindow()
    await signals.wait_until(QApplication.instance().focusWindowChanged,
                             lambda: QApplication.activeWindow() is window)
    window.registry.set_hotkeys_enabled(True)
    return services


async def open_long(term: Terminal, signals: Any, size: str = "0.005", **kw: Any) -> Any:
    services = term.services
    services.trading.submit(OrderTicket(PERP, "buy", "market", size=D(size), **kw))
    return await signals.wait_until(services.account.positions_changed, lambda: services.account.position(PERP))


def press(term: Terminal, key: Qt.Key) -> None:
    book = term.window.panel("ladder")
    book.setFocus()  # keys land in the main window, as they do before a window manager moves focus
    QTest.keyClick(QApplication.focusWidget() or term.window, key, CTRL_ALT)


def question(window: QWidget) -> QMessageBox | None:
    boxes = [b for b in window.findChildren(QMessageBox, "GuardConfirmation") if b.isVisible()]
    return boxes[-1] if boxes else None


async def answer_yes(term: Terminal, signals: Any) -> str:
    box = question(term.window)
    assert box is not None, "Ctrl+Alt+R asked nothing"
    text = box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    return text


async def test_ctrl_alt_r_reverses_a_one_way_position(terminals: Terminals, signals: Any) -> None:
    async with terminals.running() as term:
        services = await ready(term, signals)
        await open_long(term, signals)
        press(term, Qt.Key.Key_R)
        text = await answer_yes(term, signals)
        assert "one market sell of 0.01" in text
        await signals.wait_until(services.account.positions_changed,
                                 lambda: (p := services.account.position(PERP)) and p.hold_side == PositionSide.SHORT)
        assert sim_positions(term) == [("short", D("0.0050"))]


async def test_ctrl_alt_r_reverses_a_hedge_position_close_then_open(terminals: Terminals, signals: Any) -> None:
    async with terminals.running() as term:
        services = await ready(term, signals)
        services.account.set_position_mode(PositionMode.HEDGE)
        await signals.wait_until(services.account.position_mode_changed,
                                 lambda: services.account.position_mode() == PositionMode.HEDGE)
        await open_long(term, signals, trade_side="open")
        press(term, Qt.Key.Key_R)
        text = await answer_yes(term, signals)
        assert "once the close has filled" in text
        await signals.wait_until(services.account.positions_changed,
                                 lambda: [p.hold_side for p in services.account.positions() if p.ref == PERP]
                                 == [PositionSide.SHORT])
        assert sim_positions(term) == [("short", D("0.0050"))]


async def test_ctrl_alt_e_puts_the_position_sl_at_break_even(terminals: Terminals, signals: Any) -> None:
    async with terminals.running() as term:
        services = await ready(term, signals)
        position = await open_long(term, signals)
        exchange(term, lambda ex: ex.shock("BTC", "1.02"))
        await signals.wait_until(services.market_data.ticker_changed,
                                 lambda: (t := services.market_data.ticker(PERP)) and t.mark_price
                                 and t.mark_price > position.open_price_avg * D("1.01"))
        press(term, Qt.Key.Key_E)
        tick = services.market_data.market(PERP).tick_size
        expected = (position.open_price_avg / tick).to_integral_value(ROUND_CEILING) * tick

        def stops() -> list[D]:
            return [p.trigger_price for p in exchange(term, lambda ex: ex.plans.orders(DEMO_UID, FUT))
                    if p.plan_type == "pos_loss"]

        await signals.wait_until(services.algo.changed, lambda: stops())
        assert stops() == [expected]
        press(term, Qt.Key.Key_E)                   # again: the same stop, moved (here: kept), never a second
        await asyncio.sleep(0.5)                    # a second stop, had one been sent, would be there by now
        assert stops() == [expected]


async def test_a_break_even_refusal_is_shown_as_an_error(terminals: Terminals, signals: Any) -> None:
    async with terminals.running() as term:
        services = await ready(term, signals)
        toasts: list[Toast] = []
        term.window.toasts.shown.connect(toasts.append)
        press(term, Qt.Key.Key_E)                   # no position yet: refused by the command
        assert [(t.title_label.text(), t.kind) for t in toasts] == [("Break-even", ToastKind.ERROR)]
        assert "no position" in toasts[0].body_label.text()
        position = await open_long(term, signals)
        exchange(term, lambda ex: ex.shock("BTC", "0.98"))
        await signals.wait_until(services.market_data.ticker_changed,
                                 lambda: (t := services.market_data.ticker(PERP)) and t.mark_price
                                 and t.mark_price < position.open_price_avg)
        press(term, Qt.Key.Key_E)                   # under the entry: refused by the position tools
        assert "fire at once" in toasts[-1].body_label.text()
        assert toasts[-1].kind is ToastKind.ERROR
        panel = term.window.panel("positions")
        await signals.wait_until(services.account.positions_changed, lambda: panel.model.rowCount() == 1)
        panel.select(position)
        assert "fire at once" in panel.break_even_selected()
        assert current_colors().alert in panel.message.styleSheet()


@BOTH_ACCOUNTS
async def test_margin_dialog_twice_esc_then_adds_margin(terminals: Terminals, signals: Any, account_mode: str) -> None:
    async with terminals.running(account_mode) as term:
        services = await ready(term, signals)
        services.account.set_margin_mode(PERP, MarginMode.ISOLATED)
        await signals.wait_until(services.account.margin_mode_changed,
                                 lambda: services.account.margin_mode(PERP) == MarginMode.ISOLATED)
        position = await open_long(term, signals, margin_mode=MarginMode.ISOLATED)
        panel = term.window.panel("positions")
        await signals.wait_until(services.account.positions_changed, lambda: panel.model.rowCount() == 1)
        panel.select(position)
        registry = term.window.registry
        for attempt in (1, 2):
            if attempt == 1:
                panel.margin_button.click()
            else:                                           # the right-click menu's entry opens the same dialog
                menu = panel.context_menu()
                (entry,) = [a for a in menu.actions() if a.text() == "Add / remove margin…"]
                assert entry.isEnabled()
                entry.trigger()
                menu.deleteLater()
            dialog = panel.margin_dialog
            assert isinstance(dialog, MarginDialog)
            assert dialog.isVisible()
            assert registry.overlay() is dialog
            dialog.amount.setFocus()
            for key in (Qt.Key.Key_R, Qt.Key.Key_E):        # trading keys do nothing while it is open
                QTest.keyClick(dialog.amount, key, CTRL_ALT)
            assert question(term.window) is None
            QTest.keyClick(dialog.amount, Qt.Key.Key_Escape)
            assert not dialog.isVisible()
            QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        assert sim_positions(term) == [("long", D("0.0050"))]

        before = position.liquidation_price
        dialog = panel.margin_selected()
        assert dialog is not None
        dialog.direction.setCurrentIndex(1)                 # remove more than allowed: refused in the dialog
        dialog.amount.set_value(D("100000"))
        dialog.buttons.accepted.emit()
        assert dialog.error.text().startswith("At most")
        dialog.direction.setCurrentIndex(0)
        dialog.amount.set_value(D("20"))
        assert "after" in dialog.liquidation.text()
        dialog.buttons.accepted.emit()
        await signals.wait_until(services.tools.margin_done, lambda: not dialog.isVisible())
        (sim_pos,) = exchange(term, lambda ex: ex.positions(DEMO_UID, "BTCUSDT"))
        assert sim_pos.margin == position.margin_size + 20
        after = await signals.wait_until(services.account.positions_changed,
                                         lambda: (p := services.account.position(PERP))
                                         and p.liquidation_price < before and p)
        row = panel.model.row_of(f"{PERP.key}:long")
        assert panel.model.row_at(row).liquidation_price == after.liquidation_price


@BOTH_ACCOUNTS
async def test_closed_positions_panel_and_a_funding_bill_in_the_journal(terminals: Terminals, signals: Any,
                                                                        account_mode: str) -> None:
    opened, closed_word, funding_words = WORDS[account_mode]
    async with terminals.running(account_mode) as term:
        services = await ready(term, signals)
        position = await open_long(term, signals)

        def fund(ex: Any) -> None:
            ex._engine.funding.next_funding["BTCUSDT"] = ex.now_ms()   # white box: the funding time is now
        exchange(term, fund)
        await signals.wait_until(services.account.futures_account_changed,
                                 lambda: exchange(term, lambda ex: ex.account_bills(
                                     DEMO_UID, business_type="contract_settle_fee")))
        pnl = term.window.panel("pnl_by_day")
        pnl.refresh_button.click()
        await signals.wait_until(services.tools.bills_changed,
                                 lambda: pnl.model.rowCount() == 1 and pnl.model.text(0, "Funding") not in ("", "0"))
        assert pnl.model.text(0, "Coin") == "USDT"
        assert pnl.model.text(0, "Net USDT") != ""
        stored = await term.journal.read(lambda j, p: j.bills(p))
        # the open (a row per fill) and one funding payment
        assert sum(b.detail in funding_words for b in stored) == 1, [(b.detail, b.amount) for b in stored]
        assert {b.detail for b in stored} - set(funding_words) == {opened}

        services.trading.close_position(position)
        await signals.wait_until(services.account.positions_changed, lambda: services.account.position(PERP) is None)
        closed = term.window.panel("closed_positions")
        closed.refresh_button.click()
        await signals.wait_until(services.tools.closed_changed, lambda: closed.model.rowCount() == 1)
        assert closed.model.text(0, "Symbol") == "BTCUSDT PERP"  # the name the positions table and chart write
        assert closed.model.text(0, "Side") == "Long"
        assert closed.model.text(0, "Funding") not in ("", "0")
        pnl.refresh_button.click()
        await signals.next(services.tools.bills_changed)
        stored = await term.journal.read(lambda j, p: j.bills(p))
        # open, one funding payment, the close (a close that fills in two parts writes two rows: count kinds, not rows)
        assert sum(b.detail in funding_words for b in stored) == 1, [(b.detail, b.amount) for b in stored]
        pnl.refresh_button.click()                                      # read again: no row doubles
        await signals.next(services.tools.bills_changed)
        again = await term.journal.read(lambda j, p: j.bills(p))
        assert sorted(b.key for b in again) == sorted(b.key for b in stored)
        assert {b.detail for b in stored} - {opened, closed_word} <= set(funding_words)
        assert {opened, closed_word} <= {b.detail for b in stored}


@BOTH_ACCOUNTS
async def test_the_ticket_shows_the_max_open_size_for_its_leverage(terminals: Terminals, signals: Any,
                                                                   account_mode: str) -> None:
    async with terminals.running(account_mode) as term:
        services = await ready(term, signals)
        ticket = term.window.panel("ticket")
        await signals.wait_until(services.market_data.ticker_changed, lambda: ticket.ref == PERP)
        if account_mode == "unified":
            # a fresh unified account's settings list no symbol yet (the simulator lists the symbols it holds), so
            # the ticket learns the leverage once it is set
            services.account.set_leverage(PERP, 10)
            await signals.wait_until(services.account.leverage_changed, lambda: ticket.leverage == 10)
        ticket.set_order_type("limit")
        label = ticket.max_open
        price = (services.market_data.last_price(PERP) * D("0.99")).quantize(D("0.1"))
        ticket.price.set_value(price)

        def margin() -> D:
            if account_mode == "unified":   # V3 tells what the pool has free in the margin coin (max-open-available)
                from terminal_app.sim.engine import unified

                return exchange(term, lambda ex: next(c.available for c in unified.unified_view(ex, DEMO_UID).coins
                                                      if c.coin == "USDT"))
            return services.account.available(PERP, "buy")

        def shown_at(leverage: int) -> D | None:
            amount = margin()
            size = exchange(term, lambda ex: ex.position_desk.open_count(DEMO_UID, "BTCUSDT", amount, price, leverage))
            return size if label.max_size == size and f"at {leverage}x" in label.text() else None

        leverage = ticket.leverage
        assert leverage
        size = await signals.wait_until(services.tools.max_open_changed, lambda: shown_at(leverage))
        assert label.isVisible()
        assert f"Max open {size:f}" in label.text()
        ticket.leverage_box.setValue(leverage // 2)                  # a new leverage: asked again
        await signals.wait_until(services.tools.max_open_changed, lambda: shown_at(leverage // 2))
