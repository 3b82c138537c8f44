"""The main window: panels declared as data, menus and toolbar from the ACTIONS table, a profile band, health bar.

Every panel is described by a :class:`DockSpec` (id, title, default area, widget factory). Docks can be moved,
floated, tabbed, closed and brought back from View ▸ Panels; the arrangement is saved to ``layout.json`` in the config
dir (Ctrl+S, and on exit) and restored at start.

Central area: one panel may be declared with ``area=CENTRAL`` (the chart, in the terminal). It fills the space the
docks leave and is always shown. Qt's dock layout needs a real central widget to size docks (without one, the bottom
dock area swallows all spare room and ``resizeDocks`` is ignored), so with no central panel a hint takes the place.

Panels stacked behind another panel's tab (``DockSpec.tab_with``) may be built after the window's first frame
(``MainWindow(defer_tabbed=True)``, what the terminal does at start-up): their dock exists at once, in its place, with
an empty widget, and the panel is built by :meth:`MainWindow.build_panel` (the terminal calls it for every pending
panel right after the first frame) or when :meth:`MainWindow.panel` asks for it. Not on the dock's first
``visibilityChanged``: Qt emits it for every tabbed dock while the window is first shown, hidden tabs included. The
copy-trading workspace, the positions, balances, log and history tables are a third of the window's construction.

The band above the menu bar says which account the window trades on (DEMO / BITGET DEMO / LIVE) in a colour of its
own, and the window title repeats it: a demo panic that closes live positions is the failure this prevents.
The window wires nothing between panels; services and panels talk through signals (architecture.md).
"""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QChildEvent, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent, QPaintEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDockWidget,
    QFrame,
    QLabel,
    QMainWindow,
    QMenuBar,
    QScrollArea,
    QSizePolicy,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from terminal_app.config.actions import BY_ID, PANELS, Context, panel_action_id
from terminal_app.config.paths import AppPaths, atomic_write
from terminal_app.config.settings import PALETTE, SAVE_LAYOUT_ON_EXIT, THEME, Setting, Settings
from terminal_app.core.health import ProfileKind
from terminal_app.ui.actions import ActionRegistry, HotkeysIndicator
from terminal_app.ui.cheatsheet import CheatSheetDialog
from terminal_app.ui.focus import FocusKeeper
from terminal_app.ui.status_bar import HealthStatusBar
from terminal_app.ui.theme import PaletteName, ThemeManager, ThemeName, set_style_property
from terminal_app.ui.toast import ToastHost, ToastKind

log = logging.getLogger("terminal_app.ui.main_window")

# Bump when the saved state can no longer describe the panels (Qt then ignores it and the defaults apply).
LAYOUT_VERSION = 1
APP_TITLE = "Bitget Terminal"
# DockSpec.area for the one panel that fills the middle of the window instead of docking.
CENTRAL = Qt.DockWidgetArea.NoDockWidgetArea


@dataclass(frozen=True, slots=True)
class DockSpec:
    """One panel.

    ``area`` is a Qt dock area, or :data:`CENTRAL`. ``factory`` builds the panel's widget once, when it is added.
    ``contexts`` are ACTIONS contexts whose keys are live while the focus is inside this panel (the chart panel
    declares ``Context.CHART``). ``tab_with`` stacks the panel as a tab on another panel by default; ``size`` is its
    preferred width (left/right) or height (top/bottom) in pixels; ``length`` is its preferred extent along the
    area (height of a left/right panel that shares its column), so a column of panels opens with sensible shares.
    ``scroll`` puts a tall panel in a scroll area, so its minimum height never squeezes the panels that share its
    area (a dock's minimum is its widget's, even while it hides behind another tab).
    """

    id: str
    title: str
    area: Qt.DockWidgetArea
    factory: Callable[[], QWidget]
    contexts: tuple[Context, ...] = ()
    tab_with: str | None = None
    visible: bool = True
    size: int | None = None
    length: int | None = None
    scroll: bool = False


