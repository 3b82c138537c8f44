"""What the terminal's start-up begins before its heavy imports: the demo exchange's child process.

The Demo profile's exchange is a child process (``sim.process``) that needs about half a second to import and build
its markets: the start-up's longest path. ``__main__`` launches it first thing, before it reads the configuration
(``SimulatorProcess.launch_unconfigured``: the child imports meanwhile, then gets its settings on stdin) and before
Qt, pyqtgraph, numpy and aiohttp are imported, so it gets ready while the GUI's process imports and builds its window,
instead of after. Only when a Demo profile may open: ``__main__`` first peeks at the two configuration files
(``config.peek``, json alone), and a Bitget profile launches no child. Resolving which profile will open costs only
the configuration modules (JSON files; ``bitget.endpoints`` keeps the HTTP stack out of them).

:func:`prepare` mirrors :meth:`terminal_app.app.Terminal.start`'s choice of profile and of demo state file; it
configures that child for a Demo profile and lets it go for a Bitget one. The terminal takes the child over when the
profile it opens is the one prepared (anything else — a profile switch, an unreadable profile file — falls back to
starting a child when needed, as before).

For a Demo profile it also starts a first look at the opening symbol (:class:`EarlyLook` around
``bitget.first_look``: a thread that imports what it needs, waits for the child's ready line, then reads ticker, book
and candles from its public stream), which the start-up window shows (``ui.shell``). :func:`import_in_steps` then
imports the heavy modules one group at a time and lets Qt paint between them and between the modules of each group
(:func:`painting_between_modules`), so those prices show as soon as they arrive and keep moving while the terminal
loads.

Where the time goes (issue 16, ``bench start``): the child's own start (~0.45 s of imports — aiohttp, numpy, the
engine's modules — and of building the books on a quiet machine; its TLS contexts skip the system's certificates,
see ``sim.process.child_environment``), this process's imports (~0.5 s: numpy, aiohttp — imported without the
system's certificates too, ``bitget.tls`` —, pyqtgraph — its copy of Qt's modules made lazy, ``ui.qt_mirror`` —, the
services), the services' first REST round trips (the window's own modules are imported meanwhile:
:data:`WINDOW_IMPORTS`; the plain-HTTP demo exchange needs no TLS context, ``bitget.transport``), the main window's
construction (the chart's price and volume plots — RSI and MACD are built when first shown —, the visible panels; the
panels behind tabs are built after its first frame), then its first frame, which already shows the first look's
market (:class:`Handover`) instead of waiting for the terminal's own subscriptions and candle history (0.6-0.9 s more
on a quiet machine, 2.6 s under load). Once ready the child runs at a lower CPU priority (``sim.process.CHILD_NICE``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from terminal_app.config.paths import AppPaths
from terminal_app.core.health import ProfileKind

if TYPE_CHECKING:
    from terminal_app.sim.process import SimulatorProcess

log = logging.getLogger("terminal_app.startup")

DEMO_STATE_FILE = "demo-exchange.sqlite3"


def demo_state_file(profile_name: str) -> str:
    """The first Demo profile keeps the historic file name, so existing demo accounts stay where they were."""
    if profile_name == "Demo":
        return DEMO_STATE_FILE
    safe = "".join(c if c.isalnum() else "-" for c in profile_name)
    return f"demo-exchange-{safe}.sqlite3"


@dataclass
class Prepared:
    """The folders of this run and, for a Demo profile, its exchange's child process (launched, maybe not ready);
    after :func:`open_shell`, the QApplication and the start-up window too."""

    paths: AppPaths | None = None
    tmp: tempfile.TemporaryDirectory[str] | None = None  # the smoke test's throwaway home, removed at shutdown
    exchange_profile: str | None = None
    exchange: object | None = None  # a launched terminal_app.sim.process.SimulatorProcess
    profile_name: str | None = None
    qt_app: Any = None
    shell: Any = None  # a terminal_app.ui.shell.StartupShell, closed when the main window shows
    first_look: EarlyLook | None = None  # the opening symbol's market from the demo exchange's public stream
    marks: dict[str, float] = field(default_factory=dict)  # CLOCK_MONOTONIC of each step, for bench start

    def stop_exchange(self) -> None:
        """The terminal will not start after all (no screen): stop the child launched for it, and the first look."""
        look, self.first_look = self.first_look, None
        if look is not None:
            look.stop(timeout_s=0.0)
        exchange, self.exchange = self.exchange, None
        if exchange is not None:
            exchange.stop()  # type: ignore[attr-defined]  # a SimulatorProcess (kept untyped: not imported here)


def open_shell(prepared: Prepared) -> Prepared:
    """Make the QApplication and show the start-up window now, before the heavy imports (Qt is all it needs).

    Called outside any event loop (``__main__``, after ``frozen.ensure_gui_can_start``), so painting it with
    ``processEvents`` is safe here.
    """
    from PySide6.QtWidgets import QApplication

    from terminal_app.ui.chart.none_guard import pin_none

    pin_none()
    _quicker_pyside_import_check()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Bitget Terminal")
    from terminal_app.ui.shell import StartupShell

    prepared.marks["qt_app"] = time.monotonic()
    shell = StartupShell(prepared.profile_name)
    look = prepared.first_look
    if look is not None:
        marks = prepared.marks

        def stopped() -> None:  # the main window took over: the first look has done its job here
            view = shell.look
            if view is not None and view.live_at is not None:
                marks.setdefault("shell_live", view.live_at)
            if not look.handed_over:  # else it feeds the main window until its stream takes over (Handover)
                look.stop(timeout_s=0.0)

        shell.show_market(look.latest, stopped)
    shell.show()
    app.processEvents()
    if shell.painted_at is not None:
        prepared.marks["shell_frame"] = shell.painted_at
    if look is not None:
        look.start()
    prepared.qt_app, prepared.shell = app, shell
    return prepared


def prepare(profile: str | None = None, *, smoke_test: bool = False,
            early: SimulatorProcess | None = None) -> Prepared:
    """Folders, and the demo exchange's child launched if the profile that will open is a Demo one.

    ``early``: a child ``__main__`` launched before this module was even imported
    (``SimulatorProcess.launch_unconfigured``): it is configured for the Demo profile, or let go."""
    try:
        return _prepare(profile, smoke_test, early)
    except BaseException:
        if early is not None:
            early.discard()  # nobody will take it
        raise


def _prepare(profile: str | None, smoke_test: bool, early: SimulatorProcess | None) -> Prepared:
    tmp = None
    if smoke_test and not os.environ.get("BITGET_TERMINAL_HOME"):
        tmp = tempfile.TemporaryDirectory(prefix="bitget-terminal-smoke-")
        paths = AppPaths.under(Path(tmp.name))
    else:
        paths = AppPaths.default()
    prepared = Prepared(paths.ensure(), tmp)
    prepared.marks["prepare"] = time.monotonic()
    try:
        from terminal_app.config.profiles import ProfileBook, active_profile, profiles_path
        from terminal_app.config.settings import Settings

        book = ProfileBook.load(profiles_path(paths.config_dir))
        settings = Settings.load(paths.settings_file)
        chosen = book.first_demo() if smoke_test else active_profile(book, settings, profile)
    except Exception:  # the terminal's own start reports what is wrong with the configuration
        log.debug("no early demo exchange: the profile could not be resolved", exc_info=True)
        if early is not None:
            early.discard()
        return prepared
    prepared.profile_name = chosen.name
    if chosen.kind is not ProfileKind.DEMO or chosen.has_overrides:
        if early is not None:
            early.discard()  # a Bitget profile: no simulator
        return prepared
    from terminal_app.sim.process import ChildConfig, SimulatorProcess

    state = None if smoke_test else paths.data_dir / demo_state_file(chosen.name)
    config = ChildConfig(state_path=state, account_mode=chosen.account_mode)
    if early is not None:
        early.configure(config)
        exchange = early
    else:
        exchange = SimulatorProcess(config=config)
        try:
            exchange.launch()
        except OSError:
            log.debug("no early demo exchange: the child could not be started", exc_info=True)
            return prepared
    prepared.marks["exchange_launched"] = exchange.launched_at or time.monotonic()
    prepared.exchange_profile, prepared.exchange = chosen.name, exchange
    _first_look(prepared, exchange, settings)
    return prepared


def _first_look(prepared: Prepared, exchange: Any, settings: Any) -> None:
    """Start reading the opening symbol's market from the demo exchange as soon as it is ready (on a thread)."""
    from terminal_app.config.settings import CHART_INTERVAL, WATCHLIST

    keys = settings.get(WATCHLIST)
    marks = prepared.marks

    def url() -> str:
        public = str(exchange.start().ws_public)
        marks.setdefault("exchange_line", time.monotonic())  # bench start: the child's ready line, read here first
        return public

    prepared.first_look = EarlyLook(keys[0] if keys else "BTCUSDT", str(settings.get(CHART_INTERVAL)), url)


