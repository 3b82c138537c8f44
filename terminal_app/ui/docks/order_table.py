"""The plumbing the trading panels' tables share: a list of orders whose last column is a cancel mark (a click there
cancels that row, Delete the selected one, a double-click elsewhere edits it), picking rows by key, and the page of
a button bar, a message line and the table under it (open orders, algo orders, positions)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableView, QVBoxLayout, QWidget

from terminal_app.ui.docks.common import make_table
from terminal_app.ui.models.table import Column, StreamingTableModel, text

R = TypeVar("R")

CANCEL_MARK = "✕"


def cancel_column(what: str) -> Column[Any]:
    """The narrow last column whose mark cancels the row's ``what`` ("order", "algo order")."""
    return Column("", lambda _r: CANCEL_MARK, text(), align=Qt.AlignmentFlag.AlignCenter,
                  tooltip=lambda _r: f"Cancel this {what}")


class _DeleteKey(QObject):
    """Delete or Backspace (no modifier) on the view cancels its selected row."""

    def __init__(self, view: QTableView, cancel_selected: Callable[[], None]) -> None:
        super().__init__(view)
        self._cancel_selected = cancel_selected
        view.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and not event.modifiers():
                self._cancel_selected()
                return True
        return False


def cancellable_table(model: StreamingTableModel[R], parent: QWidget, *, name: str, widths: dict[str, int],
                      cancel: Callable[[R], object], edit: Callable[[R], object], selection_changed: Callable[[], None],
                      can_edit: Callable[[R], bool] = lambda _r: True) -> QTableView:
    """A table over ``model`` (whose last column is ``cancel_column``): the Status column takes the spare width.

    A click on the mark calls ``cancel(row)``; Delete cancels the selected row; a double-click elsewhere selects the
    row and calls ``edit(row)`` when ``can_edit(row)``; every click and selection change calls ``selection_changed``.
    """
    last = len(model.columns) - 1
    view = make_table(model, parent, stretch=model.column_of("Status"), widths={**widths, "": 28})
    view.horizontalHeader().setSectionResizeMode(last, QHeaderView.ResizeMode.Fixed)
    view.setObjectName(name)

    def clicked(index: QModelIndex | QPersistentModelIndex) -> None:
        selection_changed()
        if index.isValid() and index.column() == last:
            cancel(model.row_at(index.row()))

    def double_clicked(index: QModelIndex | QPersistentModelIndex) -> None:
        if index.isValid() and index.column() != last and can_edit(row := model.row_at(index.row())):
            view.setCurrentIndex(index)
            edit(row)

    def cancel_selected() -> None:
        row = selected_row(view, model)
        if row is not None:
            cancel(row)

    view.clicked.connect(clicked)
    view.doubleClicked.connect(double_clicked)
    view.selectionModel().currentRowChanged.connect(lambda *_: selection_changed())
    _DeleteKey(view, cancel_selected)
    return view


def selected_row(view: QTableView, model: StreamingTableModel[R]) -> R | None:
    index = view.currentIndex()
    return model.row_at(index.row()) if index.isValid() else None


def select_key(view: QTableView, model: StreamingTableModel[Any], key: Any) -> bool:
    """Make the row of ``key`` the current one; False when it is not listed."""
    row = model.row_of(key)
    if row is None:
        return False
    view.setCurrentIndex(model.index(row, 0))
    return True


def table_page(page: QWidget, view: QTableView, message: QLabel, *, leading: Sequence[QWidget] = (),
               buttons: Sequence[QPushButton] = (), leading_stretches: bool = False) -> None:
    """Lay ``page`` out as a bar (``leading`` widgets, then ``buttons`` at the right), ``message`` under it and
    ``view`` taking the rest. With ``leading_stretches`` the last leading widget takes the bar's spare width."""
    bar = QHBoxLayout()
    bar.setContentsMargins(4, 4, 4, 0)
    for i, widget in enumerate(leading):
        bar.addWidget(widget, 1 if leading_stretches and i == len(leading) - 1 else 0)
    if not leading_stretches:
        bar.addStretch(1)
    for button in buttons:
        bar.addWidget(button)
    layout = QVBoxLayout(page)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addLayout(bar)
    layout.addWidget(message)
    layout.addWidget(view, 1)
