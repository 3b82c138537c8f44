"""A generic streaming table model: declarative columns, rows upserted by key, updates coalesced to frame rate.

A table is a list of :class:`Column` specs over row objects (frozen dataclasses such as ``Order`` or ``Ticker``)::

    COLUMNS = [
        Column("Symbol", lambda t: t.symbol),
        Column("Last", lambda t: t.last, fixed(lambda t: markets[t.symbol].price_places), numeric=True,
               direction=lambda t: t.change_24h),
        Column("24h", lambda t: t.change_24h, percent(2), numeric=True, direction=lambda t: t.change_24h),
    ]
    model = StreamingTableModel(COLUMNS, key=lambda t: t.symbol)
    model.upsert(ticker)          # any rate; the view repaints at most once per ``coalesce_ms``

Numeric columns are right-aligned in tabular digits. ``direction`` returns a number whose sign picks the up or down
colour of the current theme (``tint`` does the same for the row background). Values stay exact (Decimal) until the
formatter turns them into text; :data:`RAW_ROLE` returns the value itself and :data:`SORT_ROLE` a sortable stand-in
for ``QSortFilterProxyModel.setSortRole``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont

from terminal_app.ui.format import to_decimal
from terminal_app.ui.theme import current_colors, number_font

R = TypeVar("R")
Index = QModelIndex | QPersistentModelIndex
Formatter = Callable[[Any, Any], str]

RAW_ROLE = int(Qt.ItemDataRole.UserRole)
SORT_ROLE = int(Qt.ItemDataRole.UserRole) + 1

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


# --- formatters: (value, row) -> text ------------------------------------------------------------------------------

def _places(places: int | Callable[[Any], int], row: Any) -> int:
    return places(row) if callable(places) else places


def _rounded(d: Decimal, places: int) -> Decimal:
    # Explicit rounding: Decimal's format spec follows the thread's decimal context, which any library may change.
    return d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN) if d.is_finite() else d


def _plain(value: Any, _row: Any) -> str:
    return "" if value is None else str(value)


def text() -> Formatter:
    return _plain


def fixed(places: int | Callable[[Any], int], grouping: bool = True) -> Formatter:
    """Exactly ``places`` decimals (an int, or a function of the row for per-market precision), e.g. 65,012.50."""
    sep = "," if grouping else ""

    def fmt(value: Any, row: Any) -> str:
        d = to_decimal(value)
        if d is None:
            return "" if value is None else str(value)
        n = _places(places, row)
        return f"{_rounded(d, n):{sep}.{n}f}"

    return fmt


def signed(places: int | Callable[[Any], int], grouping: bool = True) -> Formatter:
    """Like :func:`fixed` with an explicit ``+`` on gains (PnL columns)."""
    sep = "," if grouping else ""

    def fmt(value: Any, row: Any) -> str:
        d = to_decimal(value)
        if d is None:
            return ""
        n = _places(places, row)
        return f"{_rounded(d, n):+{sep}.{n}f}"

    return fmt


def percent(places: int = 2, ratio: bool = True) -> Formatter:
    """A signed percentage; ``ratio`` means the value is a fraction (Bitget's ``change24h`` 0.0123 → +1.23 %)."""

    def fmt(value: Any, _row: Any) -> str:
        d = to_decimal(value)
        if d is None:
            return ""
        return f"{(d * 100 if ratio else d):+.{places}f} %"

    return fmt


def compact(places: int = 2) -> Formatter:
    """Large amounts shortened: 1,234,567 → 1.23M (volumes)."""

    def fmt(value: Any, _row: Any) -> str:
        d = to_decimal(value)
        if d is None:
            return ""
        for threshold, suffix in ((Decimal(10) ** 12, "T"), (Decimal(10) ** 9, "B"), (Decimal(10) ** 6, "M"),
                                  (Decimal(10) ** 3, "K")):
            if abs(d) >= threshold:
                return f"{d / threshold:.{places}f}{suffix}"
        return f"{d:.{places}f}"

    return fmt


def clock_ms(with_ms: bool = True, utc: bool = False) -> Formatter:
    """An epoch-milliseconds timestamp (Bitget's ``ts``) as a time of day, local unless ``utc``."""

    def fmt(value: Any, _row: Any) -> str:
        if value is None or value == "":
            return ""
        ms = int(value)
        stamp = dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC if utc else None)
        return stamp.strftime("%H:%M:%S") + (f".{ms % 1000:03d}" if with_ms else "")

    return fmt


