"""The settings page, generated from the ACTIONS table and the settings schema.

* **Keys**: every action of ``config.actions.ACTIONS`` with where its keys work and its current keys. Select one, press
  the new key in the key field and "Assign": ``ActionRegistry.rebind`` refuses a key that clashes with another action
  (the clash is shown, nothing changes). "Default" restores the table's keys, "Unbind" removes them. The global
  trading-hotkeys switch sits on top.
* **Risk**: the ``risk.*`` settings (fat-finger %, maximum order value, market-confirmation threshold, leverage cap)
  with their descriptions; a value is checked and stored when the field is left or Enter is pressed.
* **Appearance**: theme and colour palette.

Every change goes through ``Settings.set`` (saved to ``settings.json`` by the main window) or the registry, so the
menus, the cheat-sheet and the guards follow at once.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QKeySequenceEdit,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from terminal_app.config.actions import ACTIONS, BY_ID, KeyConflict, KeySequenceError
from terminal_app.config.settings import SCHEMA, Setting, SettingError, Settings, SettingType
from terminal_app.ui.actions import ActionRegistry, display_keys
from terminal_app.ui.theme import current_colors

KEY_COLUMNS = ("Action", "Where", "Keys")


def _label(setting: Setting[Any]) -> str:
    """"risk.max_order_notional" → "Max order notional"."""
    return setting.key.partition(".")[2].replace("_", " ").capitalize().replace(" pct", " %")


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, registry: ActionRegistry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SettingsDialog")
        self.setWindowTitle("Settings")
        self.settings = settings
        self.registry = registry
        self.editors: dict[str, QWidget] = {}
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._keys_tab(), "Keys")
        self.tabs.addTab(self._section_tab("risk", "Your own limits, checked before any order is sent. A limit of 0 "
                                                   "refuses every order that adds risk (maximum) or confirms every "
                                                   "market order (threshold)."), "Risk")
        self.tabs.addTab(self._section_tab("ui", "How the terminal looks."), "Appearance")
        layout.addWidget(self.tabs, 1)
        self.message = QLabel(self)
        self.message.setObjectName("SettingsMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        close = QPushButton("Close", self)
        close.clicked.connect(self.accept)
        end = QHBoxLayout()
        end.addStretch(1)
        end.addWidget(close)
        layout.addLayout(end)
        self.resize(860, 600)
        registry.bindings_changed.connect(self._fill_keys)
        registry.hotkeys_changed.connect(self._show_hotkeys)
        self._unlisten = settings.add_listener(lambda s, _v: self._show_value(s))
        self.finished.connect(lambda _r: self._unlisten())

    # --- keys -------------------------------------------------------------------------------------------------

    def _keys_tab(self) -> QWidget:
        tab = QWidget(self)
        layout = QVBoxLayout(tab)
        self.hotkeys = QCheckBox("Trading hotkeys (buy, sell, cancel, flatten, panic…)", tab)
        self.hotkeys.setObjectName("HotkeysSwitch")
        self.hotkeys.setToolTip("Off: trading keys do nothing; menus and buttons still work. On: they work except "
                                "while you type in a text field.")
        self.hotkeys.toggled.connect(self.registry.set_hotkeys_enabled)
        layout.addWidget(self.hotkeys)
        self.table = QTableWidget(len(ACTIONS), len(KEY_COLUMNS), tab)
        self.table.setObjectName("KeyTable")
        self.table.setHorizontalHeaderLabels(list(KEY_COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.currentCellChanged.connect(lambda *_a: self._on_row())
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.key_edit = QKeySequenceEdit(tab)
        self.key_edit.setObjectName("KeyEdit")
        self.key_edit.setMaximumSequenceLength(4)  # up to four keys in a row, e.g. "1 5 Enter" for 15m candles
        row.addWidget(QLabel("New key:", tab))
        row.addWidget(self.key_edit, 1)
        self.assign_button = QPushButton("Assign", tab)
        self.assign_button.setObjectName("AssignKey")
        self.assign_button.clicked.connect(self._assign_typed)
        self.default_button = QPushButton("Default", tab)
        self.default_button.clicked.connect(lambda: self._rebind_selected(list(BY_ID[self.selected_action()].keys)))
        self.unbind_button = QPushButton("Unbind", tab)
        self.unbind_button.clicked.connect(lambda: self._rebind_selected([]))
        for button in (self.assign_button, self.default_button, self.unbind_button):
            row.addWidget(button)
        layout.addLayout(row)
        self._fill_keys()
        self._show_hotkeys(self.registry.hotkeys_enabled)
        self.table.setCurrentCell(0, 0)
        return tab

    def _fill_keys(self) -> None:
        bold = self.table.font()
        bold.setBold(True)
        for r, spec in enumerate(ACTIONS):
            keys = display_keys(self.registry.keys_for(spec.id)) or "—"
            cells = (spec.label, spec.context.label, keys)
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, spec.id)
                item.setToolTip(spec.description)
                if c == 2:
                    item.setFont(bold)
                self.table.setItem(r, c, item)
        self.table.resizeColumnToContents(1)
        self.table.resizeColumnToContents(2)

    def _show_hotkeys(self, on: bool) -> None:
        if self.hotkeys.isChecked() != on:
            self.hotkeys.blockSignals(True)
            self.hotkeys.setChecked(on)
            self.hotkeys.blockSignals(False)

    def selected_action(self) -> str:
        item = self.table.item(max(self.table.currentRow(), 0), 0)
        assert item is not None  # the table has a row for every action
        return str(item.data(Qt.ItemDataRole.UserRole))

    def select_action(self, action_id: str) -> None:
        row = next(i for i, spec in enumerate(ACTIONS) if spec.id == action_id)
        self.table.setCurrentCell(row, 0)

    def keys_shown(self, action_id: str) -> str:
        row = next(i for i, spec in enumerate(ACTIONS) if spec.id == action_id)
        item = self.table.item(row, 2)
        return item.text() if item is not None else ""

    def _on_row(self) -> None:
        self.key_edit.clear()

    def _assign_typed(self) -> None:
        seq = self.key_edit.keySequence().toString(QKeySequence.SequenceFormat.PortableText)
        if not seq:
            self._say("Click the key field and press the new key first.", error=True)
            return
        self._rebind_selected([seq])

    def _rebind_selected(self, keys: list[str]) -> list[KeyConflict]:
        return self.rebind(self.selected_action(), keys)

    def rebind(self, action_id: str, keys: list[str]) -> list[KeyConflict]:
        """Bind ``action_id`` to ``keys`` unless they clash; the clashes (shown to the user) or []."""
        label = BY_ID[action_id].label
        try:
            clashes = self.registry.rebind(action_id, keys)
        except KeySequenceError as exc:
            self._say(str(exc), error=True)
            return []
        if clashes:
            self._say("Not changed: " + " ".join(c.describe() for c in clashes), error=True)
            return clashes
        shown = display_keys(self.registry.keys_for(action_id)) or "no key"
        self._say(f"'{label}' is now on {shown}.")
        self.key_edit.clear()
        return []

    # --- generated setting editors ----------------------------------------------------------------------------

    def _section_tab(self, section: str, intro: str) -> QWidget:
        tab = QWidget(self)
        layout = QVBoxLayout(tab)
        note = QLabel(intro, tab)
        note.setWordWrap(True)
        layout.addWidget(note)
        form = QFormLayout()
        for setting in SCHEMA:
            if setting.section != section:
                continue
            editor = self._editor(setting, tab)
            editor.setObjectName(f"setting_{setting.key.replace('.', '_')}")
            editor.setToolTip(setting.description)
            self.editors[setting.key] = editor
            help_text = QLabel(setting.description, tab)
            help_text.setWordWrap(True)
            help_text.setStyleSheet(f"color: {current_colors().muted};")
            box = QVBoxLayout()
            box.setSpacing(1)
            box.addWidget(editor)
            box.addWidget(help_text)
            form.addRow(_label(setting), box)
            self._show_value(setting)
        layout.addLayout(form)
        layout.addStretch(1)
        return tab

    def _editor(self, setting: Setting[Any], parent: QWidget) -> QWidget:
        if setting.type is SettingType.CHOICE:
            combo = QComboBox(parent)
            for choice in setting.choices:
                combo.addItem(choice.replace("-", " / ").capitalize(), choice)
            combo.activated.connect(lambda _i, s=setting, w=combo: self.set_value(s.key, w.currentData()))
            return combo
        if setting.type is SettingType.INT:
            spin = QSpinBox(parent)
            spin.setRange(int(setting.minimum or 0), int(setting.maximum or 1_000_000))
            spin.editingFinished.connect(lambda s=setting, w=spin: self.set_value(s.key, w.value()))
            return spin
        if setting.type is SettingType.BOOL:
            check = QCheckBox(parent)
            check.toggled.connect(lambda on, s=setting: self.set_value(s.key, on))
            return check
        edit = QLineEdit(parent)
        edit.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        edit.editingFinished.connect(lambda s=setting, w=edit: self.set_value(s.key, w.text()))
        return edit

    def set_value(self, key: str, raw: Any) -> bool:
        """Store ``raw`` (as an editor holds it) in setting ``key``; False with the reason shown when refused."""
        setting = next(s for s in SCHEMA if s.key == key)
        value = raw.strip().replace(",", "") if isinstance(raw, str) else raw
        try:
            self.settings.set_from_text(key, value)
        except SettingError as exc:
            self._say(f"{_label(setting)}: {exc}", error=True)
            self._show_value(setting)
            return False
        self._say(f"{_label(setting)}: {self._text(setting)}.")
        return True

    def _text(self, setting: Setting[Any]) -> str:
        return str(setting.dump(self.settings.get(setting)))

    def _show_value(self, setting: Setting[Any]) -> None:
        editor = self.editors.get(setting.key)
        if editor is None:
            return
        value = self.settings.get(setting)
        editor.blockSignals(True)
        if isinstance(editor, QComboBox):
            editor.setCurrentIndex(max(0, editor.findData(value)))
        elif isinstance(editor, QSpinBox):
            editor.setValue(int(value))
        elif isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, QLineEdit):
            editor.setText(self._text(setting))
        editor.blockSignals(False)

    def _say(self, text: str, *, error: bool = False) -> None:
        colour = current_colors().alert if error else current_colors().muted
        self.message.setStyleSheet(f"color: {colour};")
        self.message.setText(text)


def install_settings_menu(window: Any) -> QAction:
    """File ▸ Settings… (the ``settings`` action of the table) on ``window`` (a ``MainWindow``: its settings and
    action registry); returns that action. A second trigger brings the open page to the front."""
    holder: dict[str, SettingsDialog] = {}

    def show() -> None:
        # A closed page is deleted (it holds listeners on the settings); its Python wrapper outlives it, so the
        # holder must not be asked anything once Qt has deleted it ("SettingsDialog already deleted").
        dialog = holder.get("dialog")
        if dialog is not None and isValid(dialog) and dialog.isVisible():
            dialog.activateWindow()
            return
        dialog = SettingsDialog(window.settings, window.registry, window)
        dialog.finished.connect(dialog.deleteLater)
        holder["dialog"] = dialog
        dialog.show()

    window.registry.on("settings", show)
    action: QAction = window.registry.qaction("settings")
    return action
