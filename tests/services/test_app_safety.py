"""The safety layer through the real composition root: palette, guarded ticket, journal, menus, profile switch."""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import AsyncIterator
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from terminal_app.app import Terminal
from terminal_app.config.profiles import Profile
from terminal_app.core.health import ProfileKind
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.orders import OrderTicket
from terminal_app.services.guards import GuardedServices
from terminal_app.services.journal_sink import journal_path
from terminal_app.sim.server.auth import DEMO_UID

from ..conftest import Terminals

D = Decimal
BTC = SymbolRef("BTCUSDT", Product.SPOT)


def sim_open_orders(runner: Any) -> list[Any]:
    return runner.call(lambda: list(runner.server.exchange.open_orders(DEMO_UID, Product.SPOT)))


def sim_order_count(runner: Any) -> int:
    def count() -> int:
        ex = runner.server.exchange
        return len(ex.open_orders(DEMO_UID, Product.SPOT)) + len(ex.order_history(DEMO_UID, Product.SPOT, limit=1000))
    return runner.call(count)


@contextlib.asynccontextmanager
async def started(terminals: Terminals, signals: Any) -> AsyncIterator[tuple[Terminal, GuardedServices]]:
    """The Demo terminal, its exchange on a thread (these tests read the engine: runner.call), BTCUSDT priced."""
    async with terminals.running(panic_window_s=None) as terminal:
        services = terminal.services
        assert isinstance(services, GuardedServices)
        md = services.market_data
        await signals.wait_until(md.ticker_changed, lambda: md.last_price(BTC))
        yield terminal, services


def below_market(services: GuardedServices, factor: str = "0.98") -> Decimal:
    last = services.market_data.last_price(BTC)
    assert last is not None
    return (last * D(factor)).quantize(D("0.01"), rounding=ROUND_DOWN)


@pytest.mark.asyncio
async def test_palette_ticket_guard_journal_and_menus_in_the_running_app(
        terminals: Terminals, tmp_path: Path, signals: Any) -> None:
    async with started(terminals, signals) as (terminal, services):
        window, runner, trading = terminal.window, terminal.runner, services.trading
        assert runner is not None
        assert terminal.profiles is not None
        assert terminal.profiles.current is services
        assert services.panel_settings is terminal.settings  # one settings object: the panels read the user's own

        # Menus: File ▸ Profiles…, API key…, Settings…, journal exports; Help ▸ Account doctor…
        file_menu = {a.objectName() for a in window.registry.menu("File").actions()}
        help_menu = {a.objectName() for a in window.registry.menu("Help").actions()}
        assert {"action_profiles", "action_api_key", "action_settings", "action_journal_export_fills",
                "action_journal_export_orders", "action_journal_daily_pnl"} <= file_menu
        assert "action_account_doctor" in help_menu
        assert window.findChild(QAction, "action_account_doctor").text() == "Account doctor…"

        # Ctrl+K opens the palette; an order typed there reaches the simulator.
        window.activateWindow()
        await signals.wait_until(services.market_data.ticker_changed, lambda: QApplication.activeWindow() is window)
        palette = terminal.palette
        QTest.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
        assert palette.isVisible()
        price = below_market(services)
        QTest.keyClicks(palette.input, f"b 0.001 @ {price}")
        assert palette.error is None, palette.preview.text()
        QTest.keyClick(palette.input, Qt.Key.Key_Return)
        assert not palette.isVisible()
        await signals.wait_until(trading.order_updated, lambda: len(sim_open_orders(runner)) == 1)
        assert sim_open_orders(runner)[0].price == price

        # A fat finger from the ticket (20 % above the last price) is refused with the reason; nothing is sent.
        ticket: Any = window.panel("ticket")
        await signals.wait_until(services.market_data.ticker_changed, lambda: ticket.market is not None)
        before = sim_order_count(runner)
        ticket.set_order_type("limit")
        ticket.set_price(below_market(services, "1.2"))
        ticket.set_size(D("0.001"))
        assert ticket.submit("sell") is None  # the ticket checks the same band the guard enforces
        assert "above the last price" in ticket.status.text()
        assert "your limit is 5 %" in ticket.status.text()
        # The order the ticket describes, past the ticket's own check: the guard in front of the exchange refuses it.
        order = ticket.ticket("sell")
        assert order is not None
        refused: list[str] = []
        trading.order_rejected.connect(lambda _view, reason: refused.append(reason))
        assert trading.submit(order).client_oid.startswith("refused-")
        await signals.wait_until(trading.order_rejected, lambda: refused)
        assert "above the last price" in refused[0]
        assert sim_order_count(runner) == before

        # A fill lands in the profile's journal under the data folder.
        profile = terminal.profile
        assert profile is not None
        oid = trading.submit(OrderTicket(BTC, "buy", "market", size=D("5"), size_in_quote=True)).client_oid  # 5 USDT
        await signals.wait_until(trading.order_updated,
                                 lambda: (v := trading.order(oid)) is not None and v.status == "filled")
        order_id = trading.order(oid).order_id
        path = journal_path(terminal.paths.data_dir, profile)
        assert path.is_file()
        assert path.is_relative_to(tmp_path)
        await signals.wait_until(trading.fill_received, lambda: any(f.order_id == order_id for f in trading.fills()))
        journaled = await terminal.journal.read(lambda j, p: j.fills(p))  # queued behind the fill's write
        assert any(f.order_id == order_id for f in journaled)
    assert terminal.runners == {}