class EarlyLook:
    """A ``bitget.first_look.FirstLook`` built and run on a thread of its own: its imports (the wire parsers, the
    symbol table) stay off the start-up window's first frame. ``latest()`` is None until it is built."""

    def __init__(self, symbol_key: str, interval: str, url: Callable[[], str]) -> None:
        self.look: Any = None
        self.error: str | None = None
        self.handed_over = False  # the terminal took it (Handover): closing the start-up window does not stop it
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(symbol_key, interval, url), name="first-look",
                                        daemon=True)

    def start(self) -> EarlyLook:
        """Once the start-up window has painted (:func:`open_shell`): the thread's imports would share the GIL with
        that first frame."""
        if self._thread.ident is None and not self._stopped.is_set():  # not started yet
            self._thread.start()
        return self

    def _run(self, symbol_key: str, interval: str, url: Callable[[], str]) -> None:
        from terminal_app.bitget.first_look import FirstLook
        from terminal_app.core.instruments import UnknownSymbol
        from terminal_app.services.symbols import parse_symbol

        try:  # the terminal opens on the watchlist's first symbol (Terminal._first_symbol)
            look = FirstLook(url, parse_symbol(symbol_key), interval)
        except UnknownSymbol as exc:
            self.error = str(exc)
            return
        self.look = look
        if not self._stopped.is_set():
            look.run()
        self.error = look.error

    def latest(self) -> Any:
        look = self.look
        return look.latest() if look is not None else None

    @property
    def url(self) -> str | None:
        """The public stream it reads, once the exchange is ready."""
        look = self.look
        return look.url if look is not None else None

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def stop(self, timeout_s: float = 2.0) -> None:
        self._stopped.set()
        look = self.look
        if look is not None:
            look.stop(timeout_s=0.0)
        if timeout_s > 0 and self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout_s)


