"""The panic controller outlives the windows: after several profile switches, wired as the terminal wires each new
window, it holds one listener, a press pair cancels and flattens once, on the current account only, and each press is
told once, to the window shown."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

import pytest
from keyring.backends.fail import Keyring as NoKeyring
from PySide6.QtCore import SIGNAL
from PySide6.QtWidgets import QApplication, QWidget

from terminal_app.bitget.ws import StreamerConfig
from terminal_app.config.paths import AppPaths
from terminal_app.config.profiles import Endpoints, Profile, ProfileBook, profiles_path
from terminal_app.config.secrets import CredentialStore
from terminal_app.config.settings import Settings
from terminal_app.core.credentials import Credentials
from terminal_app.core.health import ProfileKind
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.orders import OrderTicket
from terminal_app.core.panic import PanicAction, PanicStep
from terminal_app.services.guards import (
    GuardedServices,
    PanicController,
    TradingCommands,
    install_trading_actions,
    window_account,
)
from terminal_app.services.profiles import Exchange, ProfileService
from terminal_app.sim.runner import SimulatorRunner
from terminal_app.sim.server.auth import DEMO_UID
from terminal_app.ui.actions import ActionRegistry

BTC = SymbolRef("BTCUSDT", Product.SPOT)
BTC_PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)
ACTED = SIGNAL("acted(PyObject)")
REFUSED = SIGNAL("refused(QString)")


def connections(panic: PanicController) -> tuple[int, int]:
    return panic.receivers(ACTED), panic.receivers(REFUSED)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Window(QWidget):
    """What the terminal's main window offers the panic wiring: the account it shows and its action registry."""

    def __init__(self, settings: Settings, profile: Profile) -> None:
        super().__init__()
        self.profile_name = profile.name
        self.profile_kind = profile.kind
        self.registry = ActionRegistry(self, settings)


class Terminalish:
    """The terminal's wiring of the panic key, without the panels: one controller for the run, a new window on each
    switch with ``install_trading_actions`` on it, the old window closed (as ``Terminal._on_switched`` does)."""

    def __init__(self, root: Path, runners: dict[str, SimulatorRunner]) -> None:
        paths = AppPaths.under(root).ensure()
        self.settings = Settings.load(paths.settings_file)
        self.book = ProfileBook.load(profiles_path(paths.config_dir))
        for name in runners:
            if self.book.find(name) is None:
                self.book.add(Profile(name, ProfileKind.DEMO))
        self.runners = runners
        self.clock = Clock()
        self.window: Window | None = None
        self.windows: list[Window] = []
        self.told: list[tuple[str, str, str]] = []  # (account the window showed, title, text)
        self.panic = PanicController(lambda: window_account(self.window), clock=self.clock)
        self.service = ProfileService(
            self.settings, self.book, store=CredentialStore(NoKeyring()), demo_exchange=self.demo_exchange,
            panic=self.panic, streamer_config=StreamerConfig(backoff_initial_s=0.05, backoff_max_s=0.2),
            services_options={"history_pages": 1})
        self.service.switched.connect(self.build_window)

    async def demo_exchange(self, profile: Profile) -> Exchange:
        info = self.runners[profile.name].info
        assert info is not None
        return Exchange(Endpoints(info.rest, info.ws_public, info.ws_private),
                        Credentials(info.api_key, info.secret, info.passphrase))

    def build_window(self, profile: Profile, _services: GuardedServices) -> None:
        old, window = self.window, Window(self.settings, profile)
        self.window = window
        self.windows.append(window)
        shown = window_account(window) or ""

        def notify(title: str, text: str) -> None:
            self.told.append((shown, title, text))

        install_trading_actions(window.registry, TradingCommands(lambda: self.service.current), self.panic, notify)
        if old is not None:
            old.close()
            old.deleteLater()

    async def switch(self, name: str) -> GuardedServices:
        guarded = await self.service.switch(name)
        assert guarded is not None, f"profile {name} did not connect"
        return guarded

    async def close(self) -> None:
        await self.service.close()
        for window in self.windows:
            with contextlib.suppress(RuntimeError):  # already deleted by a switch
                window.close()
                window.deleteLater()


@pytest.fixture
def sim_b() -> Iterator[SimulatorRunner]:
    runner = SimulatorRunner(seed=12)
    runner.start()
    try:
        yield runner
    finally:
        runner.stop()


def sim_open_orders(runner: SimulatorRunner) -> list[Any]:
    def read() -> list[Any]:
        ex = runner.server.exchange
        return [*ex.open_orders(DEMO_UID, Product.SPOT), *ex.open_orders(DEMO_UID, Product.USDT_FUTURES)]
    return runner.call(read)


def sim_positions(runner: SimulatorRunner) -> list[Any]:
    return runner.call(lambda: [p for p in runner.server.exchange.positions(DEMO_UID) if p.total > 0])


