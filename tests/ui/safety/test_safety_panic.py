"""The panic key acts on the active profile's account only: two Demo profiles on two simulators, F12 on one leaves
the other's orders and position untouched; a press while the window shows another account does nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import ROUND_DOWN, Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from terminal_app.config.settings import LAST_PROFILE
from terminal_app.core.health import ProfileKind
from terminal_app.core.orders import OrderTicket
from terminal_app.core.panic import PanicAction
from terminal_app.services.guards import GuardedServices
from terminal_app.sim.runner import SimulatorRunner
from terminal_app.sim.server.http import SimConfig

from .conftest import BOTH_ACCOUNTS, BTC, BTC_PERP, Harness, sim_open_orders, sim_positions, until

pytestmark = pytest.mark.asyncio


@pytest.fixture
def sim_b(account_mode: str) -> Iterator[SimulatorRunner]:
    runner = SimulatorRunner(config=SimConfig(seed=9, account_mode=account_mode))
    runner.start()
    try:
        yield runner
    finally:
        runner.stop()


async def open_exposure(h: Harness, guarded: GuardedServices, sim: SimulatorRunner) -> None:
    """A resting spot buy and a futures long on the profile's own simulator."""
    await h.activate(BTC)
    last = guarded.market_data.last_price(BTC)
    assert last is not None
    price = (last * Decimal("0.98")).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    guarded.trading.submit(OrderTicket(BTC, "buy", "limit", size=Decimal("0.001"), price=price))
    await h.activate(BTC_PERP)  # a market order is valued at the symbol's last price
    guarded.trading.submit(OrderTicket(BTC_PERP, "buy", "market", size=Decimal("0.002")))
    await until(lambda: len(sim_open_orders(sim)) == 1 and len(sim_positions(sim)) == 1, what="orders and position")
    await until(lambda: guarded.account.positions() and guarded.trading.open_orders(None), what="terminal sees them")


@BOTH_ACCOUNTS
async def test_panic_on_one_demo_profile_leaves_the_other_account_untouched(
        qtbot: QtBot, make_harness: Callable[..., Harness], sim: SimulatorRunner, sim_b: SimulatorRunner) -> None:
    h = make_harness({"Demo": sim, "Demo 2": sim_b})
    h.add_profile("Demo 2", ProfileKind.DEMO)
    try:
        other = await h.connect("Demo 2")
        await open_exposure(h, other, sim_b)
        b_orders = [o.order_id for o in sim_open_orders(sim_b)]

        active = await h.connect("Demo")
        assert other.trading.inner is not active.trading.inner
        assert other.connection.state == "closed"  # the switch tore the other profile's connections down
        window = h.build_window(qtbot, active)
        window.registry.set_hotkeys_enabled(True)
        await h.show(window)
        assert window.windowTitle().startswith("[DEMO] Demo —")
        await open_exposure(h, active, sim)
        ticket = window.panel("ticket")
        ticket.setFocus()

        # First press: every order of the active account is cancelled; positions stay.
        acted = []
        h.panic.acted.connect(acted.append)
        QTest.keyClick(window, Qt.Key.Key_F12)
        assert [s.action for s in acted] == [PanicAction.CANCEL_ALL_ORDERS]
        assert acted[0].account_id == "demo:Demo"
        await until(lambda: not sim_open_orders(sim), what="panic cancel")
        assert len(sim_positions(sim)) == 1
        assert h.panic.armed()

        # Second press within 1.5 s: every position closed.
        h.clock.now += 1.0
        QTest.keyClick(window, Qt.Key.Key_F12)
        assert acted[-1].action is PanicAction.FLATTEN_ALL_POSITIONS
        await until(lambda: not sim_positions(sim), what="panic flatten")

        # The other profile's account: its order and position are still there.
        assert [o.order_id for o in sim_open_orders(sim_b)] == b_orders
        assert len(sim_positions(sim_b)) == 1

        # A press after the window is late is a first press again.
        h.clock.now += 5.0
        QTest.keyClick(window, Qt.Key.Key_F12)
        assert acted[-1].action is PanicAction.CANCEL_ALL_ORDERS
        assert h.panic.armed()

        # Switching back: the title and band follow, the panic key is disarmed and bound to the new account.
        back = await h.connect("Demo 2", symbol=None)
        assert window.windowTitle().startswith("[DEMO] Demo 2 —")
        assert "Demo 2" in window.band.text()
        assert h.panic.account_id == "demo:Demo 2"
        assert not h.panic.armed()
        assert h.settings.get(LAST_PROFILE) == "Demo 2"
        assert active.connection.state == "closed"
        QTest.keyClick(window, Qt.Key.Key_F12)
        assert acted[-1].account_id == "demo:Demo 2"
        await until(lambda: not sim_open_orders(sim_b), what="panic on the profile switched to")
        assert back.trading.blocked_reason == ""
    finally:
        await h.close()


async def test_panic_refuses_when_the_window_shows_another_account(
        qtbot: QtBot, make_harness: Callable[..., Harness], sim: SimulatorRunner) -> None:
    h = make_harness({"Demo": sim})
    try:
        guarded = await h.connect("Demo")
        window = h.build_window(qtbot, guarded)
        await open_exposure(h, guarded, sim)
        window.set_profile("Main", ProfileKind.LIVE)  # the window and the bound account disagree
        refused = []
        h.panic.refused.connect(refused.append)
        window.registry.trigger("panic")
        window.registry.trigger("panic")
        assert len(refused) == 2
        assert "Nothing was cancelled or closed" in refused[0]
        assert len(sim_open_orders(sim)) == 1
        assert len(sim_positions(sim)) == 1

        # During a switch nothing is bound: a press does nothing either.
        h.panic.unbind()
        window.set_profile("Demo", ProfileKind.DEMO)
        assert h.panic.press() is None
        assert "no account is connected" in refused[-1]
        assert len(sim_open_orders(sim)) == 1
    finally:
        await h.close()
