"""Log panel: timestamped fills, rejections (Bitget's code and a plain-language reason), cancels, account errors and
connection events, newest on top, filtered by level. A fill also raises a toast when the window has a toast host.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from terminal_app.bitget.models import Fill
from terminal_app.bitget.symbols import SymbolRef
from terminal_app.config.settings import Settings
from terminal_app.ui.docks import DockServices
from terminal_app.ui.docks.common import make_table
from terminal_app.ui.format import MarketPlaces, fmt_fixed
from terminal_app.ui.models.table import Column, StreamingTableModel, clock_ms, text

MAX_ENTRIES = 5000


class Level(IntEnum):
    DEBUG = 10
    INFO = 20
    WARNING = 30
    ERROR = 40

    @classmethod
    def parse(cls, name: str) -> Level:
        word = name.strip().upper()
        return {"WARN": cls.WARNING, "CRITICAL": cls.ERROR, "FATAL": cls.ERROR}.get(word) or cls.__members__.get(
            word, cls.INFO)

    @property
    def label(self) -> str:
        return {Level.DEBUG: "debug", Level.INFO: "info", Level.WARNING: "warn", Level.ERROR: "error"}[self]


@dataclass(frozen=True, slots=True)
class LogEntry:
    seq: int
    ts: int  # epoch ms
    level: Level
    source: str
    text: str


FILTERS: tuple[tuple[str, Level], ...] = (
    ("All", Level.DEBUG), ("Info and above", Level.INFO), ("Warnings and errors", Level.WARNING),
    ("Errors only", Level.ERROR),
)


class LevelFilter(QSortFilterProxyModel):
    """Shows entries at or above ``minimum``."""

    def __init__(self, source: StreamingTableModel[LogEntry], parent: Any = None) -> None:
        super().__init__(parent)
        self._source = source
        self.minimum = Level.INFO
        self.setSourceModel(source)

    def set_minimum(self, level: Level) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt ≥ 6.10; invalidateFilter() is deprecated there
            self.beginFilterChange()
            self.minimum = level
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.minimum = level
            self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent: QModelIndex | QPersistentModelIndex) -> bool:
        return self._source.row_at(row).level >= self.minimum


def _error_sign(e: LogEntry) -> int:
    return -1 if e.level >= Level.ERROR else 0


class LogPanel(QWidget):
    """The log panel. ``add(level, source, text)`` is public so other parts of the window can log here too."""

    def __init__(self, services: DockServices, parent: QWidget | None = None, *,
                 max_entries: int = MAX_ENTRIES) -> None:
        super().__init__(parent)
        self.setObjectName("LogPanel")
        self.places = MarketPlaces(services.market_data.market)
        self._seq = itertools.count()
        self._cancels_logged: set[str] = set()
        self.model: StreamingTableModel[LogEntry] = StreamingTableModel(
            [
                Column("Time", lambda e: e.ts, clock_ms(with_ms=True)),
                Column("Level", lambda e: e.level.label, text(), direction=_error_sign),
                Column("Source", lambda e: e.source, text()),
                Column("Message", lambda e: e.text, text(), direction=_error_sign, tooltip=lambda e: e.text),
            ],
            key=lambda e: e.seq, newest_first=True, max_rows=max_entries, coalesce_ms=None,
        )
        self.proxy = LevelFilter(self.model, self)
        self.view = make_table(self.model, self, widths={"Time": 96, "Level": 52, "Source": 84})
        self.view.setModel(self.proxy)
        self.view.setObjectName("LogView")
        self.filter = QComboBox(self)
        for label, level in FILTERS:
            self.filter.addItem(label, int(level))
        self.filter.setCurrentIndex(1)
        self.filter.currentIndexChanged.connect(lambda i: self.proxy.set_minimum(Level(self.filter.itemData(i))))
        clear = QPushButton("Clear", self)
        clear.clicked.connect(self.model.clear)
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 4, 4, 0)
        bar.addWidget(QLabel("Show", self))
        bar.addWidget(self.filter)
        bar.addStretch(1)
        bar.addWidget(clear)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)

        conn, trading, account = services.connection, services.trading, services.account
        conn.log_event.connect(lambda level, msg: self.add(Level.parse(level), "connection", msg))
        conn.state_changed.connect(lambda state: self.add(Level.INFO, "connection", f"Connection {state}."))
        conn.reconciled.connect(lambda: self.add(
            Level.INFO, "connection", "Reconnected: orders, positions and balances were re-read from the exchange."))
        trading.fill_received.connect(self._on_fill)
        trading.order_rejected.connect(self._on_rejected)
        trading.order_updated.connect(self._on_order_updated)
        account.error.connect(lambda msg: self.add(Level.ERROR, "account", msg))

    # --- public API ---------------------------------------------------------------------------------------------

    def add(self, level: Level, source: str, message: str, ts: int | None = None) -> LogEntry:
        entry = LogEntry(next(self._seq), int(time.time() * 1000) if ts is None else ts, level, source, message)
        self.model.upsert(entry)
        return entry

    def entries(self, visible_only: bool = False) -> list[LogEntry]:
        """Newest first; ``visible_only`` applies the level filter."""
        if not visible_only:
            return self.model.rows()
        return [self.model.row_at(self.proxy.mapToSource(self.proxy.index(r, 0)).row())
                for r in range(self.proxy.rowCount())]

    def set_minimum_level(self, level: Level) -> None:
        self.filter.setCurrentIndex(self.filter.findData(int(level)))

    # --- reactions ----------------------------------------------------------------------------------------------

    def _describe(self, side: str, size: Any, ref: SymbolRef, price: Any) -> str:
        size_text = f"{size.normalize():f}" if size is not None else "?"
        at = f" @ {fmt_fixed(price, self.places.price(ref))}" if price is not None else " at market"
        return f"{side} {size_text} {ref.display}{at}"

    def _on_fill(self, fill: Fill) -> None:
        ref = SymbolRef(fill.symbol, fill.inst_type)
        fee = f", fee {fill.fee.copy_abs().normalize():f} {fill.fee_coin}" if fill.fee and fill.fee_coin else ""
        pnl = f", PnL {fill.profit.normalize():f}" if fill.profit else ""
        what = self._describe(fill.side, fill.size, ref, fill.price)
        self.add(Level.INFO, "fill", f"Filled {what}{fee}{pnl}")
        host = getattr(self.window(), "toasts", None)
        if host is not None and hasattr(host, "show_fill"):
            host.show_fill(fill.side, ref.display, f"{fill.size.normalize():f}",
                           fmt_fixed(fill.price, self.places.price(ref)))

    def _on_rejected(self, view: Any, message: str) -> None:
        what = self._describe(view.side, view.size, view.ref, view.price)
        self.add(Level.ERROR, "order", f"Rejected {what}: {message}")

    def _on_order_updated(self, view: Any) -> None:
        # The REST reply and the private stream may both report the cancel: log it once.
        if view.status in ("cancelled", "canceled") and view.client_oid not in self._cancels_logged:
            self._cancels_logged.add(view.client_oid)
            self.add(Level.INFO, "order", f"Cancelled {self._describe(view.side, view.size, view.ref, view.price)}")


def create_log(services: DockServices, parent: QWidget | None = None, *, settings: Settings | None = None) -> LogPanel:
    return LogPanel(services, parent)