@pytest.mark.asyncio
async def test_profile_switch_builds_a_new_window_on_a_second_demo_exchange(
        terminals: Terminals, signals: Any) -> None:
    async with started(terminals, signals) as (terminal, _services):
        profiles = terminal.profiles
        assert profiles is not None
        old_window, first_runner = terminal.window, terminal.runner
        second = profiles.book.add(Profile("Demo 2", ProfileKind.DEMO))
        switched = await profiles.switch(second)
        assert switched is not None
        assert terminal.services is switched
        assert terminal.window is not old_window
        assert not old_window.isVisible()
        assert terminal.window.isVisible()
        assert terminal.window.profile_name == "Demo 2"
        assert terminal.runner is not first_runner
        assert set(terminal.runners) == {"Demo", "Demo 2"}
        assert terminal.profiles.panic.account_id == second.account_id
        # The new window's panic key acts on the new account (cancels the order placed there).
        md = switched.market_data
        await signals.wait_until(md.ticker_changed, lambda: md.last_price(BTC))
        order = OrderTicket(BTC, "buy", "limit", "gtc", D("0.001"), below_market(switched))
        oid = switched.trading.submit(order).client_oid
        await signals.wait_until(switched.trading.order_updated,
                                 lambda: (v := switched.trading.order(oid)) is not None and v.status == "live")
        terminal.window.registry.trigger("panic")
        await signals.wait_until(switched.trading.orders_changed, lambda: switched.trading.open_orders() == [])
    assert terminal.runners == {}


