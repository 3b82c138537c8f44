"""The "Copy trading" panel: one dock with the tabs Discover / Following / My trading and a status line, declared for
``MainWindow`` through :func:`copy_dock_specs`.

The panel tells the service when it is on screen, so the copy endpoints are polled only while someone looks: shown,
its dock's tab in front, the window not minimised. Qt keeps a dock stacked behind another's tab "visible" (it moves it
off the window instead of hiding it) and a minimised window's widgets visible too, so ``isVisible`` alone polled Bitget
every 1.5 s from a panel nobody could see. Keys: Ctrl+1/2/3 inside the panel switch the tabs (each tab's buttons carry
their own mnemonics).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Protocol

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QHideEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QDockWidget, QLabel, QTabWidget, QVBoxLayout, QWidget

from terminal_app.config.settings import Settings
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.services.copy_trading import CopyTradingService
from terminal_app.services.session import Session
from terminal_app.ui.copy.discover import DiscoverView
from terminal_app.ui.copy.follower import FollowerView, Mark
from terminal_app.ui.copy.lead import LeadView
from terminal_app.ui.copy.trader import TraderView
from terminal_app.ui.docks import MarketDataApi
from terminal_app.ui.main_window import DockSpec
from terminal_app.ui.theme import current_colors

COPY_DOCK_ID = "copy-trading"
UNIFIED_NOTE = ("Copy trading · unified account: as an elite trader you lead through Bitget's V3 copy API "
                "(/api/v3/copy/futures/…: lead positions, followers, trading pairs, profit share — no tracking "
                "orders; close and TP/SL go through the V3 trade API). Following uses the V2 follower endpoints: "
                "Bitget's V3 follower API works per copy project (projectId), and no endpoint lists lead traders or "
                "the projects you follow, so discovering and following new traders may need Bitget's app. "
                "Polled while this panel is visible.")


class CopyWorkspace(QWidget):
    """Discover, Following and My trading over one :class:`CopyTradingService`."""

    def __init__(self, service: CopyTradingService, mark: Mark | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("copy-workspace")
        self.service = service
        self.discover = DiscoverView(service)
        self.follower = FollowerView(service, mark)
        # a unified account's elite trader leads through V3 (no tracking orders): its own console
        self.trader: TraderView | LeadView = LeadView(service) if service.unified else TraderView(service, mark)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.discover, "&Discover")
        self.tabs.addTab(self.follower, "F&ollowing")
        self.tabs.addTab(self.trader, "&My trading")
        self.status = QLabel(UNIFIED_NOTE if service.unified else
                             "Copy trading · Bitget's copy endpoints are polled while this panel is visible")
        self.status.setObjectName("copy-status")
        self.status.setWordWrap(True)       # the unified account's note is long; unwrapped it widened the whole dock
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status)
        for number in range(3):
            shortcut = QShortcut(QKeySequence(f"Ctrl+{number + 1}"), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda n=number: self.tabs.setCurrentIndex(n))
        service.done.connect(self._on_done)
        service.error.connect(self._on_error)
        # Qt has moved a dock or changed the window's state by the next turn of the loop, whichever signal came first
        self._recheck = QTimer(self)
        self._recheck.setSingleShot(True)
        self._recheck.setInterval(0)
        self._recheck.timeout.connect(self._tell_service)
        self._dock: QDockWidget | None = None
        self._window: QWidget | None = None

    def on_screen(self) -> bool:
        """Someone can see the panel: shown, not behind another dock's tab (moved off the window, so nothing of it
        is in view) and the window not minimised."""
        return self.isVisible() and not self.window().isMinimized() and not self.visibleRegion().isEmpty()

    def _tell_service(self) -> None:
        self.service.set_visible(self.on_screen())

    def _watch_surroundings(self) -> None:
        # The panel is put into its dock (and the dock into a window) after it is built: look when it is shown.
        dock = self.parentWidget()
        while dock is not None and not isinstance(dock, QDockWidget):
            dock = dock.parentWidget()
        if dock is not None and dock is not self._dock:
            self._dock = dock
            dock.visibilityChanged.connect(self._on_dock_visibility)
        window = self.window()
        if window is not self and window is not self._window:
            if self._window is not None:
                self._window.removeEventFilter(self)
            self._window = window
            window.installEventFilter(self)

    def _on_dock_visibility(self, _visible: bool) -> None:
        self._recheck.start()  # its tab brought to the front or sent behind (Qt moves it after saying so)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.WindowStateChange:   # minimised or brought back
            self._recheck.start()
        return False

    def _on_done(self, message: str) -> None:
        self.status.setStyleSheet(f"color: {current_colors().ok};")
        self.status.setText(message)

    def _on_error(self, message: str) -> None:
        self.status.setStyleSheet(f"color: {current_colors().alert};")
        self.status.setText(message)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.service.start()
        self._watch_surroundings()
        self._recheck.start()  # after the layout has placed it: behind a tab, it is shown off the window

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._recheck.stop()
        self.service.set_visible(False)


class ServicesStack(Protocol):
    """What the copy dock reads from a profile's services (``Services`` or ``GuardedServices``)."""

    @property
    def session(self) -> Session: ...
    @property
    def market_data(self) -> MarketDataApi: ...


def mark_from(services: ServicesStack) -> Mark:
    """The futures last price from a services stack's market data."""
    market_data = services.market_data

    def mark(symbol: str) -> Decimal | None:
        return market_data.last_price(SymbolRef(symbol, Product.USDT_FUTURES))

    return mark


def copy_dock_specs(services_or_copy_service: CopyTradingService | ServicesStack, settings: Settings | None = None, *,
                    mark: Mark | None = None) -> tuple[DockSpec, ...]:
    """The copy-trading dock. Give the :class:`CopyTradingService` the app owns (it starts and closes it), or a
    services stack (``Services``): then a service is made on its session and started with the panel; its tasks end
    with the event loop. ``mark`` prices open copies (default: the stack's market data)."""
    source = services_or_copy_service
    made: list[CopyTradingService] = []

    def service() -> CopyTradingService:
        if isinstance(source, CopyTradingService):
            return source
        if not made:
            made.append(CopyTradingService(source.session))
            made[0].start()
        return made[0]

    def factory() -> QWidget:
        copy = service()
        copy.start()
        prices: Callable[[str], Decimal | None] | None = mark
        if prices is None and not isinstance(source, CopyTradingService):
            prices = mark_from(source)
        return CopyWorkspace(copy, prices)

    del settings  # the panel has no settings of its own yet; the parameter keeps the spec functions uniform
    # A tab next to the orders panel: behind it, the panel polls nothing until the user opens it (CopyWorkspace).
    return (DockSpec(COPY_DOCK_ID, "Copy trading", Qt.DockWidgetArea.BottomDockWidgetArea, factory,
                     tab_with="orders", size=320, scroll=True),)
