"""The composition root: QApplication, one qasync loop, profile → exchange, services, main window, shutdown.

``run_app()`` (what ``terminal-app`` runs) sets up the one log (``services.logbook``: the Log panel's ring, stderr and
the rotating ``terminal.log`` in the log folder), makes the QApplication and one qasync event loop that the REST
client, the WebSocket streamer and Qt share, then :class:`Terminal` does the rest in order:

1. settings, layout and profiles from the per-user folders (``config.paths``; a temporary folder for the smoke test);
2. the profile, through ``services.profiles.ProfileService`` (the only way the account changes, also from File ▸
   Profiles…): **Demo** starts an embedded simulator in a child process (``sim.process``, one per Demo profile;
   accounts persist in the data folder) and uses its demo key — a child, not a thread, because the simulator's
   Python would otherwise share the GIL with the GUI thread (see ``sim.process``); tests that look inside the
   engine pass ``demo_sim="thread"`` for the in-process ``sim.runner``; the Bitget profiles use the key from the keyring
   (none: the keys dialog asks; no answer: market data only);
3. the services (``services.stack``) wrapped in the risk guards (``services.guards``), the journal
   (``services.journal_sink``) and the panic key bound to the account, the account doctor for Bitget profiles;
4. the main window with the chart in the middle and the trading panels (``ui.docks``) on the guarded services, the
   ACTIONS handlers (buy, sell, cancel, flatten, panic, sizes, intervals, chart view, symbol switch, layout), the
   command palette (Ctrl+K), File ▸ Profiles…/API key…/Settings…/exports, Help ▸ Account doctor (every menu entry is
   an ACTIONS entry: the modules that make their own QAction are routed to the table's), health in the status bar;
   a profile switch builds a new window on the new services, then closes the old one;
5. on close: the layout is saved, every task cancelled, the streamer and HTTP client closed, the simulators stopped.

Garbage collection runs on the GUI thread only (:class:`MainThreadGc`): with a simulator or any other thread in the
same process, an automatic collection could otherwise start on that thread and destroy Qt objects there.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import math
import os
import signal
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from terminal_app.config.actions import INTERVALS, SIZE_PRESETS, Context
from terminal_app.config.paths import AppPaths
from terminal_app.config.profiles import (
    Endpoints,
    Profile,
    ProfileBook,
    ProfileError,
    active_profile,
    profiles_path,
)
from terminal_app.config.secrets import CredentialStore
from terminal_app.config.settings import CHART_INTERVAL, PALETTE, THEME, WATCHLIST, Settings
from terminal_app.core.candles import Interval
from terminal_app.core.credentials import Credentials
from terminal_app.core.instruments import Product, SymbolRef, UnknownSymbol
from terminal_app.core.validation import round_to_tick
from terminal_app.services import logbook
from terminal_app.services.guards import (
    GuardedServices,
    PanicController,
    TradingCommands,
    install_trading_actions,
    window_account,
)
from terminal_app.services.heap_trim import HeapTrim
from terminal_app.services.journal_sink import JournalSink
from terminal_app.services.profiles import Exchange, ProfileService
from terminal_app.services.symbols import parse_symbol, resolve_listed
from terminal_app.startup import Prepared, demo_state_file, prepare
from terminal_app.ui.confirm import MessageBoxAsk

if TYPE_CHECKING:  # imported where used: each is loaded only when the terminal gets that far
    from PySide6.QtWidgets import QApplication

    from terminal_app.services.copy_trading import CopyTradingService
    from terminal_app.sim.process import SimulatorProcess
    from terminal_app.sim.runner import SimulatorRunner
    from terminal_app.ui.chart import ChartWidget
    from terminal_app.ui.dialogs.transfer import TransferDialog
    from terminal_app.ui.main_window import MainWindow
    from terminal_app.ui.palette import CommandPalette

log = logging.getLogger("terminal_app.app")

DEFAULT_SYMBOL = SymbolRef("BTCUSDT", Product.SPOT)
GC_INTERVAL_MS = 250
FIRST_FRAME_WAIT_S = 1.0  # the deferred panels wait at most this long for the window's first frame
ORDER_LINES_DELAY_MS = 16


class StartupError(Exception):
    """The terminal could not start; the message is for the user."""


class MainThreadGc:
    """Automatic garbage collection off; the same thresholds checked from a GUI-thread timer instead. The same timer
    gives the C heap's free pages back to the system once a minute (:mod:`terminal_app.services.heap_trim`)."""

    def __init__(self, interval_ms: int = GC_INTERVAL_MS, heap: HeapTrim | None = None) -> None:
        from PySide6.QtCore import QTimer

        self.heap = heap if heap is not None else HeapTrim()
        self._thresholds = gc.get_threshold()
        self._was_enabled = gc.isenabled()
        gc.disable()
        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)
        self.timer.start()

    def check(self) -> None:
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self._thresholds[generation]:
                gc.collect(generation)
                return
        self.heap.maybe_trim()  # not in a tick that collected: one pause at a time

    def freeze(self) -> None:
        """Move everything alive now (modules, widgets, the loaded history) out of the collector's sight: later
        full collections then look at what the session allocates since, not at the whole start-up."""
        gc.collect()
        gc.freeze()

    def stop(self) -> None:
        self.timer.stop()
        gc.unfreeze()
        gc.collect()
        if self._was_enabled:
            gc.enable()


