"""Every dialog of the running terminal opens, closes and opens again (Settings once opened only once per session),
and while any of them is open no trading key fires: Esc closes the dialog, it never cancels an order. Real Terminal on
the demo exchange, offscreen, keys sent to the main window as they arrive there without a window manager."""

from __future__ import annotations

import asyncio
from decimal import ROUND_DOWN, Decimal

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from terminal_app.core.orders import SymbolRef
from terminal_app.ui.dialogs.keys import KeysDialog
from terminal_app.ui.doctor import DoctorPresenter

from ..conftest import Terminals
from .conftest import WaitUntil
from .test_menu_actions import activate, running

pytestmark = [pytest.mark.asyncio, pytest.mark.usefixtures("gc_on_this_thread")]
CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_ALT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier

# The dialogs a user opens, with the key that opens them (None: from the menu).
DIALOGS: tuple[tuple[str, tuple[Qt.Key, Qt.KeyboardModifier] | None], ...] = (
    ("help.cheatsheet", (Qt.Key.Key_F1, Qt.KeyboardModifier.NoModifier)),
    ("settings", (Qt.Key.Key_Comma, CTRL)),
    ("symbol.switch", (Qt.Key.Key_P, CTRL)),
    ("profiles", None),
    ("api_key", None),
    ("journal.daily_pnl", None),
    ("account_doctor", None),
)


def open_dialogs(window: QWidget) -> list[QDialog]:
    return [w for w in QApplication.topLevelWidgets()
            if isinstance(w, QDialog) and w.isVisible() and w.parentWidget() is not None
            and w.parentWidget().window() is window]


async def test_each_dialog_opens_twice_and_holds_the_trading_keys(
        qapp: QApplication, terminals: Terminals, wait_until: WaitUntil) -> None:
    async with running(terminals) as terminal:
        window, registry, services = terminal.window, terminal.window.registry, terminal.services
        await activate(window, qapp, wait_until)
        registry.set_hotkeys_enabled(True)
        ref = services.market_data.active
        assert isinstance(ref, SymbolRef)
        last = await wait_until(services.market_data.ticker_changed, lambda: services.market_data.last_price(ref))
        price = (last * Decimal("0.98")).quantize(Decimal("0.01"), rounding=ROUND_DOWN)

        # The afternoon: an order from the palette, then dialogs and Esc.
        QTest.keyClick(window, Qt.Key.Key_K, CTRL)
        QTest.keyClicks(terminal.palette.input, f"b 0.001 @ {price}")
        QTest.keyClick(terminal.palette.input, Qt.Key.Key_Return)
        await wait_until(services.trading.order_updated, lambda: services.trading.open_orders(ref))
        toasts: list[str] = []
        window.toasts.shown.connect(lambda toast: toasts.append(toast.title_label.text()))

        book = window.panel("ladder")
        for action_id, key in DIALOGS:
            for attempt in (1, 2):
                before = set(open_dialogs(window))
                book.setFocus()  # keys land in the main window, as they do before a window manager moves focus
                if key is None:
                    registry.trigger(action_id)
                else:
                    QTest.keyClick(QApplication.focusWidget() or window, *key)
                opened = [d for d in open_dialogs(window) if d not in before]
                assert len(opened) == 1, f"{action_id} (#{attempt}) showed {opened}"
                dialog = opened[0]
                if isinstance(dialog, KeysDialog):
                    await dialog.idle()
                assert registry.overlay() is dialog
                focus = QApplication.focusWidget() or window
                if not dialog.isAncestorOf(focus):
                    book.setFocus()
                    focus = book
                for chord in ((Qt.Key.Key_Z, CTRL_ALT), (Qt.Key.Key_X, CTRL_ALT), (Qt.Key.Key_F12, CTRL_ALT)):
                    QTest.keyClick(focus, *chord)
                QTest.keyClick(focus, Qt.Key.Key_Escape)
                assert not dialog.isVisible(), f"Esc left {action_id} (#{attempt}) open"
                assert registry.overlay() is None
                # Time passes before the user opens it again: what a closed dialog deleteLater()'d is gone.
                QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
                # The keyboard is the main window's again, with no click (no window manager does it here).
                await wait_until(qapp.focusWindowChanged, lambda: QApplication.activeWindow() is window, timeout=3)

        await asyncio.sleep(0.5)  # a cancel, had one been sent, would be back by now
        assert services.trading.open_orders(ref), "an order was cancelled while a dialog was open"
        assert not [t for t in toasts if "ancel" in t]

        # With every dialog closed the keys are live again: the cancel-last key cancels the order.
        book.setFocus()

        QTest.keyClick(book, Qt.Key.Key_Z, CTRL_ALT)
        await wait_until(services.trading.order_updated, lambda: not services.trading.open_orders(ref))


async def test_the_doctor_checks_the_demo_account_and_checks_again(
        qapp: QApplication, terminals: Terminals, wait_until: WaitUntil) -> None:
    async with running(terminals) as terminal:
        profiles = terminal.profiles
        assert profiles is not None
        await wait_until(profiles.findings_ready, lambda: profiles.findings)
        doctor = next(h for h in terminal._helpers if isinstance(h, DoctorPresenter))
        assert not doctor.dialog.isVisible()  # a clean Demo account does not interrupt the start
        assert terminal.services.trading.blocked_reason == ""
        terminal.window.registry.trigger("account_doctor")
        assert doctor.dialog.isVisible()
        summary = doctor.dialog.view.summary.text()
        assert summary != "The account has not been checked yet."
        assert summary.startswith(("Everything checked out", "Ready to trade"))
        assert "Demo" in doctor.dialog.heading.text()

        checked: list[object] = []
        profiles.findings_ready.connect(lambda _p, findings: checked.append(findings))
        doctor.dialog.recheck_button.click()
        assert not doctor.dialog.recheck_button.isEnabled()  # checking…
        await wait_until(profiles.findings_ready, lambda: checked)
        for _ in range(100):  # the button comes back when the check's task is done (no signal for that)
            if doctor.dialog.recheck_button.isEnabled():
                break
            await asyncio.sleep(0.02)
        assert doctor.dialog.recheck_button.isEnabled()
        assert doctor.dialog.isVisible()
        doctor.dialog.close()
