"""Pieces the copy-trading views share: a sortable table over a StreamingTableModel, the column formats, the TP/SL
dialog and the confirmation question (both replaceable per view, so tests answer them without a modal loop)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QTableView,
    QWidget,
)

from terminal_app.core.copy_trading import FuturesTrack
from terminal_app.ui.dialogs.checked import CheckedDialog
from terminal_app.ui.models.table import SORT_ROLE, Column, StreamingTableModel

R = TypeVar("R")

Confirm = Callable[[QWidget, str, str], bool]
TpSl = tuple[Decimal | None, Decimal | None]
AskTpSl = Callable[[QWidget, FuturesTrack], TpSl | None]


class CopyTable(QTableView):
    """A read-only, sortable table over ``model``; ``selected()`` gives the row object under the selection."""

    def __init__(self, model: StreamingTableModel[Any], name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.source = model
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(model)
        self.proxy.setSortRole(SORT_ROLE)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(22)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setDefaultSectionSize(92)
        self.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self._sized = False
        model.modelReset.connect(self._fit_columns)

    def _fit_columns(self) -> None:
        # Once, on the first data: later polls keep the widths the user may have dragged.
        if not self._sized and self.source.rowCount() > 0:
            self._sized = True
            self.resizeColumnsToContents()
            for column in range(self.source.columnCount()):
                self.setColumnWidth(column, min(max(self.columnWidth(column) + 8, 56), 260))

    def selected(self) -> Any:
        rows = self.selectionModel().selectedRows()
        if not rows:
            return None
        return self.source.row_at(self.proxy.mapToSource(rows[0]).row())

    def select_key(self, key: Hashable) -> bool:
        row = self.source.row_of(key)
        if row is None:
            return False
        self.selectRow(self.proxy.mapFromSource(self.source.index(row, 0)).row())
        return True


def table_model(columns: Sequence[Column[R]], key: Callable[[R], Hashable], parent: Any = None
                ) -> StreamingTableModel[R]:
    # Copy data arrives in polled snapshots: replace_all, no coalescing timer needed.
    return StreamingTableModel(columns, key, coalesce_ms=None, parent=parent)


def ask_yes_no(parent: QWidget, title: str, text: str) -> bool:
    answer = QMessageBox.question(parent, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


def parse_price(text: str) -> Decimal | None:
    """A price typed by the user: empty → None (keep), a non-negative number, else ValueError."""
    text = text.strip().replace(",", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(f"{text!r} is not a number") from exc
    if not value.is_finite() or value < 0:
        raise ValueError(f"{text!r} is not a price")
    return value


class TpSlDialog(CheckedDialog):
    """Take-profit and stop-loss prices of one tracking order: empty keeps the current one, 0 removes it."""

    def __init__(self, track: FuturesTrack, parent: QWidget | None = None) -> None:
        super().__init__("TpSlDialog", f"TP/SL · {track.symbol} {track.pos_side} · {track.tracking_no}", parent)
        self.form.addRow(QLabel(f"Opened at {track.open_price} × {track.open_size}. Empty keeps the price, "
                                "0 removes it."))
        self.tp = QLineEdit(self)
        self.tp.setPlaceholderText(str(track.stop_surplus_price or ""))
        self.sl = QLineEdit(self)
        self.sl.setPlaceholderText(str(track.stop_loss_price or ""))
        self.form.addRow("&Take profit", self.tp)
        self.form.addRow("&Stop loss", self.sl)
        self.value: TpSl | None = None

    def problem(self) -> str | None:
        try:
            tp, sl = parse_price(self.tp.text()), parse_price(self.sl.text())
        except ValueError as exc:
            return str(exc)
        if tp is None and sl is None:
            return "Give a take-profit or a stop-loss price."
        return None

    def submit(self) -> None:
        self.value = (parse_price(self.tp.text()), parse_price(self.sl.text()))
        self.accept()


def ask_tpsl(parent: QWidget, track: FuturesTrack) -> TpSl | None:
    dialog = TpSlDialog(track, parent)
    return dialog.value if dialog.exec() == QDialog.DialogCode.Accepted else None


def side_sign(track: FuturesTrack) -> int:
    return 1 if track.pos_side == "long" else -1
