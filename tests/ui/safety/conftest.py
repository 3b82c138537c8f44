"""The safety tests' harness: the real profile service, guards, journal and panels over real simulators.

``Harness`` builds what the composition root builds: settings and profiles under ``tmp_path``, a credential store on
an in-memory keyring, the panic controller (on a hand-driven clock), the journal sink, and ``ProfileService`` whose
Demo profiles connect to the test's ``SimulatorRunner``s (one per profile name). ``build_window`` makes a
``MainWindow`` with every trading panel on the guarded services and the keys wired as the terminal wires them.

Waiting is event-driven (a future completed from a signal) or polls with ``asyncio.sleep``: never ``qtbot.wait*``
inside a coroutine (environment.md pitfall 3).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError
from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import QApplication, QWidget

from terminal_app.bitget.ws import StreamerConfig
from terminal_app.config.paths import AppPaths
from terminal_app.config.profiles import Endpoints, Profile, ProfileBook, profiles_path
from terminal_app.config.secrets import CredentialStore
from terminal_app.config.settings import Settings
from terminal_app.core.credentials import Credentials
from terminal_app.core.health import ProfileKind
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.services.guards import (
    GuardedServices,
    PanicController,
    TradingCommands,
    install_trading_actions,
    window_account,
)
from terminal_app.services.journal_sink import JournalSink
from terminal_app.services.profiles import Exchange, ProfileService
from terminal_app.sim.runner import SimulatorRunner
from terminal_app.sim.server.auth import DEMO_UID
from terminal_app.sim.server.http import SimConfig
from terminal_app.ui.docks import trading_dock_specs
from terminal_app.ui.doctor import TicketHold
from terminal_app.ui.main_window import MainWindow
from terminal_app.ui.palette import CommandPalette, PaletteEngine, install_palette

BTC = SymbolRef("BTCUSDT", Product.SPOT)
BTC_PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)
TIMEOUT = 15.0


@pytest.fixture(autouse=True)
def gc_on_this_thread() -> Iterator[None]:
    """Qt objects must not be collected on a simulator's thread: collect here, between tests, only."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


class MemoryKeyring(KeyringBackend):
    """An in-memory keyring (priority below zero: keyring's discovery never picks it on its own)."""

    priority = -1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.entries[(service, username)]
        except KeyError:
            raise PasswordDeleteError("No such password!") from None


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Answers:
    """The guards' confirmation questions, answered by the test (``yes``/``no``), or at once by ``auto``."""

    def __init__(self) -> None:
        self.questions: list[str] = []
        self._pending: list[Callable[[bool], None]] = []
        self.auto: bool | None = None

    def __call__(self, title: str, text: str, answer: Callable[[bool], None]) -> None:
        self.questions.append(text)
        if self.auto is not None:
            answer(self.auto)
        else:
            self._pending.append(answer)

    def reply(self, yes: bool) -> None:
        self._pending.pop(0)(yes)


