"""QActions, menus, toolbar and shortcuts built from the one ACTIONS table (``config/actions.py``).

Code says what an action does with :meth:`ActionRegistry.on`; until then the action shows greyed out. Trading
actions (``ActionSpec.trading``) obey two safety rules from traders.md §4, enforced at the key level so the key press
is not swallowed either: while a text field has the focus the key goes to the text field (Ctrl+Alt+… is AltGr on
many keyboards, i.e. a character), and while hotkeys are switched off the keys do nothing at all. Menu and toolbar
clicks always work. :class:`HotkeysIndicator` shows the switch in the status bar.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import QEvent, QKeyCombination, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QMouseEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QMenu,
    QMenuBar,
    QPlainTextEdit,
    QTextEdit,
    QToolBar,
    QWidget,
)

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
        return not getattr(w, "isReadOnly", lambda: False)()
    return isinstance(w, QComboBox) and w.isEditable()


def _object_name(action_id: str) -> str:
    return "action_" + action_id.replace(".", "_")


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
        self._hotkeys = settings.get(HOTKEYS_ENABLED)
        self._bindings, self.problems = resolve_bindings(settings.get(KEY_BINDINGS))
        for note in self.problems:
            log.warning("keymap: %s", note)
        for spec in ACTIONS:
            self._actions[spec.id] = self._make_action(spec)
            self._apply_keys(spec.id)
        self._trading_chords: set[str] = set()
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
        a.triggered.connect(lambda checked=False, s=spec: self._dispatch(s, checked))
        if spec.context.window_wide:
            self._window.addAction(a)
        return a

    def _apply_keys(self, action_id: str) -> None:
        a = self._actions[action_id]
        seqs = [QKeySequence(k, QKeySequence.SequenceFormat.PortableText) for k in self._bindings[action_id]]
        a.setShortcuts(seqs)
        spec = BY_ID[action_id]
        keys = ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in seqs)
        a.setToolTip(f"{spec.label} ({keys})" if keys else spec.label)

    def _refresh_trading_chords(self) -> None:
        # The first chord is enough: a multi-chord trading key must not even start while typing.
        self._trading_chords = {
            k.split(", ")[0] for spec in ACTIONS if spec.trading for k in self._bindings[spec.id]
        }

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
            m = menubar.addMenu(title)
        m.setObjectName("menu_" + path.replace("/", "_").replace(" ", "_"))
        self._menus[path] = m
        return m

    def build_menus(self, menubar: QMenuBar) -> dict[str, QMenu]:
        tops = list(MENU_ORDER)
        tops += [s.menu.split("/")[0] for s in ACTIONS if s.menu and s.menu.split("/")[0] not in tops]
        for top in dict.fromkeys(tops):
            self.menu(top, menubar)
        last_trading: dict[str, bool] = {}
        for spec in ACTIONS:
            if not spec.menu:
                continue
            m = self.menu(spec.menu, menubar)
            # A line between the switches and the order actions keeps a stray click off "Sell".
            if spec.menu in last_trading and last_trading[spec.menu] != spec.trading:
                m.addSeparator()
            last_trading[spec.menu] = spec.trading
            m.addAction(self._actions[spec.id])
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
        return self._hotkeys and not text_input_has_focus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Claiming the ShortcutOverride hands the key to the focused widget instead of the shortcut map.
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and not self.trading_keys_live()
            and _chord_of(event) in self._trading_chords
        ):
            event.accept()
            return True
        return False

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
        overrides = dict(self._settings.get(KEY_BINDINGS))
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