async def open_exposure(guarded: GuardedServices, signals: Any) -> None:
    """A resting spot buy and a futures long, seen by the terminal."""
    md, trading, account = guarded.market_data, guarded.trading, guarded.account
    md.set_active(BTC)
    last = await signals.wait_until(md.ticker_changed, lambda: md.last_price(BTC))
    price = (last * Decimal("0.98")).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    assert trading.inner.place(OrderTicket(BTC, "buy", "limit", size=Decimal("0.001"), price=price))
    md.set_active(BTC_PERP)  # the guard values the market order at this symbol's last price
    await signals.wait_until(md.ticker_changed, lambda: md.last_price(BTC_PERP))
    assert trading.inner.place(OrderTicket(BTC_PERP, "buy", "market", size=Decimal("0.002")))
    await signals.wait_until(trading.orders_changed, lambda: trading.open_orders(None))
    await signals.wait_until(account.positions_changed, lambda: account.positions())


class Calls:
    """Counts the panic's calls on one guarded trading service (still carrying them out)."""

    def __init__(self, trading: Any) -> None:
        self.cancel_all: list[SymbolRef | None] = []
        self.flash_close_all = 0
        cancel_all, flash_close_all = trading.cancel_all, trading.flash_close_all

        def count_cancel(ref: SymbolRef | None) -> None:
            self.cancel_all.append(ref)
            cancel_all(ref)

        def count_flatten() -> None:
            self.flash_close_all += 1
            flash_close_all()

        trading.cancel_all, trading.flash_close_all = count_cancel, count_flatten


@pytest.mark.asyncio
async def test_after_many_switches_one_press_pair_flattens_the_current_account_once(
        tmp_path: Path, sim: SimulatorRunner, sim_b: SimulatorRunner, signals: Any) -> None:
    t = Terminalish(tmp_path / "home", {"Demo": sim, "Demo 2": sim_b})
    try:
        other = await t.switch("Demo 2")
        await open_exposure(other, signals)
        b_orders = [o.order_id for o in sim_open_orders(sim_b)]
        assert len(b_orders) == 1
        assert len(sim_positions(sim_b)) == 1
        other_calls = Calls(other.trading)

        for name in ("Demo", "Demo 2", "Demo", "Demo 2", "Demo"):
            current = await t.switch(name)
        assert len(t.windows) == 6
        assert connections(t.panic) == (1, 1)  # one listener, the shown window's, however many switches
        assert t.panic.account_id == "demo:Demo"
        await open_exposure(current, signals)
        calls = Calls(current.trading)

        acted: list[PanicStep] = []
        t.panic.acted.connect(acted.append)
        window = t.window
        assert window is not None
        window.registry.trigger("panic")
        t.clock.now += 1.0
        window.registry.trigger("panic")
        assert [s.action for s in acted] == [PanicAction.CANCEL_ALL_ORDERS, PanicAction.FLATTEN_ALL_POSITIONS]
        assert {s.account_id for s in acted} == {"demo:Demo"}
        assert calls.cancel_all == [None, None]
        assert calls.flash_close_all == 1
        assert (other_calls.cancel_all, other_calls.flash_close_all) == ([], 0)
        assert [(shown, title) for shown, title, _ in t.told] == [("demo:Demo", "PANIC"), ("demo:Demo", "PANIC")]

        await signals.wait_until(current.trading.orders_changed, lambda: not current.trading.open_orders(None))
        await signals.wait_until(current.account.positions_changed, lambda: not current.account.positions())
        assert sim_open_orders(sim) == []
        assert sim_positions(sim) == []
        # The account switched away from keeps its order and its position.
        assert [o.order_id for o in sim_open_orders(sim_b)] == b_orders
        assert len(sim_positions(sim_b)) == 1
    finally:
        await t.close()


def test_listen_replaces_the_previous_listener(qapp: QApplication) -> None:
    shown: list[str | None] = ["demo:Demo"]
    panic = PanicController(lambda: shown[0])
    first: list[str] = []
    second: list[str] = []
    stop_first = panic.listen(first.append, first.append)
    assert connections(panic) == (1, 1)
    stop_second = panic.listen(lambda step: second.append(step.message), second.append)
    assert connections(panic) == (1, 1)

    assert panic.press() is None  # nothing bound: refused, told to the current listener only
    assert first == []
    assert len(second) == 1
    assert "no account is connected" in second[0]
    stop_first()  # replaced already: does not stop the current listener
    assert connections(panic) == (1, 1)
    panic.unbind()  # a switch keeps the window's listener: a press during it is still told
    assert panic.press() is None
    assert len(second) == 2
    stop_second()
    assert connections(panic) == (0, 0)
    assert panic.press() is None
    assert len(second) == 2