async def until(condition: Callable[[], Any], timeout: float = TIMEOUT, what: str = "") -> Any:  # noqa: ASYNC109
    """Poll ``condition`` on the running qasync loop until it is truthy."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        value = condition()
        if value:
            return value
        if loop.time() > end:
            raise TimeoutError(f"timed out waiting for {what or condition}")
        await asyncio.sleep(0.02)


async def next_emission(signal: SignalInstance, timeout: float = TIMEOUT) -> tuple[Any, ...]:  # noqa: ASYNC109
    loop = asyncio.get_running_loop()
    done: asyncio.Future[tuple[Any, ...]] = loop.create_future()

    def slot(*args: Any) -> None:
        if not done.done():
            done.set_result(args)

    signal.connect(slot)
    try:
        return await asyncio.wait_for(done, timeout)
    finally:
        with contextlib.suppress(RuntimeError):
            signal.disconnect(slot)


def sim_orders(runner: SimulatorRunner, uid: str = DEMO_UID) -> int:
    """Every order the simulator holds for ``uid`` (open and finished, spot and USDT-M futures)."""
    def count() -> int:
        ex = runner.server.exchange
        return sum(len(ex.open_orders(uid, kind)) + len(ex.order_history(uid, kind, limit=1000))
                   for kind in (Product.SPOT, Product.USDT_FUTURES))
    return runner.call(count)


def sim_open_orders(runner: SimulatorRunner, uid: str = DEMO_UID) -> list[Any]:
    def read() -> list[Any]:
        ex = runner.server.exchange
        return [*ex.open_orders(uid, Product.SPOT), *ex.open_orders(uid, Product.USDT_FUTURES)]
    return runner.call(read)


def sim_positions(runner: SimulatorRunner, uid: str = DEMO_UID) -> list[Any]:
    return runner.call(lambda: [p for p in runner.server.exchange.positions(uid) if p.total > 0])


class Harness:
    def __init__(self, root: Path, runners: dict[str, SimulatorRunner], keyring: KeyringBackend | None = None) -> None:
        self.paths = AppPaths.under(root).ensure()
        self.settings = Settings.load(self.paths.settings_file)
        self.book = ProfileBook.load(profiles_path(self.paths.config_dir))
        self.runners = runners
        self.keyring = keyring or MemoryKeyring()
        self.store = CredentialStore(self.keyring)
        self.answers = Answers()
        self.clock = FakeClock()
        self.window: MainWindow | None = None
        self.panic = PanicController(lambda: window_account(self.window), clock=self.clock)
        self.journal = JournalSink(self.paths.data_dir)
        self.service = ProfileService(
            self.settings, self.book, store=self.store, demo_exchange=self.demo_exchange, panic=self.panic,
            journal=self.journal, ask=self.answers,
            streamer_config=StreamerConfig(backoff_initial_s=0.05, backoff_max_s=0.2),
            services_options={"history_pages": 1})
        self.commands = TradingCommands(lambda: self.service.current)
        self.palette: CommandPalette | None = None
        self.ticket_hold: TicketHold | None = None

    async def demo_exchange(self, profile: Profile) -> Exchange:
        runner = self.runners[profile.name]
        info = runner.info
        assert info is not None
        return Exchange(Endpoints(info.rest, info.ws_public, info.ws_private,
                                  paptrading=runner.config.require_paptrading),
                        Credentials(info.api_key, info.secret, info.passphrase))

    def add_profile(self, name: str, kind: ProfileKind = ProfileKind.DEMO, runner: SimulatorRunner | None = None,
                    **kw: Any) -> Profile:
        """A profile; a Bitget kind with ``runner`` connects to that simulator through its URL overrides."""
        if runner is not None:
            info = runner.info
            assert info is not None
            kw.update(rest_url=info.rest, ws_public_url=info.ws_public, ws_private_url=info.ws_private)
        existing = self.book.find(name)
        if existing is not None:
            return existing
        profile = self.book.add(Profile(name, kind, **kw))
        self.book.save()
        return profile

    async def connect(self, name: str, *, symbol: SymbolRef | None = BTC) -> GuardedServices:
        guarded = await self.service.switch(name)
        assert guarded is not None, f"profile {name} did not connect"
        runner = self.runners.get(name)
        if runner is not None:  # a Demo profile trades through the venue of its simulator's account mode
            unified = runner.config.account_mode == "unified"
            assert guarded.session.account_mode is not None
            assert guarded.session.account_mode.uta is unified
            assert type(guarded.session.venue).__name__ == ("V3Venue" if unified else "V2Venue")
        if symbol is not None:
            await self.activate(symbol)
        return guarded

    async def activate(self, ref: SymbolRef) -> None:
        current = self.service.current
        assert current is not None
        current.market_data.set_active(ref)
        await until(lambda: current.market_data.last_price(ref), what=f"last price of {ref.key}")

    def build_window(self, qtbot: Any, guarded: GuardedServices) -> MainWindow:
        profile = self.service.profile
        assert profile is not None
        window = MainWindow(self.settings, self.paths, trading_dock_specs(guarded, guarded.panel_settings),
                            profile=profile.name, kind=profile.kind)
        qtbot.addWidget(window)
        self.window = window
        self.service.window = window
        ticket = window.panel("ticket")
        registry = window.registry
        registry.on("order.buy", lambda: ticket.submit("buy"))  # type: ignore[attr-defined]
        registry.on("order.sell", lambda: ticket.submit("sell"))  # type: ignore[attr-defined]
        install_trading_actions(registry, self.commands, self.panic,
                                lambda title, text: window.toasts.show_toast(title, text))
        self.palette = install_palette(window, PaletteEngine(lambda: self.service.current))
        self.ticket_hold = TicketHold(ticket, guarded.trading)
        return window

    async def show(self, window: QWidget) -> None:
        window.show()
        window.activateWindow()
        await until(lambda: QApplication.activeWindow() is window, what="active window")

    async def close(self) -> None:
        await self.service.close()
        if self.window is not None:
            self.window.close()


@pytest.fixture
def account_mode() -> str:
    """The Demo account's mode; ``@BOTH_ACCOUNTS`` runs a test on a classic and on a unified (UTA) account."""
    return "classic"


BOTH_ACCOUNTS = pytest.mark.parametrize("account_mode", ["classic", "unified"])


@pytest.fixture
def sim(account_mode: str) -> Iterator[SimulatorRunner]:
    runner = SimulatorRunner(config=SimConfig(seed=5, account_mode=account_mode))
    runner.start()
    try:
        yield runner
    finally:
        runner.stop()


@pytest.fixture
def make_harness(tmp_path: Path) -> Callable[..., Harness]:
    made: list[Harness] = []

    def make(runners: dict[str, SimulatorRunner], *, root: Path | None = None, **kw: Any) -> Harness:
        harness = Harness(root or tmp_path / "home", runners, **kw)
        made.append(harness)
        return harness

    return make