_BAND_TEXT = {
    ProfileKind.DEMO: "DEMO  ·  {name}  ·  simulated exchange on this computer, no real funds",
    ProfileKind.BITGET_DEMO: "BITGET DEMO TRADING  ·  {name}  ·  Bitget's demo environment, no real funds",
    ProfileKind.LIVE: "LIVE  ·  {name}  ·  REAL MONEY on api.bitget.com",
}


class EnvironmentBand(QLabel):
    """A full-width strip above the menu bar; its colour comes from the style sheet by ``kind``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("EnvironmentBand")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_profile(self, name: str, kind: ProfileKind) -> None:
        self.setText(_BAND_TEXT[kind].format(name=name))
        set_style_property(self, "kind", kind.value)

    def set_disconnected(self, name: str, kind: ProfileKind, reason: str) -> None:
        self.setText(f"NOT CONNECTED  ·  {kind.badge} {name}  ·  {reason}")
        self.setToolTip(reason)
        set_style_property(self, "kind", "offline")


class _KeepWidth(QObject):
    """Keeps a scroll area at least as wide as its panel needs, as the panel's controls come and go (the futures
    ticket is wider than the spot one): the area scrolls down only."""

    def __init__(self, holder: QScrollArea, widget: QWidget) -> None:
        super().__init__(holder)
        self._holder, self._widget = holder, widget
        widget.installEventFilter(self)
        self._fit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:
            self._fit()
        return False

    def _fit(self) -> None:
        need = self._widget.minimumSizeHint().width() + self._holder.verticalScrollBar().sizeHint().width()
        if self._holder.minimumWidth() != need:
            self._holder.setMinimumWidth(need)


class CentralPanel(QWidget):
    """The central panel with a title strip like the docks', so it reads as one of the panels."""

    def __init__(self, title: str, body: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CentralPanel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # else the style sheet's background is ignored
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.title = QLabel(title, self)
        self.title.setObjectName("CentralTitle")
        layout.addWidget(self.title)
        self.body = body
        layout.addWidget(body, 1)


class MainWindow(QMainWindow):
    """The terminal's window.

    Signals:
        layout_saved(str): the layout was written to this path.
        symbol_typed(str): a letter or digit was typed with no text field focused (opens the symbol switcher).
        first_painted(): the window painted its first frame (``painted_at`` says when).
    """

    layout_saved = Signal(str)
    symbol_typed = Signal(str)
    first_painted = Signal()

    def __init__(
        self,
        settings: Settings,
        paths: AppPaths,
        docks: Sequence[DockSpec] = (),
        *,
        profile: str = "Demo",
        kind: ProfileKind = ProfileKind.DEMO,
        theme: ThemeManager | None = None,
        defer_tabbed: bool = False,
    ) -> None:
        super().__init__()
        self.setObjectName("MainWindow")
        self.painted_at: float | None = None  # time.monotonic() of the first paint (bench start reads it)
        self._defer_tabbed = defer_tabbed
        self._pending: dict[str, DockSpec] = {}  # panels whose widget is still to be built (see build_panel)
        self.settings = settings
        self.paths = paths
        self.theme = theme or ThemeManager(self)
        self.theme.apply(settings.get(THEME), settings.get(PALETTE))
        self.setDockNestingEnabled(True)
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowNestedDocks
            | QMainWindow.DockOption.AllowTabbedDocks
        )
        self.resize(1600, 900)

        self.registry = ActionRegistry(self, settings)
        self.band = EnvironmentBand()
        self.menu_bar = QMenuBar()
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.setSpacing(0)
        top_layout.addWidget(self.band)
        top_layout.addWidget(self.menu_bar)
        # A menu *widget* (band + menu bar) rather than a toolbar: it cannot be hidden, moved or closed.
        self.setMenuWidget(top)
        self.registry.build_menus(self.menu_bar)
        self.panels_menu = self.registry.menu("View/Panels", self.menu_bar)
        for dock_id, _title in PANELS:  # shown when the window has that panel (add_dock)
            self.registry.qaction(panel_action_id(dock_id)).setVisible(False)

        self.toolbar = QToolBar("Main toolbar", self)
        self.toolbar.setObjectName("MainToolBar")
        self.toolbar.setMovable(False)
        self.toolbar.setFloatable(False)
        self.toolbar.toggleViewAction().setVisible(False)
        self.registry.build_toolbar(self.toolbar)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)

        self.status = HealthStatusBar(self)
        self.setStatusBar(self.status)
        self.hotkeys_indicator = HotkeysIndicator(self.registry, self.status)
        self.status.add_indicator(self.hotkeys_indicator)
        self.toasts = ToastHost(self, above=self.status)
        self.focus_keeper = FocusKeeper(self)

        self.empty_state = QLabel(self)
        self.empty_state.setObjectName("EmptyState")
        self.empty_state.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_state.setWordWrap(True)
        self.setCentralWidget(self.empty_state)

        self._specs: dict[str, DockSpec] = {}
        self._docks: dict[str, QDockWidget] = {}
        self._central: CentralPanel | None = None
        self._layout_restored = False
        self._cheatsheet: CheatSheetDialog | None = None
        self.profile_name = profile
        self.profile_kind = kind
        self.set_profile(profile, kind)

        self._register_builtin_actions()
        self._unlisten = settings.add_listener(self._on_setting_changed)
        for spec in docks:
            self.add_dock(spec)
        self._update_empty_state()
        self._layout_restored = self.restore_layout()
        self._shown_once = False

    def childEvent(self, event: QChildEvent) -> None:
        super().childEvent(event)
        # Polished, not added: when a child is added its Python type is not known yet.
        if event.type() == QEvent.Type.ChildPolished and isinstance(child := event.child(), QDialog):
            self.focus_keeper.watch_dialog(child)

    def menuBar(self) -> QMenuBar:
        """The menu bar under the profile band. (QMainWindow's own would replace the band and this bar with a new,
        empty menu bar, since the menu widget is not a QMenuBar.)"""
        return self.menu_bar

    # --- profile ----------------------------------------------------------------------------------------------

    def set_profile(self, name: str, kind: ProfileKind) -> None:
        self.profile_name, self.profile_kind = name, kind
        self.band.set_profile(name, kind)
        self.status.set_profile(name, kind)
        self.setWindowTitle(f"[{kind.badge}] {name} — {APP_TITLE}")

    def set_disconnected(self, name: str, kind: ProfileKind, reason: str) -> None:
        """Nothing is connected (a switch failed and the previous profile could not come back): say which profile
        and why, everywhere the profile is shown, so no one trades from stale screens."""
        self.band.set_disconnected(name, kind, reason)
        self.status.set_profile(f"{name} (not connected)", kind)
        self.setWindowTitle(f"[NOT CONNECTED] {name} — {APP_TITLE}")

    # --- docks ------------------------------------------------------------------------------------------------

    def add_dock(self, spec: DockSpec) -> QWidget:
        """Build the panel of ``spec`` and put it in its place; returns the panel's widget."""
        if spec.id in self._specs:
            raise ValueError(f"a panel with id {spec.id!r} already exists")
        if spec.area == CENTRAL:
            return self._add_central(spec)
        dock = QDockWidget(spec.title, self)
        dock.setObjectName(f"dock_{spec.id}")  # the key saveState/restoreState use
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        if self._defer_tabbed and spec.tab_with is not None and spec.tab_with in self._docks:
            widget = QWidget()  # until the panel is built (build_panel): behind its tab, nobody sees it
            self._pending[spec.id] = spec
        else:
            widget = spec.factory()
        self._fill(dock, spec, widget)
        self._specs[spec.id] = spec
        self._docks[spec.id] = dock
        # A panel added after the saved layout was applied takes its saved place, if the layout knows it.
        if not (self._layout_restored and self.restoreDockWidget(dock)):
            self._place_default(spec, dock)
        for context in spec.contexts:
            self.registry.bind_context(context, dock)
        self.registry.watch(dock)
        self.registry.yield_mnemonics(dock)
        toggle = dock.toggleViewAction()
        toggle.setObjectName(f"panel_{spec.id}")
        self._add_panel_action(spec.id, dock)
        dock.visibilityChanged.connect(self._on_dock_visibility)
        self._update_empty_state()
        return widget

    @property
    def pending_panels(self) -> list[str]:
        """The panels whose widget is not built yet (``defer_tabbed``)."""
        return list(self._pending)

    def build_panel(self, dock_id: str) -> None:
        """Build a deferred panel now (nothing if it is built already)."""
        spec = self._pending.pop(dock_id, None)
        if spec is None:
            return
        dock = self._docks[dock_id]
        placeholder = dock.widget()
        self._fill(dock, spec, spec.factory())
        if placeholder is not None:
            placeholder.deleteLater()
        self.registry.yield_mnemonics(dock)  # the new widget's mnemonics

    def _fill(self, dock: QDockWidget, spec: DockSpec, widget: QWidget) -> None:
        if spec.scroll:
            holder = QScrollArea(dock)
            holder.setObjectName(f"scroll_{spec.id}")
            holder.setWidgetResizable(True)
            holder.setFrameShape(QFrame.Shape.NoFrame)
            holder.setWidget(widget)
            # Scroll down only: the panel keeps its own minimum width (a narrower column clipped the ticket's
            # right edge, prices and the 100 % button included).
            holder.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            _KeepWidth(holder, widget)
            dock.setWidget(holder)
        else:
            dock.setWidget(widget)

    def _add_panel_action(self, dock_id: str, dock: QDockWidget) -> None:
        """View ▸ Panels ▸ <title>: the table's action when it lists the panel, else the dock's own toggle."""
        toggle = dock.toggleViewAction()
        action_id = panel_action_id(dock_id)
        if action_id not in BY_ID:
            self.panels_menu.addAction(toggle)
            return
        action = self.registry.qaction(action_id)
        action.setVisible(True)

        def show(on: bool) -> None:
            if not on:
                dock.close()
                return
            dock.show()
            dock.raise_()  # in front of the panels it is tabbed with

        def follow(on: bool) -> None:  # the dock was closed or shown another way (its title bar, a layout)
            if action.isChecked() != on:
                action.blockSignals(True)
                action.setChecked(on)
                action.blockSignals(False)

        self.registry.on(action_id, show)
        toggle.toggled.connect(follow)
        follow(toggle.isChecked())

    def _add_central(self, spec: DockSpec) -> QWidget:
        if self._central is not None:
            raise ValueError(f"{spec.id!r}: the central area already holds {self._central.objectName()!r}")
        widget = spec.factory()
        panel = CentralPanel(spec.title, widget)
        panel.setObjectName(f"central_{spec.id}")
        self._specs[spec.id] = spec
        self._central = panel
        # setCentralWidget would delete the hint; take it out first and keep it hidden.
        hint = self.takeCentralWidget()
        if hint is not None:
            hint.hide()
            hint.setParent(self)
        self.setCentralWidget(panel)
        for context in spec.contexts:
            self.registry.bind_context(context, panel)
        self.registry.yield_mnemonics(panel)
        return widget

    def _place_default(self, spec: DockSpec, dock: QDockWidget) -> None:
        self.addDockWidget(spec.area, dock)
        anchor = self._docks.get(spec.tab_with) if spec.tab_with else None
        if anchor is not None:
            self.tabifyDockWidget(anchor, dock)
        dock.setVisible(spec.visible)

    def _apply_default_sizes(self) -> None:
        # resizeDocks only sticks once the window has its real size, so this runs at first show and on reset.
        for orientation, areas in (
            (Qt.Orientation.Horizontal, (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea)),
            (Qt.Orientation.Vertical, (Qt.DockWidgetArea.TopDockWidgetArea, Qt.DockWidgetArea.BottomDockWidgetArea)),
        ):
            pairs = [
                (self._docks[i], spec.size) for i, spec in self._specs.items()
                if spec.size is not None and spec.area in areas and not spec.tab_with
            ]
            if pairs:
                self.resizeDocks([d for d, _ in pairs], [size for _, size in pairs], orientation)
            along = Qt.Orientation.Vertical if orientation is Qt.Orientation.Horizontal else Qt.Orientation.Horizontal
            for area in areas:
                column = [
                    (self._docks[i], spec.length) for i, spec in self._specs.items()
                    if spec.length is not None and spec.area == area and not spec.tab_with
                ]
                if len(column) > 1:
                    self.resizeDocks([d for d, _ in column], [n for _, n in column], along)
        # A tab group opens on its first panel (the one the others were stacked on), not on the last one added.
        anchors = {spec.tab_with for spec in self._specs.values() if spec.tab_with in self._docks}
        for anchor in anchors:
            if anchor is not None and not self._docks[anchor].isFloating():
                self._docks[anchor].raise_()

    def dock(self, dock_id: str) -> QDockWidget:
        return self._docks[dock_id]

    def panel(self, panel_id: str) -> QWidget:
        """The widget a DockSpec's factory built, docked or central."""
        if self._central is not None and self._specs.get(panel_id) is not None and panel_id not in self._docks:
            return self._central.body
        self.build_panel(panel_id)
        widget: QWidget | None = self._docks[panel_id].widget()
        if isinstance(widget, QScrollArea) and self._specs[panel_id].scroll:
            widget = widget.widget()
        assert widget is not None
        return widget

    @property
    def dock_ids(self) -> list[str]:
        return list(self._docks)

    def _on_dock_visibility(self, _visible: bool) -> None:
        self._update_empty_state()

    def _update_empty_state(self) -> None:
        if self._central is not None:
            return
        # isHidden, not isVisible: before the window is first shown every dock is invisible but not closed.
        if all(d.isHidden() for d in self._docks.values()):
            self.empty_state.setText(
                "No panel is open.\nView ▸ Panels shows one again; View ▸ Layout ▸ Restore default layout "
                "brings them all back."
            )
        else:
            self.empty_state.setText("")

    # --- layout -----------------------------------------------------------------------------------------------

    def save_layout(self, path: Path | None = None) -> Path:
        target = path or self.paths.layout_file
        doc = {
            "version": LAYOUT_VERSION,
            "geometry": base64.b64encode(self.saveGeometry().data()).decode("ascii"),
            "state": base64.b64encode(self.saveState(LAYOUT_VERSION).data()).decode("ascii"),
            "panels": sorted(self._docks),
        }
        atomic_write(target, (json.dumps(doc, indent=2) + "\n").encode("utf-8"))
        log.info("layout saved to %s", target)
        self.layout_saved.emit(str(target))
        return target

    def restore_layout(self, path: Path | None = None) -> bool:
        """Apply a saved layout; False (defaults kept, reason logged) if there is none or it does not fit."""
        source = path or self.paths.layout_file
        try:
            doc: dict[str, Any] = json.loads(source.read_text(encoding="utf-8"))
            geometry = QByteArray(base64.b64decode(doc["geometry"]))
            state = QByteArray(base64.b64decode(doc["state"]))
        except FileNotFoundError:
            return False
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("layout file %s is unreadable (%s); the default layout is used", source, exc)
            return False
        if doc.get("version") != LAYOUT_VERSION:
            log.info("layout file %s is from another layout version; the default layout is used", source)
            return False
        self.restoreGeometry(geometry)
        ok = self.restoreState(state, LAYOUT_VERSION)
        if not ok:
            log.warning("layout file %s was not accepted by Qt; the default layout is used", source)
        self._update_empty_state()
        return ok

    def reset_layout(self) -> None:
        """Every panel back to its declared place and visibility."""
        for spec_id, dock in self._docks.items():
            dock.setFloating(False)  # before removal: a removed dock would float again on its own
            self.removeDockWidget(dock)
            self._place_default(self._specs[spec_id], dock)
        self._update_empty_state()
        if self.isVisible():
            self._apply_default_sizes()

    # --- built-in actions -------------------------------------------------------------------------------------

    def _register_builtin_actions(self) -> None:
        a = self.registry
        a.on("app.quit", self.close)
        a.on("layout.save", self._save_layout_action)
        a.on("layout.reset", self.reset_layout)
        a.on("help.cheatsheet", self.show_cheatsheet)
        a.on("view.theme", lambda checked: self.settings.set(THEME, "light" if checked else "dark"))
        a.on("view.colorblind", lambda checked: self.settings.set(
            PALETTE, PaletteName.BLUE_ORANGE.value if checked else PaletteName.GREEN_RED.value))
        self._sync_view_toggles()

    def _save_layout_action(self) -> None:
        path = self.save_layout()
        self.toasts.show_toast("Layout saved", str(path), ToastKind.INFO, timeout_ms=2500)

    def show_cheatsheet(self) -> CheatSheetDialog:
        if self._cheatsheet is None:
            self._cheatsheet = CheatSheetDialog(self.registry, self)
        if self._cheatsheet.isVisible():
            self._cheatsheet.raise_()
            self._cheatsheet.activateWindow()
        else:
            self._cheatsheet.show()
        return self._cheatsheet

    def _sync_view_toggles(self) -> None:
        for action_id, on in (
            ("view.theme", self.settings.get(THEME) == ThemeName.LIGHT.value),
            ("view.colorblind", self.settings.get(PALETTE) == PaletteName.BLUE_ORANGE.value),
        ):
            qa = self.registry.qaction(action_id)
            if qa.isChecked() != on:
                qa.blockSignals(True)
                qa.setChecked(on)
                qa.blockSignals(False)

    def _on_setting_changed(self, setting: Setting[Any], _value: Any) -> None:
        if setting in (THEME, PALETTE):
            self.theme.apply(self.settings.get(THEME), self.settings.get(PALETTE))
            self._sync_view_toggles()
        if self.settings.path is not None:
            self.settings.save()

    # --- events -----------------------------------------------------------------------------------------------

    def fit_to_screen(self) -> bool:
        """Before the first show without a saved layout: on a screen that cannot hold the default 1600×900 with a
        window frame around it, start maximized (the status bar fell off the bottom of a 1600×900 screen under a
        window manager). True when it maximized. The offscreen platform has no real screen: nothing to fit."""
        screen = self.screen()
        if self._layout_restored or screen is None or QApplication.platformName() == "offscreen":
            return False
        available = screen.availableGeometry()
        if available.width() >= self.width() + 100 and available.height() >= self.height() + 100:
            return False
        self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)
        return True

    def paintEvent(self, event: QPaintEvent) -> None:
        first = self.painted_at is None
        if first:
            self.painted_at = time.monotonic()
        super().paintEvent(event)
        if first:
            self.first_painted.emit()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            if not self._layout_restored:
                # After the first layout pass, when the dock areas have real sizes to share.
                QTimer.singleShot(0, self._apply_default_sizes)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Reached only when no child took the key, i.e. nobody is typing into a field.
        text = event.text()
        mods = event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier
        if len(text) == 1 and text.isalnum() and mods == Qt.KeyboardModifier.NoModifier:
            self.symbol_typed.emit(text)
            event.accept()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.settings.get(SAVE_LAYOUT_ON_EXIT):
            try:
                self.save_layout()
            except OSError as exc:
                log.error("could not save the layout: %s", exc)
        if self.settings.path is not None:
            try:
                self.settings.save()
            except OSError as exc:
                log.error("could not save the settings: %s", exc)
        self._unlisten()
        super().closeEvent(event)
