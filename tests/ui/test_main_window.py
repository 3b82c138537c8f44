"""The main window: profile band and title, docks declared as data, View ▸ Panels, layout save/restore, built-ins."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel, QScrollArea, QWidget
from pytestqt.qtbot import QtBot

from terminal_app.config.paths import AppPaths
from terminal_app.config.settings import PALETTE, SAVE_LAYOUT_ON_EXIT, THEME, Settings
from terminal_app.core.health import ProfileKind
from terminal_app.ui.cheatsheet import CheatSheetDialog
from terminal_app.ui.main_window import CENTRAL, LAYOUT_VERSION, DockSpec, MainWindow
from terminal_app.ui.theme import PaletteName, ThemeName, colors_for

L, R, B = (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea,
           Qt.DockWidgetArea.BottomDockWidgetArea)


def label(text: str) -> Callable[[], QWidget]:
    return lambda: QLabel(text)


DOCKS = (
    DockSpec("chart", "Chart", CENTRAL, label("chart")),
    DockSpec("watchlist", "Watchlist", L, label("watchlist"), size=300),
    DockSpec("ladder", "Order book", R, label("ladder"), size=320),
    DockSpec("tape", "Trades", R, label("tape")),
    DockSpec("orders", "Open orders", B, label("orders"), size=200),
    DockSpec("fills", "Fills", B, label("fills"), tab_with="orders"),
    DockSpec("log", "Log", B, label("log"), visible=False),
)


def test_profile_band_and_title_cannot_be_missed(make_window: Callable[..., MainWindow]) -> None:
    w = make_window()
    assert w.windowTitle() == "[DEMO] Demo — Bitget Terminal"
    assert w.band.property("kind") == "demo"
    assert w.band.text().startswith("DEMO")
    assert w.status.badge.text() == "DEMO · Demo"
    w.set_profile("Main", ProfileKind.LIVE)
    assert w.windowTitle() == "[LIVE] Main — Bitget Terminal"
    assert w.band.property("kind") == "live"
    assert "REAL MONEY" in w.band.text()
    assert w.status.badge.property("kind") == "live"
    # the band sits in the menu widget, which a user cannot hide or move like a toolbar
    assert w.band.parent() is w.menuWidget()


def test_band_colours_differ_per_kind(qtbot: QtBot, make_window: Callable[..., MainWindow]) -> None:
    w = make_window(show=True)
    colours = {}
    for kind in ProfileKind:
        w.set_profile("P", kind)
        image = w.band.grab().toImage()
        colours[kind] = image.pixelColor(2, image.height() // 2).name()
    c = colors_for(ThemeName.DARK, PaletteName.GREEN_RED)
    assert colours == {ProfileKind.DEMO: c.band_demo, ProfileKind.BITGET_DEMO: c.band_paper,
                       ProfileKind.LIVE: c.band_live}


def test_docks_are_built_from_the_specs(make_window: Callable[..., MainWindow]) -> None:
    w = make_window(DOCKS, show=True)
    assert w.dock_ids == ["watchlist", "ladder", "tape", "orders", "fills", "log"]
    assert isinstance(w.panel("chart"), QLabel)
    assert w.centralWidget().objectName() == "central_chart"
    for spec in DOCKS[1:]:
        dock = w.dock(spec.id)
        assert dock.objectName() == f"dock_{spec.id}"
        assert dock.windowTitle() == spec.title
        assert w.dockWidgetArea(dock) == spec.area
        features = dock.features()
        assert features & QDockWidget.DockWidgetFeature.DockWidgetClosable
        assert features & QDockWidget.DockWidgetFeature.DockWidgetMovable
    assert w.tabifiedDockWidgets(w.dock("orders")) == [w.dock("fills")]
    assert w.dock("log").isHidden()
    assert not w.dock("ladder").isHidden()
    # View ▸ Panels: the table's entry of each panel it lists, the dock's own toggle for one it does not (fills)
    panels = [(a.objectName(), a.isChecked()) for a in w.panels_menu.actions() if a.isVisible()]
    assert panels == [("action_panel_watchlist", True), ("action_panel_ladder", True), ("action_panel_tape", True),
                      ("action_panel_orders", True), ("action_panel_log", False), ("panel_fills", True)]
    with pytest.raises(ValueError, match="already exists"):
        w.add_dock(DOCKS[1])
    with pytest.raises(ValueError, match="central area already holds"):
        w.add_dock(DockSpec("chart2", "Chart 2", CENTRAL, label("x")))


def test_default_sizes_apply_on_first_show(qtbot: QtBot, make_window: Callable[..., MainWindow]) -> None:
    w = make_window(DOCKS, show=True)
    qtbot.waitUntil(lambda: abs(w.dock("watchlist").width() - 300) <= 4, timeout=2000)
    assert abs(w.dock("ladder").width() - 320) <= 4
    # a tab stack opens on its first panel (orders), not on the last one stacked on it (fills);
    # the area is 200 px, the tab bar under the dock takes its share
    assert 165 <= w.dock("orders").height() <= 204
    assert w.dock("fills").visibleRegion().isEmpty()
    assert w.centralWidget().width() > 600  # the chart gets the room the docks leave


def test_a_tall_panel_behind_a_tab_scrolls_instead_of_squeezing_its_area(
        qtbot: QtBot, make_window: Callable[..., MainWindow]) -> None:
    def tall() -> QWidget:
        widget = QLabel("tall")
        widget.setMinimumHeight(600)
        return widget

    docks = (*DOCKS, DockSpec("copy", "Copy trading", B, tall, tab_with="orders", scroll=True))
    w = make_window(docks, show=True)
    qtbot.waitUntil(lambda: 165 <= w.dock("orders").height() <= 204, timeout=2000)  # still its 200 px
    panel = w.panel("copy")
    assert isinstance(panel, QLabel)  # the panel itself, not its scroll area
    assert panel.text() == "tall"
    assert isinstance(w.dock("copy").widget(), QScrollArea)


@pytest.mark.qt_log_ignore("does not support raise")  # floating a dock raises it; offscreen cannot
def test_view_menu_closes_and_restores_panels(make_window: Callable[..., MainWindow]) -> None:
    w = make_window(DOCKS, show=True)
    toggle = w.dock("ladder").toggleViewAction()
    toggle.trigger()
    assert w.dock("ladder").isHidden()
    toggle.trigger()
    assert not w.dock("ladder").isHidden()
    w.dock("watchlist").close()
    w.dock("ladder").setFloating(True)
    w.reset_layout()
    assert not w.dock("watchlist").isHidden()
    assert not w.dock("ladder").isFloating()
    assert w.dockWidgetArea(w.dock("ladder")) == R
    assert w.dock("log").isHidden()


def test_empty_state_hint_when_every_panel_is_closed(make_window: Callable[..., MainWindow]) -> None:
    docks = DOCKS[1:3]
    w = make_window(docks, show=True)
    assert w.centralWidget() is w.empty_state
    assert w.empty_state.text() == ""
    for spec in docks:
        w.dock(spec.id).close()
    assert "No panel is open" in w.empty_state.text()
    w.dock("watchlist").show()
    assert w.empty_state.text() == ""


def test_layout_survives_a_restart(qtbot: QtBot, settings: Settings, app_paths: AppPaths,
                                   make_window: Callable[..., MainWindow]) -> None:
    w = make_window(DOCKS, show=True)
    w.addDockWidget(L, w.dock("tape"))  # moved from the right to the left
    w.dock("fills").close()
    w.dock("log").show()
    with qtbot.waitSignal(w.layout_saved) as blocker:
        w.save_layout()
    assert blocker.args == [str(app_paths.layout_file)]
    doc = json.loads(app_paths.layout_file.read_text())
    assert doc["version"] == LAYOUT_VERSION
    assert "log" in doc["panels"]

    again = make_window(DOCKS, show=True, settings_=Settings.load(app_paths.settings_file))
    assert again.dockWidgetArea(again.dock("tape")) == L
    assert again.dock("fills").isHidden()
    assert not again.dock("log").isHidden()
    assert again.dockWidgetArea(again.dock("ladder")) == R


def test_ctrl_s_saves_the_layout(qtbot: QtBot, app_paths: AppPaths, make_window: Callable[..., MainWindow]) -> None:
    w = make_window(DOCKS, show=True)
    assert not app_paths.layout_file.exists()
    with qtbot.waitSignal(w.layout_saved):
        QTest.keyClick(w, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert app_paths.layout_file.exists()
    assert [t.title_label.text() for t in w.toasts.toasts] == ["Layout saved"]


def test_closing_saves_layout_and_settings(app_paths: AppPaths, settings: Settings,
                                           make_window: Callable[..., MainWindow]) -> None:
    w = make_window(DOCKS, show=True)
    settings.set(PALETTE, "blue-orange")
    w.close()
    assert app_paths.layout_file.exists()
    assert Settings.load(app_paths.settings_file).get(PALETTE) == "blue-orange"


def test_no_layout_saved_on_exit_when_switched_off(app_paths: AppPaths, settings: Settings,
                                                   make_window: Callable[..., MainWindow]) -> None:
    settings.set(SAVE_LAYOUT_ON_EXIT, False)
    w = make_window(DOCKS, show=True)
    w.close()
    assert not app_paths.layout_file.exists()


def test_bad_layout_files_fall_back_to_the_defaults(caplog: pytest.LogCaptureFixture, app_paths: AppPaths,
                                                    make_window: Callable[..., MainWindow]) -> None:
    app_paths.layout_file.write_text("{ nope")
    with caplog.at_level(logging.WARNING):
        w = make_window(DOCKS)
    assert "unreadable" in caplog.text
    assert w.dockWidgetArea(w.dock("ladder")) == R
    app_paths.layout_file.write_text(json.dumps({"version": LAYOUT_VERSION + 1, "geometry": "", "state": ""}))
    assert not w.restore_layout()


def test_theme_actions_switch_and_persist(qapp: QApplication, settings: Settings,
                                          make_window: Callable[..., MainWindow]) -> None:
    w = make_window()
    light = colors_for(ThemeName.LIGHT, PaletteName.GREEN_RED)
    w.registry.trigger("view.theme")
    assert settings.get(THEME) == "light"
    assert qapp.palette().color(QPalette.ColorRole.Window).name() == light.bg
    assert Settings.load(settings.path).get(THEME) == "light"  # type: ignore[arg-type]
    w.registry.trigger("view.colorblind")
    assert settings.get(PALETTE) == "blue-orange"
    settings.set(THEME, "dark")  # a settings page changing it directly keeps the menu in step
    assert not w.registry.qaction("view.theme").isChecked()
    assert w.registry.qaction("view.colorblind").isChecked()
    settings.set(PALETTE, "green-red")


@pytest.mark.qt_log_ignore("does not support raise")  # the offscreen platform cannot raise windows
def test_f1_opens_the_cheatsheet(qtbot: QtBot, make_window: Callable[..., MainWindow]) -> None:
    w = make_window(show=True)
    QTest.keyClick(w, Qt.Key.Key_F1)
    dialog = w.findChild(CheatSheetDialog)
    assert dialog is not None
    assert dialog.isVisible()
    assert w.show_cheatsheet() is dialog  # one dialog, raised again


def test_typing_a_letter_asks_for_the_symbol_switcher(qtbot: QtBot, make_window: Callable[..., MainWindow]) -> None:
    w = make_window(DOCKS, show=True)
    with qtbot.waitSignal(w.symbol_typed) as blocker:
        QTest.keyClick(w, Qt.Key.Key_E)
    assert blocker.args == ["e"]


def test_a_panel_added_later_takes_its_saved_place(app_paths: AppPaths, settings: Settings,
                                                   make_window: Callable[..., MainWindow]) -> None:
    w = make_window(DOCKS, show=True)
    w.addDockWidget(L, w.dock("ladder"))
    w.save_layout()
    late = make_window(DOCKS[:2], show=True, settings_=Settings.load(app_paths.settings_file))
    late.add_dock(DOCKS[2])  # e.g. a panel whose service connected after the window was built
    assert late.dockWidgetArea(late.dock("ladder")) == L
    assert late.dock("ladder").isVisible()
