"""The journal: every order and fill the terminal sees is written per profile; after a restart (new services, new
journal object, even an exchange that no longer lists them) the orders panel shows them again; CSV export and the
realized-PnL-by-day view read the same file."""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Callable
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from terminal_app.config.profiles import Profile
from terminal_app.core.health import ProfileKind
from terminal_app.core.orders import OrderTicket
from terminal_app.services.journal_sink import JournalSink, journal_path
from terminal_app.sim.runner import SimulatorRunner
from terminal_app.store.journal import Journal
from terminal_app.ui.journal import DailyPnlDialog, install_journal_menu

from .conftest import BOTH_ACCOUNTS, BTC, TIMEOUT, Harness, next_emission, until

pytestmark = pytest.mark.asyncio


async def journal_until(sink: JournalSink, read: Callable[[Journal, str], Any], check: Callable[[Any], bool], *,
                        what: str) -> Any:
    """Read the journal (on its thread) until ``check`` accepts what was read."""
    loop = asyncio.get_running_loop()
    end = loop.time() + TIMEOUT
    while not check(value := await sink.read(read)):
        if loop.time() > end:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)
    return value


@BOTH_ACCOUNTS
async def test_orders_and_fills_survive_a_restart(
        qtbot: QtBot, make_harness: Callable[..., Harness], sim: SimulatorRunner, tmp_path: Path) -> None:
    root = tmp_path / "app"
    first = make_harness({"Demo": sim}, root=root)
    try:
        guarded = await first.connect("Demo")
        last = guarded.market_data.last_price(BTC)
        assert last is not None
        resting = guarded.trading.submit(OrderTicket(BTC, "buy", "limit", size=Decimal("0.001"),
                                                    price=(last * Decimal("0.98")).quantize(Decimal("0.01"),
                                                                                            rounding=ROUND_DOWN))).client_oid
        await until(lambda: (v := guarded.trading.order(resting)) is not None and v.order_id, what="acknowledged")
        guarded.trading.cancel(resting)
        fill = asyncio.ensure_future(next_emission(guarded.trading.fill_received))
        await asyncio.sleep(0)
        guarded.trading.submit(OrderTicket(BTC, "sell", "market", size=Decimal("0.002")))
        await fill
        sink = first.journal
        journaled = await journal_until(sink, lambda j, p: j.orders(p),
                                        lambda views: {v.status for v in views} == {"cancelled", "filled"},
                                        what="both orders final in the journal")
        fills_before = await sink.read(lambda j, p: j.fills(p))
        assert fills_before
        orders_before = {v.order_id for v in journaled}
        profile = first.service.profile
        assert profile is not None
        path = journal_path(first.paths.data_dir, profile)
    finally:
        await first.close()
    assert path.is_file()

    # A second run: a brand-new simulator that knows nothing of those orders.
    fresh = SimulatorRunner(seed=77)
    fresh.start()
    second = make_harness({"Demo": fresh}, root=root)
    try:
        guarded = await second.connect("Demo")
        assert {v.order_id for v in guarded.trading.order_history()} >= orders_before
        assert {f.trade_id for f in guarded.trading.fills()} >= {f.trade_id for f in fills_before}
        window = second.build_window(qtbot, guarded)
        orders: Any = window.panel("orders")
        shown = {v.order_id for v in orders.history_model.rows()}
        assert orders_before <= shown
        assert {f.trade_id for f in orders.fills_model.rows()} >= {f.trade_id for f in fills_before}

        # A new Journal object on the same file reads the same rows.
        with Journal(path) as again:
            assert {f.trade_id for f in again.fills("Demo")} == {f.trade_id for f in fills_before}
            assert again.schema_version >= 1
            assert again.journal_mode == "wal"

        # CSV export and the PnL summary, as the File menu runs them.
        menu = install_journal_menu(window, second.journal)
        assert set(menu.actions) == {"export_fills", "export_orders", "daily_pnl"}
        assert menu.actions["daily_pnl"] in window.registry.menu("File").actions()
        rows = await second.journal.export_fills(tmp_path / "fills.csv")
        assert rows == len(fills_before)
        with (tmp_path / "fills.csv").open(newline="") as f:
            table = list(csv.DictReader(f))
        assert {r["trade_id"] for r in table} == {f.trade_id for f in fills_before}
        assert await second.journal.export_orders(tmp_path / "orders.csv") == len(orders_before)
        dialog = menu.show_pnl()
        assert isinstance(dialog, DailyPnlDialog)
        await dialog.idle()  # the journal's thread reads, the dialog fills in
        assert dialog.table.rowCount() >= 1
        assert dialog.table.item(0, 1).text() == "USDT"
        pnl = await second.journal.daily_pnl()
        assert sum(d.fills for d in pnl) == len(fills_before)
        assert all(d.fees < 0 for d in pnl)  # the market sell paid a fee
    finally:
        await second.close()
        fresh.stop()


async def test_each_profile_has_its_own_journal(make_harness: Callable[..., Harness], sim: SimulatorRunner) -> None:
    h = make_harness({"Demo": sim})
    demo = h.book.get("Demo")

    a = journal_path(h.paths.data_dir, demo)
    b = journal_path(h.paths.data_dir, Profile("demo", ProfileKind.LIVE))
    c = journal_path(h.paths.data_dir, Profile("Live / 1", ProfileKind.LIVE))
    assert len({a, b, c}) == 3
    assert all(p.parent == h.paths.data_dir / "journal" for p in (a, b, c))
    assert c.name.startswith("live-1-")
