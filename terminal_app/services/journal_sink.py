"""Every order and fill the trading service sees goes into the profile's journal (``store.journal``).

:class:`JournalSink` follows the active profile: :meth:`JournalSink.attach` opens that profile's journal file
(``<data dir>/journal/<profile>.sqlite3``), writes what the trading service already knows (history and fills read at
start), then each ``order_updated``, ``fill_received`` and ``history_changed`` as it comes. The journal's writes are
idempotent, so overlapping news (REST reply, stream, reconciliation) is stored once. :meth:`JournalSink.history`
is the :class:`~terminal_app.services.guards.HistorySource` through which the orders panel shows orders and fills of
earlier runs. CSV export of fills and orders, and the realized-PnL-by-day summary (:class:`DailyPnlDialog`) read
the same file; :func:`install_journal_menu` puts them in the File menu.

Orders the risk guards refused are not journaled: they never left the terminal.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
from collections.abc import Callable
from datetime import UTC, tzinfo
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from terminal_app.bitget.models import Fill
from terminal_app.config.profiles import Profile
from terminal_app.core.orders import FINAL_STATUSES, OrderView
from terminal_app.store.journal import DailyPnl, Journal, JournalError

log = logging.getLogger("terminal_app.services.journal_sink")

JOURNAL_DIR = "journal"
HISTORY_ROWS = 500
FILL_ROWS = 1000


def journal_path(data_dir: Path, profile: Profile) -> Path:
    """The journal file of ``profile``: a readable slug of its name plus a short hash of its account, so two
    names that slug alike (``Live 1``/``live-1``) never share a file."""
    slug = re.sub(r"[^a-z0-9]+", "-", profile.name.lower()).strip("-")[:32] or "profile"
    digest = hashlib.sha256(profile.account_id.encode("utf-8")).hexdigest()[:8]
    return Path(data_dir) / JOURNAL_DIR / f"{slug}-{digest}.sqlite3"


class JournalHistory:
    """One profile's finished orders and fills from the journal (the orders panel's view into earlier runs)."""

    def __init__(self, journal: Journal, profile: str) -> None:
        self._journal = journal
        self._profile = profile

    def orders(self) -> list[OrderView]:
        return self._journal.orders(self._profile, statuses=FINAL_STATUSES, limit=HISTORY_ROWS)

    def fills(self) -> list[Fill]:
        return self._journal.fills(self._profile, limit=FILL_ROWS)


class JournalSink(QObject):
    """Writes the active profile's orders and fills to its journal.

    Signals:
        attached(str): the journal of this profile is now written.
        failed(str): the journal could not be opened or written (the message is for the user).
    """

    attached = Signal(str)
    failed = Signal(str)

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.journal: Journal | None = None
        self.profile: Profile | None = None
        self._trading: Any = None
        self._warned = False

    # --- following the active profile -------------------------------------------------------------------------

    def open_for(self, profile: Profile) -> JournalHistory | None:
        """Open ``profile``'s journal (closing the previous one); its history, or None when it cannot be opened."""
        self.detach()
        self.close()
        path = journal_path(self.data_dir, profile)
        try:
            self.journal = Journal(path)
        except (JournalError, sqlite3.Error, OSError) as exc:
            self._fail(f"The trading journal {path} cannot be used: {exc}")
            return None
        self.profile = profile
        return JournalHistory(self.journal, profile.name)

    def attach(self, trading: Any) -> None:
        """Journal everything ``trading`` (a ``TradingService``) knows now and from now on."""
        if self.journal is None or self.profile is None:
            return
        self.detach()
        self._trading = trading
        trading.order_updated.connect(self._on_order)
        trading.fill_received.connect(self._on_fill)
        trading.history_changed.connect(self._on_history)
        self._on_history()
        self.attached.emit(self.profile.name)

    def detach(self) -> None:
        trading, self._trading = self._trading, None
        if trading is None:
            return
        for signal, slot in ((trading.order_updated, self._on_order), (trading.fill_received, self._on_fill),
                             (trading.history_changed, self._on_history)):
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):  # the service is already gone
                pass

    def close(self) -> None:
        self.detach()
        if self.journal is not None:
            self.journal.close()
            self.journal = None

    def history(self) -> JournalHistory | None:
        if self.journal is None or self.profile is None:
            return None
        return JournalHistory(self.journal, self.profile.name)

    # --- writing ----------------------------------------------------------------------------------------------

    def _write(self, what: Callable[[Journal, str], object]) -> None:
        journal, profile = self.journal, self.profile
        if journal is None or profile is None:
            return
        try:
            what(journal, profile.name)
        except (sqlite3.Error, OSError) as exc:
            # Keep trading; say so once, not on every order.
            if not self._warned:
                self._warned = True
                self._fail(f"The trading journal could not be written ({exc}); history will be incomplete.")

    def _on_order(self, view: OrderView) -> None:
        self._write(lambda j, p: j.record_order(p, view))

    def _on_fill(self, fill: Fill) -> None:
        self._write(lambda j, p: j.add_fill(p, fill))

    def _on_history(self) -> None:
        trading = self._trading
        if trading is None:
            return
        views = [*trading.order_history(), *trading.open_orders(None)]
        fills = trading.fills()
        self._write(lambda j, p: (j.record_orders(p, views), j.add_fills(p, fills)))

    def _fail(self, message: str) -> None:
        log.error("%s", message)
        self.failed.emit(message)

    # --- reading ----------------------------------------------------------------------------------------------

    def export_fills(self, dest: Path) -> int:
        """Write the active profile's fills to ``dest`` as CSV; the number of rows."""
        journal, profile = self._require()
        return journal.export_fills_csv(Path(dest), profile)

    def export_orders(self, dest: Path) -> int:
        journal, profile = self._require()
        return journal.export_orders_csv(Path(dest), profile)

    def daily_pnl(self, tz: tzinfo = UTC) -> list[DailyPnl]:
        journal, profile = self._require()
        return journal.daily_pnl(profile, tz=tz)

    def _require(self) -> tuple[Journal, str]:
        if self.journal is None or self.profile is None:
            raise JournalError("No profile is connected, so there is no journal to read.")
        return self.journal, self.profile.name


