"""ui.journal: the journal's File entries on a real window — a journal that cannot be written says so in a toast
(the failure happens on the writer thread; the toast on the GUI thread), an export that fails says why, the PnL
dialog fills in once the journal's thread has read."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from terminal_app.config.profiles import Profile
from terminal_app.core.health import ProfileKind
from terminal_app.core.instruments import Product
from terminal_app.core.orders import Fill
from terminal_app.services.journal_sink import JournalSink
from terminal_app.store.journal import Journal
from terminal_app.ui import journal as journal_ui
from terminal_app.ui.journal import install_journal_menu

from .conftest import MakeWindow, WaitSignal

pytestmark = pytest.mark.asyncio
DEMO = Profile("Demo", ProfileKind.DEMO)


async def listen(wait_signal: WaitSignal, signal: Any) -> asyncio.Future[tuple[Any, ...]]:
    """The next emission of ``signal``, listening from now on."""
    future = asyncio.ensure_future(wait_signal(signal))
    await asyncio.sleep(0)  # the wait connects when it first runs
    return future


class NoWrites(Journal):
    def add_fill(self, profile: str, fill: Fill) -> bool:
        raise sqlite3.OperationalError("database or disk is full")


def fill() -> Fill:
    from decimal import Decimal as D

    return Fill(product=Product.SPOT, trade_id="t1", order_id="o1", symbol="BTCUSDT", side="buy",
                price=D("65000"), size=D("0.001"), quote_size=D("65"), fee=D("-0.065"), fee_coin="USDT",
                scope="taker", trade_side=None, profit=None, ts=1_700_000_000_000)


async def test_a_journal_that_cannot_be_written_shows_a_toast(
        make_window: MakeWindow, tmp_path: Path, wait_signal: WaitSignal) -> None:
    from PySide6.QtCore import QObject, Signal

    class Trading(QObject):
        order_updated = Signal(object)
        fill_received = Signal(object)
        history_changed = Signal()

        def order_history(self) -> list[Any]:
            return []

        def open_orders(self, _ref: Any) -> list[Any]:
            return []

        def fills(self) -> list[Fill]:
            return []

    window = make_window()
    sink = JournalSink(tmp_path, opener=NoWrites)
    install_journal_menu(window, sink)
    await sink.open_for(DEMO)
    trading = Trading()
    sink.attach(trading)
    toast = await listen(wait_signal, window.toasts.shown)
    trading.fill_received.emit(fill())
    (shown,) = await toast
    assert shown.title_label.text() == "Trading journal"
    assert "database or disk is full" in shown.body_label.text()
    await sink.close()


async def test_exports_and_the_pnl_dialog_wait_for_the_journal_thread(
        make_window: MakeWindow, tmp_path: Path, wait_signal: WaitSignal, monkeypatch: pytest.MonkeyPatch) -> None:
    window = make_window()
    sink = JournalSink(tmp_path / "data")
    menu = install_journal_menu(window, sink)
    answer = {"path": str(tmp_path / "fills.csv")}

    class SaveAs:
        @staticmethod
        def getSaveFileName(*_args: Any) -> tuple[str, str]:
            return answer["path"], ""

    monkeypatch.setattr(journal_ui, "QFileDialog", SaveAs)
    toast = await listen(wait_signal, window.toasts.shown)
    menu.actions["export_fills"].trigger()  # no profile yet: the export says why it cannot run
    await menu.idle()
    (shown,) = await toast
    assert shown.title_label.text() == "Export of fills failed"
    assert "No profile is connected" in shown.body_label.text()

    await sink.open_for(DEMO)
    await sink.read(lambda j, p: j.add_fill(p, fill()))
    menu.actions["export_fills"].trigger()
    await menu.idle()
    assert (tmp_path / "fills.csv").read_text(encoding="utf-8").count("\n") == 2  # header and the fill
    answer["path"] = str(tmp_path / "missing-folder" / "orders.csv")
    toast = await listen(wait_signal, window.toasts.shown)
    menu.actions["export_orders"].trigger()
    await menu.idle()
    (shown,) = await toast
    assert shown.title_label.text() == "Export of orders failed"

    dialog = menu.show_pnl()
    assert dialog.note.text() == "Reading the journal…"
    await dialog.idle()
    assert dialog.table.rowCount() == 1
    assert [dialog.table.item(0, c).text() for c in (1, 3, 5)] == ["USDT", "-0.065", "1"]
    await sink.close()
