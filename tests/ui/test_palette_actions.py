"""The command palette finds the table's actions by name; Enter runs one only when the text is no command of the
grammar (a half-typed order never fires "Buy (ticket)"); while it is open no trading key fires; leaving it closes it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from terminal_app.config.settings import THEME
from terminal_app.ui.palette import CommandPalette, PaletteEngine, install_palette, match_actions

from .conftest import MakeRig, Rig, panel_spec

CTRL_ALT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier


@pytest.fixture
def rig(make_rig: MakeRig) -> Rig:
    """A shown, active window with one panel (Order entry), on no account."""
    return make_rig((panel_spec("ticket", "Order entry"),), hotkeys=True)


@pytest.fixture
def palette(rig: Rig) -> CommandPalette:
    return install_palette(rig.window, PaletteEngine(lambda: None))


def test_matches_rank_labels_first_and_skip_what_cannot_run(rig: Rig, palette: CommandPalette) -> None:
    reg = rig.registry
    assert match_actions(reg, "") == []
    assert match_actions(reg, "layout") == ["layout.save", "layout.reset"]
    assert match_actions(reg, "light")[0] == "view.theme"
    assert match_actions(reg, "order entry") == ["panel.ticket"]  # a panel the window has
    assert match_actions(reg, "order book") == []  # no such panel here: its entry is hidden
    assert "order.buy" not in match_actions(reg, "buy")  # no handler yet: greyed in the menu, absent here
    rig.handled("order.buy")
    assert match_actions(reg, "buy") == ["order.buy"]
    assert "palette.open" not in match_actions(reg, "palette")
    assert match_actions(reg, "view panels") == ["panel.ticket"]  # the menu path counts too


def test_enter_runs_the_first_match_when_the_text_is_no_command(
        qtbot: QtBot, rig: Rig, palette: CommandPalette) -> None:
    rig.press(Qt.Key.Key_K, mods=Qt.KeyboardModifier.ControlModifier)
    assert palette.isVisible()
    QTest.keyClicks(palette.input, "light")
    assert palette.error is not None
    assert palette.echo.isHidden()  # not shown as a mistake: it names an action
    assert "Enter runs 'Light theme'" in palette.preview.text()
    assert palette.actions_list.item(0).text().startswith("Light theme (off)")
    with qtbot.waitSignal(palette.action_triggered) as ran:
        QTest.keyClick(palette.input, Qt.Key.Key_Return)
    assert ran.args == ["view.theme"]
    assert not palette.isVisible()
    assert rig.window.settings.get(THEME) == "light"


def test_a_half_typed_order_never_runs_an_action_unless_picked(rig: Rig, palette: CommandPalette) -> None:
    buys = rig.handled("order.buy")
    palette.open_palette()
    QTest.keyClicks(palette.input, "buy")
    assert palette.selected_action() == "order.buy"
    assert not palette.runs_action_on_enter()
    assert not palette.echo.isHidden()  # the grammar's complaint: a size is missing
    QTest.keyClick(palette.input, Qt.Key.Key_Return)
    assert buys == []
    assert palette.isVisible()
    QTest.keyClick(palette.input, Qt.Key.Key_Down)  # picked on purpose
    assert palette.runs_action_on_enter()
    assert "Enter runs 'Buy (ticket)'" in palette.preview.text()
    QTest.keyClick(palette.input, Qt.Key.Key_Return)
    assert buys == [()]
    assert not palette.isVisible()


def test_a_click_on_a_match_runs_it(qtbot: QtBot, rig: Rig, palette: CommandPalette) -> None:
    saves, resets = rig.handled("layout.save"), rig.handled("layout.reset")
    palette.open_palette("layout")
    assert palette.action_ids == ["layout.save", "layout.reset"]
    rect = palette.actions_list.visualItemRect(palette.actions_list.item(1))
    qtbot.mouseClick(palette.actions_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert (saves, resets) == ([], [()])
    assert not palette.isVisible()


def test_no_trading_key_fires_while_the_palette_is_open(
        qtbot: QtBot, rig: Rig, palette: CommandPalette) -> None:
    cancels = rig.handled("order.cancel_last")
    buys = rig.handled("order.buy")
    palette.open_palette("b 0.1")
    qtbot.waitUntil(palette.input.hasFocus)
    QTest.keyClick(palette.input, Qt.Key.Key_Z, CTRL_ALT)  # cancel last, typed into the palette
    QTest.keyClick(palette.input, Qt.Key.Key_B, CTRL_ALT)
    assert (cancels, buys) == ([], [])
    # The palette still open while the focus is elsewhere (no window manager moved it yet): still no trading key,
    # and Esc closes the palette first.
    panel = rig.panel()
    palette.input.removeEventFilter(palette)  # keep it open across the focus change, as a slow window system would
    rig.focus(panel.button)
    assert palette.isVisible()
    rig.press(Qt.Key.Key_Z, mods=CTRL_ALT)
    assert cancels == []
    rig.press(Qt.Key.Key_Escape)
    assert not palette.isVisible()
    assert cancels == []
    rig.press(Qt.Key.Key_Z, mods=CTRL_ALT)  # the window is clear again: the key works
    assert cancels == [()]