# --- UI: the PnL summary and the File menu entries ------------------------------------------------------------------

PNL_COLUMNS = ("Day", "Coin", "Realized", "Fees", "Net", "Fills")


def _num(value: Any) -> str:
    return f"{value.normalize():f}" if value else "0"


class DailyPnlDialog(QDialog):
    """Realized PnL by day and coin for the active profile (newest day first)."""

    def __init__(self, sink: JournalSink, parent: QWidget | None = None, *, tz: tzinfo | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DailyPnlDialog")
        self.setWindowTitle("Realized PnL by day")
        self._sink = sink
        self._tz = tz
        layout = QVBoxLayout(self)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.table = QTableWidget(0, len(PNL_COLUMNS), self)
        self.table.setHorizontalHeaderLabels(list(PNL_COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(640, 380)
        self.refresh()

    def refresh(self) -> list[DailyPnl]:
        try:
            rows = list(reversed(self._sink.daily_pnl(self._tz or _local_tz())))
        except JournalError as exc:
            self.note.setText(str(exc))
            self.table.setRowCount(0)
            return []
        profile = self._sink.profile.name if self._sink.profile else ""
        self.note.setText(
            f"Profile {profile}: futures count Bitget's realized profit plus fees; spot uses the average cost of the "
            "buys the journal has seen. Fees are negative." if rows else
            f"Profile {profile}: no fills in the journal yet.")
        self.table.setRowCount(len(rows))
        for r, day in enumerate(rows):
            cells = (day.day.isoformat(), day.coin, _num(day.realized), _num(day.fees), _num(day.net), str(day.fills))
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c >= 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        return rows


def _local_tz() -> tzinfo:
    from datetime import datetime

    return datetime.now().astimezone().tzinfo or UTC


class JournalMenu(QObject):
    """File ▸ Export fills (CSV)…, Export orders (CSV)…, Realized PnL by day… for the active profile."""

    def __init__(self, window: Any, sink: JournalSink) -> None:
        super().__init__(window)
        self._window = window
        self._sink = sink
        self.dialog: DailyPnlDialog | None = None
        menu = window.registry.menu("File")
        first = menu.actions()[0] if menu.actions() else None
        self.actions: dict[str, QAction] = {}
        for key, label, slot in (("export_fills", "Export fills (CSV)…", self._export_fills),
                                 ("export_orders", "Export orders (CSV)…", self._export_orders),
                                 ("daily_pnl", "Realized PnL by day…", self.show_pnl)):
            action = QAction(label, window)
            action.setObjectName(f"action_journal_{key}")
            action.triggered.connect(slot)
            menu.insertAction(first, action)
            self.actions[key] = action
        if first is not None:
            menu.insertSeparator(first)

    def _export(self, what: str, write: Callable[[Path], int]) -> None:
        profile = self._sink.profile.name if self._sink.profile else "profile"
        suggested = str(Path.home() / f"{re.sub(r'[^A-Za-z0-9]+', '-', profile)}-{what}.csv")
        path, _ = QFileDialog.getSaveFileName(self._window, f"Export {what}", suggested, "CSV files (*.csv)")
        if not path:
            return
        try:
            rows = write(Path(path))
        except (JournalError, OSError) as exc:
            self._window.toasts.show_toast(f"Export of {what} failed", str(exc))
            return
        self._window.toasts.show_toast(f"Exported {rows} {what}", path)

    def _export_fills(self) -> None:
        self._export("fills", self._sink.export_fills)

    def _export_orders(self) -> None:
        self._export("orders", self._sink.export_orders)

    def show_pnl(self) -> DailyPnlDialog:
        if self.dialog is None:
            self.dialog = DailyPnlDialog(self._sink, self._window)
        else:
            self.dialog.refresh()
        if self.dialog.isVisible():
            self.dialog.activateWindow()
        else:
            self.dialog.show()
        return self.dialog


def install_journal_menu(window: Any, sink: JournalSink) -> JournalMenu:
    """Add the journal's entries to ``window``'s File menu (a ``MainWindow``)."""
    return JournalMenu(window, sink)
