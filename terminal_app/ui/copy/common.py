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
from terminal_app.ui.models.table import SORT_ROLE, Column, StreamingTableModel, clock_ms, fixed, signed, text

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


class TpSlForm(CheckedDialog):
    """A take-profit and a stop-loss price under a ``note``; OK needs at least one. With ``zero_clears`` 0 removes a
    price that is set (a tracking order's TP/SL), else 0 counts as no price."""

    def __init__(self, name: str, title: str, note: str, parent: QWidget | None = None, *,
                 zero_clears: bool = False, current: TpSl = (None, None)) -> None:
        super().__init__(name, title, parent)
        self.form.addRow(QLabel(note))
        self.tp = QLineEdit(self)
        self.sl = QLineEdit(self)
        for edit, price in ((self.tp, current[0]), (self.sl, current[1])):
            edit.setPlaceholderText(str(price or ""))
        self.form.addRow("&Take profit", self.tp)
        self.form.addRow("&Stop loss", self.sl)
        self.zero_clears = zero_clears
        self.value: TpSl | None = None

    def problem(self) -> str | None:
        try:
            prices = parse_price(self.tp.text()), parse_price(self.sl.text())
        except ValueError as exc:
            return str(exc)
        if not any(p is not None if self.zero_clears else p for p in prices):
            return "Give a take-profit or a stop-loss price."
        return None

    def submit(self) -> None:
        self.value = (parse_price(self.tp.text()), parse_price(self.sl.text()))
        self.accept()


class TpSlDialog(TpSlForm):
    """Take-profit and stop-loss prices of one tracking order: empty keeps the current one, 0 removes it."""

    def __init__(self, track: FuturesTrack, parent: QWidget | None = None) -> None:
        super().__init__("TpSlDialog", f"TP/SL · {track.symbol} {track.pos_side} · {track.tracking_no}",
                         f"Opened at {track.open_price} × {track.open_size}. Empty keeps the price, 0 removes it.",
                         parent, zero_clears=True, current=(track.stop_surplus_price, track.stop_loss_price))


def ask_tpsl(parent: QWidget, track: FuturesTrack) -> TpSl | None:
    dialog = TpSlDialog(track, parent)
    return dialog.value if dialog.exec() == QDialog.DialogCode.Accepted else None


def side_sign(track: FuturesTrack) -> int:
    return 1 if track.pos_side == "long" else -1


def opened_columns() -> list[Column[FuturesTrack]]:
    """What every table of tracking orders starts with: symbol, side, leverage, size and entry."""
    return [
        Column("Symbol", lambda t: t.symbol),
        Column("Side", lambda t: t.pos_side, direction=side_sign),
        Column("Lev", lambda t: t.open_leverage, fixed(0), numeric=True),
        Column("Size", lambda t: t.open_size, text(), numeric=True),
        Column("Entry", lambda t: t.open_price, text(), numeric=True),
    ]


def closed_columns(pnl_places: int) -> list[Column[FuturesTrack]]:
    """A closed tracking order's exit, realised PnL (to ``pnl_places``) and close time."""
    return [Column("Exit", lambda t: t.close_price, text(), numeric=True),
            Column("PnL", lambda t: t.achieved_pl, signed(pnl_places), numeric=True, direction=lambda t: t.achieved_pl),
            Column("Closed", lambda t: t.close_time, clock_ms(with_ms=False))]