@pytest.mark.asyncio
async def test_no_websocket_frame_reaches_a_log_record(
        terminals: Terminals, signals: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with started(terminals, signals) as (terminal, services):
        info = terminal.runner.info
        # "connected": every stream is up, the private one logged in (its login frame went through websockets).
        await signals.wait_until(services.connection.state_changed, lambda: services.connection.state == "connected")
    records = [r for r in caplog.records if r.name.startswith(("websockets", "terminal_app.bitget.ws"))]
    assert all(r.levelno > logging.DEBUG for r in records if "websockets" in r.name)
    for record in caplog.records:
        text = record.getMessage()
        assert info.passphrase not in text, (record.name, text[:600])
        assert '"op":"login"' not in text.replace(" ", ""), record.name


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.asyncio
async def test_a_failed_profile_switch_returns_to_the_previous_profile(
        terminals: Terminals, signals: Any, caplog: pytest.LogCaptureFixture) -> None:
    """Switching (offline) to a Bitget demo profile: the terminal comes back on Demo, says why, and nothing keeps
    polling the closed client (the log used to repeat 'copy poll failed: BitgetHttp is closed')."""
    async with started(terminals, signals) as (terminal, services):
        profiles = terminal.profiles
        assert profiles is not None
        profiles.ask_credentials = None  # no key dialog: the profile would connect for market data only
        port = _free_port()  # nothing listens there: as offline as a machine can be
        offline = profiles.book.add(Profile(
            "Paper", ProfileKind.BITGET_DEMO, rest_url=f"http://127.0.0.1:{port}",
            ws_public_url=f"ws://127.0.0.1:{port}/v2/ws/public", ws_private_url=f"ws://127.0.0.1:{port}/v2/ws/private"))
        old_window, old_copy = terminal.window, terminal.copy
        failures: list[str] = []
        profiles.switch_failed.connect(lambda _p, message: failures.append(message))
        caplog.set_level(logging.WARNING)
        result = await profiles.switch(offline)
        assert result is None
        assert len(failures) == 1
        assert "'Paper'" in failures[0]
        assert "Back on profile 'Demo'." in failures[0]
        # Back on Demo, live: a new window on new services, the old copy-trading service closed.
        assert profiles.profile is not None
        assert profiles.profile.name == "Demo"
        back = terminal.services
        assert back is not None
        assert back is profiles.current
        assert back is not services
        assert terminal.window is not old_window
        assert terminal.window.profile_name == "Demo"
        assert "DEMO" in terminal.window.band.text()
        assert "NOT CONNECTED" not in terminal.window.band.text()
        assert old_copy._closing
        md = back.market_data
        await signals.wait_until(md.ticker_changed, lambda: md.last_price(BTC))
        toasts = [t.title_label.text() for t in terminal.window.toasts.toasts]
        assert "Profile 'Paper' not connected" in toasts
        # A live order on the Demo account again.
        oid = back.trading.submit(OrderTicket(BTC, "buy", "limit", "gtc", D("0.001"), below_market(back))).client_oid
        await signals.wait_until(back.trading.order_updated,
                                 lambda: (v := back.trading.order(oid)) is not None and v.status == "live")
        assert not [r for r in caplog.records if "is closed" in r.getMessage()]


@pytest.mark.asyncio
async def test_when_the_previous_profile_cannot_come_back_the_window_says_not_connected(
        terminals: Terminals, signals: Any) -> None:
    async with started(terminals, signals) as (terminal, _services):
        profiles = terminal.profiles
        assert profiles is not None
        profiles.ask_credentials = None
        port = _free_port()
        offline = profiles.book.add(Profile("Paper", ProfileKind.BITGET_DEMO, rest_url=f"http://127.0.0.1:{port}",
                                            ws_public_url=f"ws://127.0.0.1:{port}/x",
                                            ws_private_url=f"ws://127.0.0.1:{port}/y"))

        async def demo_gone(_profile: Profile) -> Any:
            raise OSError("The demo exchange could not start: test")

        profiles._demo_exchange = demo_gone  # the way back fails too
        window = terminal.window
        assert await profiles.switch(offline) is None
        assert profiles.current is None
        assert terminal.services is None
        assert terminal.window is window
        assert window.band.text().startswith("NOT CONNECTED  ·  BITGET DEMO Paper")
        assert window.windowTitle().startswith("[NOT CONNECTED] Paper")
        toast = window.toasts.toasts[-1]
        assert toast.title_label.text() == "Profile 'Paper' not connected"


@pytest.mark.asyncio
async def test_an_exit_the_exchange_cancels_is_explained_in_the_table_and_a_toast(
        terminals: Terminals, signals: Any) -> None:
    """The issue's afternoon: close 0.002 of a long with a limit, then sell 0.001 at market — Bitget cancels the
    close (it now exceeds the position) and V2 says no why; the terminal says it, in the Reason column and a toast."""
    perp = SymbolRef("BTCUSDT", Product.USDT_FUTURES)
    async with started(terminals, signals) as (terminal, services):
        md, trading, account = services.market_data, services.trading, services.account
        md.set_active(perp)
        last = await signals.wait_until(md.ticker_changed, lambda: md.last_price(perp))
        trading.submit(OrderTicket(perp, "buy", "market", size=D("0.002")))
        await signals.wait_until(account.positions_changed, lambda: account.positions())
        exit_price = (last * D("1.01")).quantize(D("0.1"))
        close = trading.submit(OrderTicket(perp, "sell", "limit", "gtc", D("0.002"), exit_price, reduce_only=True))
        await signals.wait_until(trading.order_updated,
                                 lambda: (v := trading.order(close.client_oid)) is not None and v.status == "live")
        cancelled: list[Any] = []
        trading.cancelled_unasked.connect(cancelled.append)
        trading.submit(OrderTicket(perp, "sell", "market", size=D("0.001")))
        view = await signals.wait_until(trading.cancelled_unasked, lambda: cancelled and cancelled[0])
        assert view.client_oid == close.client_oid
        assert view.reason.startswith("Cancelled by the exchange: this close was larger than what is left of the "
                                      "position")
        assert trading.order(close.client_oid).reason == view.reason
        toasts = [t.title_label.text() for t in terminal.window.toasts.toasts]
        assert "Order cancelled by the exchange: sell 0.002 BTCUSDT PERP" in toasts
        orders = terminal.window.panel("orders")
        await signals.wait_until(orders.history_model.flushed,
                                 lambda: orders.history_model.row_of(close.client_oid) is not None)
        row = orders.history_model.row_of(close.client_oid)
        assert orders.history_model.text(row, "Reason") == view.reason
        # A cancel the user asks for is no surprise: no such word.
        resting = trading.submit(OrderTicket(perp, "buy", "limit", "gtc", D("0.001"), (last * D("0.99")).quantize(
            D("0.1"))))
        await signals.wait_until(trading.order_updated,
                                 lambda: (v := trading.order(resting.client_oid)) is not None and v.status == "live")
        trading.cancel(resting.client_oid)
        await signals.wait_until(trading.order_updated, lambda: trading.order(resting.client_oid).status == "cancelled")
        assert trading.order(resting.client_oid).reason == ""
        assert len(cancelled) == 1
