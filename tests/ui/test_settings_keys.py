"""The Keys page of the settings: every entry of the table (the former plain menu entries too) can be given a key,
also a run of keys such as the chart's "3 0 Enter"."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from terminal_app.config.actions import ACTIONS
from terminal_app.config.settings import KEY_BINDINGS
from terminal_app.ui.dialogs.settings import SettingsDialog, install_settings_menu

from .conftest import MakeRig, Rig, panel_spec


@pytest.fixture
def rig(make_rig: MakeRig) -> Rig:
    return make_rig((panel_spec("chart", "Chart", area=Qt.DockWidgetArea.RightDockWidgetArea),))


@pytest.fixture
def page(qtbot: QtBot, rig: Rig) -> SettingsDialog:
    dialog = SettingsDialog(rig.window.settings, rig.registry, rig.window)
    qtbot.addWidget(dialog)
    return dialog


def test_every_entry_of_the_table_is_on_the_page(page: SettingsDialog) -> None:
    assert page.table.rowCount() == len(ACTIONS)
    assert page.keys_shown("settings") == "Ctrl+,"
    assert page.keys_shown("profiles") == "—"
    assert page.keys_shown("chart.interval.4H") == "2 4 0 Enter / 4 H Enter"


def test_a_run_of_keys_is_assigned_from_the_key_field(page: SettingsDialog, rig: Rig) -> None:
    page.select_action("chart.interval.30m")
    for key in (Qt.Key.Key_3, Qt.Key.Key_Return):
        QTest.keyClick(page.key_edit, key)
    page.assign_button.click()
    assert rig.registry.keys_for("chart.interval.30m") == ("3, Return",)
    assert page.keys_shown("chart.interval.30m") == "3 Enter"
    assert rig.window.settings.get(KEY_BINDINGS) == {"chart.interval.30m": ("3, Return",)}
    # one that starts another action's run is refused with the reason
    page.select_action("chart.interval.1m")
    assert page.rebind("chart.interval.1m", ["1"])
    assert "one starts the other" in page.message.text()


def test_file_menu_settings_is_the_tables_entry(rig: Rig) -> None:
    action = install_settings_menu(rig.window)
    assert action is rig.registry.qaction("settings")
    rig.focus(rig.panel("chart").button)
    rig.press(Qt.Key.Key_Comma, mods=Qt.KeyboardModifier.ControlModifier)
    shown = [d for d in rig.window.findChildren(SettingsDialog) if d.isVisible()]
    assert len(shown) == 1
    action.trigger()  # a second time: the same page, not a second one
    assert [d for d in rig.window.findChildren(SettingsDialog) if d.isVisible()] == shown
