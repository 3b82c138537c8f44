"""The F1 cheat-sheet: every action of the ACTIONS table with its current keys, grouped by where the keys work.

Generated from the table and the live bindings, so it can never disagree with what the keys actually do; it follows
rebinding and the hotkeys switch while open. Typing filters by action, key or description.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from terminal_app.config.actions import ACTIONS, Context
from terminal_app.ui.actions import ActionRegistry


def _native(seq: str) -> str:
    return QKeySequence(seq, QKeySequence.SequenceFormat.PortableText).toString(QKeySequence.SequenceFormat.NativeText)


class CheatSheetDialog(QDialog):
    def __init__(self, registry: ActionRegistry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CheatSheet")
        self.setWindowTitle("Keyboard cheat-sheet")
        self._registry = registry
        layout = QVBoxLayout(self)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Filter by action, key or description…")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._apply_filter)
        layout.addWidget(self.filter)
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Keys", "Action", "What it does"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setWordWrap(True)
        layout.addWidget(self.tree)
        self.resize(1000, 660)
        registry.bindings_changed.connect(self._populate)
        registry.hotkeys_changed.connect(self._show_note)
        self._populate()
        self._show_note(registry.hotkeys_enabled)

    def rows(self) -> list[tuple[str, str, str]]:
        """(context title, keys, label) of every visible action row, in display order."""
        out: list[tuple[str, str, str]] = []
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            if group.isHidden():
                continue
            for j in range(group.childCount()):
                item = group.child(j)
                if not item.isHidden():
                    out.append((group.text(0), item.text(0), item.text(1)))
        return out

    def _show_note(self, hotkeys_on: bool) -> None:
        if hotkeys_on:
            self.note.setText("Trading hotkeys are ON. They do nothing while you type in a text field.")
        else:
            self.note.setText(
                "Trading hotkeys are OFF: the trading keys below do nothing until you switch them on "
                "(Trade ▸ Trading hotkeys, or click HOTKEYS in the status bar). Menus and buttons always work."
            )

    def _populate(self) -> None:
        self.tree.clear()
        bold = self.tree.font()
        bold.setBold(True)
        for context in Context:
            specs = [s for s in ACTIONS if s.context is context]
            if not specs:
                continue
            group = QTreeWidgetItem(self.tree, [context.title])
            group.setFirstColumnSpanned(True)
            group.setFont(0, bold)
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            for spec in specs:
                keys = ", ".join(_native(k) for k in self._registry.keys_for(spec.id)) or "—"
                item = QTreeWidgetItem(group, [keys, spec.label, spec.description])
                item.setData(0, Qt.ItemDataRole.UserRole, spec.id)
                item.setToolTip(2, spec.description)
        self.tree.expandAll()
        self.tree.resizeColumnToContents(0)
        self.tree.resizeColumnToContents(1)
        self._apply_filter(self.filter.text())

    def _apply_filter(self, needle: str) -> None:
        needle = needle.strip().lower()
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            shown = 0
            for j in range(group.childCount()):
                item = group.child(j)
                action_id = str(item.data(0, Qt.ItemDataRole.UserRole))
                hay = " ".join([*(item.text(c) for c in range(3)), action_id]).lower()
                hide = bool(needle) and needle not in hay
                item.setHidden(hide)
                shown += not hide
            group.setHidden(shown == 0)