class Handover:
    """The first look's market given to the main window's market data (``services.market_data.MarketDataService.seed``)
    as soon as the window is built, then again whenever the look has something newer, until the service's own stream
    and history have replaced every part (or :data:`HANDOVER_LIMIT_S` passed); the look stops then.

    Only when the look reads the stream the services read (``ws_public``: the same exchange) and the service's active
    symbol is the look's (the watchlist's first, as both choose it). Polls on a Qt timer: the look runs on a thread and
    ``latest()`` is one attribute read, so nothing crosses threads but that immutable value.
    """

    def __init__(self, look: EarlyLook, market_data: Any, ws_public: str, parent: Any = None) -> None:
        from PySide6.QtCore import QTimer

        self.look, self._md, self._ws_public = look, market_data, ws_public
        look.handed_over = True
        self._given: Any = None
        self._until = time.monotonic() + HANDOVER_LIMIT_S
        self.seeded = False  # something was given
        self.timer = QTimer(parent)
        self.timer.setInterval(HANDOVER_POLL_MS)
        self.timer.timeout.connect(self.poll)

    def start(self) -> Handover:
        self.poll()
        if not self.done:
            self.timer.start()
        return self

    @property
    def done(self) -> bool:
        return self.look.stopped

    def poll(self) -> None:
        look = self.look
        if look.stopped:
            self.timer.stop()
            return
        url, latest = look.url, look.latest()
        if (url is not None and url != self._ws_public) or time.monotonic() > self._until or look.error:
            self.stop()
            return
        if latest is None or url is None:
            return  # not reading yet
        md = self._md
        if latest is self._given:  # nothing new: only whether the stream has taken over
            finished = md.seed(latest.ref, latest.interval)
        else:
            self._given = latest
            finished = md.seed(latest.ref, latest.interval, ticker=latest.ticker, bids=latest.bids,
                               asks=latest.asks, candles=latest.candles)
            self.seeded = self.seeded or latest.pushes > 0
        if finished:
            self.stop()

    def stop(self) -> None:
        self.timer.stop()
        self.look.stop(timeout_s=0.0)


HANDOVER_POLL_MS = 25
HANDOVER_LIMIT_S = 20.0  # a stream that has not taken over by then never will soon: the terminal says so its own way


# The heavy imports, in the order the terminal needs them, each a step after which Qt may paint (the start-up window
# and its first look). One import of terminal_app.app would pull them all in one block.
IMPORT_STEPS = (
    "numpy", "aiohttp", "terminal_app.bitget.http", "terminal_app.bitget.ws", "terminal_app.services.session",
    "terminal_app.services.guards", "terminal_app.config.secrets", "pyqtgraph", "terminal_app.ui.chart.widget",
    "terminal_app.ui.main_window", "terminal_app.ui.docks", "terminal_app.app",
)


# What the main window's construction imports (Terminal._build_window: the panels, the copy-trading workspace, the
# palette, menus, dialogs). Terminal.start imports them while it waits for the exchange's first answers, when the GUI
# thread has nothing else to do; whatever is left when the services are up is imported by the build as before.
WINDOW_IMPORTS = (
    "terminal_app.ui.format", "terminal_app.ui.models.table", "terminal_app.ui.docks.common",
    "terminal_app.ui.docks.watchlist", "terminal_app.ui.docks.ladder", "terminal_app.ui.docks.tape",
    "terminal_app.ui.docks.ticket", "terminal_app.ui.docks.orders", "terminal_app.ui.docks.positions",
    "terminal_app.ui.docks.balances", "terminal_app.ui.docks.log", "terminal_app.ui.docks.closed_positions",
    "terminal_app.services.copy_trading", "terminal_app.ui.copy.workspace", "terminal_app.ui.palette",
    "terminal_app.ui.journal", "terminal_app.ui.dialogs.profiles", "terminal_app.ui.dialogs.settings",
    "terminal_app.ui.countdown_indicator", "terminal_app.ui.chart.persist", "terminal_app.ui.chart.algo_lines",
)


