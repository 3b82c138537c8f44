"""The F1 cheat-sheet is generated from the ACTIONS table and the live bindings."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot

from terminal_app.config.actions import ACTIONS, Context
from terminal_app.ui.cheatsheet import UNBOUND_TITLE, CheatSheetDialog
from terminal_app.ui.main_window import MainWindow

TRADING = Context.TRADING.label


@pytest.fixture
def sheet(make_window: Callable[..., MainWindow]) -> CheatSheetDialog:
    w = make_window()
    return CheatSheetDialog(w.registry, w)


def test_lists_every_action_keys_first(sheet: CheatSheetDialog) -> None:
    rows = sheet.rows()
    assert len(rows) == len(ACTIONS)
    assert {r[2] for r in rows} == {a.label for a in ACTIONS}
    assert (TRADING, "Ctrl+Alt+B", "Buy (ticket)") in rows
    assert ("Chart", "1 Enter", "1m") in rows
    assert ("Chart", "6 0 Enter / 1 H Enter", "1H") in rows  # alternatives, each a run of keys
    assert ("Chart", "Up / + / =", "Zoom in") in rows
    assert rows[0][0] == Context.GLOBAL.label
    # the actions without a key come last, together (they can be given one)
    unbound = [r for r in rows if r[0] == UNBOUND_TITLE]
    assert rows[-len(unbound):] == unbound
    assert ("—", "Restore default layout") in [r[1:] for r in unbound]
    assert all(keys == "—" for _g, keys, _l in unbound)


def test_filter_and_live_updates(sheet: CheatSheetDialog) -> None:
    registry = sheet.registry
    sheet.filter.setText("cancel")
    # labels and descriptions both count: flatten and panic cancel orders too
    assert {r[2] for r in sheet.rows()} == {"Cancel last order", "Cancel all (symbol)", "Cancel all (account)",
                                            "Flatten symbol", "PANIC"}
    sheet.filter.setText("ctrl+alt+f")
    assert [r[2] for r in sheet.rows()] == ["Flatten symbol"]
    sheet.filter.setText("")
    registry.rebind("order.buy", ["Ctrl+Shift+B"])
    assert (TRADING, "Ctrl+Shift+B", "Buy (ticket)") in sheet.rows()
    registry.rebind("layout.reset", ["Ctrl+Shift+R"])  # given a key: it moves to where its key works
    assert ("Anywhere", "Ctrl+Shift+R", "Restore default layout") in sheet.rows()
    assert "OFF" in sheet.note.text()
    registry.set_hotkeys_enabled(True)
    assert "ON" in sheet.note.text()
    assert "OFF" not in sheet.note.text()


def test_long_descriptions_wrap_instead_of_being_cut(qtbot: QtBot, sheet: CheatSheetDialog) -> None:
    sheet.resize(900, 600)
    sheet.show()
    qtbot.waitExposed(sheet)
    panic = next(sheet.tree.topLevelItem(1).child(j) for j in range(sheet.tree.topLevelItem(1).childCount())
                 if sheet.tree.topLevelItem(1).child(j).text(1) == "PANIC")
    quit_row = sheet.tree.topLevelItem(0).child(1)
    assert quit_row.text(1) == "Quit"
    tall, short = sheet.tree.visualItemRect(panic).height(), sheet.tree.visualItemRect(quit_row).height()
    assert tall >= 2 * short - 4  # two lines
    sheet.resize(1800, 600)  # wide enough for one line: the row shrinks back
    qtbot.waitUntil(lambda: sheet.tree.visualItemRect(panic).height() == short)