def _panel_specs(services: GuardedServices, settings: Settings, copy: Any = None) -> list[Any]:
    """The trading panels, as ``ui.docks`` declares them (titles, default places, ACTIONS contexts), and the copy
    trading panel (over ``copy``, the CopyTradingService the terminal owns, when given)."""
    from terminal_app.ui.copy.workspace import copy_dock_specs, mark_from
    from terminal_app.ui.docks import trading_dock_specs

    copy_specs = copy_dock_specs(copy, settings, mark=mark_from(services)) if copy is not None else ()
    return [*trading_dock_specs(services, services.panel_settings), *copy_specs]


class Terminal:
    """One run of the terminal; see the module docstring for the order of things."""

    def __init__(self, app: QApplication, *, profile: str | None = None, smoke_test: bool = False,
                 paths: AppPaths | None = None, panic_window_s: float | None = None,
                 demo_sim: str = "process", prepared: Prepared | None = None) -> None:
        if demo_sim not in ("process", "thread"):
            raise ValueError(f"demo_sim is 'process' or 'thread', not {demo_sim!r}")
        self.app = app
        app.setQuitOnLastWindowClosed(False)  # the loop ends when shutdown is done, not when Qt thinks so
        self.smoke_test = smoke_test
        self.requested_profile = profile
        self.started = time.perf_counter()
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        # The demo exchange's child that __main__ launched before the heavy imports (terminal_app.startup).
        self._early_exchange: tuple[str, Any] | None = None
        self._shell: Any = None
        self._first_look: Any = None  # the start-up's first look (startup.EarlyLook), handed to the first window
        self.handover: Any = None  # the startup.Handover feeding the window's market data from it, while it runs
        if prepared is not None:
            self._shell = prepared.shell
            self._first_look = prepared.first_look
            paths = paths or prepared.paths
            self._tmp = prepared.tmp
            if prepared.exchange is not None and demo_sim == "process":
                self._early_exchange = (prepared.exchange_profile or "", prepared.exchange)
        if paths is None and smoke_test and not os.environ.get("BITGET_TERMINAL_HOME"):
            self._tmp = tempfile.TemporaryDirectory(prefix="bitget-terminal-smoke-")
            paths = AppPaths.under(Path(self._tmp.name))
        self.paths = (paths or AppPaths.default()).ensure()
        self.settings = Settings.load(self.paths.settings_file)
        self.profile: Profile | None = None
        self.demo_sim = demo_sim
        # one embedded simulator per Demo profile name, stopped at shutdown
        self.runners: dict[str, SimulatorProcess | SimulatorRunner] = {}
        self.services: GuardedServices | None = None
        self.copy: CopyTradingService | None = None  # the service of the copy-trading panel
        self.window: MainWindow | None = None
        self.chart: ChartWidget | None = None
        self.store = CredentialStore()
        self.journal = JournalSink(self.paths.data_dir)
        # panic_window_s: the time between the two panic presses (None: PanicSwitch's default; tests widen it)
        self.panic = PanicController(lambda: window_account(self.window), window_s=panic_window_s)
        self.profiles: ProfileService | None = None
        self.palette: CommandPalette | None = None  # the command palette (Ctrl+K) of the current window
        self.transfer_dialog: TransferDialog | None = None  # File ▸ Transfer between accounts, while open
        self._helpers: list[Any] = []  # the window's menu and palette objects (kept alive with it)
        self._closing: set[asyncio.Future[Any]] = set()  # the copy-trading services of replaced windows
        self._unlisten: list[Any] = []  # the current window's settings listeners, removed when it is replaced
        self._switcher: Any = None
        self.marks: dict[str, float] = {}
        self.order_lines_timer: Any = None  # the chart's order lines are drawn when it fires (see _wire_chart)
        self._spare_chart: ChartWidget | None = None  # the first window's chart, built before the services were up

    @property
    def runner(self) -> Any:
        """The embedded simulator of the active Demo profile (None for Bitget profiles and after shutdown)."""
        return self.runners.get(self.profile.name) if self.profile is not None else None

    def elapsed_ms(self) -> float:
        return (time.perf_counter() - self.started) * 1000

    # --- start ------------------------------------------------------------------------------------------------

    async def start(self) -> None:
        book = ProfileBook.load(profiles_path(self.paths.config_dir))
        try:
            profile = book.first_demo() if self.smoke_test else active_profile(book, self.settings,
                                                                                self.requested_profile)
        except ProfileError as exc:
            raise StartupError(str(exc)) from None
        from terminal_app.ui.dialogs.keys import ask_for_key

        self.profile = profile
        store = self.store
        self.profiles = profiles = ProfileService(
            self.settings, book, store=store, demo_exchange=self._demo_exchange, panic=self.panic,
            journal=self.journal, ask=MessageBoxAsk(lambda: self.window),
            ask_credentials=lambda p, reason: ask_for_key(p, reason, store=store, tester=profiles.test_connection,
                                                          parent=self.window))
        failures: list[str] = []
        profiles.switch_failed.connect(lambda _p, message: failures.append(message))
        warming = asyncio.ensure_future(self._prepare_window())  # while the exchange answers
        try:
            services = await profiles.switch(profile)
        finally:
            warming.cancel()  # what is left is imported (and the chart built) by the window's build, as before
        if services is None:
            raise StartupError(failures[-1] if failures else f"Could not connect the profile {profile.name!r}.")
        self.services = services
        self.marks["services_ms"] = self.elapsed_ms()
        self._build_window(defer_tabbed=True)
        profiles.switching.connect(self._on_switching)
        profiles.switched.connect(self._on_switched)
        profiles.switch_failed.connect(self._on_switch_failed)
        self.marks["window_ms"] = self.elapsed_ms()
        await self._build_deferred_panels()

    async def _prepare_window(self) -> None:
        """What the first window needs that does not need the services, done while the GUI thread would otherwise
        wait for the exchange's first answers (``bench start``: a few hundred ms of it under load): its modules, one
        per turn of the loop, then the chart (its price and volume plots, 30-70 ms), which the window then takes."""
        from terminal_app.startup import import_while_waiting

        await import_while_waiting()
        await asyncio.sleep(0)
        if self._spare_chart is not None or self.window is not None:
            return
        from terminal_app.ui.chart import ChartWidget

        self._spare_chart = ChartWidget(interval=Interval.parse(self.settings.get(CHART_INTERVAL)),
                                        palette=self._chart_palette())
        self.marks.setdefault("chart_built_ms", self.elapsed_ms())

    async def _build_deferred_panels(self) -> None:
        """The panels behind other panels' tabs, built once the window has painted its first frame (with the first
        look's market, see _build_window), one per turn of the loop so the stream's first pushes get in between."""
        window = self.window
        if window is None:
            return
        if window.painted_at is None and window.pending_panels:
            painted = asyncio.get_running_loop().create_future()
            window.first_painted.connect(lambda: None if painted.done() else painted.set_result(None))
            with contextlib.suppress(TimeoutError):  # offscreen or not, a shown window paints; this only bounds it
                await asyncio.wait_for(painted, FIRST_FRAME_WAIT_S)
        for dock_id in window.pending_panels:
            if window is not self.window:
                return  # replaced meanwhile (a profile switch builds every panel of the new one at once)
            window.build_panel(dock_id)
            await asyncio.sleep(0)
        self.marks.setdefault("panels_ms", self.elapsed_ms())

    def _on_switching(self, _profile: Profile) -> None:
        """The current services are about to close: the copy-trading service polling them stops first, so nothing
        asks a closed client (its panel stays until the next window replaces it)."""
        copy, self.copy = self.copy, None
        if copy is not None:
            self._close_later(copy)
        self._stop_first_look()  # it fed the services that are closing

    def _close_later(self, service: Any) -> None:
        closing = asyncio.ensure_future(service.close())
        self._closing.add(closing)
        closing.add_done_callback(self._closing.discard)

    def _on_switched(self, profile: Profile, services: GuardedServices) -> None:
        """Another profile is connected: the new window first, then the old one closes (the last window closing
        would end the run)."""
        old_window, old_copy = self.window, self.copy
        self.profile, self.services = profile, services
        self._switcher = None
        while self._unlisten:
            self._unlisten.pop()()
        self._build_window()
        if old_copy is not None:
            self._close_later(old_copy)
        if old_window is not None:
            old_window.close()
            old_window.deleteLater()

    def _on_switch_failed(self, profile: Profile, message: str) -> None:
        """Say what failed on the window shown: the previous profile's again (the switch went back to it), or the
        old window marked as connected to nothing."""
        from terminal_app.ui.toast import ToastKind

        window = self.window
        if window is None:
            return
        back = self.profiles is not None and self.profiles.current is not None
        if not back:
            self.services = None
            window.set_disconnected(profile.name, profile.kind, message)
        window.toasts.show_toast(f"Profile {profile.name!r} not connected",
                                 message if back else f"{message} Choose a profile in File ▸ Profiles….",
                                 ToastKind.ERROR, timeout_ms=12000)

    async def _demo_exchange(self, profile: Profile) -> Exchange:
        """The embedded simulator of a Demo profile (started on first use; one per profile name)."""
        runner = self.runners.get(profile.name)
        if runner is None:
            early, self._early_exchange = self._early_exchange, None
            if early is not None and early[0] == profile.name:
                runner = early[1]  # launched first thing by __main__; start() waits for its ready line
            else:
                if early is not None:
                    early[1].stop()  # another profile opened after all
                state = None if self.smoke_test else self.paths.data_dir / demo_state_file(profile.name)
                if self.demo_sim == "process":
                    from terminal_app.sim.process import ChildConfig, SimulatorProcess

                    runner = SimulatorProcess(config=ChildConfig(state_path=state, account_mode=profile.account_mode))
                else:
                    from terminal_app.sim.runner import SimulatorRunner
                    from terminal_app.sim.server.http import SimConfig

                    runner = SimulatorRunner(config=SimConfig(state_path=state, account_mode=profile.account_mode))
            loop = asyncio.get_running_loop()
            starting = runner

            def start() -> None:
                # Not runner.start itself: qasync logs an executor's result at DEBUG, and SimInfo holds the demo key.
                starting.start()

            try:
                await loop.run_in_executor(None, start)
            except Exception as exc:  # a locked or unreadable state file, no free port, …
                raise OSError(f"The demo exchange could not start: {exc}") from exc
            self.runners[profile.name] = runner
            self.marks.setdefault("exchange_ready_ms", self.elapsed_ms())
        info = runner.info
        if info is None:  # the runner was kept only once started
            raise OSError("The demo exchange is not running.")
        endpoints = profile.endpoints(Endpoints(info.rest, info.ws_public, info.ws_private,
                                                paptrading=runner.config.require_paptrading))
        return Exchange(endpoints, Credentials(info.api_key, info.secret, info.passphrase))

    @staticmethod
    def _demo_state_file(profile: Profile) -> str:
        """The first Demo profile keeps the historic file name, so existing demo accounts stay where they were."""
        return demo_state_file(profile.name)

    # --- window -----------------------------------------------------------------------------------------------

    def _build_window(self, *, defer_tabbed: bool = False) -> None:
        """``defer_tabbed``: the panels stacked behind another's tab are built later (``_build_deferred_panels``)."""
        from terminal_app.ui.chart import ChartWidget
        from terminal_app.ui.main_window import CENTRAL, DockSpec, MainWindow

        services = self.services
        profile = self.profile
        assert services is not None
        assert profile is not None
        interval = Interval.parse(self.settings.get(CHART_INTERVAL))

        def make_chart() -> ChartWidget:
            spare, self._spare_chart = self._spare_chart, None  # built while the exchange answered (first window)
            self.chart = spare if spare is not None else ChartWidget(interval=interval, palette=self._chart_palette())
            return self.chart

        from terminal_app.services.copy_trading import CopyTradingService

        self.copy = copy = CopyTradingService(services.session)
        md = services.market_data

        def copied_prices(*_args: Any) -> None:
            # Copied positions (as follower and as trader) are valued at their symbol's last price, which the
            # market data keeps live only for symbols it watches: SOLUSDT copies showed no mark price.
            tracks = [*copy.follower_current, *copy.trader_current]
            md.watch_prices("copy", [SymbolRef(t.symbol, Product.USDT_FUTURES) for t in tracks])

        copy.follower_current_changed.connect(copied_prices)
        copy.trader_current_changed.connect(copied_prices)
        specs = [DockSpec("chart", "Chart", CENTRAL, make_chart, contexts=(Context.CHART,)),
                 *_panel_specs(services, self.settings, self.copy)]
        window = MainWindow(self.settings, self.paths, specs, profile=profile.name, kind=profile.kind,
                            defer_tabbed=defer_tabbed)
        self.window = window
        self._wire_status(window, services)
        if services.raw.countdown is not None:     # the dead man's switch and its status-bar word
            from terminal_app.ui.countdown_indicator import wire_countdown

            self._unlisten.append(wire_countdown(window.status, services.raw.countdown, self.settings))
        self._wire_chart(services)
        self._wire_actions(window, services)
        self._wire_safety(window, services)
        for problem in (*self.settings.problems, services.session.problem or ""):
            if problem:
                window.toasts.show_toast("Note", problem)
        window.fit_to_screen()
        window.show()
        handover = self._take_first_look(services, window)  # before the shell closes: it would stop the look
        shell, self._shell = self._shell, None
        if shell is not None:  # the start-up window (terminal_app.startup) has done its job
            shell.close()
            shell.deleteLater()
        # Ask for the keyboard: without a window manager (or under one that does not focus new windows) the window
        # otherwise gets no key until it is clicked, and F1, Ctrl+K and the trading keys do nothing.
        window.activateWindow()
        services.market_data.set_active(self._first_symbol())
        if handover is not None:  # the book, chart and ticker paint from the first look until the stream takes over
            handover.start()

    def _take_first_look(self, services: GuardedServices, window: MainWindow) -> Any:
        """The start-up's first look at the opening symbol, to seed the first window's market data with
        (``startup.Handover``); None for a later window or without one."""
        look, self._first_look = self._first_look, None
        if look is None or look.stopped:
            return None
        from terminal_app.startup import Handover

        self.handover = Handover(look, services.market_data, services.session.endpoints.ws_public_url, window)
        return self.handover

    def _stop_first_look(self) -> None:
        look, self._first_look = self._first_look, None
        if look is not None:
            look.stop(timeout_s=0.0)
        handover, self.handover = self.handover, None
        if handover is not None:
            handover.stop()

    def _wire_safety(self, window: MainWindow, services: GuardedServices) -> None:
        """The issue-5 safety layer on this window: profile binding, held ticket, palette, menus, doctor."""
        from terminal_app.ui.dialogs.profiles import install_profiles_menu
        from terminal_app.ui.dialogs.settings import install_settings_menu
        from terminal_app.ui.doctor import TicketHold, install_doctor
        from terminal_app.ui.journal import install_journal_menu
        from terminal_app.ui.palette import PaletteEngine, install_palette

        profiles = self.profiles
        assert profiles is not None
        profiles.window = window
        helpers: list[Any] = []
        ticket = self.panel("ticket")
        if ticket is not None:
            helpers.append(TicketHold(ticket, services.trading))
        self.palette = install_palette(window, PaletteEngine(lambda: profiles.current, on_interval=self.set_interval))
        helpers.append(self.palette)
        # These build QActions of their own; the table's entries (keys, palette, cheat-sheet) take their place.
        registry = window.registry
        journal_menu = install_journal_menu(window, self.journal)
        for key in ("export_fills", "export_orders", "daily_pnl"):
            registry.route(f"journal.{key}", journal_menu.actions[key])
        profiles_menu = install_profiles_menu(window, profiles, self.store)
        registry.route("profiles", profiles_menu.actions["profiles"])
        registry.route("api_key", profiles_menu.actions["api_key"])
        doctor = install_doctor(window, profiles)
        registry.route("account_doctor", doctor.action)
        registry.on("account.transfer", lambda: self._open_transfer(window, services))
        helpers += [journal_menu, install_settings_menu(window), profiles_menu, doctor]
        self._helpers = helpers

    def _open_transfer(self, window: Any, services: GuardedServices) -> None:
        from terminal_app.ui.dialogs.transfer import open_transfer_dialog
        self.transfer_dialog = open_transfer_dialog(window, services.account)

    def _first_symbol(self) -> SymbolRef:
        markets = self.services.session.markets if self.services else {}
        for key in self.settings.get(WATCHLIST):
            ref = parse_symbol(key)
            if not markets or ref.key in markets:
                return ref
        return DEFAULT_SYMBOL

    def _wire_status(self, window: MainWindow, services: GuardedServices) -> None:
        from terminal_app.ui.format import MarketPlaces, fmt_fixed
        from terminal_app.ui.toast import ToastKind

        connection = services.connection
        connection.health_changed.connect(window.status.update_health)
        window.status.update_health(connection.snapshot())

        def rejected(view: Any, message: str) -> None:
            window.toasts.show_toast(f"Order rejected: {view.side} {view.ref.display}", message, ToastKind.ERROR)

        places = MarketPlaces(services.market_data.market)

        def filled(fill: Any) -> None:
            ref = SymbolRef(fill.symbol, fill.product)
            window.toasts.show_fill(fill.side, ref.display, f"{fill.size.normalize():f}",
                                    fmt_fixed(fill.price, places.price(ref)))

        def state(name: str) -> None:
            if name == "failed":
                window.toasts.show_toast("Connection", "The exchange refused the API key; see the log.",
                                         ToastKind.ERROR)

        def cancelled(view: Any) -> None:
            size = f"{view.remaining.normalize():f}" if view.filled else f"{view.size.normalize():f}"
            window.toasts.show_toast(f"Order cancelled by the exchange: {view.side} {size} {view.ref.display}",
                                     view.reason, ToastKind.ERROR, timeout_ms=12000)

        services.trading.order_rejected.connect(rejected)
        services.trading.cancelled_unasked.connect(cancelled)
        services.trading.fill_received.connect(filled)
        services.account.error.connect(lambda text: window.toasts.show_toast("Account", text, ToastKind.ERROR))
        connection.state_changed.connect(state)
        if services.tools is not None:  # reverse outcomes, margin and bill failures
            services.tools.said.connect(lambda title, text: window.toasts.show_toast(title, text))

    def _chart_palette(self) -> Any:
        """The chart's colours for the theme and market-colour settings."""
        from terminal_app.ui.chart import ChartPalette

        dark = self.settings.get(THEME) != "light"
        if self.settings.get(PALETTE) == "blue-orange":
            return ChartPalette.colour_blind(dark)
        return ChartPalette.dark() if dark else ChartPalette.light()

    def _wire_chart(self, services: GuardedServices) -> None:
        from terminal_app.ui.chart.persist import bind_indicators
        from terminal_app.ui.docks import links_for

        chart = self.chart
        if chart is None:
            return
        self._unlisten.append(self.settings.add_listener(
            lambda setting, _value: chart.set_palette(self._chart_palette()) if setting in (THEME, PALETTE) else None))
        self._unlisten.append(bind_indicators(chart, self.settings))  # the indicators on at the last exit
        md = services.market_data
        expected = {"total": 0}

        def loading(total: int) -> None:
            expected["total"] = total
            chart.begin_loading(total)

        def page(n: int) -> None:
            chart.page_loaded(n)
            if n >= expected["total"]:
                chart.end_loading()

        def current(ref: SymbolRef, interval: str) -> bool:
            return ref == md.active and interval == md.interval.value

        def history(ref: SymbolRef, interval: str, rows: list[Any]) -> None:
            if current(ref, interval):
                market = md.market(ref)
                chart.set_interval(interval)
                chart.set_price_decimals(market.price_places if market is not None else None)
                chart.set_history(rows)
                self.marks.setdefault("chart_ms", self.elapsed_ms())

        def decimals(ref: SymbolRef) -> None:
            # At once, before the history: the tags, the mark price and the position lines of the new symbol are
            # printed on its tick, not the previous symbol's.
            market = md.market(ref)
            chart.set_price_decimals(market.price_places if market is not None else None)

        md.active_changed.connect(decimals)
        md.candles_loading.connect(loading)
        md.candles_page.connect(page)
        md.candles_history.connect(history)
        md.candles_older.connect(lambda ref, iv, rows: chart.prepend_history(rows) if current(ref, iv) else None)
        md.candle_live.connect(lambda ref, iv, row: chart.apply_live(row) if current(ref, iv) else None)
        md.interval_changed.connect(chart.set_interval)
        chart.interval_changed.connect(self.set_interval)
        chart.older_history_wanted.connect(md.load_older)

        trading, account = services.trading, services.account

        def order_lines(*_args: Any) -> None:
            ref = md.active
            views = trading.open_orders(ref) if ref is not None else []
            chart.set_order_lines([(v.client_oid, v.price, v.side, f"{v.side} {v.remaining.normalize():f}")
                                   for v in views if v.price is not None])

        def position_lines(*_args: Any) -> None:
            ref = md.active
            position = account.position(ref) if ref is not None and ref.is_futures else None
            chart.set_position_lines(position.open_price_avg if position else None,
                                     position.liquidation_price if position else None)

        def title(*_args: Any) -> None:
            from terminal_app.ui.main_window import CentralPanel

            panel = chart.parentWidget()
            if isinstance(panel, CentralPanel) and md.active is not None:
                panel.title.setText(f"Chart  ·  {md.active.display}  ·  {md.interval.value}")

        md.active_changed.connect(title)
        md.interval_changed.connect(title)
        self._wire_chart_perpetual(services, chart)
        def on_tick(ref: SymbolRef | None, price: float) -> Decimal | None:
            """A price the chart drew (a float) as a price the market accepts."""
            market = md.market(ref) if ref is not None else None
            if market is None or not math.isfinite(price):
                return None
            rounded = round_to_tick(Decimal(repr(price)), market)
            return rounded if rounded > 0 else None

        def order_moved(client_oid: str, price: float) -> None:
            view = trading.order(client_oid)
            if view is None:
                return
            new_price = on_tick(view.ref, price)
            if new_price is not None and new_price != view.price:
                trading.modify(client_oid, new_price, None)  # guarded: a dragged price passes the fat-finger band

        def price_clicked(price: float) -> None:
            picked = on_tick(md.active, price)
            if picked is not None:
                links_for(services).price_picked.emit(picked)

        chart.order_moved.connect(order_moved)
        chart.price_clicked.connect(price_clicked)
        if services.algo is not None:  # stops, trailing stops and TP/SL: drag to move, click to cancel
            from terminal_app.ui.chart.algo_lines import wire_algo_lines

            wire_algo_lines(chart, services.algo, md, on_tick, services.trading, oco=services.oco)
        # A key press that sends an order emits its updates before the request can leave, and each new line is a
        # pyqtgraph item (milliseconds): draw the lines a frame later, once for a burst of updates.
        from PySide6.QtCore import QTimer

        self.order_lines_timer = lines_later = QTimer(chart)  # its timeout: the lines were just drawn
        lines_later.setSingleShot(True)
        lines_later.setInterval(ORDER_LINES_DELAY_MS)
        lines_later.timeout.connect(order_lines)

        def order_lines_soon(*_args: Any) -> None:
            if not lines_later.isActive():
                lines_later.start()

        trading.orders_changed.connect(order_lines_soon)
        trading.order_updated.connect(order_lines_soon)
        account.positions_changed.connect(position_lines)
        md.active_changed.connect(order_lines)
        md.active_changed.connect(position_lines)

    def _wire_chart_perpetual(self, services: GuardedServices, chart: ChartWidget) -> None:
        """Mark price and funding countdown of the active perpetual, from its ticker (nothing for spot)."""
        md = services.market_data
        chart.now_ms = services.session.clock.now_ms  # the countdown runs on the exchange's clock

        def show(ticker: Any) -> None:
            ref = md.active
            if ticker is None or ref is None or not ref.is_futures:
                chart.set_perpetual(None)
            else:
                chart.set_perpetual(ticker.mark_price, ticker.funding_rate, ticker.next_funding_time)

        def ticker_changed(ticker: Any) -> None:
            if ticker.ref == md.active:
                show(ticker)

        def active_changed(ref: SymbolRef) -> None:
            show(md.ticker(ref))  # the last ticker if it is known, else nothing until the first one

        md.ticker_changed.connect(ticker_changed)
        md.active_changed.connect(active_changed)

    # --- actions ----------------------------------------------------------------------------------------------

    def panel(self, panel_id: str) -> Any | None:
        window = self.window
        if window is None:
            return None
        try:
            return window.panel(panel_id)
        except KeyError:
            return None

    def set_interval(self, interval: str) -> None:
        services = self.services
        if services is None:
            return
        services.market_data.set_interval(interval)
        self.settings.set(CHART_INTERVAL, Interval.parse(interval).value)

    def _wire_actions(self, window: MainWindow, services: GuardedServices) -> None:
        from terminal_app.ui.toast import ToastKind

        registry = window.registry
        ticket = self.panel("ticket")
        if ticket is not None:
            registry.on("order.buy", lambda: ticket.submit("buy"))
            registry.on("order.sell", lambda: ticket.submit("sell"))
            registry.on("order.stop_buy", lambda: ticket.submit_stop("buy"))
            registry.on("order.stop_sell", lambda: ticket.submit_stop("sell"))
            registry.on("order.join_bid", lambda: self._join("buy"))
            registry.on("order.join_ask", lambda: self._join("sell"))
            registry.on("ticket.post_only", ticket.toggle_post_only)
            registry.on("ticket.reduce_only", ticket.toggle_reduce_only)
            for pct in SIZE_PRESETS:
                registry.on(f"ticket.size_{pct}", lambda pct=pct: ticket.apply_size_preset(pct))
        def notify(title: str, text: str, kind: ToastKind = ToastKind.INFO) -> None:
            if window is self.window:  # the panic controller outlives a replaced window and keeps its connection
                window.toasts.show_toast(title, text, kind)

        install_trading_actions(registry, TradingCommands(lambda: self.profiles.current if self.profiles else None),
                                self.panic, notify, lambda title, text: notify(title, text, ToastKind.ERROR))
        for iv in INTERVALS:
            registry.on(f"chart.interval.{iv}", lambda iv=iv: self.set_interval(iv))
        chart = self.chart
        if chart is not None:
            from terminal_app.ui.chart.widget import PAN_STEP, ZOOM_STEP

            registry.on("chart.zoom_in", lambda: chart.zoom(1 / ZOOM_STEP))
            registry.on("chart.zoom_out", lambda: chart.zoom(ZOOM_STEP))
            registry.on("chart.scroll_back", lambda: chart.pan(-PAN_STEP))
            registry.on("chart.scroll_forward", lambda: chart.pan(PAN_STEP))
            registry.on("chart.latest", chart.go_latest)
            registry.on("chart.reset", chart.reset_view)
        registry.on("symbol.switch", lambda: self.open_symbol_switcher(""))
        window.symbol_typed.connect(self.open_symbol_switcher)

    def _join(self, side: str) -> None:
        ticket = self.panel("ticket")
        ref = self.services.market_data.active if self.services else None
        book = self.services.market_data.book(ref) if self.services and ref else None
        if ticket is None or book is None:
            return
        price = book.best_bid_price() if side == "buy" else book.best_ask_price()
        if price is None:
            return
        ticket.set_order_type("limit")
        ticket.set_price(price)
        ticket.submit(side)

    def open_symbol_switcher(self, typed: str = "") -> Any:
        """A small non-modal box: type a symbol (V1 or V2 name), Enter loads it everywhere."""
        from PySide6.QtWidgets import QInputDialog

        services, window = self.services, self.window
        if services is None or window is None:
            return None
        if self._switcher is None:
            box = QInputDialog(window)
            box.setObjectName("SymbolSwitcher")
            box.setWindowTitle("Switch symbol")
            box.setLabelText("Symbol (BTCUSDT, ETHUSDT PERP, BTCUSDT_UMCBL…):")
            box.setComboBoxEditable(True)
            box.setComboBoxItems(sorted(m.ref.display for m in services.session.markets.values()))
            box.textValueSelected.connect(self.switch_symbol)
            self._switcher = box
        self._switcher.setTextValue(typed)
        self._switcher.open()
        return self._switcher

    def switch_symbol(self, text: str) -> SymbolRef | None:
        services, window = self.services, self.window
        if services is None or window is None:
            return None
        try:
            ref = resolve_listed(text, services.session.markets)
        except UnknownSymbol as exc:
            window.toasts.show_toast("Unknown symbol", exc.user_message)
            return None
        if services.session.markets and ref.key not in services.session.markets:
            window.toasts.show_toast("Unknown symbol", f"{ref.display} ({ref.product.label}) is not listed.")
            return None
        services.market_data.set_active(ref)
        return ref

    # --- shutdown ---------------------------------------------------------------------------------------------

    async def shutdown(self) -> None:
        self._stop_first_look()
        spare, self._spare_chart = self._spare_chart, None
        if spare is not None:  # no window took it (the profile did not connect)
            spare.deleteLater()
        window = self.window
        if window is not None and window.isVisible():
            window.close()
        if self.copy is not None:
            await self.copy.close()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)
        if self.profiles is not None:
            await self.profiles.close()
        elif self.services is not None:
            await self.services.close()
        loop = asyncio.get_running_loop()
        early, self._early_exchange = self._early_exchange, None
        if early is not None:  # launched for a profile that never opened
            await loop.run_in_executor(None, early[1].stop)
        while self.runners:
            _name, runner = self.runners.popitem()
            await loop.run_in_executor(None, runner.stop)
        if window is not None:
            # Deleted, not only hidden (after the services stopped feeding it): a window left alive is restyled with
            # every later style change in the process.
            window.deleteLater()
        if self._tmp is not None:
            with contextlib.suppress(OSError):
                self._tmp.cleanup()


