"""Every menu entry of the running terminal is an ACTIONS entry, and each entry that used to be a plain QAction
(profiles, API key, settings, exports, PnL report, account doctor, panels) runs its handler from the table — so it is
in the palette, the cheat-sheet and the rebinding page; chart keys typed as in TradingView. Real Terminal, offscreen."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenuBar, QPushButton, QWidget

from terminal_app.app import Terminal
from terminal_app.config.actions import ACTIONS, BY_ID, panel_action_id
from terminal_app.config.secrets import CredentialStore
from terminal_app.config.settings import CHART_INTERVAL
from terminal_app.ui import journal as journal_ui
from terminal_app.ui.dialogs.keys import KeysDialog
from terminal_app.ui.dialogs.profiles import ProfilesDialog
from terminal_app.ui.dialogs.settings import SettingsDialog
from terminal_app.ui.doctor import DoctorDialog
from terminal_app.ui.journal import DailyPnlDialog, JournalMenu

from ..conftest import Terminals
from .conftest import WaitUntil

pytestmark = [pytest.mark.asyncio, pytest.mark.usefixtures("gc_on_this_thread")]
KEYPAD = Qt.KeyboardModifier.KeypadModifier
OBJECT_NAMES = {"action_" + spec.id.replace(".", "_"): spec.id for spec in ACTIONS}


def running(terminals: Terminals) -> AbstractAsyncContextManager[Terminal]:
    """The terminal as the user starts it (the Demo exchange in a child process, the panic's own window), with a
    keyring that holds nothing: the keys dialog must not reach this machine's keyring."""
    return terminals.running(demo_sim="process", panic_window_s=None, store=CredentialStore(fail.Keyring()))


def menu_entries(menubar: QMenuBar) -> list[tuple[str, QAction]]:
    """(path, action) of every visible entry reachable from the menu bar, submenus opened."""
    found: list[tuple[str, QAction]] = []

    def walk(path: str, actions: list[QAction]) -> None:
        for a in actions:
            if a.isSeparator() or not a.isVisible():
                continue
            text = a.text().replace("&&", "\0").replace("&", "").replace("\0", "&")  # as the user reads it
            here = f"{path} ▸ {text}" if path else text
            if a.menu() is not None:
                walk(here, a.menu().actions())
            else:
                found.append((here, a))

    walk("", menubar.actions())
    return found


def shown(window: QWidget, kind: type[QWidget]) -> list[Any]:
    return [d for d in window.findChildren(kind) if d.isVisible()]


async def activate(window: QWidget, qapp: QApplication, wait_until: WaitUntil) -> None:
    window.activateWindow()
    await wait_until(qapp.focusWindowChanged, lambda: QApplication.activeWindow() is window)


async def test_every_menu_entry_is_an_action_of_the_table_and_runs_its_handler(
        terminals: Terminals, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class SaveAs:  # the file dialog of the exports, answered at once
        @staticmethod
        def getSaveFileName(_parent: Any, _title: str, suggested: str, _filter: str) -> tuple[str, str]:
            return str(tmp_path / Path(suggested).name), ""

    monkeypatch.setattr(journal_ui, "QFileDialog", SaveAs)
    async with running(terminals) as terminal:
        window, registry = terminal.window, terminal.window.registry
        assert window.menuBar() is window.menu_bar  # not a new, empty bar in place of the band and menus
        assert window.band.isVisible()
        entries = menu_entries(window.menuBar())
        strays = [path for path, a in entries if a.objectName() not in OBJECT_NAMES]
        assert strays == []
        for path, a in entries:
            action_id = OBJECT_NAMES[a.objectName()]
            assert a is registry.qaction(action_id), path
            assert a.isEnabled(), f"{path}: no handler"
        paths = [path for path, _a in entries]
        file_menu = [p.removeprefix("File ▸ ") for p in paths if p.startswith("File ▸ ")]
        assert file_menu == ["Profiles…", "API key of this profile…", "Transfer between accounts…", "Settings…",
                             "Export fills (CSV)…", "Export orders (CSV)…", "Realized PnL by day…", "Quit"]
        assert [p for p in paths if p.startswith("Help")] == ["Help ▸ Keyboard cheat-sheet", "Help ▸ Account doctor…"]
        panels = {OBJECT_NAMES[a.objectName()] for p, a in entries if p.startswith("View ▸ Panels")}
        assert panels == {panel_action_id(d) for d in window.dock_ids}
        separators = [a for a in registry.menu("File").actions() if a.isSeparator()]
        assert len(separators) == 3  # profile · settings · journal · quit, nothing left over from the old entries

        # Each former plain QAction runs its handler from the table.
        registry.trigger("settings")
        assert len(shown(window, SettingsDialog)) == 1
        registry.trigger("profiles")
        assert len(shown(window, ProfilesDialog)) == 1
        registry.trigger("api_key")
        keys = shown(window, KeysDialog)
        assert [k.profile.name for k in keys] == [terminal.profile.name]
        await keys[0].idle()
        keys[0].reject()
        registry.trigger("journal.daily_pnl")
        assert len(shown(window, DailyPnlDialog)) == 1
        registry.trigger("account_doctor")
        assert len(shown(window, DoctorDialog)) == 1
        registry.trigger("journal.export_fills")
        registry.trigger("journal.export_orders")
        menu = window.findChild(JournalMenu)
        assert menu is not None
        await menu.idle()  # the journal writes the files on its own thread
        profile_file = terminal.profile.name.replace(" ", "-")
        for what in ("fills", "orders"):
            written = tmp_path / f"{profile_file}-{what}.csv"
            assert written.read_text(encoding="utf-8").strip(), what  # at least the header row

        # The panels: hidden and shown from the table, and the entry follows a dock closed by its title bar.
        dock, action = window.dock("ladder"), registry.qaction(panel_action_id("ladder"))
        assert action.isChecked()
        registry.trigger(panel_action_id("ladder"))
        assert dock.isHidden()
        assert not action.isChecked()
        registry.trigger(panel_action_id("ladder"))
        assert not dock.isHidden()
        dock.close()
        assert not action.isChecked()
        window.reset_layout()
        assert action.isChecked()


async def test_chart_keys_palette_and_rebinding_through_the_real_window(
        qapp: QApplication, terminals: Terminals, wait_until: WaitUntil) -> None:
    async with running(terminals) as terminal:
        window, registry, chart = terminal.window, terminal.window.registry, terminal.chart
        md = terminal.services.market_data
        await wait_until(md.candles_history, lambda: len(chart.series) > 0)
        await activate(window, qapp, wait_until)

        # Intervals typed on the chart as in TradingView: the minutes (or 1H…), then Enter; the keypad works too.
        chart.setFocus()
        await wait_until(qapp.focusChanged, lambda: chart.isAncestorOf(QApplication.focusWidget())
                         or QApplication.focusWidget() is chart)
        view = QApplication.focusWidget()
        for key in (Qt.Key.Key_1, Qt.Key.Key_5, Qt.Key.Key_Return):
            QTest.keyClick(view, key)
        assert md.interval.value == "15m"
        for key in (Qt.Key.Key_6, Qt.Key.Key_0, Qt.Key.Key_Enter):
            QTest.keyClick(view, key, KEYPAD)
        assert md.interval.value == "1H"
        QTest.keyClick(view, Qt.Key.Key_1)
        QTest.keyClick(view, Qt.Key.Key_D)
        QTest.keyClick(view, Qt.Key.Key_Return)
        assert md.interval.value == "1D"
        assert terminal.settings.get(CHART_INTERVAL) == "1D"

        # The chart's view keys are table actions too: they scroll and reset the view.
        start = chart.visible_range()
        QTest.keyClick(view, Qt.Key.Key_Left)
        moved = chart.visible_range()
        assert moved[0] < start[0]
        # Alt+R is TradingView's reset; the copy panel's "&Refresh" had taken it for the whole window.
        refresh = [b.text() for b in window.panel("copy-trading").findChildren(QPushButton) if "Refresh" in b.text()]
        assert refresh == ["Refresh"]
        QTest.keyClick(view, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
        reset = chart.visible_range()
        assert reset != moved
        chart.reset_view()
        assert chart.visible_range() == reset
        QTest.keyClick(view, Qt.Key.Key_Up)
        zoomed = chart.visible_range()
        assert zoomed[1] - zoomed[0] < reset[1] - reset[0]

        # The palette finds a former plain menu entry by name and runs it.
        QTest.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
        palette = terminal.palette
        assert palette.isVisible()
        QTest.keyClicks(palette.input, "doctor")
        assert palette.selected_action() == "account_doctor"
        QTest.keyClick(palette.input, Qt.Key.Key_Return)
        assert not palette.isVisible()
        doctor = shown(window, DoctorDialog)
        assert len(doctor) == 1
        doctor[0].close()

        # A new entry rebound on the settings page works by its new key.
        registry.trigger("settings")
        page = shown(window, SettingsDialog)[0]
        page.select_action("journal.daily_pnl")
        QTest.keyClick(page.key_edit, Qt.Key.Key_F9)
        page.assign_button.click()
        assert registry.keys_for("journal.daily_pnl") == ("F9",)
        assert page.keys_shown("journal.daily_pnl") == "F9"
        page.close()
        await activate(window, qapp, wait_until)
        QTest.keyClick(window, Qt.Key.Key_F9)
        assert len(shown(window, DailyPnlDialog)) == 1
        sheet = window.show_cheatsheet()
        assert ("Anywhere", "F9", "Realized PnL by day…") in sheet.rows()
        assert {label for _c, _k, label in sheet.rows()} == {spec.label for spec in BY_ID.values()}
