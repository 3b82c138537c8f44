"""QActions from the ACTIONS table: dispatch, the text-field and hotkeys-off gates, contexts, rebinding, menus."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QPushButton, QTabWidget, QWidget
from pytestqt.qtbot import QtBot

from terminal_app.config.actions import ACTIONS, Context, default_bindings
from terminal_app.config.settings import HOTKEYS_ENABLED, KEY_BINDINGS, Settings
from terminal_app.ui.actions import ActionRegistry, text_input_has_focus
from terminal_app.ui.main_window import CENTRAL, DockSpec, MainWindow

from .conftest import MakeRig, Rig, panel_spec

CTRL_ALT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
K = Qt.Key
KEYPAD = Qt.KeyboardModifier.KeypadModifier


def test_one_action_per_spec_with_qt_spelling_of_the_keys(make_window: Callable[..., MainWindow]) -> None:
    w = make_window()
    for spec in ACTIONS:
        qa = w.registry.qaction(spec.id)
        assert qa.text() == spec.label
        assert qa.isCheckable() == spec.checkable
        portable = [s.toString(QKeySequence.SequenceFormat.PortableText) for s in qa.shortcuts()]
        defaults = list(default_bindings()[spec.id])
        assert portable[: len(defaults)] == defaults, spec.id  # Qt agrees with normalize_sequence
        # a key ending in Return also works typed on the keypad, which Qt tells apart
        keypad = [a for a in portable[len(defaults):] if "Num+Enter" in a]
        assert len(keypad) == len(portable) - len(defaults), spec.id
        assert {a.replace("Num+", "").replace("Enter", "Return") for a in keypad} == {
            k for k in defaults if k.endswith("Return")}, spec.id
        window_wide = spec.context.window_wide
        expected = Qt.ShortcutContext.WindowShortcut if window_wide else Qt.ShortcutContext.WidgetWithChildrenShortcut
        assert qa.shortcutContext() == expected


def test_actions_without_a_handler_are_disabled(make_rig: MakeRig) -> None:
    rig = make_rig()
    assert not rig.registry.qaction("order.buy").isEnabled()
    assert rig.registry.qaction("layout.save").isEnabled()  # the window handles it
    calls = rig.handled("order.buy")
    assert rig.registry.qaction("order.buy").isEnabled()
    rig.registry.trigger("order.buy")
    assert calls == [()]
    rig.registry.off("order.buy")
    assert not rig.registry.qaction("order.buy").isEnabled()
    with pytest.raises(KeyError):
        rig.handled("order.nope")


def test_menus_and_toolbar_come_from_the_table(make_window: Callable[..., MainWindow]) -> None:
    w = make_window()
    tops = [a.text() for a in w.menu_bar.actions()]
    assert tops == ["&File", "&View", "&Trade", "&Chart", "&Help"]
    trade = w.registry.menu("Trade")
    assert w.registry.qaction("order.buy") in trade.actions()
    sizes = w.registry.menu("Trade/Size preset")
    assert [a.text() for a in sizes.actions()] == ["Size 10 %", "Size 25 %", "Size 50 %", "Size 75 %", "Size 100 %"]
    toolbar_ids = [a.objectName() for a in w.toolbar.actions() if not a.isSeparator()]
    assert toolbar_ids == ["action_" + s.id.replace(".", "_") for s in ACTIONS if s.toolbar]
    buy_button = w.toolbar.widgetForAction(w.registry.qaction("order.buy"))
    assert buy_button.objectName() == "action_order_buy"


def test_trading_keys_fire_when_on_and_not_typing(make_rig: MakeRig) -> None:
    rig = make_rig()
    calls = rig.handled("order.buy")
    rig.focus(rig.panel().button)
    rig.press(K.Key_B, mods=CTRL_ALT)
    assert calls == [()]


def test_trading_keys_are_inert_while_typing(make_rig: MakeRig) -> None:
    rig = make_rig()
    buys, saves = rig.handled("order.buy"), rig.handled("layout.save")
    rig.focus(rig.panel().edit)
    assert text_input_has_focus()
    assert not rig.registry.trading_keys_live()
    rig.press(K.Key_B, mods=CTRL_ALT)
    assert buys == []
    rig.press(K.Key_S, mods=Qt.KeyboardModifier.ControlModifier)
    assert saves == [()]  # non-trading keys still work from a text field
    rig.focus(rig.panel().button)
    rig.press(K.Key_B, mods=CTRL_ALT)
    assert buys == [()]


def test_a_trading_key_typed_in_a_field_reaches_the_field(make_rig: MakeRig) -> None:
    rig = make_rig(bindings={"order.sell": ("S",)})  # a bare letter, the worst case for a text field
    sells = rig.handled("order.sell")
    panel = rig.panel()
    rig.focus(panel.edit)
    QTest.keyClicks(panel.edit, "ss")
    assert panel.edit.text() == "ss"
    assert sells == []
    rig.focus(panel.button)
    rig.press(K.Key_S)
    assert sells == [()]


def test_hotkeys_off_silences_keys_but_not_menus(make_rig: MakeRig) -> None:
    rig = make_rig(hotkeys=False)
    calls = rig.handled("order.cancel_all_symbol")
    rig.focus(rig.panel().button)
    rig.press(K.Key_X, mods=CTRL_ALT)
    rig.press(K.Key_F12)
    assert calls == []
    rig.registry.qaction("order.cancel_all_symbol").trigger()  # a menu or toolbar click
    assert calls == [()]


def test_hotkeys_switch_is_stored_and_shown(qtbot: QtBot, settings: Settings,
                                            make_window: Callable[..., MainWindow]) -> None:
    w = make_window(show=True)
    indicator = w.hotkeys_indicator
    assert not w.registry.hotkeys_enabled
    assert indicator.text() == "HOTKEYS OFF"
    assert indicator.property("on") == "false"
    with qtbot.waitSignal(w.registry.hotkeys_changed) as blocker:
        qtbot.mouseClick(indicator, Qt.MouseButton.LeftButton)
    assert blocker.args == [True]
    assert indicator.text() == "HOTKEYS ON"
    assert indicator.property("on") == "true"
    assert settings.get(HOTKEYS_ENABLED) is True
    assert w.registry.qaction("hotkeys.toggle").isChecked()
    w.registry.qaction("hotkeys.toggle").trigger()  # the menu item flips it back
    assert not w.registry.hotkeys_enabled
    assert indicator.text() == "HOTKEYS OFF"
    assert Settings.load(settings.path).get(HOTKEYS_ENABLED) is False  # saved at once  # type: ignore[arg-type]


def test_context_keys_work_only_inside_their_panel(make_rig: MakeRig) -> None:
    rig = make_rig((panel_spec("chart", area=CENTRAL, contexts=(Context.CHART,)), panel_spec("ticket")))
    calls = rig.handled("chart.interval.5m")
    rig.focus(rig.panel("ticket").button)
    rig.press(K.Key_5, K.Key_Return)
    assert calls == []
    rig.focus(rig.panel("chart").button)
    rig.press(K.Key_5)  # typed as in TradingView: 5, Enter
    assert calls == []
    rig.press(K.Key_Return)
    assert calls == [()]
    rig.press(K.Key_5, K.Key_Enter, mods=KEYPAD)  # on the keypad
    assert calls == [(), ()]
    with pytest.raises(ValueError, match="already live"):
        rig.registry.bind_context(Context.GLOBAL, rig.panel("chart"))


def test_checkable_handlers_get_the_state(make_rig: MakeRig) -> None:
    rig = make_rig()
    calls = rig.handled("view.colorblind")
    rig.registry.trigger("view.colorblind")
    rig.registry.trigger("view.colorblind")
    assert calls == [(True,), (False,)]


@pytest.mark.asyncio
async def test_coroutine_handlers_run_on_the_qt_loop(make_window: Callable[..., MainWindow]) -> None:
    w = make_window()
    done = asyncio.Event()
    loops: list[asyncio.AbstractEventLoop] = []

    async def place() -> None:
        await asyncio.sleep(0)
        loops.append(asyncio.get_running_loop())
        done.set()

    w.registry.on("order.buy", place)
    w.registry.trigger("order.buy")
    await asyncio.wait_for(done.wait(), 2)
    assert loops == [asyncio.get_running_loop()]
    assert type(loops[0]).__module__.startswith("qasync")


@pytest.mark.asyncio
async def test_a_failing_coroutine_handler_reaches_the_excepthook(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    w = make_window()

    async def boom() -> None:
        raise RuntimeError("rejected")

    w.registry.on("order.sell", boom)
    with qtbot.capture_exceptions() as exceptions:
        w.registry.trigger("order.sell")
        for _ in range(20):
            await asyncio.sleep(0)
    assert [str(e[1]) for e in exceptions] == ["rejected"]


def test_rebinding_refuses_clashes_and_persists(qtbot: QtBot, settings: Settings, make_rig: MakeRig) -> None:
    rig = make_rig()
    reg: ActionRegistry = rig.registry
    clashes = reg.rebind("order.buy", ["Ctrl+S"])
    assert [(c.first, c.second) for c in clashes] == [("layout.save", "order.buy")]
    assert reg.keys_for("order.buy") == ("Ctrl+Alt+B",)
    with qtbot.waitSignal(reg.bindings_changed):
        assert reg.rebind("order.buy", ["ctrl+shift+b"]) == []
    assert reg.keys_for("order.buy") == ("Ctrl+Shift+B",)
    assert settings.get(KEY_BINDINGS) == {"order.buy": ("Ctrl+Shift+B",)}
    calls = rig.handled("order.buy")
    rig.focus(rig.panel().button)
    rig.press(K.Key_B, mods=CTRL_ALT)
    assert calls == []  # the old key is free now
    rig.press(K.Key_B, mods=Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert calls == [()]
    reg.rebind("order.buy", ["Ctrl+Alt+B"])
    assert settings.get(KEY_BINDINGS) == {}  # back to the default: no override kept


def test_conflicting_user_keys_are_resolved_at_start(settings: Settings,
                                                     make_window: Callable[..., MainWindow]) -> None:
    settings.set(KEY_BINDINGS, {"order.sell": ("Ctrl+Alt+B",)})
    w = make_window()
    assert w.registry.keys_for("order.sell") == ("Ctrl+Alt+B",)
    assert w.registry.keys_for("order.buy") == ()
    assert w.registry.qaction("order.buy").shortcuts() == []
    assert any("Buy (ticket)" in p for p in w.registry.problems)


def test_keys_that_type_a_character_go_to_the_text_field(make_rig: MakeRig) -> None:
    # Ctrl+Alt+L is AltGr+L ('ł' on a Polish keyboard), '/' a plain character: while typing, the field gets them
    rig = make_rig(bindings={"layout.save": ("Ctrl+Alt+L",), "symbol.switch": ("/",)})
    saves, switches = rig.handled("layout.save"), rig.handled("symbol.switch")
    panel = rig.panel()
    rig.focus(panel.edit)
    rig.press(K.Key_L, mods=CTRL_ALT)
    rig.press(K.Key_Slash)
    assert (saves, switches) == ([], [])
    assert panel.edit.text() == "l/"  # QTest's chord carries the plain letter as its text
    rig.focus(panel.button)
    rig.press(K.Key_L, mods=CTRL_ALT)
    rig.press(K.Key_Slash)
    assert (saves, switches) == ([()], [()])


class MnemonicPanel(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.refresh = QPushButton("&Refresh", self)  # Alt+R: the chart's reset key in the table
        self.quux = QPushButton("&Quux && co", self)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(QWidget(), "&Zoom")
        self.tabs.addTab(QWidget(), "&Help")


def test_a_panel_mnemonic_never_takes_a_key_of_the_table(make_window: Callable[..., MainWindow]) -> None:
    w = make_window((DockSpec("copy", "Copy", Qt.DockWidgetArea.BottomDockWidgetArea, MnemonicPanel),))
    panel = w.panel("copy")
    assert isinstance(panel, MnemonicPanel)
    assert panel.refresh.text() == "Refresh"  # Alt+R would have clicked it from anywhere in the window
    assert panel.quux.text() == "&Quux && co"
    # Alt+H opens the Help menu: a panel's tab does not take it
    assert [panel.tabs.tabText(i) for i in range(2)] == ["&Zoom", "Help"]
    w.registry.rebind("chart.reset", ["Alt+Q"])  # the table takes another Alt key: that mnemonic goes too
    assert panel.quux.text() == "Quux && co"
    w.registry.rebind("layout.reset", ["Alt+Z"])
    assert [panel.tabs.tabText(i) for i in range(2)] == ["Zoom", "Help"]


# the menu bar raises its popup and grabs the keyboard, which the offscreen platform cannot do and says so
@pytest.mark.qt_log_ignore("This plugin does not support (grabbing the keyboard|raise)")
def test_alt_and_a_menus_letter_opens_it_and_esc_closes_it(make_window: Callable[..., MainWindow],
                                                          qtbot: QtBot) -> None:
    w = make_window(show=True)
    for _ in range(2):
        for key, title in ((Qt.Key.Key_F, "File"), (Qt.Key.Key_H, "Help")):
            menu = w.registry.menu(title)
            QTest.keyClick(QApplication.focusWidget() or w, key, Qt.KeyboardModifier.AltModifier)
            qtbot.waitUntil(lambda menu=menu: QApplication.activePopupWidget() is menu, timeout=3000)
            QTest.keyClick(menu, Qt.Key.Key_Escape)
            qtbot.waitUntil(lambda menu=menu: not menu.isVisible(), timeout=3000)
    w.registry.rebind("layout.reset", ["Alt+F"])  # a user who gives Alt+F to an action keeps it
    assert w.menu_bar.actions()[0].text() == "File"


def test_route_takes_a_modules_own_action_out_of_the_menu(make_window: Callable[..., MainWindow]) -> None:
    w = make_window()
    file_menu = w.registry.menu("File")
    before = [a.objectName() for a in file_menu.actions()]
    calls: list[bool] = []
    own = QAction("Export fills (CSV)…", w)
    own.triggered.connect(lambda checked=False: calls.append(checked))
    file_menu.insertAction(file_menu.actions()[0], own)
    file_menu.insertSeparator(file_menu.actions()[1])
    assert not w.registry.qaction("journal.export_fills").isEnabled()
    w.registry.route("journal.export_fills", own)
    assert [a.objectName() for a in file_menu.actions()] == before  # its separator went with it
    assert w.registry.qaction("journal.export_fills").isEnabled()
    w.registry.trigger("journal.export_fills")
    assert len(calls) == 1


def test_menu_bar_is_the_one_under_the_band(make_window: Callable[..., MainWindow]) -> None:
    w = make_window()
    assert w.menuBar() is w.menu_bar
    assert w.menuWidget().isAncestorOf(w.band)  # QMainWindow's own menuBar() would have replaced both
    file_menu = [a.text() if not a.isSeparator() else "—" for a in w.registry.menu("File").actions()]
    assert file_menu == ["Profiles…", "API key of this profile…", "Transfer between accounts…", "—", "Settings…", "—",
                         "Export fills (CSV)…", "Export orders (CSV)…", "Realized PnL by day…", "—", "Quit"]


def _dialog(rig: Rig, title: str = "A dialog") -> QDialog:
    dialog = QDialog(rig.window)
    dialog.setWindowTitle(title)
    rig.qtbot.addWidget(dialog)
    return dialog


def test_no_trading_key_fires_while_a_dialog_is_open_and_esc_closes_it_first(make_rig: MakeRig) -> None:
    # The user kept Esc for "cancel last" (the old default): Esc must still close the dialog, never cancel.
    rig = make_rig(bindings={"order.cancel_last": ("Esc",)})
    cancels, buys = rig.handled("order.cancel_last"), rig.handled("order.buy")
    button = rig.panel().button
    for _ in range(2):  # twice: the second dialog must behave like the first
        dialog = _dialog(rig, "Keyboard cheat-sheet")
        dialog.show()
        rig.qtbot.waitExposed(dialog)
        # Without a window manager the new dialog is not activated: the keys still land in the main window.
        rig.focus(button)
        rig.press(K.Key_B, mods=CTRL_ALT)
        rig.press(K.Key_Escape)
        assert not dialog.isVisible()
        assert (cancels, buys) == ([], [])
    rig.press(K.Key_Escape)  # nothing open any more: now Esc is the user's cancel key
    assert cancels == [()]


def test_a_trading_key_in_an_active_dialog_does_nothing(make_rig: MakeRig) -> None:
    rig = make_rig()
    cancels, flattens = rig.handled("order.cancel_last"), rig.handled("position.flatten_symbol")
    dialog = _dialog(rig)
    field = QPushButton("ok", dialog)
    rig.qtbot.addWidget(field)
    dialog.show()
    dialog.activateWindow()
    rig.qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    rig.focus(field)
    for key in (K.Key_Z, K.Key_F):
        QTest.keyClick(field, key, CTRL_ALT)
    QTest.keyClick(field, K.Key_F12)
    assert (cancels, flattens) == ([], [])
    assert rig.registry.overlay() is dialog
    QTest.keyClick(field, K.Key_Escape)
    assert not dialog.isVisible()
    assert rig.registry.overlay() is None


@pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing)")  # the offscreen platform's popups
def test_an_open_menu_holds_the_trading_keys(make_rig: MakeRig) -> None:
    rig = make_rig()
    cancels = rig.handled("order.cancel_all_symbol")
    menu = rig.registry.menu("Trade")
    menu.popup(rig.window.mapToGlobal(rig.window.rect().center()))
    rig.qtbot.waitUntil(lambda: QApplication.activePopupWidget() is menu)
    QTest.keyClick(menu, K.Key_X, CTRL_ALT)
    assert cancels == []
    QTest.keyClick(menu, K.Key_Escape)
    rig.qtbot.waitUntil(lambda: not menu.isVisible())
    rig.focus(rig.panel().button)
    rig.press(K.Key_X, mods=CTRL_ALT)
    assert cancels == [()]
    # A menu click is deliberate and always works.
    rig.registry.qaction("order.cancel_all_symbol").trigger()
    assert cancels == [(), ()]


def test_cancel_last_is_not_on_esc_by_default(make_rig: MakeRig) -> None:
    rig = make_rig()
    cancels = rig.handled("order.cancel_last")
    rig.focus(rig.panel().button)
    rig.press(K.Key_Escape)
    assert cancels == []
    rig.press(K.Key_Z, mods=CTRL_ALT)
    assert cancels == [()]


def test_the_overlay_check_skips_the_widget_scan_only_while_nothing_else_is_shown(
        make_rig: MakeRig, monkeypatch: pytest.MonkeyPatch) -> None:
    """The scan of every widget (``topLevelWidgets``) is what a trading key paid most for before its order could
    leave; it is skipped while the window alone is shown, and still finds a dialog nobody activated."""
    rig = make_rig()
    buys = rig.handled("order.buy")
    scans: list[int] = []
    real = QApplication.topLevelWidgets
    monkeypatch.setattr(QApplication, "topLevelWidgets", staticmethod(lambda: scans.append(1) or real()))
    rig.focus(rig.panel().button)
    rig.press(K.Key_B, mods=CTRL_ALT)
    assert (buys, scans) == ([()], [])
    dialog = QDialog(rig.panel())  # a panel's dialog: not a child of the window, and not activated here
    rig.qtbot.addWidget(dialog)
    dialog.show()
    rig.qtbot.waitExposed(dialog)
    assert QApplication.activeWindow() is not dialog
    assert rig.registry.overlay() is dialog
    assert scans
    rig.press(K.Key_B, mods=CTRL_ALT)
    assert buys == [()]
    dialog.hide()
    rig.press(K.Key_B, mods=CTRL_ALT)
    assert buys == [(), ()]