async def _until_closed(app: Any) -> None:
    closed = asyncio.get_running_loop().create_future()

    def finish(*_args: Any) -> None:
        if not closed.done():
            closed.set_result(None)

    app.lastWindowClosed.connect(finish)
    previous = signal.signal(signal.SIGINT, lambda *_a: asyncio.get_running_loop().call_soon_threadsafe(finish))
    try:
        await closed
    finally:
        signal.signal(signal.SIGINT, previous)


def _show_startup_error(message: str) -> None:
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QMessageBox

    if QGuiApplication.platformName() in ("offscreen", "minimal"):
        return
    QMessageBox.critical(None, "Bitget Terminal could not start", message)


async def _main(terminal: Terminal, collector: MainThreadGc, start_probe_at: float | None = None,
                early_marks: dict[str, float] | None = None) -> int:
    try:
        if start_probe_at is not None:
            from terminal_app.bench.start_probe import probe

            return await probe(terminal, start_probe_at, early_marks)  # bench start: when the frame and the data showed
        if terminal.smoke_test:
            from terminal_app.smoke import run_smoke

            return await run_smoke(terminal)  # starts the terminal within the smoke test's time budget
        try:
            await terminal.start()
        except StartupError as exc:
            print(f"terminal-app: {exc}", file=sys.stderr)
            _show_startup_error(str(exc))  # started from a desktop menu, nobody reads stderr
            return 1
        collector.freeze()
        await _until_closed(terminal.app)
        return 0
    finally:
        await terminal.shutdown()


