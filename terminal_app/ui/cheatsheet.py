"""The F1 cheat-sheet: every action of the ACTIONS table with its current keys, grouped by where the keys work.

Generated from the table and the live bindings, so it can never disagree with what the keys actually do; it follows
rebinding and the hotkeys switch while open. Typing filters by action, key or description. The actions without a key
are listed last, together, so the keys come first and the rest still shows what could have one.
"""

from __future__ import annotations

from collections.abc import Iterator

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from terminal_app.config.actions import ACTIONS, Context
from terminal_app.ui.actions import ActionRegistry, display_keys

UNBOUND_TITLE = "No key yet (give one in File ▸ Settings… ▸ Keys)"
CHART_NOTE = ("Chart keys work once the chart has the focus (click it). Intervals are typed as in TradingView: the "
              "minutes (5, 15, 60…) or 1H, 4H, 1D, 1W, then Enter.")


class _WrappingDelegate(QStyledItemDelegate):
    """Rows as tall as their wrapped text: a tree view asks for an item's height without telling the column width."""

    def __init__(self, tree: QTreeWidget) -> None:
        super().__init__(tree)
        self._tree = tree

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        hint = super().sizeHint(option, index)
        width = self._tree.header().sectionSize(index.column()) - 8  # the cell's text margins
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        if width <= 0 or not text or not index.parent().isValid():  # a group's title spans the row: one line
            return hint
        height = option.fontMetrics.boundingRect(QRect(0, 0, width, 10_000), Qt.TextFlag.TextWordWrap, text).height()
        return QSize(hint.width(), max(hint.height(), height + 2))


class CheatSheetDialog(QDialog):
    def __init__(self, registry: ActionRegistry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CheatSheet")
        self.setWindowTitle("Keyboard cheat-sheet")
        self.registry = registry
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
        self.tree.setIndentation(12)
        self.tree.setAlternatingRowColors(True)
        self.tree.setWordWrap(True)  # long descriptions wrap (rows of their own height) instead of ending in "…"
        self.tree.setItemDelegate(_WrappingDelegate(self.tree))
        # Row heights are measured against the column widths of the moment: measure again when a column changes.
        self.tree.header().sectionResized.connect(lambda *_a: self.tree.doItemsLayout())
        layout.addWidget(self.tree)
        self.resize(1000, 660)
        registry.bindings_changed.connect(self._populate)
        registry.hotkeys_changed.connect(self._show_note)
        self._populate()
        self._show_note(registry.hotkeys_enabled)

    def rows(self) -> list[tuple[str, str, str]]:
        """(context title, keys, label) of every visible action row, in display order."""
        out: list[tuple[str, str, str]] = []
        for group in self._groups():
            if group.isHidden():
                continue
            for item in _children(group):
                if not item.isHidden():
                    out.append((group.text(0), item.text(0), item.text(1)))
        return out

    def _show_note(self, hotkeys_on: bool) -> None:
        if hotkeys_on:
            hotkeys = "Trading hotkeys are ON. They do nothing while you type in a text field."
        else:
            hotkeys = ("Trading hotkeys are OFF: the trading keys below do nothing until you switch them on "
                       "(Trade ▸ Trading hotkeys, or click HOTKEYS in the status bar). Menus and buttons always work.")
        self.note.setText(f"{hotkeys}\n{CHART_NOTE}")

    def _populate(self) -> None:
        self.tree.clear()
        bold = self.tree.font()
        bold.setBold(True)
        bound = [s for s in ACTIONS if self.registry.keys_for(s.id)]
        groups = [(context.label, [s for s in bound if s.context is context]) for context in Context]
        # A cheat-sheet is for keys: the actions without one come last, in one group, as a hint that they can have one.
        groups.append((UNBOUND_TITLE, [s for s in ACTIONS if not self.registry.keys_for(s.id)]))
        for title, specs in groups:
            if not specs:
                continue
            group = QTreeWidgetItem(self.tree, [title])
            group.setFirstColumnSpanned(True)
            group.setFont(0, bold)
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            for spec in specs:
                keys = display_keys(self.registry.keys_for(spec.id)) or "—"
                item = QTreeWidgetItem(group, [keys, spec.label, spec.description])
                item.setData(0, Qt.ItemDataRole.UserRole, spec.id)
                item.setToolTip(2, spec.description)
        self.tree.expandAll()
        self.tree.resizeColumnToContents(0)
        self.tree.resizeColumnToContents(1)
        self._apply_filter(self.filter.text())

    def _groups(self) -> Iterator[QTreeWidgetItem]:
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            if group is not None:  # None only past the end
                yield group

    def _apply_filter(self, needle: str) -> None:
        needle = needle.strip().lower()
        for group in self._groups():
            shown = 0
            for item in _children(group):
                action_id = str(item.data(0, Qt.ItemDataRole.UserRole))
                hay = " ".join([*(item.text(c) for c in range(3)), action_id]).lower()
                hide = bool(needle) and needle not in hay
                item.setHidden(hide)
                shown += not hide
            group.setHidden(shown == 0)


def _children(item: QTreeWidgetItem) -> Iterator[QTreeWidgetItem]:
    for i in range(item.childCount()):
        child = item.child(i)
        if child is not None:  # None only past the end
            yield child
