"""QActions, menus, toolbar and shortcuts built from the one ACTIONS table (``config/actions.py``).

Code says what an action does with :meth:`ActionRegistry.on` (or hands over a QAction another module made, with
:meth:`ActionRegistry.route`); until then the action shows greyed out. Trading actions (``ActionSpec.trading``) obey
three safety rules from traders.md §4, enforced at the key level so the key press is not swallowed either: while a
text field has the focus the key goes to the text field; while hotkeys are switched off the keys do nothing at all;
and while a dialog, popup, menu or the command palette is open over the window (:func:`open_overlay`) no trading key
fires — Esc then closes the topmost of them instead, wherever the key landed (on a desktop without a window manager,
or before the window manager has activated a new dialog, the key still reaches the main window). Any other key that
types a character (a bare key, or Ctrl+Alt+…, which is AltGr on many keyboards) also goes to the text field while one
has the focus. Menu and toolbar clicks always work. :class:`HotkeysIndicator` shows the switch in the status bar.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import QEvent, QKeyCombination, QObject, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeyEvent, QKeySequence, QMouseEvent, QShortcutEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QMenuBar,
    QPlainTextEdit,
    QTabBar,
    QTextEdit,
    QToolBar,
    QWidget,
)
from shiboken6 import isValid

from terminal_app.config.actions import (
    ACTIONS,
    BY_ID,
    MENU_ORDER,
    ActionSpec,
    Bindings,
    Context,
    KeyConflict,
    normalize_sequence,
    rebind,
    resolve_bindings,
)
from terminal_app.config.settings import HOTKEYS_ENABLED, KEY_BINDINGS, Settings
from terminal_app.ui.theme import set_style_property

log = logging.getLogger("terminal_app.ui.actions")

ActionHandler = Callable[..., Any]


def text_input_has_focus(widget: QWidget | None = None) -> bool:
    """True while the user is typing: a line edit, text area, spin box or editable combo box has the focus."""
    w = widget if widget is not None else QApplication.focusWidget()
    if w is None:
        return False
    if isinstance(w, QLineEdit | QTextEdit | QPlainTextEdit | QAbstractSpinBox):
        return not w.isReadOnly()
    return isinstance(w, QComboBox) and w.isEditable()


def open_overlay(window: QWidget | None = None, overlays: Sequence[QWidget] = ()) -> QWidget | None:
    """The topmost dialog, popup, menu or overlay (``overlays``: the command palette) open over the terminal, or
    None while the window is clear.

    The order is the order in which Esc closes them: an open popup or menu first (it sits over everything), then
    the application-modal dialog, then the active window if it is a dialog, then the newest visible dialog of
    ``window`` (or any window's, without one), then a visible overlay."""
    popup = QApplication.activePopupWidget()
    if popup is not None:
        return popup
    modal = QApplication.activeModalWidget()
    if modal is not None:
        return modal
    active = QApplication.activeWindow()
    if isinstance(active, QDialog) and active.isVisible():
        return active
    if window is not None and not _other_window_shown(window):
        return next((o for o in overlays if isValid(o) and o.isVisible()), None)
    dialogs = [w for w in QApplication.topLevelWidgets()
               if isinstance(w, QDialog) and w.isVisible() and isValid(w)
               and (window is None or (parent := w.parentWidget()) is None or parent.window() is window)]
    if dialogs:
        return dialogs[-1]
    return next((o for o in overlays if isValid(o) and o.isVisible()), None)


def _other_window_shown(window: QWidget) -> bool:
    """Whether any top-level window but ``window``'s own is shown (a dialog, a floated panel, a tooltip …).

    A shown top-level widget always has a shown native window, and the application has a handful of those, whereas
    ``QApplication.topLevelWidgets()`` walks every widget of the application (a quarter of a millisecond in the
    terminal, twice per trading key): when only the window itself is shown, no dialog can be open over it."""
    own = window.windowHandle()
    return any(w.isVisible() and w is not own for w in QGuiApplication.topLevelWindows())


def close_overlay(widget: QWidget) -> None:
    """Close ``widget`` as Esc would: a dialog is rejected (its owner hears ``rejected``), anything else closes."""
    if isinstance(widget, QDialog):
        widget.reject()
    else:
        close = getattr(widget, "close_palette", None)
        (close or widget.close)()


def _object_name(action_id: str) -> str:
    return "action_" + action_id.replace(".", "_")


def display_keys(sequences: Sequence[str]) -> str:
    """Keys as people read them: ``("1, 5, Return", "Ctrl+Alt+B")`` → ``"1 5 Enter / Ctrl+Alt+B"`` (Qt's native
    spelling per chord; Return is called Enter, and the keypad's Enter works too)."""
    shown = []
    for seq in sequences:
        chords = [QKeySequence(c, QKeySequence.SequenceFormat.PortableText).toString(
            QKeySequence.SequenceFormat.NativeText) for c in seq.split(", ")]
        shown.append(" ".join("Enter" if c == "Return" else c for c in chords))
    return " / ".join(shown)


def _types_text(chord: str) -> bool:
    """A chord a text field would take as a character: one printable key, bare or with Shift, or with Ctrl+Alt
    (AltGr on many keyboards), but not with Meta."""
    if chord == "+" or chord.endswith("++"):  # the key itself is '+'
        mods, key = set(chord[:-2].split("+")) - {""}, "+"
    else:
        *parts, key = chord.split("+")
        mods = set(parts)
    if len(key) != 1 or "Meta" in mods:
        return False
    return mods <= {"Shift"} or {"Ctrl", "Alt"} <= mods


def _keypad_aliases(sequence: str) -> list[str]:
    """The same sequence typed on the keypad, when it ends in Return: Qt tells the keypad's Enter from Return, and
    after the first key matches keypad keys only with their keypad modifier ("Num"). So ``"6, 0, Return"`` also
    answers to ``"6, 0, Num+Enter"`` and ``"6, Num+0, Num+Enter"``."""
    *head, last = sequence.split(", ")
    if last.split("+")[-1] != "Return":
        return []
    enter = last[: -len("Return")] + "Num+Enter"
    aliases = [", ".join([*head, enter])]
    keypad = [head[0], *(f"Num+{c}" if c.isdigit() else c for c in head[1:])] if head else []
    if keypad != head:
        aliases.append(", ".join([*keypad, enter]))
    return aliases


def _mnemonic(text: str) -> str:
    """The Alt+letter a label, button or tab text gives itself with '&' ("&Refresh" → "Alt+R"), or ''."""
    return QKeySequence.mnemonic(text).toString(QKeySequence.SequenceFormat.PortableText)


def _without_mnemonic(text: str) -> str:
    """``text`` with its '&' marker removed ('&&', a literal ampersand, stays)."""
    return re.sub(r"&(.)", lambda m: "&&" if m.group(1) == "&" else m.group(1), text)


def _overlay_name(widget: QWidget) -> str:
    title = widget.windowTitle() if widget.isWindow() else ""
    return f"'{title}'" if title else type(widget).__name__


def _chord_of(event: QKeyEvent) -> str:
    """The pressed chord in the portable spelling that config.actions.normalize_sequence also produces."""
    mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    return QKeySequence(QKeyCombination(mods, Qt.Key(event.key()))).toString(QKeySequence.SequenceFormat.PortableText)


class ActionRegistry(QObject):
    """Owns one QAction per ActionSpec, bound to the window, and dispatches them to registered handlers.

    Signals:
        hotkeys_changed(bool): the trading-hotkeys switch was turned on (True) or off.
        bindings_changed(): a key was rebound.
    """

    hotkeys_changed = Signal(bool)
    bindings_changed = Signal()

    def __init__(self, window: QWidget, settings: Settings) -> None:
        super().__init__(window)
        self._window = window
        self._settings = settings
        self._handlers: dict[str, ActionHandler] = {}
        self._tasks: set[asyncio.Future[Any]] = set()
        self._actions: dict[str, QAction] = {}
        self._menus: dict[str, QMenu] = {}
        self._context_widgets: dict[Context, list[QWidget]] = {}
        self._mnemonic_roots: list[QWidget] = []
        self._menubar: QMenuBar | None = None
        self._overlays: list[QWidget] = []
        self._hotkeys = settings.get(HOTKEYS_ENABLED)
        keymap = settings.get(KEY_BINDINGS)  # read first: as an argument, mypy would solve the setting's type from it
        self._bindings, self.problems = resolve_bindings(keymap)
        for note in self.problems:
            log.warning("keymap: %s", note)
        for spec in ACTIONS:
            self._actions[spec.id] = self._make_action(spec)
            self._apply_keys(spec.id)
        self._trading_chords: set[str] = set()
        self._typing_chords: set[str] = set()
        self._refresh_trading_chords()
        self.on("hotkeys.toggle", self.set_hotkeys_enabled)
        self._sync_toggle()
        # ShortcutOverride climbs from the focus widget to its window unless a widget claims it, so a filter on the
        # window sees every key that could reach a shortcut, without a Python call for every event of the app.
        self.watch(window)

    # --- building ---------------------------------------------------------------------------------------------

    def _make_action(self, spec: ActionSpec) -> QAction:
        a = QAction(spec.label, self._window)
        a.setObjectName(_object_name(spec.id))
        a.setCheckable(spec.checkable)
        a.setStatusTip(spec.description)
        a.setShortcutContext(
            Qt.ShortcutContext.WindowShortcut if spec.context.window_wide
            else Qt.ShortcutContext.WidgetWithChildrenShortcut
        )
        a.setEnabled(False)  # until something handles it
        if spec.trading:
            a.installEventFilter(self)  # its QShortcutEvent: the last gate before a key fires it
        a.triggered.connect(lambda checked=False, s=spec: self._dispatch(s, checked))
        if spec.context.window_wide:
            self._window.addAction(a)
        return a

    def _apply_keys(self, action_id: str) -> None:
        a = self._actions[action_id]
        keys = list(self._bindings[action_id])
        aliases = [alias for k in keys for alias in _keypad_aliases(k)]  # "Num+" cannot be in the table: no clash
        a.setShortcuts([QKeySequence(k, QKeySequence.SequenceFormat.PortableText) for k in keys + aliases])
        spec = BY_ID[action_id]
        shown = display_keys(keys)
        a.setToolTip(f"{spec.label} ({shown})" if shown else spec.label)

    def _refresh_trading_chords(self) -> None:
        # The first chord is enough: a multi-chord key must not even start while typing.
        firsts = {spec.id: {k.split(", ")[0] for k in self._bindings[spec.id]} for spec in ACTIONS}
        self._trading_chords = {c for spec in ACTIONS if spec.trading for c in firsts[spec.id]}
        self._typing_chords = {c for chords in firsts.values() for c in chords if _types_text(c)}

    def menu(self, path: str, menubar: QMenuBar | None = None) -> QMenu:
        """The menu at slash ``path``, created (under its parent menu) on first use."""
        if path in self._menus:
            return self._menus[path]
        parent_path, _, title = path.rpartition("/")
        if parent_path:
            m = self.menu(parent_path, menubar).addMenu(title)
        else:
            if menubar is None:
                raise ValueError(f"top-level menu {path!r} needs the menu bar")
            m = menubar.addMenu("&" + title)  # Alt+F opens File, as in every desktop program
        m.setObjectName("menu_" + path.replace("/", "_").replace(" ", "_"))
        m.installEventFilter(self)
        self._menus[path] = m
        return m

    def build_menus(self, menubar: QMenuBar) -> dict[str, QMenu]:
        tops = list(MENU_ORDER)
        tops += [s.menu.split("/")[0] for s in ACTIONS if s.menu and s.menu.split("/")[0] not in tops]
        for top in dict.fromkeys(tops):
            self.menu(top, menubar)
        last_group: dict[str, tuple[bool, str]] = {}
        for spec in ACTIONS:
            if not spec.menu:
                continue
            m = self.menu(spec.menu, menubar)
            # A line between the switches and the order actions keeps a stray click off "Sell".
            group = (spec.trading, spec.section)
            if spec.menu in last_group and last_group[spec.menu] != group:
                m.addSeparator()
            last_group[spec.menu] = group
            m.addAction(self._actions[spec.id])
        self._menubar = menubar
        self.yield_mnemonics(menubar)  # unless the key table gave that Alt+letter to an action
        return dict(self._menus)

    def build_toolbar(self, toolbar: QToolBar) -> None:
        previous: bool | None = None
        for spec in ACTIONS:
            if not spec.toolbar:
                continue
            if previous is not None and previous != spec.trading:
                toolbar.addSeparator()
            previous = spec.trading
            a = self._actions[spec.id]
            toolbar.addAction(a)
            button = toolbar.widgetForAction(a)
            if button is not None:
                button.setObjectName(_object_name(spec.id))

    def bind_context(self, context: Context, widget: QWidget) -> None:
        """Make ``context``'s keys live while the focus is inside ``widget`` (e.g. the chart panel)."""
        if context.window_wide:
            raise ValueError(f"{context} keys are already live in the whole window")
        self._context_widgets.setdefault(context, []).append(widget)
        widget.addActions([self._actions[s.id] for s in ACTIONS if s.context is context])

    # --- handlers ---------------------------------------------------------------------------------------------

    def on(self, action_id: str, handler: ActionHandler) -> None:
        """Run ``handler`` when the action fires: ``handler()``, or ``handler(checked)`` for a checkable action.

        A handler may be a coroutine function; its task is kept alive and an exception in it reaches
        ``sys.excepthook`` like one from any other slot.
        """
        if action_id not in BY_ID:
            raise KeyError(f"no action {action_id!r} in the ACTIONS table")
        self._handlers[action_id] = handler
        self._actions[action_id].setEnabled(True)

    def route(self, action_id: str, source: QAction) -> None:
        """Let the table's action ``action_id`` do what ``source`` does, and take ``source`` out of every widget it
        was put in: menus (with the separators that only framed it), toolbars, and the window (so any shortcut of its
        own goes quiet; the table's keys apply). For a module that builds its own QAction.
        """
        for holder in source.associatedObjects():
            if isinstance(holder, QWidget):
                holder.removeAction(source)
                if isinstance(holder, QMenu):
                    tidy_separators(holder)
        self.on(action_id, source.trigger)

    def off(self, action_id: str) -> None:
        self._handlers.pop(action_id, None)
        self._actions[action_id].setEnabled(False)

    def qaction(self, action_id: str) -> QAction:
        return self._actions[action_id]

    def trigger(self, action_id: str) -> None:
        """Fire the action as a menu click would (the palette uses this)."""
        self._actions[action_id].trigger()

    def _dispatch(self, spec: ActionSpec, checked: bool) -> None:
        handler = self._handlers.get(spec.id)
        if handler is None:
            return
        result = handler(checked) if spec.checkable else handler()
        if inspect.isawaitable(result):
            task = asyncio.ensure_future(result)
            self._tasks.add(task)
            task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Future[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            sys.excepthook(type(exc), exc, exc.__traceback__)

    # --- hotkeys switch and gating ----------------------------------------------------------------------------

    @property
    def hotkeys_enabled(self) -> bool:
        return self._hotkeys

    def set_hotkeys_enabled(self, on: bool) -> None:
        on = bool(on)
        self._sync_toggle(on)
        if on == self._hotkeys:
            return
        self._hotkeys = on
        self._settings.set(HOTKEYS_ENABLED, on)
        log.info("trading hotkeys %s", "ON" if on else "OFF")
        self.hotkeys_changed.emit(on)

    def _sync_toggle(self, on: bool | None = None) -> None:
        toggle = self._actions["hotkeys.toggle"]
        want = self._hotkeys if on is None else on
        if toggle.isChecked() != want:
            toggle.blockSignals(True)
            toggle.setChecked(want)
            toggle.blockSignals(False)

    def trading_keys_live(self) -> bool:
        return self._hotkeys and not text_input_has_focus() and self.overlay() is None

    def add_overlay(self, widget: QWidget) -> None:
        """``widget`` (a child panel that floats over the window, like the command palette) counts as open over
        the window while it is visible: trading keys are off and Esc closes it."""
        self._overlays.append(widget)

    def overlay(self) -> QWidget | None:
        """The topmost dialog, popup, menu or overlay open over this registry's window (see :func:`open_overlay`)."""
        self._overlays = [o for o in self._overlays if isValid(o)]
        return open_overlay(self._window, self._overlays)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if isinstance(watched, QMenu) and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() == Qt.Key.Key_Alt and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                return True  # Alt closes an open menu, and the rest of a Ctrl+Alt trading chord would then fire
            chord = _chord_of(event)
            # An open menu runs the entry whose key is pressed: not a trading entry.
            return chord in self._trading_chords and chord != "Esc"
        if event.type() == QEvent.Type.Shortcut and isinstance(watched, QAction) and isinstance(event, QShortcutEvent):
            return self._gate_shortcut(watched, event)
        # Claiming the ShortcutOverride hands the key to the focused widget instead of the shortcut map.
        if event.type() != QEvent.Type.ShortcutOverride or not isinstance(event, QKeyEvent):
            return False
        if isinstance(watched, QMenu):
            return False  # the key press filter above decides
        if watched is not self._window and isinstance(watched, QWidget) and not watched.isWindow() \
                and watched.window() is self._window:
            # A docked panel: the event climbs on to the window, whose filter decides the same way (an overlay scan
            # costs a fraction of a millisecond, before a trading key's order can leave). Floated, it decides here.
            return False
        chord = _chord_of(event)
        if chord == "Esc" or chord in self._trading_chords:
            overlay = self.overlay()
            if overlay is not None:
                event.accept()
                if chord == "Esc":
                    self._close_overlay(overlay)
                return True
        typing = text_input_has_focus()
        gated = chord in self._trading_chords and (typing or not self._hotkeys)
        if gated or (typing and chord in self._typing_chords):
            event.accept()
            return True
        return False

    def _gate_shortcut(self, action: QAction, event: QShortcutEvent) -> bool:
        """A trading action's key matched: let it fire only with no dialog, popup, menu or palette open (a key that
        was not offered to the window's filter first, e.g. one that landed in a dialog, ends here)."""
        overlay = self.overlay()
        if overlay is None:
            return False
        if event.key().toString(QKeySequence.SequenceFormat.PortableText) == "Esc":
            self._close_overlay(overlay)
        log.info("trading key for %r ignored: %s is open", action.text(), _overlay_name(overlay))
        return True

    def _close_overlay(self, overlay: QWidget) -> None:
        log.debug("Esc closes %s", _overlay_name(overlay))
        close_overlay(overlay)

    def yield_mnemonics(self, root: QWidget) -> list[str]:
        """Drop every '&' mnemonic under ``root`` that takes a key of the table, and keep doing so after a rebind.

        A mnemonic ("&Refresh" → Alt+R) is a shortcut of the whole window while its widget is shown, even on a
        panel behind a tab, and Qt gives it the key before an action of the table (Alt+R would click a panel's
        Refresh instead of resetting the chart). A panel's mnemonic also yields to the menu bar's. Returns the
        texts changed, as "old → new"."""
        if root not in self._mnemonic_roots:
            self._mnemonic_roots.append(root)
        taken = {k.split(", ")[0] for seqs in self._bindings.values() for k in seqs}
        if self._menubar is not None and root is not self._menubar and isValid(self._menubar):
            # the menu bar's Alt+F/V/T/C/H come first, as a user of any desktop program expects
            taken |= {_mnemonic(a.text()) for a in self._menubar.actions()} - {""}
        changed: list[str] = []

        def fix(text: str, apply: Callable[[str], None]) -> None:
            if "&" in text and _mnemonic(text) in taken:
                new = _without_mnemonic(text)
                apply(new)
                changed.append(f"{text} → {new}")

        for w in [root, *root.findChildren(QWidget)]:
            if isinstance(w, QAbstractButton) or (isinstance(w, QLabel) and w.buddy() is not None):
                fix(w.text(), w.setText)
            elif isinstance(w, QGroupBox):
                fix(w.title(), w.setTitle)
            elif isinstance(w, QTabBar):
                for i in range(w.count()):
                    fix(w.tabText(i), functools.partial(w.setTabText, i))
            elif isinstance(w, QMenuBar):
                for a in w.actions():
                    fix(a.text(), a.setText)
        for change in changed:
            log.info("keymap: mnemonic %s (its Alt key belongs to an action of the table)", change)
        return changed

    def watch(self, widget: QWidget) -> None:
        """Gate trading keys in ``widget`` too: needed for a dock, which becomes its own window when floated."""
        widget.installEventFilter(self)

    # --- keys ---------------------------------------------------------------------------------------------------

    @property
    def bindings(self) -> Bindings:
        return dict(self._bindings)

    def keys_for(self, action_id: str) -> tuple[str, ...]:
        return self._bindings[action_id]

    def rebind(self, action_id: str, keys: Sequence[str]) -> list[KeyConflict]:
        """Bind ``action_id`` to ``keys`` (replacing its keys) unless that clashes; returns the clashes, if any.

        The new keys are stored in the ``hotkeys.bindings`` setting; binding the defaults again removes the override.
        """
        proposed, clashes = rebind(self._bindings, action_id, keys)
        if clashes:
            return clashes
        self._bindings = proposed
        self._mnemonic_roots = [r for r in self._mnemonic_roots if isValid(r)]
        for root in list(self._mnemonic_roots):
            self.yield_mnemonics(root)
        keymap = self._settings.get(KEY_BINDINGS)
        overrides = dict(keymap)
        defaults = BY_ID[action_id].keys
        if proposed[action_id] == tuple(normalize_sequence(k) for k in defaults):
            overrides.pop(action_id, None)
        else:
            overrides[action_id] = proposed[action_id]
        self._settings.set(KEY_BINDINGS, overrides)
        self._apply_keys(action_id)
        self._refresh_trading_chords()
        self.bindings_changed.emit()
        return []

    def context_widgets(self) -> Mapping[Context, list[QWidget]]:
        return self._context_widgets


def tidy_separators(menu: QMenu) -> None:
    """Remove the separators that no longer separate anything: leading, trailing and doubled ones."""
    previous_separator = True  # at the top, a separator separates nothing
    actions = menu.actions()
    for i, a in enumerate(actions):
        if not a.isSeparator():
            previous_separator = False
            continue
        if previous_separator or all(b.isSeparator() for b in actions[i + 1:]):
            menu.removeAction(a)
        else:
            previous_separator = True


class HotkeysIndicator(QLabel):
    """HOTKEYS ON / OFF in the status bar; a click flips the switch."""

    def __init__(self, registry: ActionRegistry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("HotkeysIndicator")
        self._registry = registry
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        registry.hotkeys_changed.connect(self._show)
        self._show(registry.hotkeys_enabled)

    def _show(self, on: bool) -> None:
        self.setText("HOTKEYS ON" if on else "HOTKEYS OFF")
        self.setToolTip(
            "Trading keys are live (except while typing in a text field). Click to switch them off."
            if on else "Trading keys are switched off; menus and buttons still work. Click to switch them on."
        )
        set_style_property(self, "on", "true" if on else "false")

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._registry.set_hotkeys_enabled(not self._registry.hotkeys_enabled)
            event.accept()
            return
        super().mousePressEvent(event)