def run_app(profile: str | None = None, smoke_test: bool = False, start_probe: bool = False,
            prepared: Prepared | None = None) -> int:
    """Run the terminal until its window closes (or the smoke test ends); returns the exit status.

    ``prepared``: what ``__main__`` began before importing this module (the demo exchange's child, see
    :mod:`terminal_app.startup`); prepared here otherwise."""
    run_app_at = time.monotonic()
    if prepared is None:
        prepared = prepare(profile, smoke_test=smoke_test)
    if smoke_test or start_probe:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # One log (services.logbook): the Log panel's ring from the first record on, stderr, and the rotating file once
    # the terminal knows its folders.
    book = logbook.install(logging.INFO if not smoke_test else logging.WARNING)
    from terminal_app import frozen

    if prepared.qt_app is None:  # else __main__ checked, and Qt has since started
        frozen.ensure_gui_can_start()
    if frozen.is_frozen():
        frozen.install_crash_report()

    import qasync
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from terminal_app.ui.chart.none_guard import pin_none

    pin_none()
    existing = prepared.qt_app or QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("Bitget Terminal")
    app.setWindowIcon(frozen.app_icon())
    collector = MainThreadGc()
    # Python runs signal handlers only between bytecodes; a timer makes sure that happens while Qt idles.
    wake = QTimer()
    wake.start(200)
    wake.timeout.connect(lambda: None)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        terminal = Terminal(app, profile=profile, smoke_test=smoke_test, prepared=prepared)
        try:
            log.info("log file: %s", book.open_file(terminal.paths.log_dir))
        except OSError as exc:  # a read-only or full disk: the terminal still runs, the panel still logs
            log.error("The log file cannot be written: %s", exc)
        with loop:
            status: int = loop.run_until_complete(_main(terminal, collector, run_app_at if start_probe else None,
                                                        prepared.marks))
    finally:
        wake.stop()
        collector.stop()
        asyncio.set_event_loop(None)
        book.close()  # writes what is still queued for the file
    return status


__all__ = ["StartupError", "Terminal", "run_app"]