async def import_while_waiting(names: tuple[str, ...] = WINDOW_IMPORTS) -> None:
    """Import ``names`` one per turn of the running event loop (the caller cancels it once it needs the loop)."""
    import asyncio
    import importlib

    for name in names:
        await asyncio.sleep(0)
        importlib.import_module(name)


def import_in_steps(prepared: Prepared) -> None:
    """Import :data:`IMPORT_STEPS` one by one, letting Qt process its events between them and, every
    :data:`PAINT_EVERY_S`, between the modules each of them imports (outside any event loop, like
    :func:`open_shell`). Only with a start-up window to keep painting: one step alone (pyqtgraph, aiohttp) is 0.1-0.2 s
    on a quiet machine, several times that under load, and the first look's market arriving then waited for it."""
    app = prepared.qt_app
    painting = app is not None and prepared.shell is not None
    # The first look's thread reads the market meanwhile: each time its socket has something it waits for the GIL,
    # which these imports hold (pure Python) and hand over every switch interval (5 ms by default); a first look
    # takes a few dozen such turns.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, SWITCH_INTERVAL_S))
    try:
        with painting_between_modules(app if painting else None):
            for name in IMPORT_STEPS:
                _import_step(name)
                if painting:
                    app.processEvents()
    finally:
        sys.setswitchinterval(interval)
    prepared.marks["imported"] = time.monotonic()


def _import_step(name: str) -> None:
    """aiohttp without the system's certificate authorities (``bitget.tls``: nothing in this process uses its
    default TLS contexts, and filling them was 50-100 ms of this step); pyqtgraph mirrors Qt lazily
    (``ui.qt_mirror``, installed by importing ``terminal_app.ui``)."""
    import importlib

    if name == "aiohttp":
        from terminal_app.bitget.tls import import_aiohttp_without_authorities

        import_aiohttp_without_authorities()
    importlib.import_module(name)


SWITCH_INTERVAL_S = 0.001


PAINT_EVERY_S = 0.016  # a frame


class _PaintBetweenModules:
    """A ``sys.meta_path`` finder that finds nothing: asked first for every module about to be imported, it lets Qt
    process its events when :data:`PAINT_EVERY_S` has passed since it last did. On the GUI thread only (the first
    look's thread imports its parsers meanwhile), never inside itself (a handler may import)."""

    def __init__(self, app: Any, every_s: float) -> None:
        self._app = app
        self._every_s = every_s
        self._next = time.monotonic() + every_s
        self._thread = threading.get_ident()
        self._busy = False

    def find_spec(self, _name: str, _path: Any = None, _target: Any = None) -> None:
        if self._busy or threading.get_ident() != self._thread:
            return None
        now = time.monotonic()
        if now >= self._next:
            self._busy = True
            try:
                self._app.processEvents()
            finally:
                self._busy = False
                self._next = time.monotonic() + self._every_s
        return None


@contextlib.contextmanager
def painting_between_modules(app: Any, every_s: float = PAINT_EVERY_S) -> Iterator[None]:
    """While in the block, Qt's events are processed between the modules it imports (``app`` None: nothing)."""
    if app is None:
        yield
        return
    finder = _PaintBetweenModules(app, every_s)
    sys.meta_path.insert(0, finder)  # a finder by protocol: find_spec only
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.meta_path.remove(finder)


def _quicker_pyside_import_check() -> None:
    """PySide6 checks every module imported after it for the word "PySide6" (its ``__feature__`` switches) through
    ``inspect.getsource``, which looks the module up among all of ``sys.modules`` each time: a sixth to a quarter of
    the terminal's import time (bench start, cProfile). The same test on the file's bytes gives the same answer."""
    feature = sys.modules.get("shibokensupport.feature")
    if feature is None or not callable(getattr(feature, "_mod_uses_pyside", None)):
        return

    def uses_pyside(module: Any) -> bool:
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or not path.endswith(".py"):
            return False  # inspect.getsource finds no source for these either
        try:
            with open(path, "rb") as source:
                return b"PySide6" in source.read()
        except OSError:
            return False

    feature._mod_uses_pyside = uses_pyside  # type: ignore[attr-defined]  # PySide6's private hook, checked above
