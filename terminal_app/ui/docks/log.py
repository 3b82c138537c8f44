"""Log panel: the terminal's log (``services.logbook``: fills, rejections with Bitget's code, cancels, account errors,
connection events — whatever the terminal logs), newest on top, filtered by level.

The panel is a reader of the log ring, not a second log: everything it shows was logged through ``logging`` and is
in the log file too. It starts with what the ring kept (what happened before the panel existed) and then takes the new
records in batches: the ring wakes :class:`LogFeed` (from whichever thread logged), the feed hands the batch to the
GUI thread through a queued signal, and every panel appends it in one model update.
"""

from __future__ import annotations

import logging
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from terminal_app.config.settings import Settings
from terminal_app.services import logbook
from terminal_app.services.logbook import LogEntry, LogRing
from terminal_app.ui.docks import DockServices
from terminal_app.ui.docks.common import make_table
from terminal_app.ui.models.table import Column, StreamingTableModel, clock_ms, text

MAX_ENTRIES = 5000


class Level(IntEnum):
    DEBUG = logging.DEBUG
    INFO = logging.INFO
    WARNING = logging.WARNING
    ERROR = logging.ERROR

    @classmethod
    def of(cls, levelno: int) -> Level:
        """The panel's level of a ``logging`` level (CRITICAL counts as an error, custom levels round down)."""
        for level in (cls.ERROR, cls.WARNING, cls.INFO):
            if levelno >= level:
                return level
        return cls.DEBUG

    @property
    def label(self) -> str:
        return {Level.DEBUG: "debug", Level.INFO: "info", Level.WARNING: "warn", Level.ERROR: "error"}[self]


FILTERS: tuple[tuple[str, Level], ...] = (
    ("All", Level.DEBUG), ("Info and above", Level.INFO), ("Warnings and errors", Level.WARNING),
    ("Errors only", Level.ERROR),
)


class LogFeed(QObject):
    """Carries new entries of one ring to the GUI thread.

    The ring calls :meth:`_wake` on the thread that logged; the queued connection runs :meth:`_deliver` on the
    feed's (the GUI) thread, which reads everything new and emits it once. One feed per ring lives as long as the
    process, so a thread that logs never signals an object that is being deleted.

    Signals:
        appended(list[LogEntry]): entries logged since the last emission, oldest first.
    """

    appended = Signal(object)
    _woken = Signal()

    def __init__(self, ring: LogRing) -> None:
        super().__init__()
        self.ring = ring
        self._woken.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._reader = ring.subscribe(self._woken.emit)

    def _deliver(self) -> None:
        entries = self._reader.read()
        if entries:
            self.appended.emit(entries)


_FEEDS: dict[int, LogFeed] = {}


def feed_for(ring: LogRing) -> LogFeed:
    """The one :class:`LogFeed` of ``ring`` (made on first use, on the GUI thread)."""
    feed = _FEEDS.get(id(ring))
    if feed is None or feed.ring is not ring:
        feed = _FEEDS[id(ring)] = LogFeed(ring)
    return feed


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
    return -1 if e.level >= logging.ERROR else 0


class LogPanel(QWidget):
    """The log panel over ``ring`` (default: the process's, ``logbook.ring()``)."""

    def __init__(self, parent: QWidget | None = None, *, ring: LogRing | None = None,
                 max_entries: int = MAX_ENTRIES) -> None:
        super().__init__(parent)
        self.setObjectName("LogPanel")
        self.ring = ring if ring is not None else logbook.ring()
        self.model: StreamingTableModel[LogEntry] = StreamingTableModel(
            [
                Column("Time", lambda e: e.ts, clock_ms(with_ms=True)),
                Column("Level", lambda e: Level.of(e.level).label, text(), direction=_error_sign),
                Column("Source", lambda e: e.source, text(), tooltip=lambda e: e.logger),
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
        clear.setToolTip("Clear the panel (the log file keeps everything)")
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

        self._last_seq = 0
        feed = feed_for(self.ring)
        self._append(self.ring.entries())  # what happened before this panel existed
        feed.appended.connect(self._append)  # a GUI-thread connection, dropped with the panel

    def _append(self, entries: list[LogEntry]) -> None:
        # The backlog and the feed's next batch can overlap (the feed was woken before this panel read the ring).
        fresh = [e for e in entries if e.seq > self._last_seq]
        if fresh:
            self._last_seq = fresh[-1].seq
            self.model.upsert_many(fresh)

    # --- public API ---------------------------------------------------------------------------------------------

    def entries(self, visible_only: bool = False) -> list[LogEntry]:
        """Newest first; ``visible_only`` applies the level filter."""
        if not visible_only:
            return self.model.rows()
        return [self.model.row_at(self.proxy.mapToSource(self.proxy.index(r, 0)).row())
                for r in range(self.proxy.rowCount())]

    def set_minimum_level(self, level: Level) -> None:
        self.filter.setCurrentIndex(self.filter.findData(int(level)))


def create_log(services: DockServices, parent: QWidget | None = None, *, settings: Settings | None = None) -> LogPanel:
    return LogPanel(parent)