# --- columns -------------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Column(Generic[R]):
    """One column: header, how to get the value from a row, and how to show it."""

    header: str
    value: Callable[[R], Any]
    format: Formatter = _plain
    numeric: bool = False  # right-aligned, tabular digits, sorted as a number
    direction: Callable[[R], Any] | None = None  # sign → up/down text colour
    tint: Callable[[R], Any] | None = None  # sign → soft up/down background
    tooltip: Callable[[R], str | None] | None = None
    align: Qt.AlignmentFlag | None = None  # overrides the numeric/text default

    @property
    def alignment(self) -> Qt.AlignmentFlag:
        if self.align is not None:
            return self.align
        return _RIGHT if self.numeric else _LEFT


def _sign(value: Any) -> int:
    if value is None or value == "":
        return 0
    d = value if isinstance(value, int | float | Decimal) else to_decimal(value)
    if d is None or d == 0:
        return 0
    return 1 if d > 0 else -1


class StreamingTableModel(QAbstractTableModel, Generic[R]):
    """Rows keyed by ``key(row)``; :meth:`upsert`/:meth:`remove` may be called at any rate.

    Changes are buffered and applied by :meth:`flush` at most once per ``coalesce_ms`` (``None`` applies each call at
    once): updates emit one ``dataChanged`` per contiguous run of changed rows, new rows one
    ``beginInsertRows`` block (at the top when ``newest_first``, as a tape wants), removals one
    ``beginRemoveRows`` per contiguous run. ``max_rows`` drops the oldest rows beyond it.

    Signals:
        flushed(int): a batch was applied; the argument is how many rows it touched (for repaint statistics).
    """

    flushed = Signal(int)

    def __init__(
        self,
        columns: Sequence[Column[R]],
        key: Callable[[R], Hashable],
        *,
        newest_first: bool = False,
        max_rows: int | None = None,
        coalesce_ms: int | None = 33,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self.columns: tuple[Column[R], ...] = tuple(columns)
        self._key = key
        self.newest_first = newest_first
        self.max_rows = max_rows
        self._rows: list[R] = []
        self._index: dict[Hashable, int] = {}
        self._pending: dict[Hashable, R] = {}
        self._pending_removals: set[Hashable] = set()
        self.flush_count = 0
        self._font: QFont | None = None
        self._timer: QTimer | None = None
        if coalesce_ms is not None:
            self._timer = QTimer(self)
            self._timer.setObjectName("table-coalesce")
            self._timer.setSingleShot(True)
            self._timer.setInterval(coalesce_ms)
            self._timer.timeout.connect(self.flush)

    # --- feeding ------------------------------------------------------------------------------------------------

    def upsert(self, row: R) -> None:
        k = self._key(row)
        self._pending_removals.discard(k)
        self._pending[k] = row
        self._schedule()

    def upsert_many(self, rows: Iterable[R]) -> None:
        for row in rows:
            k = self._key(row)
            self._pending_removals.discard(k)
            self._pending[k] = row
        self._schedule()

    def remove(self, key: Hashable) -> None:
        self._pending.pop(key, None)
        if key in self._index:
            self._pending_removals.add(key)
        self._schedule()

    def replace_all(self, rows: Iterable[R]) -> None:
        """Swap the whole content (a snapshot after reconnect), ``rows`` oldest first; pending changes are dropped."""
        self._pending.clear()
        self._pending_removals.clear()
        self.beginResetModel()
        unique = {self._key(r): r for r in rows}
        self._rows = list(unique.values())
        if self.newest_first:
            self._rows.reverse()
        self._trim_silently()
        self._reindex()
        self.endResetModel()

    def clear(self) -> None:
        self.replace_all(())

    def _schedule(self) -> None:
        if self._timer is None:
            self.flush()
        elif not self._timer.isActive():
            self._timer.start()

    @property
    def pending(self) -> int:
        return len(self._pending) + len(self._pending_removals)

    def flush(self) -> None:
        """Apply buffered changes now."""
        if self._timer is not None:
            self._timer.stop()
        if not self._pending and not self._pending_removals:
            return
        touched = 0
        if self._pending_removals:
            touched += self._remove_rows(sorted(self._index[k] for k in self._pending_removals if k in self._index))
            self._pending_removals.clear()
        updated: list[int] = []
        added: list[R] = []
        for k, row in self._pending.items():
            i = self._index.get(k)
            if i is None:
                added.append(row)
            else:
                self._rows[i] = row
                updated.append(i)
        self._pending.clear()
        last_col = len(self.columns) - 1
        for first, last in _runs(sorted(updated)):
            self.dataChanged.emit(self.index(first, 0), self.index(last, last_col))
        touched += len(updated)
        if added:
            n = len(self._rows)
            if self.newest_first:
                self.beginInsertRows(QModelIndex(), 0, len(added) - 1)
                self._rows[:0] = reversed(added)
            else:
                self.beginInsertRows(QModelIndex(), n, n + len(added) - 1)
                self._rows.extend(added)
            self._reindex()
            self.endInsertRows()
            touched += len(added)
        if self.max_rows is not None and len(self._rows) > self.max_rows:
            extra = len(self._rows) - self.max_rows
            oldest = range(len(self._rows) - extra, len(self._rows)) if self.newest_first else range(extra)
            touched += self._remove_rows(list(oldest))
        self.flush_count += 1
        self.flushed.emit(touched)

    def _remove_rows(self, rows: list[int]) -> int:
        # Bottom-up, so the indices of runs still to remove stay valid.
        for first, last in reversed(_runs(rows)):
            self.beginRemoveRows(QModelIndex(), first, last)
            del self._rows[first:last + 1]
            self._reindex()
            self.endRemoveRows()
        return len(rows)

    def _trim_silently(self) -> None:
        if self.max_rows is not None and len(self._rows) > self.max_rows:
            self._rows = self._rows[: self.max_rows] if self.newest_first else self._rows[-self.max_rows:]

    def _reindex(self) -> None:
        self._index = {self._key(r): i for i, r in enumerate(self._rows)}

    # --- reading ------------------------------------------------------------------------------------------------

    def row_at(self, row: int) -> R:
        return self._rows[row]

    def row_for(self, key: Hashable) -> R | None:
        i = self._index.get(key)
        return None if i is None else self._rows[i]

    def row_of(self, key: Hashable) -> int | None:
        return self._index.get(key)

    def rows(self) -> list[R]:
        return list(self._rows)

    def column_of(self, header: str) -> int:
        for i, c in enumerate(self.columns):
            if c.header == header:
                return i
        raise KeyError(header)

    def text(self, row: int, column: int | str) -> str:
        """What the view shows in a cell (for tests and copy-to-clipboard)."""
        col = column if isinstance(column, int) else self.column_of(column)
        return str(self.data(self.index(row, col), Qt.ItemDataRole.DisplayRole))

    # --- QAbstractTableModel --------------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        if not (0 <= r < len(self._rows) and 0 <= c < len(self.columns)):
            return None
        row, col = self._rows[r], self.columns[c]
        if role == Qt.ItemDataRole.DisplayRole:
            return col.format(col.value(row), row)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return col.alignment
        if role == Qt.ItemDataRole.ForegroundRole and col.direction is not None:
            return self._signed_colour(col.direction(row), soft=False)
        if role == Qt.ItemDataRole.BackgroundRole and col.tint is not None:
            return self._signed_colour(col.tint(row), soft=True)
        if role == Qt.ItemDataRole.FontRole and col.numeric:
            if self._font is None:
                self._font = number_font()
            return self._font
        if role == Qt.ItemDataRole.ToolTipRole and col.tooltip is not None:
            return col.tooltip(row)
        if role == RAW_ROLE:
            return col.value(row)
        if role == SORT_ROLE:
            return _sortable(col.value(row), col.numeric)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        col = self.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return col.header
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return col.alignment
        return None

    @staticmethod
    def _signed_colour(value: Any, soft: bool) -> QColor | None:
        s = _sign(value)
        if s == 0:
            return None
        c = current_colors()
        if soft:
            return QColor(c.up_soft if s > 0 else c.down_soft)
        return QColor(c.up if s > 0 else c.down)


def _sortable(value: Any, numeric: bool) -> Any:
    # QVariant cannot order Decimals (they travel as opaque Python objects), so numbers sort as floats: fine for order.
    if numeric:
        d = to_decimal(value)
        return float(d) if d is not None else float("-inf")
    return "" if value is None else str(value)


def _runs(sorted_rows: Iterable[int]) -> list[tuple[int, int]]:
    """[1, 2, 3, 7, 8] → [(1, 3), (7, 8)]."""
    runs: list[tuple[int, int]] = []
    for r in sorted_rows:
        if runs and r == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], r)
        else:
            runs.append((r, r))
    return runs
