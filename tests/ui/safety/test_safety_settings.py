"""The settings page (rebinding with conflict detection, the hotkeys switch, risk numbers, theme) and the profile
manager (add, remove, skip market confirmation, switch)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QKeyCombination, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from terminal_app.config.paths import AppPaths
from terminal_app.config.profiles import ProfileBook, profiles_path, risk_policy
from terminal_app.config.secrets import CredentialStore
from terminal_app.config.settings import (
    CONFIRM_MARKET_NOTIONAL,
    FAT_FINGER_PCT,
    HOTKEYS_ENABLED,
    KEY_BINDINGS,
    LEVERAGE_CAP,
    MAX_ORDER_NOTIONAL,
    THEME,
    Settings,
)
from terminal_app.core.credentials import Credentials
from terminal_app.core.health import ProfileKind
from terminal_app.sim.runner import SimulatorRunner
from terminal_app.ui.dialogs.profiles import ProfilesDialog, install_profiles_menu
from terminal_app.ui.dialogs.settings import SettingsDialog, install_settings_menu
from terminal_app.ui.doctor import install_doctor
from terminal_app.ui.main_window import MainWindow

from .conftest import Harness, MemoryKeyring, next_emission, until


@pytest.fixture
def paths(tmp_path: Path) -> AppPaths:
    return AppPaths.under(tmp_path / "home").ensure()


@pytest.fixture
def settings(paths: AppPaths) -> Settings:
    return Settings.load(paths.settings_file)


@pytest.fixture
def window(qtbot: QtBot, settings: Settings, paths: AppPaths) -> MainWindow:
    w = MainWindow(settings, paths)
    qtbot.addWidget(w)
    return w


@pytest.fixture
def dialog(qtbot: QtBot, settings: Settings, window: MainWindow) -> SettingsDialog:
    d = SettingsDialog(settings, window.registry, window)
    qtbot.addWidget(d)
    return d


def test_the_key_page_lists_every_action_of_the_table(dialog: SettingsDialog) -> None:
    from terminal_app.config.actions import ACTIONS

    assert dialog.table.rowCount() == len(ACTIONS)
    assert dialog.keys_shown("panic") == "F12"
    assert dialog.keys_shown("palette.open") == "Ctrl+K"
    assert dialog.keys_shown("layout.reset") == "—"


def test_rebinding_by_pressing_a_key_and_refusing_a_clash(
        dialog: SettingsDialog, window: MainWindow, settings: Settings) -> None:
    dialog.select_action("order.buy")
    ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    QTest.keyClick(dialog.key_edit, Qt.Key.Key_B, ctrl_shift)
    assert dialog.key_edit.keySequence() == QKeySequence(QKeyCombination(ctrl_shift, Qt.Key.Key_B))
    dialog.assign_button.click()
    assert window.registry.keys_for("order.buy") == ("Ctrl+Shift+B",)
    assert dialog.keys_shown("order.buy") == "Ctrl+Shift+B"
    assert settings.get(KEY_BINDINGS) == {"order.buy": ("Ctrl+Shift+B",)}
    assert window.registry.qaction("order.buy").shortcut().toString() == "Ctrl+Shift+B"

    # F12 is the panic key: giving it to "Sell" is refused with the reason, and nothing changes.
    dialog.select_action("order.sell")
    clashes = dialog.rebind("order.sell", ["F12"])
    assert [(c.first, c.second) for c in clashes] == [("order.sell", "panic")]
    assert "F12 is bound to both 'Sell (ticket)' and 'PANIC'" in dialog.message.text()
    assert window.registry.keys_for("order.sell") == ("Ctrl+Alt+S",)
    assert window.registry.keys_for("panic") == ("F12",)

    # A prefix clash (a two-chord key starting with Ctrl+K, the palette) is refused too.
    assert dialog.rebind("order.sell", ["Ctrl+K, S"])
    # Default and Unbind.
    dialog.select_action("order.buy")
    dialog.default_button.click()
    assert window.registry.keys_for("order.buy") == ("Ctrl+Alt+B",)
    assert settings.get(KEY_BINDINGS) == {}
    dialog.unbind_button.click()
    assert window.registry.keys_for("order.buy") == ()
    assert dialog.keys_shown("order.buy") == "—"


def test_hotkeys_switch_follows_both_ways(dialog: SettingsDialog, window: MainWindow, settings: Settings) -> None:
    assert not dialog.hotkeys.isChecked()
    dialog.hotkeys.click()
    assert window.registry.hotkeys_enabled
    assert settings.get(HOTKEYS_ENABLED)
    assert window.hotkeys_indicator.text() == "HOTKEYS ON"
    window.registry.set_hotkeys_enabled(False)
    assert not dialog.hotkeys.isChecked()


def test_risk_numbers_are_checked_and_stored(dialog: SettingsDialog, settings: Settings, paths: AppPaths) -> None:
    fat = dialog.editors["risk.fat_finger_pct"]
    assert fat.text() == "5"
    assert dialog.set_value("risk.fat_finger_pct", "2.5")
    assert settings.get(FAT_FINGER_PCT) == Decimal("2.5")
    assert not dialog.set_value("risk.fat_finger_pct", "0")
    assert "below the minimum 0.1" in dialog.message.text()
    assert settings.get(FAT_FINGER_PCT) == Decimal("2.5")
    assert fat.text() == "2.5"
    assert not dialog.set_value("risk.max_order_notional", "lots")
    assert dialog.set_value("risk.max_order_notional", "20,000")
    assert settings.get(MAX_ORDER_NOTIONAL) == Decimal(20000)
    assert dialog.set_value("risk.confirm_market_notional", "250")
    assert dialog.set_value("risk.leverage_cap", 10)
    assert settings.get(LEVERAGE_CAP) == 10
    assert not dialog.set_value("risk.leverage_cap", 500)
    assert settings.get(CONFIRM_MARKET_NOTIONAL) == Decimal(250)
    # Typed in the field and left: stored the same way.
    fat.setText("3")
    fat.editingFinished.emit()
    assert settings.get(FAT_FINGER_PCT) == Decimal(3)
    # The main window saves on each change; a new load sees the limits.
    reloaded = Settings.load(paths.settings_file)
    assert reloaded.get(FAT_FINGER_PCT) == Decimal(3)
    assert reloaded.get(LEVERAGE_CAP) == 10


def test_theme_choice(dialog: SettingsDialog, settings: Settings, window: MainWindow) -> None:
    assert dialog.set_value("ui.theme", "light")
    assert settings.get(THEME) == "light"
    assert window.registry.qaction("view.theme").isChecked()
    assert dialog.editors["ui.theme"].currentData() == "light"


@pytest.mark.asyncio
async def test_profile_manager_adds_removes_and_sets_the_skip(qtbot: QtBot, paths: AppPaths) -> None:
    book = ProfileBook.load(profiles_path(paths.config_dir))
    keyring = MemoryKeyring()
    store = CredentialStore(keyring)
    dialog = ProfilesDialog(book, store, active="Demo")
    qtbot.addWidget(dialog)
    assert [dialog.list.item(i).text() for i in range(dialog.list.count())] == ["DEMO · Demo   (active)"]

    dialog.new_name.setText("Main")
    dialog.new_kind.setCurrentIndex(dialog.new_kind.findData(ProfileKind.LIVE.value))
    dialog.add_button.click()
    dialog.new_name.setText("Paper")
    dialog.new_kind.setCurrentIndex(dialog.new_kind.findData(ProfileKind.BITGET_DEMO.value))
    dialog.add_button.click()
    dialog.new_name.setText("main")
    dialog.add_button.click()
    assert "already exists" in dialog.message.text()
    assert ProfileBook.load(profiles_path(paths.config_dir)).names() == ["Demo", "Main", "Paper"]
    labels = [dialog.new_kind.itemText(i) for i in range(dialog.new_kind.count())]
    assert labels.index("Demo (unified account)") == labels.index("Demo (simulated exchange on this computer)") + 1
    dialog.new_name.setText("Unified")
    dialog.new_kind.setCurrentIndex(labels.index("Demo (unified account)"))
    dialog.add_button.click()
    unified = ProfileBook.load(profiles_path(paths.config_dir)).get("Unified")
    assert (unified.kind, unified.account_mode) == (ProfileKind.DEMO, "unified")
    assert "unified trading account" in dialog.details.text()
    dialog.select("Unified")
    dialog.remove_button.click()

    dialog.select("Paper")
    dialog.skip_confirm.click()
    assert book.get("Paper").skip_market_confirm
    reloaded = ProfileBook.load(profiles_path(paths.config_dir))
    assert risk_policy(Settings(), reloaded.get("Paper")).skip_market_confirm
    assert not risk_policy(Settings(), reloaded.get("Main")).skip_market_confirm

    chosen: list[str] = []
    dialog.profile_chosen.connect(lambda p: chosen.append(p.name))
    dialog.select("Main")
    dialog.switch_button.click()
    assert chosen == ["Main"]

    store.save("Main", Credentials("bg_x", "fake-secret", "fake-pass"))
    dialog.remove_button.click()
    await dialog.idle()
    assert "Main" not in book
    assert store.where("Main") is None
    assert keyring.entries == {}

    dialog.select("Demo")
    dialog.remove_button.click()
    assert "switch to another profile" in dialog.message.text()
    dialog.active = "Paper"
    dialog.select("Demo")
    dialog.remove_button.click()
    assert dialog.message.text() == "The last Demo profile cannot be removed."


def test_file_menu_opens_the_settings(qtbot: QtBot, window: MainWindow) -> None:
    action = install_settings_menu(window)
    assert action in window.registry.menu("File").actions()
    action.trigger()
    dialogs = [d for d in window.findChildren(SettingsDialog) if d.isVisible()]
    assert len(dialogs) == 1
    action.trigger()  # a second click shows the same page, not a second one
    assert len([d for d in window.findChildren(SettingsDialog) if d.isVisible()]) == 1


@pytest.mark.asyncio
async def test_profiles_menu_switches_and_the_doctor_presents_on_connect(
        qtbot: QtBot, make_harness: Callable[..., Harness], sim: SimulatorRunner) -> None:
    h = make_harness({"Demo": sim, "Demo 2": sim})
    h.add_profile("Demo 2", ProfileKind.DEMO)
    h.service.doctor_on_demo = True
    try:
        guarded = await h.connect("Demo", symbol=None)
        window = h.build_window(qtbot, guarded)
        menu = install_profiles_menu(window, h.service, h.store)
        doctor = install_doctor(window, h.service)
        assert doctor.action in window.registry.menu("Help").actions()
        await until(lambda: h.service.findings, what="doctor of the first profile")

        manager = menu.show_profiles()
        assert manager.active == "Demo"
        manager.select("Demo 2")
        findings = asyncio.ensure_future(next_emission(h.service.findings_ready))
        await asyncio.sleep(0)
        manager.switch_button.click()
        assert menu.switching is not None
        switched = await menu.switching
        assert switched is not None
        assert h.service.profile is not None
        assert h.service.profile.name == "Demo 2"
        await findings
        assert not doctor.dialog.isVisible()  # a clean Demo account does not interrupt: the findings wait in it
        assert "The API key works" in doctor.dialog.view.titles()
        assert "DEMO · Demo 2" in doctor.dialog.heading.text()
        assert window.windowTitle().startswith("[DEMO] Demo 2")

        keys = menu.show_keys()
        assert keys is not None
        assert keys.profile.name == "Demo 2"
        keys.reject()
    finally:
        await h.close()
