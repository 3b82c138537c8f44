"""The F1 cheat-sheet is generated from the ACTIONS table and the live bindings."""

from __future__ import annotations

from collections.abc import Callable

from terminal_app.config.actions import ACTIONS, Context
from terminal_app.ui.cheatsheet import CheatSheetDialog
from terminal_app.ui.main_window import MainWindow


def test_lists_every_action_by_context(make_window: Callable[..., MainWindow]) -> None:
    w = make_window()
    sheet = CheatSheetDialog(w.registry, w)
    rows = sheet.rows()
    assert len(rows) == len(ACTIONS)
    assert {r[2] for r in rows} == {a.label for a in ACTIONS}
    assert ("Trading (needs hotkeys ON)", "Ctrl+Alt+B", "Buy (ticket)") in rows
    assert ("Chart", "1", "1m") in rows
    assert ("Anywhere", "—", "Restore default layout") in rows  # unbound actions are listed too
    assert rows[0][0] == Context.GLOBAL.title


def test_filter_and_live_updates(make_window: Callable[..., MainWindow]) -> None:
    w = make_window()
    sheet = CheatSheetDialog(w.registry, w)
    sheet.filter.setText("cancel")
    # labels and descriptions both count: flatten and panic cancel orders too
    assert {r[2] for r in sheet.rows()} == {"Cancel last order", "Cancel all (symbol)", "Cancel all (account)",
                                            "Flatten symbol", "PANIC"}
    sheet.filter.setText("ctrl+alt+f")
    assert [r[2] for r in sheet.rows()] == ["Flatten symbol"]
    sheet.filter.setText("")
    w.registry.rebind("order.buy", ["Ctrl+Shift+B"])
    assert ("Trading (needs hotkeys ON)", "Ctrl+Shift+B", "Buy (ticket)") in sheet.rows()
    assert "OFF" in sheet.note.text()
    w.registry.set_hotkeys_enabled(True)
    assert "ON" in sheet.note.text()
    assert "OFF" not in sheet.note.text()
