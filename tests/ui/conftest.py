"""Qt fixtures for UI tests: coroutines on a qasync loop, an awaitable signal wait, app dirs and a main window.

Two ways to run a coroutine on the Qt event loop (environment.md, "How pytest-qt and qasync work together"):

* ``@pytest.mark.asyncio async def test_x(qtbot, wait_signal)``: the hook below makes pytest-asyncio build the test's
  loop as a ``qasync.QEventLoop`` on the one QApplication, so ``asyncio.get_running_loop()`` *is* Qt's loop;
* a plain test taking ``qloop`` and calling ``qloop.run_until_complete(scenario())``.

Inside a coroutine never use ``qtbot.waitSignal``/``waitUntil``/``wait``: they spin a nested Qt loop that deadlocks
qasync (environment.md pitfall 3). Await ``wait_signal(signal, timeout)`` instead; it only awaits a future.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtCore import Qt, SignalInstance
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from terminal_app.config.paths import AppPaths
from terminal_app.config.settings import KEY_BINDINGS, Settings
from terminal_app.core.health import ProfileKind
from terminal_app.ui.chart.none_guard import pin_none
from terminal_app.ui.main_window import DockSpec, MainWindow

# PySide6 6.12 on Python 3.11 drops a reference to None on every void call and to True on every emit(); unpinned,
# a long enough GUI test session aborts with "none_dealloc"/"bool_dealloc" (see ui/chart/none_guard.py).
pin_none()

WaitSignal = Callable[..., Awaitable[tuple[Any, ...]]]


def _qasync_loop() -> asyncio.AbstractEventLoop:
    app = QApplication.instance() or QApplication([])
    return qasync.QEventLoop(app)


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> dict[str, Callable[[], Any]]:
    # A conftest hook: pytest-asyncio asks it per item, so only tests under tests/ui run on qasync.
    return {"qasync": _qasync_loop}


async def wait_signal_async(signal: SignalInstance, timeout: float = 5.0) -> tuple[Any, ...]:  # noqa: ASYNC109
    """The arguments of the next emission of ``signal``; TimeoutError after ``timeout`` seconds.

    Connect-then-await: emissions that happen before this call are not seen, so start waiting before acting,
    e.g. ``waiter = asyncio.ensure_future(wait_signal(sig)); act(); await waiter``.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[tuple[Any, ...]] = loop.create_future()

    def slot(*args: Any) -> None:
        if not future.done():
            future.set_result(args)

    signal.connect(slot)
    try:
        return await asyncio.wait_for(future, timeout)
    finally:
        # A source deleted meanwhile (a toast that closed itself) took the connection with it.
        with contextlib.suppress(RuntimeError):
            signal.disconnect(slot)


@pytest.fixture
def wait_signal() -> WaitSignal:
    return wait_signal_async


async def wait_until_async(signal: SignalInstance, condition: Callable[[], Any],
                           timeout: float = 10.0) -> Any:  # noqa: ASYNC109
    """``condition()`` once it is truthy, re-checked after each emission of ``signal``; TimeoutError after
    ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (value := condition()):
        # Nothing runs between the check and the connect (one thread), so no emission is missed.
        await wait_signal_async(signal, max(deadline - loop.time(), 0.0))
    return value


WaitUntil = Callable[..., Awaitable[Any]]


@pytest.fixture
def wait_until() -> WaitUntil:
    return wait_until_async


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    """A qasync loop on pytest-qt's QApplication, for sync tests that ``run_until_complete`` a scenario."""
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        # Left-over tasks would hang the close (environment.md pitfall 5): cancel them and let them finish.
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.close()
        asyncio.set_event_loop(None)


@pytest.fixture
def app_paths(tmp_path: Path) -> AppPaths:
    return AppPaths.under(tmp_path / "home").ensure()


@pytest.fixture
def settings(app_paths: AppPaths) -> Settings:
    return Settings.load(app_paths.settings_file)


MakeWindow = Callable[..., MainWindow]


@pytest.fixture
def make_window(qtbot: QtBot, settings: Settings, app_paths: AppPaths) -> MakeWindow:
    """Build a MainWindow over the test's settings and dirs: ``make_window(docks, profile=…, kind=…, show=True)``."""

    def make(
        docks: tuple[DockSpec, ...] = (),
        *,
        profile: str = "Demo",
        kind: ProfileKind = ProfileKind.DEMO,
        show: bool = False,
        settings_: Settings | None = None,
    ) -> MainWindow:
        window = MainWindow(settings_ or settings, app_paths, docks, profile=profile, kind=kind)
        qtbot.addWidget(window)
        if show:
            show_active(qtbot, window)
        return window

    return make


def show_active(qtbot: QtBot, window: QWidget) -> None:
    """Show ``window`` and make it the active window: window-wide shortcuts only fire in the active window."""
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)


@pytest.fixture
def activate(qtbot: QtBot) -> Callable[[QWidget], None]:
    return lambda window: show_active(qtbot, window)


@pytest.fixture
def gc_on_this_thread() -> Iterator[None]:
    """Collect garbage on the GUI thread only while the test runs (Qt objects must die on their own thread; an
    executor or simulator thread could otherwise run a collection). Use with ``pytest.mark.usefixtures``."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


class Panel(QWidget):
    """A panel with a text field and a button, like an order ticket."""

    def __init__(self) -> None:
        super().__init__()
        self.edit = QLineEdit(self)
        self.button = QPushButton("ok", self)
        self.button.move(0, 40)
        self.button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)


def panel_spec(panel_id: str = "ticket", title: str | None = None, **kw: Any) -> DockSpec:
    kw.setdefault("area", Qt.DockWidgetArea.LeftDockWidgetArea)
    return DockSpec(panel_id, title or panel_id.title(), factory=Panel, **kw)


class Rig:
    """A shown, active MainWindow of :class:`Panel` docks, for key tests: record what an action did, put the focus
    somewhere, press keys there."""

    def __init__(self, qtbot: QtBot, window: MainWindow) -> None:
        self.qtbot = qtbot
        self.window = window
        self.registry = window.registry

    def panel(self, panel_id: str = "ticket") -> Panel:
        panel = self.window.panel(panel_id)
        assert isinstance(panel, Panel)
        return panel

    def handled(self, action_id: str) -> list[tuple[Any, ...]]:
        """Give ``action_id`` a handler that records each call (its arguments) in the returned list."""
        calls: list[tuple[Any, ...]] = []
        self.registry.on(action_id, lambda *args: calls.append(args))
        return calls

    def focus(self, widget: QWidget) -> QWidget:
        widget.setFocus()
        self.qtbot.waitUntil(widget.hasFocus)
        return widget

    def press(self, *keys: Qt.Key, mods: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        """Press ``keys`` one after the other where the focus is."""
        for key in keys:
            QTest.keyClick(QApplication.focusWidget() or self.window, key, mods)


MakeRig = Callable[..., Rig]


@pytest.fixture
def make_rig(qtbot: QtBot, settings: Settings, make_window: MakeWindow) -> MakeRig:
    """``make_rig(docks=(panel_spec(),), bindings={id: keys}, hotkeys=True)``: user bindings are stored before the
    window reads them."""

    def make(docks: Sequence[DockSpec] = (), *, bindings: Mapping[str, tuple[str, ...]] | None = None,
             hotkeys: bool = True) -> Rig:
        if bindings:
            settings.set(KEY_BINDINGS, dict(bindings))
        window = make_window(tuple(docks) or (panel_spec(),), show=True)
        window.registry.set_hotkeys_enabled(hotkeys)
        return Rig(qtbot, window)

    return make
